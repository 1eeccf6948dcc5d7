"""``tracegrad.scipy.stats.geom``: the geometric distribution on 1, 2, ..., as
``jax.scipy.stats.geom``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy._entropy import xlog1py as _xlog1py
from tracegrad.scipy.stats._common import off_integers as _off_integers
from tracegrad.scipy.stats._common import promote as _promote


def logpmf(k: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The log mass ``xlog1py(k - 1, -p) + log(p)`` for integers
    ``k - loc >= 1``, -inf elsewhere (as SciPy).

    >>> logpmf(np.array([0.0, 1.0, 3.0]), 0.5)
    array([       -inf, -0.69314718, -2.07944154])
    """
    k, p, loc = _promote(k, p, loc)
    x = uf.subtract(k, loc)
    value = uf.add(_xlog1py(uf.subtract(x, 1.0), uf.negative(p)), uf.log(p))
    return uf.where(uf.logical_or(uf.less_equal(x, 0), _off_integers(k)), -uf.inf, value)


def pmf(k: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([2.0]), 0.5)
    array([0.25])
    """
    return uf.exp(logpmf(k, p, loc))


__all__ = _public_names(globals())
