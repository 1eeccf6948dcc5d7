"""``tracegrad.scipy.stats.pareto``: the Pareto distribution (support ``x >= loc + scale``),
as ``jax.scipy.stats.pareto``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import log1mexp as _log1mexp
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def _below(x: _Any, loc: _Any, scale: _Any) -> _Any:
    return uf.less(x, uf.add(loc, scale))


def logpdf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``log(b / scale) - (b + 1) log(y)``, -inf below ``loc + scale``.

    >>> logpdf(np.array([0.5, 1.0, 2.0]), 3.0)
    array([       -inf,  1.09861229, -1.67397643])
    """
    x, b, loc, scale = _promote(x, b, loc, scale)
    y = _standardize(x, loc, scale)
    value = uf.subtract(uf.log(uf.divide(b, scale)), uf.multiply(uf.add(b, 1.0), uf.log(y)))
    return uf.where(_below(x, loc, scale), -uf.inf, value)


def pdf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.5, 2.0]), 3.0)
    array([0.    , 0.1875])
    """
    return uf.exp(logpdf(x, b, loc, scale))


def logsf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log survival function ``-b log(y)`` (0 below ``loc + scale``).

    >>> logsf(np.array([0.5, 2.0]), 3.0)
    array([ 0.        , -2.07944154])
    """
    x, b, loc, scale = _promote(x, b, loc, scale)
    value = uf.negative(uf.multiply(b, uf.log(_standardize(x, loc, scale))))
    return uf.where(_below(x, loc, scale), 0.0, value)


def sf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``y**-b`` (1 below ``loc + scale``).

    >>> sf(np.array([0.5, 2.0]), 3.0)
    array([1.   , 0.125])
    """
    return uf.exp(logsf(x, b, loc, scale))


def cdf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``-expm1(-b log(y))`` (0 below ``loc + scale``), accurate
    near the edge.

    >>> cdf(np.array([0.5, 1.0 + 1e-12, 2.0]), 3.0)
    array([0.0000000e+00, 3.0002667e-12, 8.7500000e-01])
    """
    return uf.subtract(0.0, uf.expm1(logsf(x, b, loc, scale)))  # 0, not -0, below


def logcdf(x: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(1 - exp(logsf))``, accurate near the edge and far above it (-inf at and below
    ``loc + scale``).

    >>> logcdf(np.array([2.0]), 3.0)
    array([-0.13353139])
    """
    return _log1mexp(logsf(x, b, loc, scale))


def ppf(q: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc + scale * (1 - q)**(-1 / b)`` (nan outside [0, 1]).

    >>> ppf(np.array([0.0, 0.875, 1.0]), 3.0)
    array([ 1.,  2., inf])
    """
    q, b, loc, scale = _promote(q, b, loc, scale)
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    power = uf.exp(uf.divide(uf.negative(uf.log1p(uf.negative(q))), b))
    return uf.where(inside, uf.add(loc, uf.multiply(scale, power)), uf.nan)


__all__ = _public_names(globals())
