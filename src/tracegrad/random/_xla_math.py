"""``log``, ``log1p``, ``exp``, ``erf`` and ``pow`` as XLA's CPU backend computes them, so
that the samplers built on them (``exponential``, ``gumbel``, ``laplace``, ``logistic``,
``truncated_normal``, ``normal`` through ``erfinv``, ``gamma``, ``beta``, ``dirichlet``,
``poisson``) give JAX's floats bit for bit.

XLA evaluates float32 ``log`` with its own Cephes-style polynomial (the mantissa in
``[sqrt(1/2), sqrt(2))``, a degree-8 polynomial in three parts, the exponent added back
in two pieces of ``log(2)``), and ``log1p`` of either width as a Cephes rational function
below ``sqrt(2) - 1`` and ``log(1 + x)`` above; every multiply that feeds an add is
fused, and subnormal values count as zero. float64 ``log`` is the C library's (not
NumPy's, which differs from it in about 1% of inputs); half precision is computed in
float32. ``exp`` is Cephes' polynomial in float32 and a Cephes/Eigen rational function in
float64, both fused. ``erf`` is Eigen's rational function in float32 and the C library's
in float64. They are primitives whose implementations emulate that arithmetic in NumPy;
their derivatives are ``t / x``, ``t / (1 + x)``, ``t exp(x)`` and
``2 t exp(-x**2) / sqrt(pi)``."""

from __future__ import annotations

import ctypes
import functools
import math
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.ops.combinators import defjvp
from tracegrad.ops.elementwise import _unop
from tracegrad.random._fma import fma, horner

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)

# Cephes' logf: the polynomial's coefficients, highest power first, and log(2) in two parts.
_LOG_P = (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
)  # fmt: skip
_LN2_LO, _LN2_HI = -2.12194440e-4, 0.693359375
# Cephes' log1p rational function, highest power first.
_LOG1P_NUM = (
    4.5270000862445199635215e-5, 4.9854102823193375972212e-1, 6.5787325942061044846969e0,
    2.9911919328553073277375e1, 6.0949667980987787057556e1, 5.7112963590585538103336e1,
    2.0039553499201281259648e1,
)  # fmt: skip
_LOG1P_DEN = (
    1.0, 1.5062909083469192043167e1, 8.3047565967967209469434e1, 2.2176239823732856465394e2,
    3.0909872225312059774938e2, 2.1642788614495947685003e2, 6.0118660497603843919306e1,
)  # fmt: skip


def _fma(a: Any, b: Any, c: Any, dtype: np.dtype[Any]) -> np.ndarray:
    return np.asarray(fma(np.asarray(a, dtype), np.asarray(b, dtype), np.asarray(c, dtype), dtype))


def flush_subnormals(x: np.ndarray) -> np.ndarray:
    """``x`` with subnormals made zero (keeping the sign), as XLA's CPU code reads and
    writes them in float32 and float64."""
    if x.dtype not in (_F32, _F64):
        return x
    return np.where(np.abs(x) < np.finfo(x.dtype).tiny, np.copysign(x.dtype.type(0), x), x)


def _log_f32(x: np.ndarray) -> np.ndarray:
    f = _F32.type
    tiny = np.finfo(_F32).tiny
    mantissa, exponent = np.frexp(np.maximum(x, tiny))  # mantissa in [0.5, 1)
    low = mantissa < f(np.sqrt(0.5))
    t = (mantissa - f(1)) + np.where(low, mantissa, f(0))  # in [sqrt(1/2) - 1, sqrt(2) - 1)
    e = exponent.astype(_F32) - np.where(low, f(1), f(0))
    t2 = t * t
    t3 = t2 * t
    p = [_fma(t, _LOG_P[i], _LOG_P[i + 1], _F32) for i in (0, 3, 6)]
    p = [_fma(q, t, _LOG_P[i + 2], _F32) for q, i in zip(p, (0, 3, 6), strict=True)]
    y = _fma(_fma(p[0], t3, p[1], _F32), t3, p[2], _F32)
    y = _fma(y, t3, f(_LN2_LO) * e, _F32)
    out = _fma(e, _LN2_HI, _fma(-0.5, t2, t, _F32) + y, _F32)
    with np.errstate(invalid="ignore"):
        special = np.where(x < tiny, f(-np.inf), np.where(np.isinf(x), x, f(np.nan)))
        return np.where((x >= tiny) & np.isfinite(x), out, np.where(x < 0, f(np.nan), special))


