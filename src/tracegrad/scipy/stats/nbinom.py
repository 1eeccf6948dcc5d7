"""``tracegrad.scipy.stats.nbinom``: the negative binomial distribution, as
``jax.scipy.stats.nbinom``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy._entropy import xlog1py as _xlog1py
from tracegrad.scipy.stats._common import off_integers as _off_integers
from tracegrad.scipy.stats._common import promote as _promote


def logpmf(k: _Any, n: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The log mass ``gammaln(y + n) - gammaln(n) - gammaln(y + 1) + xlogy(n, p) +
    xlog1py(y, -p)``, ``y = k - loc``, for integers ``k >= loc``, -inf
    elsewhere (as SciPy).

    >>> logpmf(np.array([-1.0, 0.0, 2.0]), 3.0, 0.5)
    array([       -inf, -2.07944154, -1.67397643])
    """
    k, n, p, loc = _promote(k, n, p, loc)
    y = uf.subtract(k, loc)
    comb = uf.subtract(sp.lgamma(uf.add(y, n)), uf.add(sp.lgamma(n), sp.lgamma(uf.add(y, 1.0))))
    value = uf.add(comb, uf.add(sp.xlogy(n, p), _xlog1py(y, uf.negative(p))))
    return uf.where(uf.logical_or(uf.less(k, loc), _off_integers(k)), -uf.inf, value)


def pmf(k: _Any, n: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([0.0]), 3.0, 0.5)
    array([0.125])
    """
    return uf.exp(logpmf(k, n, p, loc))


__all__ = _public_names(globals())
