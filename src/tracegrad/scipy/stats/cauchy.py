"""``tracegrad.scipy.stats.cauchy``: the Cauchy distribution, as ``jax.scipy.stats.cauchy``."""

from __future__ import annotations

import math
from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-log(pi scale) - log1p(y**2)``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, 2.0]))
    array([-1.14472989, -2.7541678 ])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    return uf.negative(uf.add(uf.log(uf.multiply(math.pi, scale)), uf.log1p(uf.square(y))))


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]))
    array([0.31830989])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``1/2 + arctan(y) / pi``.

    >>> cdf(np.array([0.0, 1.0]))
    array([0.5 , 0.75])
    """
    x, loc, scale = _promote(x, loc, scale)
    return uf.add(0.5, uf.divide(uf.arctan(_standardize(x, loc, scale)), math.pi))


def logcdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(cdf)``.

    >>> logcdf(np.array([0.0]))
    array([-0.69314718])
    """
    return uf.log(cdf(x, loc, scale))


def sf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function, ``cdf`` mirrored about ``loc``.

    >>> sf(np.array([0.0, 1.0]))
    array([0.5 , 0.25])
    """
    x, loc, scale = _promote(x, loc, scale)
    return cdf(uf.negative(x), uf.negative(loc), scale)


def logsf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(sf)``.

    >>> logsf(np.array([1.0]))
    array([-1.38629436])
    """
    return uf.log(sf(x, loc, scale))


def _standard_ppf(q: _Any) -> _Any:
    """``tan(pi (q - 1/2))``, as ``-1 / tan(pi q)`` and ``1 / tan(pi (1 - q))`` in the tails,
    where ``q - 1/2`` would round away the distance to the pole (``1 - q`` is exact there)."""
    low, high = uf.less(q, 0.25), uf.greater(q, 0.75)
    q_low, q_high = uf.where(low, q, 0.25), uf.where(high, q, 0.75)
    q_mid = uf.where(uf.logical_or(low, high), 0.5, q)
    mid = uf.tan(uf.multiply(math.pi, uf.subtract(q_mid, 0.5)))
    below = uf.divide(-1.0, uf.tan(uf.multiply(math.pi, q_low)))
    above = uf.divide(1.0, uf.tan(uf.multiply(math.pi, uf.subtract(1.0, q_high))))
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    return uf.where(inside, uf.where(low, below, uf.where(high, above, mid)), uf.nan)


def ppf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc + scale * tan(pi (q - 1/2))`` (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 0.75]))
    array([0., 1.])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.add(loc, uf.multiply(scale, _standard_ppf(q)))


def isf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The inverse survival function ``loc - scale * tan(pi (q - 1/2))``.

    >>> isf(np.array([0.5, 0.25]))
    array([0., 1.])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.subtract(loc, uf.multiply(scale, _standard_ppf(q)))


__all__ = _public_names(globals())