_libm_log = np.frompyfunc(math.log, 1, 1)


def _log_f64(x: np.ndarray) -> np.ndarray:
    """The C library's ``log`` (NumPy's own vectorised ``log`` differs from it by an ulp
    in about 1% of inputs), with subnormal inputs read as zero."""
    v = flush_subnormals(x)
    positive = v > 0
    out = np.where(v == 0, -np.inf, np.nan)  # nan also stays nan
    out[positive] = _libm_log(v[positive])
    return out


def log_impl(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == _F64:
        return _log_f64(x)
    return np.asarray(_log_f32(x.astype(_F32)), x.dtype)


def log1p_impl(x: Any) -> np.ndarray:
    x = np.asarray(x)
    work = _F64 if x.dtype == _F64 else _F32
    v = x.astype(work)
    v = flush_subnormals(v)
    small = np.abs(v) < work.type(np.sqrt(2) - 1)
    out = np.empty_like(v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = v[small]
        s2 = s * s
        ratio = horner(_LOG1P_NUM, s, work) / horner(_LOG1P_DEN, s, work)
        out[small] = s + _fma(-0.5, s2, (s * s2) * ratio, work)
        out[~small] = log_impl(v[~small] + work.type(1))
    return np.asarray(out, x.dtype)


# Eigen's rational erf in float32: odd numerator and even denominator in x**2, clamped to
# +-1 from erfinv(1 - ulp/2) on; float64 erf is the C library's.
_ERF_NUM = (
    0.00022905065861350646, 0.0034082910107109506, 0.050955695062380861, 0.18520832239976145,
    1.128379143519084,
)  # fmt: skip
_ERF_DEN = (
    -1.1791602954361697e-7, 0.000023547966471313185, 0.0010179625278914885,
    0.014070470171167667, 0.11098505178285362, 0.49746925110067538, 1.0,
)  # fmt: skip
_ERF_CLAMP = 3.832506856900711
_libm_erf = np.frompyfunc(math.erf, 1, 1)


def erf_impl(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == _F64:
        return np.asarray(_libm_erf(x), _F64)
    v = flush_subnormals(x.astype(_F32))
    v2 = v * v
    with np.errstate(invalid="ignore"):
        ratio = (v * horner(_ERF_NUM, v2, _F32)) / horner(_ERF_DEN, v2, _F32)
    out = np.where(np.abs(v) >= _F32.type(_ERF_CLAMP), np.copysign(_F32.type(1), v), ratio)
    return np.asarray(flush_subnormals(out), x.dtype)


# Cephes' expf: 2**n by rounding x / log(2), the rest by a degree-5 polynomial; the input
# clamped to [-87.8, 88.8], n to [-127, 127] (2**-127 gives 0).
_EXP_P = (
    1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
    5.0000001201e-1,
)  # fmt: skip
_libm_exp = np.frompyfunc(math.exp, 1, 1)
_libm_pow = np.frompyfunc(math.pow, 2, 1)


def _exp_f32(x: np.ndarray) -> np.ndarray:
    f = _F32.type
    v = np.clip(x, f(-87.8), f(88.8))
    n = np.clip(np.floor(_fma(v, 1.44269504088896341, 0.5, _F32)), f(-127), f(127))
    r = _fma(-n, _LN2_HI, v, _F32)
    r = _fma(-n, _LN2_LO, r, _F32)
    z = _fma(horner(_EXP_P, r, _F32), r * r, r, _F32) + f(1)
    with np.errstate(over="ignore"):
        scaled = flush_subnormals((z.astype(_F64) * np.exp2(n.astype(_F64))).astype(_F32))
    return np.where(n <= -127, f(0), np.where(np.isnan(x), x, scaled))


# XLA's float64 exp (after Eigen's and Cephes' exp): 2**n by rounding x / log(2), the rest
# by 1 + 2 g P(g**2) / (Q(g**2) - g P(g**2)), the input clamped to [_EXP64_LO, _EXP64_HI].
_EXP64_P = (1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1)
_EXP64_Q = (
    3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1,
    2.00000000000000000009e0,
)  # fmt: skip
_EXP64_LO, _EXP64_HI = -708.3964185322641, 709.782712893384
_LN2_64_HI, _LN2_64_LO = 0.693145751953125, 1.42860682030941723212e-6


def _exp_f64(x: np.ndarray) -> np.ndarray:
    v = np.clip(np.nan_to_num(x), _EXP64_LO, _EXP64_HI)
    n = np.floor(_fma(v, 1.4426950408889634073599, 0.5, _F64))
    g = _fma(-n, _LN2_64_LO, _fma(-n, _LN2_64_HI, v, _F64), _F64)
    g2 = g * g
    p = horner(_EXP64_P, g2, _F64) * g
    ratio = p / (horner(_EXP64_Q, g2, _F64) - p)
    scaled = flush_subnormals(np.ldexp(_fma(ratio, 2.0, 1.0, _F64), n.astype(np.int64)))
    out = np.where(np.isnan(x), x, scaled)
    return np.where(x < _EXP64_LO, 0.0, np.where(x > _EXP64_HI, np.inf, out))


def exp_impl(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == _F64:
        return _exp_f64(x)
    return np.asarray(_exp_f32(x.astype(_F32)), x.dtype)


@functools.cache
def _libm_powf() -> Any:
    """The C library's float32 ``powf`` (through ctypes), or None where the process has
    no C library to look it up in."""
    try:
        fn = ctypes.CDLL(None).powf
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_float, ctypes.c_float], ctypes.c_float
    return np.frompyfunc(fn, 2, 1)


def pow_impl(x: Any, y: Any) -> np.ndarray:
    """``x ** y`` as XLA computes it: the C library's ``pow``, and its ``powf`` in float32
    (``pow`` rounded to float32 differs from ``powf`` in about 0.1% of inputs; it is the
    fallback where ``powf`` cannot be found), subnormal results flushed to zero."""
    x, y = np.asarray(x), np.asarray(y)
    dtype = np.result_type(x, y)
    powf = _libm_powf() if dtype == _F32 else None
    if powf is not None:
        out = powf(flush_subnormals(x.astype(_F32)), flush_subnormals(y.astype(_F32)))
    else:
        out = _libm_pow(flush_subnormals(x.astype(_F64)), flush_subnormals(y.astype(_F64)))
    return flush_subnormals(np.asarray(out.astype(_F64), dtype))


xla_log_p = _unop("xla_log", log_impl)
defjvp(xla_log_p, lambda t, x: t / x)
xla_log1p_p = _unop("xla_log1p", log1p_impl)
defjvp(xla_log1p_p, lambda t, x: t / (x + tnp.ones_like(x)))
xla_exp_p = _unop("xla_exp", exp_impl)
defjvp(xla_exp_p, lambda t, x: t * xla_exp_p.bind(x))
xla_erf_p = _unop("xla_erf", erf_impl)
defjvp(xla_erf_p, lambda t, x: t * (tnp.exp(-(x * x)) * (2 / math.sqrt(math.pi))))


def log(x: Any) -> Any:
    """The natural logarithm as XLA's CPU code computes it.

    >>> log(np.array([1.0, 0.5], np.float32))
    array([ 0.       , -0.6931472], dtype=float32)
    """
    return xla_log_p.bind(x)


def exp(x: Any) -> Any:
    """The exponential as XLA's CPU code computes it.

    >>> exp(np.array([0.0, 1.0], np.float32))
    array([1.       , 2.7182817], dtype=float32)
    """
    return xla_exp_p.bind(x)


def erf(x: Any) -> Any:
    """The error function as XLA's CPU code computes it.

    >>> erf(np.array([0.0, 1.0], np.float32))
    array([0.        , 0.84270084], dtype=float32)
    """
    return xla_erf_p.bind(x)


def log1p(x: Any) -> Any:
    """``log(1 + x)`` as XLA's CPU code computes it.

    >>> log1p(np.array([0.0, -0.5]))
    array([ 0.        , -0.69314718])
    """
    return xla_log1p_p.bind(x)
