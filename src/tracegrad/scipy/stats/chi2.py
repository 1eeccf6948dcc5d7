"""``tracegrad.scipy.stats.chi2``: the chi-squared distribution, as ``jax.scipy.stats.chi2``
(the gamma distribution with shape ``df / 2`` and scale ``2 scale``)."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.scipy.stats import gamma
from tracegrad.scipy.stats._common import promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _as_gamma(fn: Any, x: Any, df: Any, loc: Any, scale: Any) -> Any:
    """``fn`` of the gamma distribution with shape ``df / 2`` and scale ``2 scale``."""
    x, df, loc, scale = promote(x, df, loc, scale)
    return fn(x, uf.multiply(0.5, df), loc, uf.multiply(2.0, scale))


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density, ``gamma.logpdf(x, df / 2, loc, 2 scale)``; -inf below ``loc``.

    >>> logpdf(np.array([-1.0, 0.0, 1.0]), 2.0)
    array([       -inf, -0.69314718, -1.19314718])
    """
    return _as_gamma(gamma.logpdf, x, df, loc, scale)


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([1.0]), 3.0)
    array([0.24197072])
    """
    return uf.exp(logpdf(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function, ``gamma.cdf(x, df / 2, loc, 2 scale)``.

    >>> cdf(np.array([-1.0, 1.0, 4.0]), 2.0)
    array([0.        , 0.39346934, 0.86466472])
    """
    return _as_gamma(gamma.cdf, x, df, loc, scale)


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function, ``gamma.sf(x, df / 2, loc, 2 scale)``.

    >>> sf(np.array([-1.0, 1.0, 100.0]), 2.0)
    array([1.00000000e+00, 6.06530660e-01, 1.92874985e-22])
    """
    return _as_gamma(gamma.sf, x, df, loc, scale)


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``, as ``gamma.logcdf``.

    >>> logcdf(np.array([1.0]), 2.0)
    array([-0.93275213])
    """
    return _as_gamma(gamma.logcdf, x, df, loc, scale)


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``, as ``gamma.logsf``.

    >>> logsf(np.array([100.0]), 2.0)
    array([-50.])
    """
    return _as_gamma(gamma.logsf, x, df, loc, scale)
