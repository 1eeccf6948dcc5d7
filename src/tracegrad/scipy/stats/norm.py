"""``tracegrad.scipy.stats.norm``: the normal distribution, as ``jax.scipy.stats.norm``."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as uf
from tracegrad.scipy._ndtr import log_ndtr, ndtr, ndtri
from tracegrad.scipy.stats._common import promote, standardize

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``-y**2 / 2 - log(scale) - log(2 pi) / 2``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, 2.0]), 1.0, 2.0)
    array([-1.73708571, -1.73708571])
    """
    x, loc, scale = promote(x, loc, scale)
    y = standardize(x, loc, scale)
    return uf.subtract(uf.multiply(-0.5, uf.square(y)), uf.add(uf.log(scale), _HALF_LOG_2PI))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0, 1.0]))
    array([0.39894228, 0.24197072])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``ndtr((x - loc) / scale)``.

    >>> cdf(np.array([0.0, -20.0]))
    array([5.00000000e-01, 2.75362412e-89])
    """
    x, loc, scale = promote(x, loc, scale)
    return ndtr(standardize(x, loc, scale))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_ndtr((x - loc) / scale)``, accurate in both tails.

    >>> logcdf(np.array([0.0, -40.0]))
    array([-6.93147181e-01, -8.04608442e+02])
    """
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr(standardize(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``ndtr(-(x - loc) / scale)``, accurate in the upper tail.

    >>> sf(np.array([0.0, 20.0]))
    array([5.00000000e-01, 2.75362412e-89])
    """
    x, loc, scale = promote(x, loc, scale)
    return ndtr(uf.negative(standardize(x, loc, scale)))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_ndtr(-(x - loc) / scale)``.

    >>> logsf(np.array([0.0, 40.0]))
    array([-6.93147181e-01, -8.04608442e+02])
    """
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr(uf.negative(standardize(x, loc, scale)))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * ndtri(q)`` (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 0.975, 0.0]))
    array([0.        , 1.95996398,       -inf])
    """
    q, loc, scale = promote(q, loc, scale)
    return uf.add(loc, uf.multiply(scale, ndtri(q)))


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse survival function ``loc - scale * ndtri(q)``: exact for tiny ``q`` (the
    upper tail), where ``ppf(1 - q)`` would round ``1 - q``.

    >>> isf(np.array([0.5, 1e-300]))
    array([ 0.       , 37.0470963])
    """
    q, loc, scale = promote(q, loc, scale)
    return uf.subtract(loc, uf.multiply(scale, ndtri(q)))
