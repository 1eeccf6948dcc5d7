"""``tracegrad.scipy.stats.gamma``: the gamma distribution, as ``jax.scipy.stats.gamma``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.ops.special_igamma import igamma as _igamma
from tracegrad.ops.special_igamma import igammac as _igammac
from tracegrad.scipy.stats._common import keep_nan as _keep_nan
from tracegrad.scipy.stats._common import log_of as _log_of
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``xlogy(a - 1, y) - y - gammaln(a) - log(scale)``, -inf below ``loc``.

    >>> logpdf(np.array([-1.0, 0.0, 2.0]), 2.0)
    array([       -inf,        -inf, -1.30685282])
    """
    x, a, loc, scale = _promote(x, a, loc, scale)
    inside = uf.greater_equal(x, loc)
    y = uf.where(inside, _standardize(x, loc, scale), 1.0)
    value = uf.subtract(sp.xlogy(uf.subtract(a, 1.0), y), y)
    value = uf.subtract(value, uf.add(sp.lgamma(a), uf.log(scale)))
    return _keep_nan(x, uf.where(inside, value, -uf.inf))


def pdf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([1.0]), 1.0)
    array([0.36787944])
    """
    return uf.exp(logpdf(x, a, loc, scale))


def _nonnegative(x: _Any, loc: _Any, scale: _Any) -> _Any:
    """``(x - loc) / scale`` clipped below at 0 (nan stays nan)."""
    y = _standardize(x, loc, scale)
    return uf.where(uf.less(y, 0), 0.0, y)


def cdf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``gammainc(a, y)`` (0 below ``loc``).

    >>> cdf(np.array([-1.0, 1.0, 4.0]), 2.0)
    array([0.        , 0.26424112, 0.90842181])
    """
    x, a, loc, scale = _promote(x, a, loc, scale)
    return _igamma(a, _nonnegative(x, loc, scale))


def sf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``gammaincc(a, y)`` (1 below ``loc``), accurate far out.

    >>> sf(np.array([-1.0, 1.0, 60.0]), 2.0)
    array([1.00000000e+00, 7.35758882e-01, 5.34147157e-25])
    """
    x, a, loc, scale = _promote(x, a, loc, scale)
    return _igammac(a, _nonnegative(x, loc, scale))


def logcdf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(cdf)``, as ``log1p(-sf)`` where ``cdf`` is near 1.

    >>> logcdf(np.array([1.0]), 2.0)
    array([-1.33089327])
    """
    return _log_of(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def logsf(x: _Any, a: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(sf)``, as ``log1p(-cdf)`` where ``sf`` is near 1.

    >>> logsf(np.array([60.0]), 2.0)
    array([-55.88912614])
    """
    return _log_of(sf(x, a, loc, scale), cdf(x, a, loc, scale))


__all__ = _public_names(globals())
