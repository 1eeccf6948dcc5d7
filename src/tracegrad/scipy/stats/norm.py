"""``tracegrad.scipy.stats.norm``: the normal distribution, as ``jax.scipy.stats.norm``."""

from __future__ import annotations

import math
from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy._ndtr import log_ndtr as _log_ndtr
from tracegrad.scipy._ndtr import ndtr as _ndtr
from tracegrad.scipy._ndtr import ndtri as _ndtri
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-y**2 / 2 - log(scale) - log(2 pi) / 2``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, 2.0]), 1.0, 2.0)
    array([-1.73708571, -1.73708571])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    return uf.subtract(uf.multiply(-0.5, uf.square(y)), uf.add(uf.log(scale), _HALF_LOG_2PI))


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0, 1.0]))
    array([0.39894228, 0.24197072])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``ndtr((x - loc) / scale)``.

    >>> cdf(np.array([0.0, -20.0]))
    array([5.00000000e-01, 2.75362412e-89])
    """
    x, loc, scale = _promote(x, loc, scale)
    return _ndtr(_standardize(x, loc, scale))


def logcdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log_ndtr((x - loc) / scale)``, accurate in both tails.

    >>> logcdf(np.array([0.0, -40.0]))
    array([-6.93147181e-01, -8.04608442e+02])
    """
    x, loc, scale = _promote(x, loc, scale)
    return _log_ndtr(_standardize(x, loc, scale))


def sf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``ndtr(-(x - loc) / scale)``, accurate in the upper tail.

    >>> sf(np.array([0.0, 20.0]))
    array([5.00000000e-01, 2.75362412e-89])
    """
    x, loc, scale = _promote(x, loc, scale)
    return _ndtr(uf.negative(_standardize(x, loc, scale)))


def logsf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log_ndtr(-(x - loc) / scale)``.

    >>> logsf(np.array([0.0, 40.0]))
    array([-6.93147181e-01, -8.04608442e+02])
    """
    x, loc, scale = _promote(x, loc, scale)
    return _log_ndtr(uf.negative(_standardize(x, loc, scale)))


def ppf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc + scale * ndtri(q)`` (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 0.975, 0.0]))
    array([0.        , 1.95996398,       -inf])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.add(loc, uf.multiply(scale, _ndtri(q)))


def isf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The inverse survival function ``loc - scale * ndtri(q)``: exact for tiny ``q`` (the
    upper tail), where ``ppf(1 - q)`` would round ``1 - q``.

    >>> isf(np.array([0.5, 1e-300]))
    array([ 0.       , 37.0470963])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.subtract(loc, uf.multiply(scale, _ndtri(q)))


__all__ = _public_names(globals())
