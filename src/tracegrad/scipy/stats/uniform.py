"""``tracegrad.scipy.stats.uniform``: the uniform distribution on ``[loc, loc + scale]``, as
``jax.scipy.stats.uniform``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.scipy.stats._common import keep_nan, promote, standardize

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``-log(scale)`` on ``[loc, loc + scale]``, -inf outside.

    >>> logpdf(np.array([-1.0, 0.0, 0.5, 1.0]), 0.0, 2.0)
    array([       -inf, -0.69314718, -0.69314718, -0.69314718])
    """
    x, loc, scale = promote(x, loc, scale)
    outside = uf.logical_or(uf.less(x, loc), uf.greater(x, uf.add(loc, scale)))
    return keep_nan(x, uf.where(outside, -uf.inf, uf.negative(uf.log(scale))))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.5, 2.0]))
    array([1., 0.])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``(x - loc) / scale`` clipped to [0, 1] (nan stays nan).

    >>> cdf(np.array([-1.0, 0.25, 2.0]))
    array([0.  , 0.25, 1.  ])
    """
    x, loc, scale = promote(x, loc, scale)
    y = standardize(x, loc, scale)
    return uf.where(uf.less(x, loc), 0.0, uf.where(uf.greater(y, 1), 1.0, y))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * q`` (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 1.5]), 1.0, 2.0)
    array([ 2., nan])
    """
    q, loc, scale = promote(q, loc, scale)
    inside = uf.logical_and(uf.greater_equal(q, 0), uf.less_equal(q, 1))
    return uf.where(inside, uf.add(loc, uf.multiply(scale, q)), uf.nan)
