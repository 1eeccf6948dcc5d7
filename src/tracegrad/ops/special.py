"""Special-function primitives (erf, erfc, lgamma, digamma, polygamma, logistic, xlogy) with
NumPy-only float64 kernels: no SciPy at run time."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray
from tracegrad.core.dtypes import is_float
from tracegrad.ops.combinators import defbroadcasting, defjvp, defjvp_using_output
from tracegrad.ops.elementwise import div, exp, log, mul, neg, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval, defvectorized

Kernel = Callable[[np.ndarray], np.ndarray]


# ---- float64 kernels ----------------------------------------------------------
# The tables below (series coefficients and Chebyshev interpolants) are built on first use,
# not at import: with numpy.polynomial and fractions they take about 5 ms (docs/imports.md).
# numpy.polynomial is reached as ``np.polynomial``, which NumPy imports on first access.


@functools.cache
def bernoulli_numbers(n: int) -> tuple[Any, ...]:
    """The Bernoulli numbers B_0, ..., B_n (B_1 = -1/2) as exact fractions, from the
    recurrence sum_k C(m+1, k) B_k = 0."""
    from fractions import Fraction  # deferred: fractions imports decimal (about 2 ms)

    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum((math.comb(m + 1, k) * b[k] for k in range(m)), Fraction(0)) / (m + 1))
    return tuple(b)


@functools.cache
def _b2k() -> list[float]:
    """B_2, B_4, ..., B_20 as floats."""
    b = bernoulli_numbers(20)
    return [float(b[2 * k]) for k in range(1, 11)]


_ASYMPTOTIC_FROM = 12.0  # the asymptotic series below are at machine precision from here
_LOG_PI = math.log(math.pi)


def _interpolant(
    f: Callable[[float], float], lo: float, hi: float, deg: int
) -> np.polynomial.Chebyshev:
    """Chebyshev interpolant of the scalar function ``f`` on [lo, hi], at the ``deg + 1``
    Chebyshev points of the first kind (all interior).

    The coefficients are a direct cosine sum with each cosine computed from its angle:
    numpy's ``chebinterpolate`` builds them by the three-term recurrence, whose rounding
    errors (about 1e-15 at degree 30) would dominate the interpolation error.
    """
    n = deg + 1
    theta = np.pi * (np.arange(n) + 0.5) / n
    nodes = 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(theta)
    values = np.array([f(float(t)) for t in nodes])
    coef = 2.0 / n * (np.cos(np.outer(np.arange(n), theta)) @ values)
    coef[0] /= 2
    return np.polynomial.Chebyshev(coef, domain=[lo, hi])


# erf: Chebyshev interpolants of math.erf (accurate to about 1 ulp), built once on first
# use; accurate to about 1e-14 (absolute, and relative near 0, where erf(x)/x is
# interpolated). From 6 on, erf(x) rounds to 1 in float64.
_ERF_EDGES = (1.0, 2.0, 3.5, 6.0)


@functools.cache
def _erf_interpolants() -> tuple[np.polynomial.Chebyshev, list[np.polynomial.Chebyshev]]:
    """erf(x) / x on [0, 1], and erf on each interval between the edges."""
    over_x = _interpolant(lambda x: math.erf(x) / x, 0.0, 1.0, 16)
    pieces = [
        _interpolant(math.erf, lo, hi, deg)
        for lo, hi, deg in zip(_ERF_EDGES[:-1], _ERF_EDGES[1:], (25, 25, 30), strict=True)
    ]
    return over_x, pieces


# erfcx(x) = exp(x^2) erfc(x), smooth and of size 1 / (x sqrt(pi)), as Chebyshev series on
# [k, k + 1] for k = 0..3, truncated where the rest is below 2e-17 of the value. The
# coefficients were computed once at 120 bits with mpmath (Chebyshev interpolation at 40
# points; tests/test_scipy_special.py derives them again): interpolating float64 values at
# import, as for erf, would leave about 1e-15 of rounding noise in them.
_ERFCX_COEF = (
    (0.6636754548049562, -0.27846906527659765, 0.04903417939717065, -0.007599751020383188,
     0.0010654107427530049, -0.00013750347856587034, 1.654054543985497e-05,
     -1.8714831220745124e-06, 2.005707523747154e-07, -2.047435473714216e-08,
     1.999753198444048e-09, -1.8758264773418728e-10, 1.6952320375586177e-11,
     -1.4799803967565557e-12, 1.251077129136384e-13, -1.0261146160401797e-14,
     8.1802806636892e-16, -6.348781380104645e-17),
    (0.331427281639452, -0.0850021377067432, 0.009951127341466115, -0.0010810888102208325,
     0.0001102324363119495, -1.0636830518218601e-05, 9.775012680479055e-07,
     -8.597922867888315e-08, 7.2677084117248425e-09, -5.923543840592542e-10,
     4.6683928572294154e-11, -3.56612770156775e-12, 2.6458779519104523e-13,
     -1.9101658673527567e-14, 1.343976588479829e-15, -9.228790549094326e-17,
     6.19267308464391e-18),
    (0.21398248255623223, -0.037938404099999566, 0.0031959178113380353,
     -0.0002573666707889977, 1.9905838950216772e-05, -1.484277185436206e-06,
     1.0702889548418397e-07, -7.482824223542503e-09, 5.083548493074793e-10,
     -3.362256906091922e-11, 2.168583689441302e-12, -1.3659497593967644e-13,
     8.41330237971444e-15, -5.07307611814009e-16, 2.997771009156646e-17),
    (0.15664177324548129, -0.02091546173436561, 0.0013533062741154646,
     -8.507320563146502e-05, 5.206702837134669e-06, -3.1080131383071883e-07,
     1.812288027485316e-08, -1.0336821988321494e-09, 5.7741095304546024e-11,
     -3.162182437881998e-12, 1.6994584246907247e-13, -8.970835568269196e-15,
     4.654746280281841e-16, -2.3758099688267352e-17),
)  # fmt: skip


@functools.cache
def _erfcx_pieces() -> list[np.polynomial.Chebyshev]:
    return [np.polynomial.Chebyshev(c, domain=[k, k + 1]) for k, c in enumerate(_ERFCX_COEF)]


# From 4 on, erfcx is the continued fraction 1 / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) /
# (x + ...))))); 24 levels leave an error of 1e-18 at 4, less beyond.
_ERFCX_CF_FROM, _ERFCX_CF_DEPTH = 4.0, 24
_ERFC_ZERO_FROM = 28.0  # erfc(x) < 2**-1075 from about 27.26: it rounds to 0
_SQRT_PI = math.sqrt(math.pi)


# lgamma on [1, 3] as (x - 1)(x - 2) h(x), h interpolated from math.lgamma: the zeros at
# 1 and 2 are exact. An even number of nodes, so none falls on 2.
@functools.cache
def _lgamma_h() -> np.polynomial.Chebyshev:
    return _interpolant(lambda x: math.lgamma(x) / ((x - 1) * (x - 2)), 1.0, 3.0, 31)


def _as_f64(x: Any) -> np.ndarray:
    if np.iscomplexobj(x):  # checked here too: eager calls skip the abstract rule
        raise DTypeError(
            "the special-function kernels take real floating arrays, got "
            f"dtype {np.asarray(x).dtype.name}."
        )
    return np.asarray(x, dtype=np.float64)


@functools.cache
def _erf_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The erf interpolants as one table, so that every element is evaluated in one Clenshaw
    recurrence: their coefficients (highest degree first, zero-padded, one column per
    interpolant) and the offset and scale that map each one's domain onto [-1, 1]."""
    over_x, pieces = _erf_interpolants()
    series = [over_x, *pieces]
    width = max(len(c.coef) for c in series)
    table = np.zeros((width, len(series)))
    for k, c in enumerate(series):
        table[width - len(c.coef) :, k] = c.coef[::-1]
    offset, scale = np.array([c.mapparms() for c in series]).T
    return table, offset, scale


