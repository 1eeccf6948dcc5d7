"""Special-function primitives (erf, lgamma, digamma, polygamma, logistic, xlogy) with
NumPy-only float64 kernels: no SciPy at run time."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev, polynomial

from tracegrad.core import DTypeError, Primitive, ShapedArray
from tracegrad.core.dtypes import is_float
from tracegrad.ops.combinators import defbroadcasting, defjvp, defjvp_using_output
from tracegrad.ops.elementwise import div, exp, log, mul, neg, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval, defvectorized

Kernel = Callable[[np.ndarray], np.ndarray]


# ---- float64 kernels ----------------------------------------------------------
def _bernoulli_even(count: int) -> list[float]:
    """B_2, B_4, ..., B_{2 count}, from the recurrence sum_k C(m+1, k) B_k = 0 (exact)."""
    b = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        b.append(-sum((math.comb(m + 1, k) * b[k] for k in range(m)), Fraction(0)) / (m + 1))
    return [float(b[2 * k]) for k in range(1, count + 1)]


_B2K = _bernoulli_even(10)
_ASYMPTOTIC_FROM = 12.0  # the asymptotic series below are at machine precision from here
_LOG_PI = math.log(math.pi)


def _interpolant(
    f: Callable[[float], float], lo: float, hi: float, deg: int
) -> chebyshev.Chebyshev:
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
    return chebyshev.Chebyshev(coef, domain=[lo, hi])


# erf: Chebyshev interpolants of math.erf (accurate to about 1 ulp), built once at
# import; accurate to about 1e-14 (absolute, and relative near 0, where erf(x)/x is
# interpolated). From 6 on, erf(x) rounds to 1 in float64.
_ERF_OVER_X = _interpolant(lambda x: math.erf(x) / x, 0.0, 1.0, 16)
_ERF_EDGES = (1.0, 2.0, 3.5, 6.0)
_ERF_PIECES = [
    _interpolant(math.erf, lo, hi, deg)
    for lo, hi, deg in zip(_ERF_EDGES[:-1], _ERF_EDGES[1:], (25, 25, 30), strict=True)
]

# lgamma on [1, 3] as (x - 1)(x - 2) h(x), h interpolated from math.lgamma: the zeros at
# 1 and 2 are exact. An even number of nodes, so none falls on 2.
_LGAMMA_H = _interpolant(lambda x: math.lgamma(x) / ((x - 1) * (x - 2)), 1.0, 3.0, 31)


def _as_f64(x: Any) -> np.ndarray:
    if np.iscomplexobj(x):  # checked here too: eager calls skip the abstract rule
        raise DTypeError(
            "the special-function kernels take real floating arrays, got "
            f"dtype {np.asarray(x).dtype.name}."
        )
    return np.asarray(x, dtype=np.float64)


def erf_kernel(x: Any) -> np.ndarray:
    """The error function, elementwise, in float64."""
    x = _as_f64(x)
    ax = np.abs(x)
    out = np.where(ax < 1.0, x * _ERF_OVER_X(np.minimum(ax, 1.0)), 1.0)
    for piece, lo, hi in zip(_ERF_PIECES, _ERF_EDGES[:-1], _ERF_EDGES[1:], strict=True):
        inside = (ax >= lo) & (ax < hi)
        if inside.any():
            out[inside] = piece(ax[inside])
    out = np.where(ax >= 1.0, np.copysign(out, x), out)
    return np.where(np.isnan(x), np.nan, out)


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
    vals = (base - 1) * (base - 2) * _LGAMMA_H(base)
    out[below3] = np.where(small, vals - np.log(zl), vals)
    zb, shifts = _shift_up(z[~below3], np.log)
    inv = 1.0 / zb
    series = sum(b / ((2 * k + 2) * (2 * k + 1)) * inv ** (2 * k + 1) for k, b in enumerate(_B2K))
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
            - sum(b / (2 * k + 2) * inv ** (2 * k + 2) for k, b in enumerate(_B2K))
        )
        return digamma
    sign = (-1.0) ** (n + 1)
    total = math.factorial(n - 1) * inv**n + 0.5 * math.factorial(n) * inv ** (n + 1)
    for k, b in enumerate(_B2K, start=1):
        coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        total = total + coef * inv ** (2 * k + n)
    return sign * total


def _cot_derivative_poly(n: int) -> polynomial.Polynomial:
    """Q_n with d^n/du^n cot(u) = Q_n(cot u): Q_0(c) = c, Q_{k+1} = -(1 + c^2) Q_k'."""
    q = polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        q = -polynomial.Polynomial([1.0, 0.0, 1.0]) * q.deriv()
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


# ---- erf ------------------------------------------------------------------------
def erf(x: Any) -> Any:
    """The error function, elementwise (real floating ``x``).

    >>> erf(np.array([0.0, 1.0]))
    array([0.        , 0.84270079])
    """
    return erf_p.bind(x)


erf_p = _special_unop("erf", erf_kernel)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
defjvp(erf_p, lambda t, x: mul(t, mul(scalar_like(x, _TWO_OVER_SQRT_PI), exp(neg(mul(x, x))))))


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
