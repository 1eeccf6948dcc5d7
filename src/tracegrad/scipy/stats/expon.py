"""``tracegrad.scipy.stats.expon``: the exponential distribution, as
``jax.scipy.stats.expon``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import log1mexp as _log1mexp
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-y - log(scale)`` for ``x >= loc``, -inf below.

    >>> logpdf(np.array([-1.0, 0.0, 2.0]))
    array([-inf,  -0.,  -2.])
    """
    x, loc, scale = _promote(x, loc, scale)
    value = uf.negative(uf.add(_standardize(x, loc, scale), uf.log(scale)))
    return uf.where(uf.less(x, loc), -uf.inf, value)


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)`` (0 below ``loc``).

    >>> pdf(np.array([-1.0, 0.0]))
    array([0., 1.])
    """
    return uf.exp(logpdf(x, loc, scale))


def logsf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log survival function ``-y`` (0 below ``loc``).

    >>> logsf(np.array([-1.0, 2.0]))
    array([ 0., -2.])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    return uf.where(uf.less(x, loc), 0.0, uf.negative(y))


def sf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``exp(-y)`` (1 below ``loc``).

    >>> sf(np.array([-1.0, 2.0]))
    array([1.        , 0.13533528])
    """
    return uf.exp(logsf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``-expm1(-y)`` (0 below ``loc``), accurate near ``loc``.

    >>> cdf(np.array([-1.0, 1e-20, 2.0]))
    array([0.00000000e+00, 1.00000000e-20, 8.64664717e-01])
    """
    return uf.subtract(0.0, uf.expm1(logsf(x, loc, scale)))  # 0, not -0, below loc


def logcdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(1 - exp(logsf))``, accurate near ``loc`` and far above it (-inf at and below
    ``loc``).

    >>> logcdf(np.array([1e-20, 2.0]))
    array([-46.05170186,  -0.14541346])
    """
    return _log1mexp(logsf(x, loc, scale))


def ppf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc - scale * log1p(-q)`` (nan outside [0, 1]).

    >>> ppf(np.array([0.0, 0.5, 1.0]))
    array([0.        , 0.69314718,        inf])
    """
    q, loc, scale = _promote(q, loc, scale)
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    value = uf.subtract(loc, uf.multiply(scale, uf.log1p(uf.negative(q))))
    return uf.where(inside, value, uf.nan)


__all__ = _public_names(globals())