def _clenshaw(table: np.ndarray, which: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Chebyshev series ``table[:, which]`` at ``t``, by NumPy's ``chebval`` recurrence in
    the same order (so the same bits: leading zero coefficients leave it unchanged)."""
    t2 = 2 * t
    c1, c0 = table[0][which], table[1][which]
    for row in table[2:]:
        c0, c1 = row[which] - c1, c0 + c1 * t2
    result: np.ndarray = c0 + c1 * t
    return result


def erf_kernel(x: Any) -> np.ndarray:
    """The error function, elementwise, in float64: ``x * (erf(x) / x)`` below 1, ``erf`` on
    [1, 2), [2, 3.5), [3.5, 6), 1 from 6 on, each from its Chebyshev interpolant."""
    x = _as_f64(x)
    ax = np.abs(x)
    table, offset, scale = _erf_table()
    which = np.searchsorted(_ERF_EDGES[:-1], ax, side="right")
    inside = ax < _ERF_EDGES[-1]  # not nan either
    which = np.where(inside, which, 0)
    values = _clenshaw(table, which, offset[which] + scale[which] * np.where(inside, ax, 0.0))
    out = np.where(which == 0, x * values, np.copysign(values, x))
    out = np.where(inside, out, np.copysign(1.0, x))
    return np.where(np.isnan(x), np.nan, out)


def _erfcx_nonneg(x: np.ndarray) -> np.ndarray:
    """exp(x^2) erfc(x) for finite x >= 0."""
    out = np.empty_like(x)
    for k, piece in enumerate(_erfcx_pieces()):
        inside = (x >= k) & (x < k + 1)
        if inside.any():
            out[inside] = piece(x[inside])
    far = x >= _ERFCX_CF_FROM
    if far.any():
        z = x[far]
        t = z
        for n in range(_ERFCX_CF_DEPTH, 0, -1):  # evaluated backwards: all terms positive
            t = z + (0.5 * n) / t
        out[far] = 1.0 / (_SQRT_PI * t)
    return out


def erfc_kernel(x: Any) -> np.ndarray:
    """The complementary error function 1 - erf(x), elementwise, in float64, accurate in
    relative terms also where it is tiny (to about 5e-16, down to its underflow near 27.3)."""
    x = _as_f64(x)
    a = np.abs(x)
    out = np.where(np.isnan(x), np.nan, np.where(x < 0, 2.0, 0.0))  # the values far out
    live = a < _ERFC_ZERO_FROM
    al = a[live]
    with np.errstate(under="ignore"):  # underflow to subnormals and 0 is the right answer
        # exp(-a^2) without rounding a^2, whose error would grow to a^2 * 1e-16 in erfc:
        # with h = a rounded to a multiple of 2**-10, h^2 is exact and a^2 - h^2 =
        # (a - h)(a + h) is below 0.06, so its rounding does not matter.
        h = np.round(al * 1024) / 1024
        scaled = _erfcx_nonneg(al)
        scaled = scaled + scaled * np.expm1(-(al - h) * (al + h))  # one rounding, not two
        tail = scaled * np.exp(-h * h)
    # Below 0, erfc(x) = 2 - erfc(-x): no cancellation, as erfc(-x) <= 1.
    out[live] = np.where(x[live] < 0, 2.0 - tail, tail)
    return out


def _shift_up(
    x: np.ndarray, term: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Raise every finite ``x`` below the asymptotic range by 1 until it is in it.

    Returns the shifted arguments and the sum of ``term(x + j)`` over the shifts made.
    """
    x = x.copy()
    acc = np.zeros_like(x)
    low = x < _ASYMPTOTIC_FROM
    while low.any():
        acc[low] += term(x[low])
        x[low] += 1.0
        low = x < _ASYMPTOTIC_FROM
    return x, acc


def _reflection_split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the poles (non-positive integers) and of the finite arguments below 0.5
    that reflection handles, and ``x - round(x)``, with which ``pi x`` is exact mod pi."""
    finite = np.isfinite(x)
    r = np.where(finite, x - np.round(np.where(finite, x, 0.0)), 0.0)
    pole = finite & (x <= 0) & (r == 0)
    return finite & (x < 0.5) & ~pole, pole, r


def _lgamma_positive(z: np.ndarray) -> np.ndarray:
    """lgamma of finite z >= 0.5."""
    out = np.empty_like(z)
    below3 = z < 3.0
    zl = z[below3]
    small = zl < 1.0  # lgamma(z) = lgamma(z + 1) - log(z), z + 1 in [1, 2)
    base = np.where(small, zl + 1.0, zl)
    vals = (base - 1) * (base - 2) * _lgamma_h()(base)
    out[below3] = np.where(small, vals - np.log(zl), vals)
    zb, shifts = _shift_up(z[~below3], np.log)
    inv = 1.0 / zb
    series = sum(b / ((2 * k + 2) * (2 * k + 1)) * inv ** (2 * k + 1) for k, b in enumerate(_b2k()))
    with np.errstate(over="ignore"):  # overflow to inf is the right float64 answer
        out[~below3] = (zb - 0.5) * np.log(zb) - zb + 0.5 * math.log(2 * math.pi) + series - shifts
    return out


def lgamma_kernel(x: Any) -> np.ndarray:
    """log|Gamma(x)|, elementwise, in float64 (inf at the poles and at +-inf)."""
    x = _as_f64(x)
    reflect, pole, r = _reflection_split(x)
    out = np.where(np.isnan(x), np.nan, np.inf)  # nan stays nan; poles and +-inf give inf
    regular = np.isfinite(x) & ~pole
    z = np.where(reflect, 1.0 - x, x)[regular]
    vals = _lgamma_positive(z)
    # Reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x).
    refl = reflect[regular]
    vals[refl] = _LOG_PI - np.log(np.abs(np.sin(np.pi * r[regular][refl]))) - vals[refl]
    out[regular] = vals
    return out


def _polygamma_asymptotic(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) for x >= 12 from its asymptotic series (n = 0: digamma)."""
    inv = 1.0 / x
    if n == 0:
        digamma: np.ndarray = (
            np.log(x)
            - 0.5 * inv
            - sum(b / (2 * k + 2) * inv ** (2 * k + 2) for k, b in enumerate(_b2k()))
        )
        return digamma
    sign = (-1.0) ** (n + 1)
    total = math.factorial(n - 1) * inv**n + 0.5 * math.factorial(n) * inv ** (n + 1)
    for k, b in enumerate(_b2k(), start=1):
        coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        total = total + coef * inv ** (2 * k + n)
    return sign * total


def _cot_derivative_poly(n: int) -> np.polynomial.Polynomial:
    """Q_n with d^n/du^n cot(u) = Q_n(cot u): Q_0(c) = c, Q_{k+1} = -(1 + c^2) Q_k'."""
    q = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        q = -np.polynomial.Polynomial([1.0, 0.0, 1.0]) * q.deriv()
    return q


def polygamma_kernel(n: int, x: Any) -> np.ndarray:
    """The n-th derivative of digamma, elementwise, in float64 (n = 0: digamma itself).

    At the poles (non-positive integers) digamma is nan, as in JAX, and polygamma takes
    the sign of its limit from the right, as in SciPy.
    """
    x = _as_f64(x)
    reflect, pole, r = _reflection_split(x)
    sign = (-1.0) ** (n + 1)
    out: np.ndarray = np.full_like(x, np.nan)
    out[pole] = np.nan if n == 0 else sign * np.inf
    out[x == np.inf] = np.inf if n == 0 else 0.0
    regular = np.isfinite(x) & ~pole
    z = np.where(reflect, 1.0 - x, x)[regular]
    # Recurrence psi^(n)(z) = psi^(n)(z + 1) + (-1)^(n+1) n! / z^(n+1), then the series.
    zs, acc = _shift_up(z, (lambda t: -1.0 / t) if n == 0 else (lambda t: t ** -(n + 1.0)))
    vals = _polygamma_asymptotic(n, zs) + (acc if n == 0 else sign * math.factorial(n) * acc)
    # Reflection, differentiated n times: psi^(n)(x) = (-1)^n psi^(n)(1 - x)
    #                                                   - pi^(n+1) Q_n(cot(pi x)).
    refl = reflect[regular]
    cot = 1.0 / np.tan(np.pi * r[regular][refl])
    vals[refl] = (-1.0) ** n * vals[refl] - np.pi ** (n + 1) * _cot_derivative_poly(n)(cot)
    out[regular] = vals
    return out


def logistic_kernel(x: Any) -> np.ndarray:
    """1 / (1 + exp(-x)) without overflow, in the dtype of ``x``."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    out: np.ndarray = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)
    return out


def xlogy_kernel(x: Any, y: Any) -> np.ndarray:
    """x * log(y), and 0 where x == 0 (unless y is nan), as scipy.special.xlogy."""
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    result: np.ndarray = np.where((x == 0) & ~np.isnan(y), np.zeros((), out.dtype), out)
    return result


# ---- primitives ---------------------------------------------------------------
def _real_float_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    def rule(x: ShapedArray, **_: Any) -> ShapedArray:
        if not is_float(x.dtype):
            raise DTypeError(
                f"{name} takes real floating arrays, got dtype {x.dtype.name}; "
                "convert integers to a floating dtype first (the "
                "tracegrad.scipy.special functions do)."
            )
        return x

    return rule


def _in_dtype_of_input(kernel: Kernel) -> Kernel:
    """Run a float64 kernel and give the result the dtype of its argument."""
    return lambda x: kernel(x).astype(np.asarray(x).dtype)[()]


def _special_unop(name: str, kernel: Kernel) -> Primitive:
    p = Primitive(name)
    p.def_impl(_in_dtype_of_input(kernel))
    p.def_abstract_eval(_real_float_abstract_eval(name))
    defvectorized(p)
    return p


# ---- erf, erfc -------------------------------------------------------------------
def erf(x: Any) -> Any:
    """The error function, elementwise (real floating ``x``).

    >>> erf(np.array([0.0, 1.0]))
    array([0.        , 0.84270079])
    """
    return erf_p.bind(x)


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, elementwise (real floating ``x``),
    accurate in relative terms where it is tiny.

    >>> erfc(np.array([0.0, 1.0, 10.0]))
    array([1.00000000e+00, 1.57299207e-01, 2.08848758e-45])
    """
    return erfc_p.bind(x)


def _scaled_gaussian(x: Any, scale: float) -> Any:
    """``scale * exp(-x^2)``: the derivative of erf (scale 2 / sqrt(pi)) and of erfc."""
    return mul(scalar_like(x, scale), exp(neg(mul(x, x))))


erf_p = _special_unop("erf", erf_kernel)
defjvp(erf_p, lambda t, x: mul(t, _scaled_gaussian(x, 2 / _SQRT_PI)))

erfc_p = _special_unop("erfc", erfc_kernel)
defjvp(erfc_p, lambda t, x: mul(t, _scaled_gaussian(x, -2 / _SQRT_PI)))


# ---- erfinv, erfcinv -----------------------------------------------------------------
def _erf_solve(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The y >= 0 with erf(y) = a, given a in [0, 1) and c = 1 - a (accurate where a is
    near 1): Winitzki's approximation, then Newton steps on erf (or on erfc where a >= 0.5,
    so the tail keeps its relative accuracy)."""
    with np.errstate(divide="ignore"):
        log_term = np.log(c * (1.0 + a))  # log(1 - a^2) without cancelling
    k = 0.147
    b = 2.0 / (math.pi * k) + log_term / 2.0
    y = np.sqrt(np.sqrt(b * b - log_term / k) - b)
    tail = a >= 0.5
    log_c = np.log(np.where(tail, c, 1.0))
    for _ in range(5):
        with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="ignore"):
            slope = (2.0 / _SQRT_PI) * np.exp(-y * y)
            # In the tail, Newton on log(erfc(y)) = log(c): erfc falls too steeply there for
            # steps on erfc itself; erfc is above its underflow (y < 27) for every float c.
            y_tail = np.minimum(y, 27.0)
            tail_c = erfc_kernel(y_tail)
            step_tail = (
                (np.log(tail_c) - log_c) * tail_c / (2.0 / _SQRT_PI) / np.exp(-y_tail * y_tail)
            )
            y = np.where(tail, y_tail + step_tail, y - (erf_kernel(y) - a) / slope)
    return np.where(a == 0.0, 0.0, y)


def erfinv_kernel(x: Any) -> np.ndarray:
    """The inverse error function on [-1, 1] (+-inf at +-1, nan outside), in float64."""
    x = _as_f64(x)
    a = np.abs(x)
    inside = a < 1.0
    y = _erf_solve(np.where(inside, a, 0.0), np.where(inside, 1.0 - a, 1.0))
    out = np.where(inside, y, np.where(a == 1.0, np.inf, np.nan))
    result: np.ndarray = np.copysign(out, x)
    return result


def erfcinv_kernel(x: Any) -> np.ndarray:
    """The inverse of erfc on [0, 2] (inf at 0, -inf at 2, nan outside), in float64; small
    arguments (the far tail) keep their relative accuracy."""
    x = _as_f64(x)
    upper = x <= 1.0  # erfcinv(x) >= 0 there: erf(y) = 1 - x with 1 - erf(y) = x exactly
    a = np.where(upper, 1.0 - x, x - 1.0)
    c = np.where(upper, x, 2.0 - x)
    inside = (x > 0.0) & (x < 2.0)
    y = _erf_solve(np.where(inside, a, 0.0), np.where(inside, c, 1.0))
    out = np.where(inside, y, np.where((x == 0.0) | (x == 2.0), np.inf, np.nan))
    return np.where(upper, out, -out)


def erfinv(x: Any) -> Any:
    """The inverse error function, elementwise (real floating ``x`` in [-1, 1]); its
    derivative is ``sqrt(pi) / 2 * exp(erfinv(x)**2)``.

    >>> erfinv(np.array([0.0, 0.5]))
    array([0.        , 0.47693628])
    """
    return erfinv_p.bind(x)


def erfcinv(x: Any) -> Any:
    """The inverse of erfc, elementwise (real floating ``x`` in [0, 2]); its derivative is
    ``-sqrt(pi) / 2 * exp(erfcinv(x)**2)``.

    >>> erfcinv(np.array([1.0, 0.5]))
    array([0.        , 0.47693628])
    """
    return erfcinv_p.bind(x)


def _inverse_erf_slope(out: Any, scale: float) -> Any:
    return mul(scalar_like(out, scale), exp(mul(out, out)))


erfinv_p = _special_unop("erfinv", erfinv_kernel)
defjvp_using_output(erfinv_p, lambda t, out, x: mul(t, _inverse_erf_slope(out, _SQRT_PI / 2)))

erfcinv_p = _special_unop("erfcinv", erfcinv_kernel)
defjvp_using_output(erfcinv_p, lambda t, out, x: mul(t, _inverse_erf_slope(out, -_SQRT_PI / 2)))


# ---- lgamma, digamma, polygamma ---------------------------------------------------
def lgamma(x: Any) -> Any:
    """log|Gamma(x)|, elementwise (real floating ``x``); its derivative is digamma.

    >>> (lgamma(np.array([1.0, 3.0])) + 0.0).round(8).tolist()
    [0.0, 0.69314718]
    """
    return lgamma_p.bind(x)


def digamma(x: Any) -> Any:
    """The logarithmic derivative of Gamma, elementwise (nan at non-positive integers).

    >>> digamma(np.array([1.0]))
    array([-0.57721566])
    """
    return digamma_p.bind(x)


def polygamma(n: int, x: Any) -> Any:
    """The ``n``-th derivative of digamma, elementwise; ``n`` is a non-negative int.

    >>> polygamma(1, np.array([1.0]))
    array([1.64493407])
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"polygamma: the order n must be a non-negative integer, got {n}.")
    return digamma(x) if n == 0 else polygamma_p.bind(x, n=n)


