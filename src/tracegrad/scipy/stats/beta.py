"""``tracegrad.scipy.stats.beta``: the beta distribution on ``[loc, loc + scale]``, as
``jax.scipy.stats.beta``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.ops.special_ibeta import ibeta as _ibeta
from tracegrad.scipy._entropy import xlog1py as _xlog1py
from tracegrad.scipy._gamma import betaln as _betaln
from tracegrad.scipy.stats._common import keep_nan as _keep_nan
from tracegrad.scipy.stats._common import log_of as _log_of
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``xlogy(a - 1, y) + xlog1py(b - 1, -y) - betaln(a, b) - log(scale)``
    on ``[loc, loc + scale]``, -inf outside, nan where ``a``, ``b`` or ``scale`` is not
    positive.

    >>> logpdf(np.array([-0.5, 0.0, 0.5, 1.0]), 2.0, 3.0)
    array([      -inf,       -inf, 0.40546511,       -inf])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    y = _standardize(x, loc, scale)
    inside = uf.logical_and(uf.greater_equal(x, loc), uf.less_equal(x, uf.add(loc, scale)))
    y = uf.where(inside, y, 0.5)
    value = uf.add(sp.xlogy(uf.subtract(a, 1.0), y), _xlog1py(uf.subtract(b, 1.0), -y))
    value = uf.subtract(value, uf.add(_betaln(a, b), uf.log(scale)))
    value = _keep_nan(x, uf.where(inside, value, -uf.inf))
    bad = uf.logical_or(uf.logical_or(uf.less_equal(a, 0), uf.less_equal(b, 0)), scale <= 0)
    return uf.where(bad, uf.nan, value)


def pdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.5]), 2.0, 2.0)
    array([1.5])
    """
    return uf.exp(logpdf(x, a, b, loc, scale))


def _clipped(x: _Any, loc: _Any, scale: _Any) -> _Any:
    """``(x - loc) / scale`` clipped to [0, 1] (nan stays nan)."""
    y = _standardize(x, loc, scale)
    return uf.where(uf.less(y, 0), 0.0, uf.where(uf.greater(y, 1), 1.0, y))


def cdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``betainc(a, b, y)``, ``y`` clipped to [0, 1].

    >>> cdf(np.array([-1.0, 0.4, 2.0]), 2.0, 3.0)
    array([0.    , 0.5248, 1.    ])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    return _ibeta(a, b, _clipped(x, loc, scale))


def sf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``betainc(b, a, 1 - y)``, accurate where it is tiny.

    >>> sf(np.array([-1.0, 0.4, 2.0]), 2.0, 3.0)
    array([1.    , 0.4752, 0.    ])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    return _ibeta(b, a, uf.subtract(1.0, _clipped(x, loc, scale)))


def logcdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(cdf)``, as ``log1p(-sf)`` where ``cdf`` is near 1.

    >>> logcdf(np.array([0.4]), 2.0, 3.0)
    array([-0.64473804])
    """
    return _log_of(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def logsf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(sf)``, as ``log1p(-cdf)`` where ``sf`` is near 1.

    >>> logsf(np.array([0.4]), 2.0, 3.0)
    array([-0.74401951])
    """
    return _log_of(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))


__all__ = _public_names(globals())
