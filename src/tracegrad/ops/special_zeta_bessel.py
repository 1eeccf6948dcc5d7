"""The Hurwitz zeta function and the exponentially scaled modified Bessel functions of order
0 and 1 as primitives (``zeta``, ``zeta_ds``, ``bessel_i0e``, ``bessel_i1e``), with NumPy
float64 kernels: Euler-Maclaurin summation for zeta, the power series and the asymptotic
expansion for the Bessel functions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops.combinators import defbroadcasting, defjvp, defjvp_using_output
from tracegrad.ops.elementwise import abs as abs_
from tracegrad.ops.elementwise import add, div, gt, mul, neg, scalar_like, sign, sub
from tracegrad.ops.elementwise_select import select_n
from tracegrad.ops.rules import broadcasting_abstract_eval
from tracegrad.ops.special import _b2k, _special_unop

__all__ = ["bessel_i0e", "bessel_i1e", "zeta", "zeta_ds", "zeta_kernel"]

_EM_SHIFT = 9.0  # Euler-Maclaurin: sum directly until q + k >= 9, then the tail formula


def _leibniz(order: int, factor: list[Any], minus_log_w: np.ndarray) -> Any:
    """The ``order``-th s-derivative of ``f(s) w**-s`` from ``factor[i]``, the i-th
    derivative of ``f``: ``sum_i C(order, i) f^(i)(s) (-log w)**(order - i)`` (times
    ``w**-s``, which the caller applies)."""
    return sum(
        math.comb(order, i) * factor[i] * minus_log_w ** (order - i) for i in range(order + 1)
    )


def zeta_kernel(s: Any, q: Any, order: int = 0) -> np.ndarray:
    """``zeta(s, q) = sum_k (q + k)**-s`` in float64, or its ``order``-th derivative in
    ``s``, with SciPy's edges: inf at ``s = 1`` and at the poles ``q = 0, -1, ...`` (signed
    as the derivative's limit), nan for ``s < 1`` and for ``q < 0`` with ``s`` not an
    integer."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    pole = (q <= 0) & (q == np.floor(q))
    valid = (s > 1) & ~pole & ((q > 0) | (s == np.floor(s))) & np.isfinite(q)
    s_v, q_v = np.where(valid, s, 2.0), np.where(valid, q, 1.0)
    total = np.zeros_like(s_v)
    shifts = max(9, int(np.ceil(_EM_SHIFT - np.min(q_v, initial=_EM_SHIFT))) + 1)
    with np.errstate(all="ignore"):
        for k in range(shifts):
            base = q_v + k
            live = (k < 9) | (base < _EM_SHIFT)
            term = (-np.log(base)) ** order * np.power(base, -s_v)
            total = total + np.where(live, term, 0.0)
        n = np.maximum(9, np.ceil(_EM_SHIFT - q_v))
        w = q_v + np.where(q_v >= _EM_SHIFT, 9, n)
        minus_log_w = -np.log(w)
        w_s = np.power(w, -s_v)
        # The tail: w^(1-s) / (s - 1) + w^-s / 2
        #           + sum_j B_2j / (2j)! s (s + 1) ... (s + 2j - 2) w^(-s - 2j + 1).
        pole_part = [
            (-1.0) ** i * math.factorial(i) / (s_v - 1) ** (i + 1) for i in range(order + 1)
        ]
        tail = w * _leibniz(order, pole_part, minus_log_w) + 0.5 * minus_log_w**order
        for j, b in enumerate(_b2k(), start=1):
            rising = np.polynomial.Polynomial.fromroots(-np.arange(2 * j - 1.0))
            factor = [rising.deriv(i)(s_v) if i else rising(s_v) for i in range(order + 1)]
            coef = b / math.factorial(2 * j) * w ** (1.0 - 2 * j)
            tail = tail + coef * _leibniz(order, factor, minus_log_w)
        total = total + tail * w_s
    at_one = (-1.0) ** order * np.inf
    edge = np.where((s == 1) | (pole & (s > 1)), at_one, np.nan)
    out: np.ndarray = np.where(valid, total, edge)
    return out


def _series_terms(x: np.ndarray, order: int) -> np.ndarray:
    """``I_order(x)`` for ``|x| <= 20`` from its power series (positive terms), summed in
    extended precision where the platform has it (80-bit long double on x86)."""
    x = x.astype(np.longdouble)
    quarter = x * x / 4
    term: np.ndarray = np.ones_like(x) if order == 0 else x / 2.0
    total: np.ndarray = term.copy()
    for k in range(1, 64):
        term = term * quarter / (k * (k + order))
        total = total + term
    return total


