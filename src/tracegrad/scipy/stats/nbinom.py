"""``tracegrad.scipy.stats.nbinom``: the negative binomial distribution, as
``jax.scipy.stats.nbinom``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.ops import special as sp
from tracegrad.scipy._entropy import xlog1py
from tracegrad.scipy.stats._common import off_integers, promote

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """The log mass ``gammaln(y + n) - gammaln(n) - gammaln(y + 1) + xlogy(n, p) +
    xlog1py(y, -p)``, ``y = k - loc``, for integers ``k >= loc``, -inf
    elsewhere (as SciPy).

    >>> logpmf(np.array([-1.0, 0.0, 2.0]), 3.0, 0.5)
    array([       -inf, -2.07944154, -1.67397643])
    """
    k, n, p, loc = promote(k, n, p, loc)
    y = uf.subtract(k, loc)
    comb = uf.subtract(sp.lgamma(uf.add(y, n)), uf.add(sp.lgamma(n), sp.lgamma(uf.add(y, 1.0))))
    value = uf.add(comb, uf.add(sp.xlogy(n, p), xlog1py(y, uf.negative(p))))
    return uf.where(uf.logical_or(uf.less(k, loc), off_integers(k)), -uf.inf, value)


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([0.0]), 3.0, 0.5)
    array([0.125])
    """
    return uf.exp(logpmf(k, n, p, loc))
