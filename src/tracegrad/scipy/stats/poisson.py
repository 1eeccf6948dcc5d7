"""``tracegrad.scipy.stats.poisson``: the Poisson distribution, as
``jax.scipy.stats.poisson``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.ops.special_igamma import igammac as _igammac
from tracegrad.scipy.stats._common import off_integers as _off_integers
from tracegrad.scipy.stats._common import promote as _promote


def logpmf(k: _Any, mu: _Any, loc: _Any = 0) -> _Any:
    """The log mass ``xlogy(k, mu) - mu - gammaln(k + 1)`` at the integers ``k >= loc``,
    -inf elsewhere.

    >>> logpmf(np.array([-1.0, 0.0, 2.0, 2.5]), 3.0)
    array([      -inf, -3.       , -1.4959226,       -inf])
    """
    k, mu, loc = _promote(k, mu, loc)
    x = uf.subtract(k, loc)
    value = uf.subtract(uf.subtract(sp.xlogy(x, mu), mu), sp.lgamma(uf.add(x, 1.0)))
    off = uf.logical_or(uf.less(x, 0), _off_integers(k))
    return uf.where(off, -uf.inf, value)


def pmf(k: _Any, mu: _Any, loc: _Any = 0) -> _Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([0.0, 1.0]), 2.0)
    array([0.13533528, 0.27067057])
    """
    return uf.exp(logpmf(k, mu, loc))


def cdf(k: _Any, mu: _Any, loc: _Any = 0) -> _Any:
    """The distribution function ``gammaincc(floor(k - loc) + 1, mu)`` (0 below ``loc``);
    differentiable in ``mu``.

    >>> cdf(np.array([-1.0, 0.0, 2.5]), 2.0)
    array([0.        , 0.13533528, 0.67667642])
    """
    k, mu, loc = _promote(k, mu, loc)
    x = uf.floor(uf.subtract(k, loc))
    below = uf.less(x, 0)
    return uf.where(below, 0.0, _igammac(uf.add(uf.where(below, 0.0, x), 1.0), mu))


__all__ = _public_names(globals())
