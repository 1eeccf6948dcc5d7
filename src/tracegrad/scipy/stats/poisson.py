"""``tracegrad.scipy.stats.poisson``: the Poisson distribution, as
``jax.scipy.stats.poisson``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.ops import special as sp
from tracegrad.ops.special_igamma import igammac
from tracegrad.scipy.stats._common import off_integers, promote

__all__ = ["cdf", "logpmf", "pmf"]


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The log mass ``xlogy(k, mu) - mu - gammaln(k + 1)`` at the integers ``k >= loc``,
    -inf elsewhere.

    >>> logpmf(np.array([-1.0, 0.0, 2.0, 2.5]), 3.0)
    array([      -inf, -3.       , -1.4959226,       -inf])
    """
    k, mu, loc = promote(k, mu, loc)
    x = uf.subtract(k, loc)
    value = uf.subtract(uf.subtract(sp.xlogy(x, mu), mu), sp.lgamma(uf.add(x, 1.0)))
    off = uf.logical_or(uf.less(x, 0), off_integers(k))
    return uf.where(off, -uf.inf, value)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([0.0, 1.0]), 2.0)
    array([0.13533528, 0.27067057])
    """
    return uf.exp(logpmf(k, mu, loc))


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The distribution function ``gammaincc(floor(k - loc) + 1, mu)`` (0 below ``loc``);
    differentiable in ``mu``.

    >>> cdf(np.array([-1.0, 0.0, 2.5]), 2.0)
    array([0.        , 0.13533528, 0.67667642])
    """
    k, mu, loc = promote(k, mu, loc)
    x = uf.floor(uf.subtract(k, loc))
    below = uf.less(x, 0)
    return uf.where(below, 0.0, igammac(uf.add(uf.where(below, 0.0, x), 1.0), mu))
