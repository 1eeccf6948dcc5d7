"""The exponential integrals ``E1`` (``exp1``) and ``Ei`` (``expi``) and the dilogarithm
(``spence``) as primitives, with NumPy kernels: the power series near 0, Lentz's continued
fraction (E1) and the asymptotic series (Ei) far out, the series of ``Li2`` on [-1/2, 1/2]
after reflection and inversion (spence); derivatives ``-exp(-x) / x``, ``exp(x) / x`` and
``log(x) / (1 - x)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops.combinators import defjvp
from tracegrad.ops.elementwise import abs as abs_
from tracegrad.ops.elementwise import add, div, exp, log, lt, mul, neg, scalar_like, sub
from tracegrad.ops.elementwise_select import select_n
from tracegrad.ops.special import _special_unop

__all__ = ["exp1", "exp1_kernel", "expi", "expi_kernel", "spence", "spence_kernel"]

_EULER = np.longdouble("0.57721566490153286060651209008240243")
_TINY = 1e-300


def _e1_positive(x: np.ndarray) -> np.ndarray:
    """E1 for finite ``x > 0``: the series up to 2 (its cancellation costs 5 bits there, of
    long double's 11 spare), the continued fraction above (fast there), both in long double
    (80-bit on x86)."""
    x = x.astype(np.longdouble)
    small = x <= 2.0
    xs = np.where(small, x, 1.0)
    term, series = np.ones_like(xs), np.zeros_like(xs)
    for k in range(1, 40):
        term = -term * xs / k
        series = series - term / k
    near = -_EULER - np.log(xs) + series
    # E1(x) = exp(-x) / (x + 1 - 1 / (x + 3 - 4 / (x + 5 - ...))), by Lentz's method.
    xf = np.where(small, 3.0, x)
    b = xf + 1.0
    c = np.full_like(xf, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 200):
        a = -float(i * i)
        b = b + 2.0
        d = 1.0 / np.where(np.abs(a * d + b) < _TINY, _TINY, a * d + b)
        c = b + a / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        h = h * d * c
        if np.all(np.abs(d * c - 1.0) <= 1e-16):
            break
    far = h * np.exp(-xf)
    return np.asarray(np.where(small, near, far), np.float64)


def _ei_positive(x: np.ndarray) -> np.ndarray:
    """Ei for finite ``x > 0``: the series (positive terms) up to 40, the asymptotic
    ``exp(x) / x sum_k k! / x^k`` above, in long double."""
    x = x.astype(np.longdouble)
    small = x <= 40.0
    xs = np.where(small, x, 1.0)
    term, series = np.ones_like(xs), np.zeros_like(xs)
    for k in range(1, 160):
        term = term * xs / k
        series = series + term / k
    near = _EULER + np.log(xs) + series
    xf = np.where(small, 50.0, x)
    term, total = np.ones_like(xf), np.ones_like(xf)
    for k in range(1, 40):
        term = term * k / xf
        total = total + term
    with np.errstate(over="ignore"):
        far = np.exp(xf) / xf * total
    return np.asarray(np.where(small, near, far), np.float64)


def exp1_kernel(x: Any) -> np.ndarray:
    """``E1(x) = int_x^inf exp(-t) / t dt`` in float64: inf at 0, 0 at inf, nan below 0."""
    x = np.asarray(x, np.float64)
    inside = (x > 0) & np.isfinite(x)
    with np.errstate(all="ignore"):
        value = _e1_positive(np.where(inside, x, 1.0))
    out: np.ndarray = np.where(
        inside, value, np.where(x == 0, np.inf, np.where(x == np.inf, 0.0, np.nan))
    )
    return out


def expi_kernel(x: Any) -> np.ndarray:
    """``Ei(x) = -int_-x^inf exp(-t) / t dt`` in float64: ``-E1(-x)`` below 0, -inf at 0."""
    x = np.asarray(x, np.float64)
    finite = np.isfinite(x) & (x != 0)
    with np.errstate(all="ignore"):
        pos = _ei_positive(np.where(finite & (x > 0), x, 1.0))
        neg_side = -_e1_positive(np.where(finite & (x < 0), -x, 1.0))
    edges = np.where(
        x == 0, -np.inf, np.where(x == np.inf, np.inf, np.where(x == -np.inf, 0.0, np.nan))
    )
    out: np.ndarray = np.where(finite, np.where(x > 0, pos, neg_side), edges)
    return out


def _li2_small(w: np.ndarray) -> np.ndarray:
    """``Li2(w) = sum_k w^k / k^2`` for ``|w| <= 1/2`` (long double)."""
    term, total = np.ones_like(w), np.zeros_like(w)
    for k in range(1, 64):
        term = term * w
        total = total + term / (k * k)
    return total


def _li2(w: np.ndarray) -> np.ndarray:
    """The real dilogarithm for ``w <= 1``, reduced to ``|w| <= 1/2``: inversion below -1,
    ``Li2(w) = -Li2(w / (w - 1)) - log(1 - w)^2 / 2`` on [-1, -1/2), reflection
    ``Li2(w) = pi^2 / 6 - log(w) log(1 - w) - Li2(1 - w)`` on (1/2, 1]."""
    zeta2 = np.longdouble(np.pi) ** 2 / 6
    below = w < -1.0
    # Li2(w) = -pi^2 / 6 - log(-w)^2 / 2 - Li2(1 / w) for w < -1.
    v = np.where(below, 1.0 / np.where(below, w, -2.0), w)
    low, high = v < -0.5, v > 0.5
    v_low = np.where(low, v, -1.0)
    low_value = -_li2_small(v_low / (v_low - 1.0)) - np.log1p(-v_low) ** 2 / 2
    v_high = np.where(high, v, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(v_high == 1.0, 0.0, np.log(v_high) * np.log1p(-v_high))
    high_value = zeta2 - cross - _li2_small(1.0 - v_high)
    mid = _li2_small(np.where(low | high, 0.0, v))
    value = np.where(low, low_value, np.where(high, high_value, mid))
    w_safe = np.where(below, -w, 2.0)
    out: np.ndarray = np.where(below, -zeta2 - np.log(w_safe) ** 2 / 2 - value, value)
    return out


def spence_kernel(x: Any) -> np.ndarray:
    """SciPy's ``spence(x) = int_1^x log(t) / (1 - t) dt = Li2(1 - x)`` in float64 for
    ``x >= 0`` (nan below; -inf, the limit, at inf, where SciPy gives nan)."""
    x = np.asarray(x, np.float64)
    inside = (x >= 0) & np.isfinite(x)
    w = (1.0 - np.where(inside, x, 1.0)).astype(np.longdouble)
    value = np.asarray(_li2(w), np.float64)
    out: np.ndarray = np.where(inside, value, np.where(x == np.inf, -np.inf, np.nan))
    return out


def exp1(x: Any) -> Any:
    """The exponential integral ``E1``, elementwise; its derivative is ``-exp(-x) / x``.

    >>> exp1(np.array([0.5, 1.0, 5.0]))
    array([0.55977359, 0.21938393, 0.0011483 ])
    """
    return exp1_p.bind(x)


def expi(x: Any) -> Any:
    """The exponential integral ``Ei``, elementwise; its derivative is ``exp(x) / x``.

    >>> expi(np.array([-0.5, 1.0, 5.0]))
    array([-0.55977359,  1.89511782, 40.18527536])
    """
    return expi_p.bind(x)


exp1_p: Primitive = _special_unop("exp1", exp1_kernel)
defjvp(exp1_p, lambda t, x: mul(t, neg(div(exp(neg(x)), x))))

expi_p: Primitive = _special_unop("expi", expi_kernel)
defjvp(expi_p, lambda t, x: mul(t, div(exp(x), x)))


def spence(x: Any) -> Any:
    """SciPy's ``spence``, the dilogarithm ``Li2(1 - x)``, elementwise (``x >= 0``); its
    derivative is ``log(x) / (1 - x)``, -1 at ``x = 1``.

    >>> spence(np.array([0.0, 0.5, 2.0]))
    array([ 1.64493407,  0.58224053, -0.82246703])
    """
    return spence_p.bind(x)


def _spence_slope(x: Any) -> Any:
    """``log(x) / (1 - x)``; within 1e-3 of 1 its Taylor polynomial in ``u = x - 1``,
    ``-(1 - u/2 + u^2/3 - u^3/4 + u^4/5)``, so every derivative is right there too."""
    one = scalar_like(x, 1)
    u = sub(x, one)
    near = lt(abs_(u), scalar_like(x, 1e-3))
    poly = scalar_like(x, 1 / 5)
    for c in (-1 / 4, 1 / 3, -1 / 2, 1.0):
        poly = add(mul(poly, u), scalar_like(x, c))
    safe = select_n(near, x, scalar_like(x, 2))
    return select_n(near, div(log(safe), sub(one, safe)), neg(poly))


spence_p: Primitive = _special_unop("spence", spence_kernel)
defjvp(spence_p, lambda t, x: mul(t, _spence_slope(x)))
