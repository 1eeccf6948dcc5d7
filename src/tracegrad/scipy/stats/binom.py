"""``tracegrad.scipy.stats.binom``: the binomial distribution, as ``jax.scipy.stats.binom``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy._entropy import xlog1py as _xlog1py
from tracegrad.scipy.stats._common import off_integers as _off_integers
from tracegrad.scipy.stats._common import promote as _promote


def logpmf(k: _Any, n: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The log mass ``log C(n, y) + xlogy(y, p) + xlog1py(n - y, -p)``, ``y = k - loc``, for
    integers ``loc <= k < loc + n + 1``, -inf elsewhere (as SciPy).

    >>> logpmf(np.array([0.0, 1.0, 3.0, 4.0]), 3.0, 0.5)
    array([-2.07944154, -0.98082925, -2.07944154,        -inf])
    """
    k, n, p, loc = _promote(k, n, p, loc)
    y = uf.subtract(k, loc)
    comb = uf.subtract(
        sp.lgamma(uf.add(n, 1.0)),
        uf.add(sp.lgamma(uf.add(y, 1.0)), sp.lgamma(uf.add(uf.subtract(n, y), 1.0))),
    )
    value = uf.add(comb, uf.add(sp.xlogy(y, p), _xlog1py(uf.subtract(n, y), uf.negative(p))))
    inside = uf.logical_and(uf.greater_equal(k, loc), uf.less(k, uf.add(uf.add(loc, n), 1.0)))
    return uf.where(uf.logical_and(inside, uf.logical_not(_off_integers(k))), value, -uf.inf)


def pmf(k: _Any, n: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([1.0]), 2.0, 0.5)
    array([0.5])
    """
    return uf.exp(logpmf(k, n, p, loc))


__all__ = _public_names(globals())
