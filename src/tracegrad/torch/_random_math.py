"""The floating-point arithmetic of PyTorch's CPU random kernels, bit for bit, in NumPy.

PyTorch compiles its kernels with FMA contraction, so ``a * b + c`` is often one rounding:
``fma32``/``fma64`` give that rounding. Its vectorised normal sampler computes log, sine
and cosine with Cephes' single-precision polynomials (``avx_mathfun.h``), not with libm:
``cephes_log``/``cephes_sincos`` evaluate the same polynomials in the same order with the
same fused steps. Its double-precision samplers call libm (``libm_map``), which NumPy's own
SIMD functions do not always match in the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

F32 = np.float32
F64 = np.float64
Arr = np.ndarray[Any, Any]

_LOG_P = (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
)  # fmt: skip
_LOG_Q1, _LOG_Q2 = F32(-2.12194440e-4), F32(0.693359375)
_DP = (F32(-0.78515625), F32(-2.4187564849853515625e-4), F32(-3.77489497744594108e-8))
_COS_P = (F32(2.443315711809948e-005), F32(-1.388731625493765e-003), F32(4.166664568298827e-002))
_SIN_P = (F32(-1.9515295891e-4), F32(8.3321608736e-3), F32(-1.6666654611e-1))


def fma32(a: Any, b: Any, c: Any) -> Arr:
    """``a * b + c`` in float32 with one rounding (``_mm256_fmadd_ps``)."""
    s = np.multiply(a, b, dtype=F64)  # exact: 24 + 24 bits fit in 53
    s += c
    # Rounding s to float32 rounds twice; that differs from one rounding only where s
    # landed exactly halfway between two floats, and then the exact error says which way.
    tie = (s.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if tie.any():
        p = np.multiply(a, b, dtype=F64)
        c64 = np.broadcast_to(np.asarray(c, F64), s.shape)
        bb = s - p
        t = (p - (s - bb)) + (c64 - bb)
        s = np.where(tie & (t != 0), np.nextafter(s, np.copysign(np.inf, t)), s)
    out: Arr = s.astype(F32)
    return out


def _split(a: Arr) -> tuple[Arr, Arr]:
    c = a * 134217729.0  # 2**27 + 1: Dekker's split into two 26-bit halves
    hi = c - (c - a)
    return hi, a - hi


def fma64(a: Any, b: Any, c: Any) -> Arr:
    """``a * b + c`` in float64 with one rounding, from an exact product and sum (Dekker,
    Knuth); it can differ from a hardware FMA only at exact ties of the error terms."""
    a, b, c = np.asarray(a, F64), np.asarray(b, F64), np.asarray(c, F64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    out: Arr = s + (t + e)
    return out


def libm_map(fn: Callable[[float], float], x: Arr) -> Arr:
    """``fn`` (a ``math`` function, i.e. the C library's) applied to every element."""
    flat = x.ravel().tolist()
    out: Arr = np.fromiter(map(fn, flat), F64, count=len(flat)).reshape(x.shape)
    return out


def cephes_log(x: Arr) -> Arr:
    """Natural log of positive float32 values, as ``log256_ps`` computes it."""
    x = np.maximum(x, np.array(0x00800000, np.int32).view(F32))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(F32) + F32(1)
    m = ((bits & ~0x7F800000) | np.array(0.5, F32).view(np.int32)).view(F32)
    small = m < F32(0.707106781186547524)
    x = (m - F32(1)) + np.where(small, m, F32(0))
    e = e - small.astype(F32)
    z = x * x
    y = np.full_like(x, F32(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = fma32(y, x, F32(p))
    y = fma32(y * x, z, e * _LOG_Q1)
    y = fma32(-z, F32(0.5), y)
    return fma32(e, _LOG_Q2, x + y)


def cephes_sincos(x: Arr) -> tuple[Arr, Arr]:
    """Sine and cosine of float32 values, as ``sincos256_ps`` computes them."""
    sign_sin = np.signbit(x)
    x = np.abs(x)
    j = (x * F32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(F32)
    for dp in _DP:
        x = fma32(y, dp, x)
    sign_sin ^= (j & 4) != 0
    sign_cos = (~(j - 2) & 4) != 0
    use_sin_poly = (j & 2) == 0
    z = x * x
    yc = np.full_like(x, _COS_P[0])
    for p in _COS_P[1:]:
        yc = fma32(yc, z, p)
    yc = fma32(yc * z, z, -(z * F32(0.5))) + F32(1)
    ys = np.full_like(x, _SIN_P[0])
    for p in _SIN_P[1:]:
        ys = fma32(ys, z, p)
    ys = fma32(ys * z, x, x)
    s = np.where(use_sin_poly, ys, yc)
    c = np.where(use_sin_poly, yc, ys)
    return np.where(sign_sin, -s, s), np.where(sign_cos, -c, c)


TWO_PI_F32 = F32(2.0 * math.pi)
