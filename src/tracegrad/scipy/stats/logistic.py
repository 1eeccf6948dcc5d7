"""``tracegrad.scipy.stats.logistic``: the logistic distribution, as
``jax.scipy.stats.logistic``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-2 logaddexp(y / 2, -y / 2) - log(scale)``, without overflow.

    >>> logpdf(np.array([0.0, 800.0]))
    array([  -1.38629436, -800.        ])
    """
    x, loc, scale = _promote(x, loc, scale)
    half = uf.multiply(0.5, _standardize(x, loc, scale))
    return uf.subtract(uf.multiply(-2.0, uf.logaddexp(half, uf.negative(half))), uf.log(scale))


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]))
    array([0.25])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``expit((x - loc) / scale)``.

    >>> cdf(np.array([0.0, -800.0]))
    array([0.5, 0. ])
    """
    x, loc, scale = _promote(x, loc, scale)
    return sp.logistic(_standardize(x, loc, scale))


def sf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function ``expit(-(x - loc) / scale)``.

    >>> sf(np.array([0.0, 800.0]))
    array([0.5, 0. ])
    """
    x, loc, scale = _promote(x, loc, scale)
    return sp.logistic(uf.negative(_standardize(x, loc, scale)))


def _logit(q: _Any) -> _Any:
    return uf.subtract(uf.log(q), uf.log1p(uf.negative(q)))


def ppf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc + scale * logit(q)``.

    >>> ppf(np.array([0.5, 0.75]))
    array([0.        , 1.09861229])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.add(loc, uf.multiply(scale, _logit(q)))


def isf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The inverse survival function ``loc - scale * logit(q)``.

    >>> isf(np.array([0.5, 0.25]))
    array([0.        , 1.09861229])
    """
    q, loc, scale = _promote(q, loc, scale)
    return uf.subtract(loc, uf.multiply(scale, _logit(q)))


__all__ = _public_names(globals())
