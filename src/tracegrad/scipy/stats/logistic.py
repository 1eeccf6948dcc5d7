"""``tracegrad.scipy.stats.logistic``: the logistic distribution, as
``jax.scipy.stats.logistic``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import promote, standardize

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``-2 logaddexp(y / 2, -y / 2) - log(scale)``, without overflow.

    >>> logpdf(np.array([0.0, 800.0]))
    array([  -1.38629436, -800.        ])
    """
    x, loc, scale = promote(x, loc, scale)
    half = uf.multiply(0.5, standardize(x, loc, scale))
    return uf.subtract(uf.multiply(-2.0, uf.logaddexp(half, uf.negative(half))), uf.log(scale))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]))
    array([0.25])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``expit((x - loc) / scale)``.

    >>> cdf(np.array([0.0, -800.0]))
    array([0.5, 0. ])
    """
    x, loc, scale = promote(x, loc, scale)
    return sp.logistic(standardize(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``expit(-(x - loc) / scale)``.

    >>> sf(np.array([0.0, 800.0]))
    array([0.5, 0. ])
    """
    x, loc, scale = promote(x, loc, scale)
    return sp.logistic(uf.negative(standardize(x, loc, scale)))


def _logit(q: Any) -> Any:
    return uf.subtract(uf.log(q), uf.log1p(uf.negative(q)))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * logit(q)``.

    >>> ppf(np.array([0.5, 0.75]))
    array([0.        , 1.09861229])
    """
    q, loc, scale = promote(q, loc, scale)
    return uf.add(loc, uf.multiply(scale, _logit(q)))


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse survival function ``loc - scale * logit(q)``.

    >>> isf(np.array([0.5, 0.25]))
    array([0.        , 1.09861229])
    """
    q, loc, scale = promote(q, loc, scale)
    return uf.subtract(loc, uf.multiply(scale, _logit(q)))
