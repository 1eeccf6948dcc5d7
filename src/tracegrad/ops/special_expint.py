"""The exponential integrals ``E1`` (``exp1``) and ``Ei`` (``expi``) as primitives, with NumPy
float64 kernels: the power series near 0, Lentz's continued fraction (E1) and the
asymptotic series (Ei) far out; derivatives ``-exp(-x) / x`` and ``exp(x) / x``."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops.combinators import defjvp
from tracegrad.ops.elementwise import div, exp, mul, neg
from tracegrad.ops.special import _special_unop

__all__ = ["exp1", "expi", "exp1_kernel", "expi_kernel"]

_EULER = np.longdouble("0.57721566490153286060651209008240243")
_TINY = 1e-300


def _e1_positive(x: np.ndarray) -> np.ndarray:
    """E1 for finite ``x > 0``: the series up to 1, the continued fraction above, both in
    long double (80-bit on x86: the fraction's many steps near 1 would cost float64 about
    20 ulps)."""
    x = x.astype(np.longdouble)
    small = x <= 1.0
    xs = np.where(small, x, 1.0)
    term, series = np.ones_like(xs), np.zeros_like(xs)
    for k in range(1, 30):
        term = -term * xs / k
        series = series - term / k
    near = -_EULER - np.log(xs) + series
    # E1(x) = exp(-x) / (x + 1 - 1 / (x + 3 - 4 / (x + 5 - ...))), by Lentz's method.
    xf = np.where(small, 2.0, x)
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


def exp1(x: Any) -> Any:
    """The exponential integral ``E1``, elementwise; its derivative is ``-exp(-x) / x``.

    >>> exp1(np.array([0.5, 1.0, 5.0]))
    array([0.55977359, 0.21938393, 0.00114830])
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