lgamma_p = _special_unop("lgamma", lgamma_kernel)
defjvp(lgamma_p, lambda t, x: mul(t, digamma(x)))

digamma_p = _special_unop("digamma", lambda x: polygamma_kernel(0, x))
defjvp(digamma_p, lambda t, x: mul(t, polygamma(1, x)))

polygamma_p = Primitive("polygamma")
polygamma_p.def_impl(lambda x, *, n: polygamma_kernel(n, x).astype(np.asarray(x).dtype)[()])
polygamma_p.def_abstract_eval(_real_float_abstract_eval("polygamma"))
defjvp(polygamma_p, lambda t, x, *, n: mul(t, polygamma(n + 1, x)))
defvectorized(polygamma_p)


# ---- logistic -------------------------------------------------------------------
def logistic(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, elementwise, without overflow.

    >>> logistic(np.array([0.0, -1000.0]))
    array([0.5, 0. ])
    """
    return logistic_p.bind(x)


logistic_p = _special_unop("logistic", logistic_kernel)
defjvp_using_output(logistic_p, lambda t, out, x: mul(t, mul(out, sub(scalar_like(out, 1), out))))


# ---- xlogy ----------------------------------------------------------------------
def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0``; derivatives ``log(y)`` and ``x / y`` as in JAX.

    >>> xlogy(np.array([0.0, 2.0]), np.array([0.0, np.e]))
    array([0., 2.])
    """
    return xlogy_p.bind(x, y)


xlogy_p = Primitive("xlogy")
xlogy_p.def_impl(xlogy_kernel)
xlogy_p.def_abstract_eval(broadcasting_abstract_eval("xlogy"))
defjvp(xlogy_p, lambda t, x, y: mul(t, log(y)), lambda t, x, y: mul(t, div(x, y)))
defbroadcasting(xlogy_p)
