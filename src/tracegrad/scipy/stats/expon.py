"""``tracegrad.scipy.stats.expon``: the exponential distribution, as
``jax.scipy.stats.expon``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.scipy.stats._common import log1mexp, promote, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``-y - log(scale)`` for ``x >= loc``, -inf below.

    >>> logpdf(np.array([-1.0, 0.0, 2.0]))
    array([-inf,  -0.,  -2.])
    """
    x, loc, scale = promote(x, loc, scale)
    value = uf.negative(uf.add(standardize(x, loc, scale), uf.log(scale)))
    return uf.where(uf.less(x, loc), -uf.inf, value)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)`` (0 below ``loc``).

    >>> pdf(np.array([-1.0, 0.0]))
    array([0., 1.])
    """
    return uf.exp(logpdf(x, loc, scale))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log survival function ``-y`` (0 below ``loc``).

    >>> logsf(np.array([-1.0, 2.0]))
    array([ 0., -2.])
    """
    x, loc, scale = promote(x, loc, scale)
    y = standardize(x, loc, scale)
    return uf.where(uf.less(x, loc), 0.0, uf.negative(y))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``exp(-y)`` (1 below ``loc``).

    >>> sf(np.array([-1.0, 2.0]))
    array([1.        , 0.13533528])
    """
    return uf.exp(logsf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``-expm1(-y)`` (0 below ``loc``), accurate near ``loc``.

    >>> cdf(np.array([-1.0, 1e-20, 2.0]))
    array([0.00000000e+00, 1.00000000e-20, 8.64664717e-01])
    """
    return uf.subtract(0.0, uf.expm1(logsf(x, loc, scale)))  # 0, not -0, below loc


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - exp(logsf))``, accurate near ``loc`` and far above it (-inf at and below
    ``loc``).

    >>> logcdf(np.array([1e-20, 2.0]))
    array([-46.05170186,  -0.14541346])
    """
    return log1mexp(logsf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc - scale * log1p(-q)`` (nan outside [0, 1]).

    >>> ppf(np.array([0.0, 0.5, 1.0]))
    array([0.        , 0.69314718,        inf])
    """
    q, loc, scale = promote(q, loc, scale)
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    value = uf.subtract(loc, uf.multiply(scale, uf.log1p(uf.negative(q))))
    return uf.where(inside, value, uf.nan)
