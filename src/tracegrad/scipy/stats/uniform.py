"""``tracegrad.scipy.stats.uniform``: the uniform distribution on ``[loc, loc + scale]``, as
``jax.scipy.stats.uniform``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import keep_nan as _keep_nan
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-log(scale)`` on ``[loc, loc + scale]``, -inf outside.

    >>> logpdf(np.array([-1.0, 0.0, 0.5, 1.0]), 0.0, 2.0)
    array([       -inf, -0.69314718, -0.69314718, -0.69314718])
    """
    x, loc, scale = _promote(x, loc, scale)
    outside = uf.logical_or(uf.less(x, loc), uf.greater(x, uf.add(loc, scale)))
    return _keep_nan(x, uf.where(outside, -uf.inf, uf.negative(uf.log(scale))))


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.5, 2.0]))
    array([1., 0.])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function ``(x - loc) / scale`` clipped to [0, 1] (nan stays nan).

    >>> cdf(np.array([-1.0, 0.25, 2.0]))
    array([0.  , 0.25, 1.  ])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    return uf.where(uf.less(x, loc), 0.0, uf.where(uf.greater(y, 1), 1.0, y))


def ppf(q: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The quantile function ``loc + scale * q`` (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 1.5]), 1.0, 2.0)
    array([ 2., nan])
    """
    q, loc, scale = _promote(q, loc, scale)
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    return uf.where(inside, uf.add(loc, uf.multiply(scale, q)), uf.nan)


__all__ = _public_names(globals())
