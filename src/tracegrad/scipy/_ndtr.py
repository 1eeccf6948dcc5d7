"""The standard normal distribution function family of ``tracegrad.scipy.special``: ``ndtr``,
``ndtri`` and ``log_ndtr``, composed from erfc/erfcinv so every derivative comes from theirs."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as uf
from tracegrad.numpy.frontend import promote_inexact
from tracegrad.ops import special as sp

_SQRT_HALF = math.sqrt(0.5)
# Below this, log(ndtr(x)) is taken from its asymptotic series (its second derivative through
# ndtr would overflow below about -26); with _SERIES_TERMS terms, the first omitted term is
# below 1e-17 there.
_SERIES_FROM = -20.0
_SERIES_TERMS = 12


def ndtr(x: Any) -> Any:
    """The standard normal CDF ``erfc(-x / sqrt(2)) / 2``: accurate in relative terms in the
    lower tail; its derivative is the normal density.

    >>> ndtr(np.array([0.0, 1.0, -30.0]))
    array([5.00000000e-001, 8.41344746e-001, 4.90671393e-198])
    """
    (x,) = promote_inexact(x)
    return uf.multiply(0.5, sp.erfc(uf.multiply(-_SQRT_HALF, x)))


def ndtri(p: Any) -> Any:
    """The inverse of ndtr, ``-sqrt(2) * erfcinv(2 p)``: -inf at 0, inf at 1, nan outside
    [0, 1], accurate in both tails (erfcinv keeps tiny ``2 p`` and ``2 - 2 p`` exact).

    >>> ndtri(np.array([0.5, 0.975, 1e-300]))
    array([  0.        ,   1.95996398, -37.0470963 ])
    """
    (p,) = promote_inexact(p)
    # 0 - erfcinv, not -1 * erfcinv: ndtri(0.5) is +0, as SciPy.
    return uf.multiply(1.0 / _SQRT_HALF, uf.subtract(0.0, sp.erfcinv(uf.multiply(2.0, p))))


def _log_ndtr_series(x: Any) -> Any:
    """``log(ndtr(x))`` for very negative ``x``: ``-x^2/2 - log(-x) - log(2 pi)/2 +
    log(1 + sum_n (-1)^n (2n-1)!! / x^(2n))``."""
    inv_x2 = uf.reciprocal(uf.square(x))
    total: Any = 0.0
    term: Any = 1.0
    for n in range(1, _SERIES_TERMS + 1):
        term = uf.multiply(term, uf.multiply(-(2 * n - 1), inv_x2))
        total = uf.add(total, term)
    log_density = uf.subtract(uf.multiply(-0.5, uf.square(x)), 0.5 * math.log(2 * math.pi))
    return uf.add(uf.subtract(log_density, uf.log(uf.negative(x))), uf.log1p(total))


def log_ndtr(x: Any) -> Any:
    """``log(ndtr(x))``, accurate for every ``x``: ``log1p(-ndtr(-x))`` above 0, the
    asymptotic series below -20, ``log(ndtr(x))`` between; its derivative is the one of the
    piece (each piece is analytic, and the pieces agree where they meet).

    >>> log_ndtr(np.array([0.0, 10.0, -40.0, -1e10]))
    array([-6.93147181e-01, -7.61985302e-24, -8.04608442e+02, -5.00000000e+19])
    """
    (x,) = promote_inexact(x)
    upper = uf.greater(x, 0)
    series = uf.less_equal(x, _SERIES_FROM)
    # Each piece sees a harmless stand-in outside its range, so its derivative there is finite
    # (the cotangent it gets there is zero, and 0 * inf would be nan).
    x_up = uf.where(upper, x, 1.0)
    x_series = uf.where(series, x, _SERIES_FROM - 1.0)
    x_mid = uf.where(uf.logical_or(upper, series), -1.0, x)
    mid = uf.log(ndtr(x_mid))
    up = uf.log1p(uf.negative(ndtr(uf.negative(x_up))))
    return uf.where(upper, up, uf.where(series, _log_ndtr_series(x_series), mid))
