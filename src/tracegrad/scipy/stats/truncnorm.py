"""``tracegrad.scipy.stats.truncnorm``: the normal distribution truncated to ``[a, b]`` (in
standard units), as ``jax.scipy.stats.truncnorm``."""

from __future__ import annotations

import math
from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy._ndtr import log_ndtr as _log_ndtr
from tracegrad.scipy._ndtr import ndtr as _ndtr
from tracegrad.scipy.stats import norm
from tracegrad.scipy.stats._common import log1mexp as _log1mexp
from tracegrad.scipy.stats._common import log_diff_exp as _log_diff_exp
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def _log_mass(lo: _Any, hi: _Any) -> _Any:
    """``log(ndtr(hi) - ndtr(lo))`` for ``lo <= hi``: from the lower tail where both are
    negative, the upper tail where both are positive, and ``1 - both tails`` between."""
    left = uf.less_equal(hi, 0)
    right = uf.greater(lo, 0)
    # In a tail, mirror it to the left, where log_ndtr keeps its relative accuracy.
    tail_hi = uf.where(right, uf.negative(lo), hi)
    tail_lo = uf.where(right, uf.negative(hi), lo)
    central = uf.logical_not(uf.logical_or(left, right))
    tail_hi = uf.where(central, -1.0, tail_hi)
    tail_lo = uf.where(central, -2.0, tail_lo)
    tail = _log_diff_exp(_log_ndtr(tail_hi), _log_ndtr(tail_lo))
    mid_lo, mid_hi = uf.where(central, lo, -1.0), uf.where(central, hi, 1.0)
    mid = uf.log1p(uf.negative(uf.add(_ndtr(mid_lo), _ndtr(uf.negative(mid_hi)))))
    return uf.where(central, mid, tail)


def _middle(a: _Any, b: _Any) -> _Any:
    """A finite point inside ``(a, b)`` (a stand-in where ``y`` is outside)."""
    finite_a, finite_b = uf.isfinite(a), uf.isfinite(b)
    lo = uf.where(finite_a, a, uf.where(finite_b, uf.subtract(b, 2.0), -1.0))
    hi = uf.where(finite_b, b, uf.where(finite_a, uf.add(a, 2.0), 1.0))
    return uf.multiply(0.5, uf.add(lo, hi))


def logpdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``norm.logpdf(y) - log(scale) - log(ndtr(b) - ndtr(a))`` on
    ``[a, b]`` (``y = (x - loc) / scale``), -inf outside, nan where ``a >= b``.

    >>> logpdf(np.array([-2.0, 0.0, 1.0]), -1.0, 1.0)
    array([       -inf, -0.53722339, -1.03722339])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    y = _standardize(x, loc, scale)
    value = uf.subtract(norm.logpdf(y), uf.add(uf.log(scale), _log_mass(a, b)))
    value = uf.where(uf.logical_or(uf.less(y, a), uf.greater(y, b)), -uf.inf, value)
    return uf.where(uf.greater_equal(a, b), uf.nan, value)


def pdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]), -1.0, 1.0)
    array([0.58436857])
    """
    return uf.exp(logpdf(x, a, b, loc, scale))


def logcdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """``log(mass(a, y) / mass(a, b))`` with ``y`` clipped to ``[a, b]``: -inf below ``a``,
    0 above ``b``, nan where ``a >= b``.

    >>> logcdf(np.array([-2.0, 0.0, 2.0]), -1.0, 1.0)
    array([       -inf, -0.69314718,  0.        ])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    y = _standardize(x, loc, scale)
    below, above = uf.less_equal(y, a), uf.greater_equal(y, b)
    # Stand-ins inside (a, b) keep the masses of the clipped branches off 0.
    y_in = uf.where(uf.logical_or(below, above), _middle(a, b), y)
    log_total = _log_mass(a, b)
    direct = uf.subtract(_log_mass(a, y_in), log_total)
    # Near 1, log(cdf) = log1p(-sf) keeps the digits the difference of masses loses.
    log_sf = uf.subtract(_log_mass(y_in, b), log_total)
    value = uf.where(uf.less(log_sf, -math.log(2)), _log1mexp(log_sf), direct)
    value = uf.where(below, -uf.inf, uf.where(above, 0.0, value))
    return uf.where(uf.greater_equal(a, b), uf.nan, value)


def cdf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function, ``exp(logcdf)``.

    >>> cdf(np.array([-2.0, 0.0, 2.0]), -1.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    return uf.exp(logcdf(x, a, b, loc, scale))


def logsf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log survival function, ``logcdf`` of the mirrored distribution.

    >>> logsf(np.array([-2.0, 0.0, 2.0]), -1.0, 1.0)
    array([ 0.        , -0.69314718,        -inf])
    """
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    return logcdf(uf.negative(x), uf.negative(b), uf.negative(a), uf.negative(loc), scale)


def sf(x: _Any, a: _Any, b: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The survival function, ``exp(logsf)``.

    >>> sf(np.array([-2.0, 0.0, 2.0]), -1.0, 1.0)
    array([1. , 0.5, 0. ])
    """
    return uf.exp(logsf(x, a, b, loc, scale))


__all__ = _public_names(globals())
