"""``tracegrad.scipy.stats.chi2``: the chi-squared distribution, as ``jax.scipy.stats.chi2``
(the gamma distribution with shape ``df / 2`` and scale ``2 scale``)."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats import gamma
from tracegrad.scipy.stats._common import promote as _promote


def _as_gamma(fn: _Any, x: _Any, df: _Any, loc: _Any, scale: _Any) -> _Any:
    """``fn`` of the gamma distribution with shape ``df / 2`` and scale ``2 scale``."""
    x, df, loc, scale = _promote(x, df, loc, scale)
    return fn(x, uf.multiply(0.5, df), loc, uf.multiply(2.0, scale))


def logpdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density, ``gamma.logpdf(x, df / 2, loc, 2 scale)``; -inf below ``loc``.

    >>> logpdf(np.array([-1.0, 0.0, 1.0]), 2.0)
    array([       -inf, -0.69314718, -1.19314718])
    """
    return _as_gamma(gamma.logpdf, x, df, loc, scale)


def pdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([1.0]), 3.0)
    array([0.24197072])
    """
    return uf.exp(logpdf(x, df, loc, scale))


def cdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function, ``gamma.cdf(x, df / 2, loc, 2 scale)``.

    >>> cdf(np.array([-1.0, 1.0, 4.0]), 2.0)
    array([0.        , 0.39346934, 0.86466472])
    """
    return _as_gamma(gamma.cdf, x, df, loc, scale)


def sf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function, ``gamma.sf(x, df / 2, loc, 2 scale)``.

    >>> sf(np.array([-1.0, 1.0, 100.0]), 2.0)
    array([1.00000000e+00, 6.06530660e-01, 1.92874985e-22])
    """
    return _as_gamma(gamma.sf, x, df, loc, scale)


def logcdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(cdf)``, as ``gamma.logcdf``.

    >>> logcdf(np.array([1.0]), 2.0)
    array([-0.93275213])
    """
    return _as_gamma(gamma.logcdf, x, df, loc, scale)


def logsf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(sf)``, as ``gamma.logsf``.

    >>> logsf(np.array([100.0]), 2.0)
    array([-50.])
    """
    return _as_gamma(gamma.logsf, x, df, loc, scale)


__all__ = _public_names(globals())