def _asymptotic(x: np.ndarray, order: int) -> np.ndarray:
    """``I_order(x) exp(-x)`` for ``x > 20`` from Hankel's expansion (in long double)."""
    x = x.astype(np.longdouble)
    mu = 4.0 * order * order
    term = np.ones_like(x)
    total = term.copy()
    for k in range(1, 30):
        term = -term * (mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        total = total + term
    out = total / np.sqrt(2 * np.longdouble(math.pi) * x)
    return np.asarray(out, np.float64)


def _scaled_bessel(order: int, x: Any) -> np.ndarray:
    """``exp(-|x|) I_order(x)`` in float64 (odd in ``x`` for order 1, even for order 0)."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    small = a <= 20.0
    with np.errstate(all="ignore"):
        near_a = np.where(small, a, 0.0).astype(np.longdouble)
        near = (_series_terms(near_a, order) * np.exp(-near_a)).astype(np.float64)
        far = _asymptotic(np.where(small, 21.0, a), order)
    out = np.where(small, near, np.where(np.isinf(a), 0.0, far))
    out = np.where(np.isnan(x), np.nan, out)
    result: np.ndarray = np.copysign(out, x) if order == 1 else out
    return result


# ---- primitives ---------------------------------------------------------------------
def zeta(s: Any, q: Any) -> Any:
    """The Hurwitz zeta function ``sum_k (q + k)**-s``, elementwise; its derivative in
    ``q`` is ``-s zeta(s + 1, q)``, in ``s`` ``zeta_ds``.

    >>> zeta(np.array([2.0, 3.0]), np.array([1.0, 2.0]))
    array([1.64493407, 0.2020569 ])
    """
    return zeta_p.bind(s, q)


def zeta_ds(s: Any, q: Any, order: int = 1) -> Any:
    """The ``order``-th derivative of ``zeta(s, q)`` in ``s`` (``order >= 1``):
    ``sum_k (-log(q + k))**order (q + k)**-s``, differentiable to every order in both.

    >>> zeta_ds(np.array([2.0]), np.array([1.0]))
    array([-0.93754825])
    """
    return zeta_p.bind(s, q) if order == 0 else zeta_ds_p.bind(s, q, order=order)


def _impl(s: Any, q: Any, *, order: int = 0) -> Any:
    dtype = np.result_type(np.asarray(s).dtype, np.asarray(q).dtype)
    return zeta_kernel(s, q, order).astype(dtype)[()]


def _q_slope(t: Any, s: Any, q: Any, *, order: int = 0) -> Any:
    # d/dq zeta = -s zeta(s + 1, q); its order-th s-derivative by Leibniz's rule:
    # -(s zeta^(order)(s + 1, q) + order zeta^(order - 1)(s + 1, q)).
    shifted = add(s, scalar_like(s, 1))
    slope = mul(s, zeta_ds(shifted, q, order))
    if order:
        slope = add(slope, mul(scalar_like(s, order), zeta_ds(shifted, q, order - 1)))
    return mul(t, neg(slope))


zeta_p = Primitive("zeta")
zeta_p.def_impl(_impl)
zeta_p.def_abstract_eval(broadcasting_abstract_eval("zeta"))
defjvp(zeta_p, lambda t, s, q: mul(t, zeta_ds(s, q, 1)), _q_slope)
defbroadcasting(zeta_p)

zeta_ds_p = Primitive("zeta_ds")
zeta_ds_p.def_impl(_impl)
zeta_ds_p.def_abstract_eval(broadcasting_abstract_eval("zeta_ds"))
defjvp(zeta_ds_p, lambda t, s, q, *, order: mul(t, zeta_ds(s, q, order + 1)), _q_slope)
defbroadcasting(zeta_ds_p)


def bessel_i0e(x: Any) -> Any:
    """``exp(-|x|) I0(x)``, elementwise; its derivative is ``i1e(x) - sign(x) i0e(x)``.

    >>> bessel_i0e(np.array([0.0, 1.0, 100.0]))
    array([1.        , 0.46575961, 0.03994438])
    """
    return bessel_i0e_p.bind(x)


def bessel_i1e(x: Any) -> Any:
    """``exp(-|x|) I1(x)``, elementwise; its derivative is ``i0e(x) - i1e(x) (sign(x) +
    1 / x)``, 1/2 at 0.

    >>> bessel_i1e(np.array([0.0, 1.0, -100.0]))
    array([ 0.        ,  0.20791042, -0.03974415])
    """
    return bessel_i1e_p.bind(x)


def _i1e_slope(out: Any, x: Any) -> Any:
    tiny = gt(abs_(x), scalar_like(x, np.finfo(np.float64).tiny))
    safe = select_n(tiny, scalar_like(x, 1), x)
    slope = sub(bessel_i0e(safe), mul(out, add(sign(safe), div(scalar_like(x, 1), safe))))
    return select_n(tiny, scalar_like(x, 0.5), slope)


bessel_i0e_p = _special_unop("bessel_i0e", lambda x: _scaled_bessel(0, x))
defjvp_using_output(bessel_i0e_p, lambda t, out, x: mul(t, sub(bessel_i1e(x), mul(sign(x), out))))

bessel_i1e_p = _special_unop("bessel_i1e", lambda x: _scaled_bessel(1, x))
defjvp_using_output(bessel_i1e_p, lambda t, out, x: mul(t, _i1e_slope(out, x)))
