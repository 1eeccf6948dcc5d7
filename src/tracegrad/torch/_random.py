"""From the generator's bits to numbers, as PyTorch's CPU kernels do it (same draws, same
order, same rounding), so that a seeded script gets PyTorch's numbers.

Each function returns a flat NumPy array of ``n`` values in the order PyTorch fills a
contiguous tensor. docs/torch_shim.md ("Random numbers") lists what is bitwise equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core.dtypes import is_bfloat16
from tracegrad.torch import dtypes
from tracegrad.torch._generator import Generator
from tracegrad.torch._random_math import (
    F32,
    F64,
    TWO_PI_F32,
    Arr,
    cephes_log,
    cephes_sincos,
    fma32,
    fma64,
    libm_map,
)


def _digits(dt: np.dtype[Any]) -> int:
    """Mantissa bits of a float dtype (with the implicit bit)."""
    if dt == F64:
        return 53
    if dt == np.float16:
        return 11
    return 8 if is_bfloat16(dt) else 24


def require_float(dt: np.dtype[Any], kernel: str) -> np.dtype[Any]:
    """``dt``, which ``uniform``/``normal`` require to be floating or complex (PyTorch's
    error names its kernel)."""
    if not (dt.kind in "fc" or is_bfloat16(dt)):
        name = dtypes.scalar_name(dtypes.from_numpy_dtype(dt))
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")
    return dt


def _real(dt: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype(F32) if dt == np.complex64 else np.dtype(F64)


def unit_uniform(gen: Generator, n: int, dt: np.dtype[Any]) -> Arr:
    """``n`` draws of ``uniform_real_distribution<dt>(0, 1)`` (exact, as float64): the low
    24 bits of a 32-bit draw over ``2**24`` (float32 and the half types, which round it),
    or the low 53 bits of a 64-bit draw over ``2**53`` (float64)."""
    if dt != F64:
        out: Arr = (gen.random32(n) & np.uint64(0xFFFFFF)).astype(F64) * 2.0**-24
        return out
    # the low 53 bits of (first << 32 | second), scaled: two exact products, exact sum
    pairs = gen.random32(2 * n).astype(np.uint32).reshape(n, 2)
    high: Arr = (pairs[:, 0] & np.uint32(0x1FFFFF)).astype(F64)
    high *= 2.0**-21
    high += pairs[:, 1] * 2.0**-53
    return high


def uniform(gen: Generator, n: int, dt: np.dtype[Any], low: float, high: float) -> Arr:
    """``uniform_(low, high)`` (PyTorch's ``uniform_kernel``): ``u * (high - low) + low``
    with one rounding, in double for float64 and in float (then rounded) for the others; a
    result rounded up to ``high`` becomes ``low``."""
    if dt.kind == "c":  # the real and imaginary parts, interleaved, as a float tensor
        return uniform(gen, 2 * n, _real(dt), low, high).view(dt)
    if dt == F32 and low == 0.0 and high == 1.0:  # rand: exact in float32, no arithmetic
        out: Arr = (gen.random32(n) & np.uint64(0xFFFFFF)).astype(F32)
        out *= F32(2.0**-24)
        return out
    u = unit_uniform(gen, n, dt)
    if dt == F64:
        if high - low == 1.0 and low == 0.0:
            return u
        value = fma64(u, high - low, low)
        a, b = np.asarray(low, F64), np.asarray(high, F64)
    else:
        # float32 and the half types: a float in [low, high) with low and high as floats
        # (an exact product, so one rounding as in an FMA), rounded to the dtype
        a32, b32 = F32(low), F32(high)
        value = (u * F64(b32 - a32) + F64(a32)).astype(F32).astype(dt, copy=False)
        a, b = np.asarray(a32).astype(dt), np.asarray(b32).astype(dt)
    # a value rounded up to ``high`` becomes ``low``, so the range stays [low, high)
    kept: Arr = np.where(value >= b, a, value)
    return kept


_CHUNK = 1 << 16  # a multiple of 16


def _scale(x: Arr, std: Any, mean: Any, fused: Callable[[Any, Any, Any], Arr]) -> Arr:
    """``x * std + mean`` with one rounding (``fused``); exact shortcuts for 1 and 0."""
    if mean == 0:
        out: Arr = x if std == 1 else x * std
        return out
    return x + mean if std == 1 else fused(x, std, mean)


def _box_muller_16(u: Arr, dt: np.dtype[Any], mean: float, std: float) -> Arr:
    """``normal_fill_16`` over rows of 16 uniforms: pairs (j, j + 8) become two normals."""
    u = u.reshape(-1, 16)
    if dt != F64:
        u = u.astype(F32)
        radius = np.sqrt(F32(-2) * cephes_log(F32(1) - u[:, :8]))
        sin, cos = cephes_sincos(TWO_PI_F32 * u[:, 8:])
        pair = np.concatenate([radius * cos, radius * sin], axis=1)
        return _scale(pair, F32(std), F32(mean), fma32).ravel()
    radius = np.sqrt(-2.0 * libm_map(math.log, 1.0 - u[:, :8]))
    theta = (2.0 * math.pi) * u[:, 8:]
    pair = np.concatenate(
        [radius * libm_map(math.cos, theta), radius * libm_map(math.sin, theta)], axis=1
    )
    return _scale(pair, std, mean, fma64).ravel()


def normal(
    gen: Generator, n: int, dt: np.dtype[Any], mean: float, std: float, contiguous: bool
) -> Arr:
    """``normal_(mean, std)``. Contiguous tensors of 16 or more elements take PyTorch's
    ``normal_fill``: all uniforms first, Box-Muller 16 at a time, and if ``n`` is not a
    multiple of 16 the last 16 are redrawn and recomputed; others draw one at a time.
    The half types take float32's numbers, rounded, without the draws that are
    overwritten."""
    if dt.kind == "c":  # both parts, with variance split between them
        return normal(gen, 2 * n, _real(dt), mean, std / math.sqrt(2), contiguous).view(dt)
    if n < 16 or not contiguous:  # doubles, which PyTorch rounds to halves through float
        return scalar_normal(gen, n, mean, std).astype(F64 if dt == F64 else F32).astype(dt)
    out = np.empty(n, F64 if dt == F64 else F32)
    whole = n // 16 * 16
    u = unit_uniform(gen, whole, dt)
    for start in range(0, whole, _CHUNK):  # chunks stay in cache: about 4x faster
        stop = min(start + _CHUNK, whole)
        out[start:stop] = _box_muller_16(u[start:stop], dt, mean, std)
    if n % 16:
        if dt in (F32, F64):
            unit_uniform(gen, n - whole, dt)  # drawn, then overwritten as PyTorch does
        out[n - 16 :] = _box_muller_16(unit_uniform(gen, 16, dt), dt, mean, std)
    return out.astype(dt)


def scalar_normal(gen: Generator, n: int, mean: float, std: float) -> Arr:
    """``n`` draws of ``normal_distribution<double>``: Box-Muller on two 53-bit uniforms,
    the second normal of each pair kept in the generator for the next draw."""
    out = np.empty(n, F64)
    i = 0
    while i < n:
        if gen.next_double_normal is not None:
            out[i] = gen.next_double_normal
            gen.next_double_normal = None
            i += 1
            continue
        pairs = (n - i + 1) // 2
        u = unit_uniform(gen, 2 * pairs, np.dtype(F64)).reshape(pairs, 2)
        radius = np.sqrt(-2.0 * libm_map(math.log1p, -u[:, 1]))
        theta = (2.0 * math.pi) * u[:, 0]
        first = radius * libm_map(math.cos, theta)
        second = radius * libm_map(math.sin, theta)
        take = n - i
        both = np.stack([first, second], axis=1).ravel()
        out[i : i + take] = both[:take]
        if take < 2 * pairs:
            gen.next_double_normal = float(both[-1])
        i += take
    return _scale(out, std, mean, fma64)


def int_from_to(gen: Generator, n: int, low: int, high: int) -> Arr:
    """``random_(low, high)`` / ``randint``: ``draw % (high - low) + low``, with a 64-bit draw
    when the range needs more than 32 bits."""
    span = high - low
    raw = gen.random64(n) if span >= 2**32 else gen.random32(n)
    out: Arr = (raw % np.uint64(span)).astype(np.int64) + np.int64(low)
    return out


def randperm(gen: Generator, n: int) -> Arr:
    """PyTorch's ``randperm`` for ``n < 2**32 / 20``: swap ``i`` with ``i + draw % (n - i)``."""
    perm = np.arange(n, dtype=np.int64)
    if n > 1:
        offsets = (gen.random32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        p = perm.tolist()
        for i, z in enumerate(offsets):
            p[i], p[i + z] = p[i + z], p[i]
        perm = np.array(p, dtype=np.int64)
    return perm


def int_full(gen: Generator, n: int, dt: np.dtype[Any]) -> Arr:
    """``random_()`` with no range: a draw modulo the dtype's span (``max + 1`` for integers,
    ``2**digits + 1`` for floats; 64-bit draws for int64 and float64; bool takes bit 0)."""
    if dt == np.bool_:
        bits: Arr = (gen.random32(n) & np.uint64(1)).astype(np.bool_)
        return bits
    span = int(np.iinfo(dt).max) + 1 if dt.kind in "iu" else (1 << _digits(dt)) + 1
    wide = dt in (np.dtype(np.int64), np.dtype(F64))
    raw = gen.random64(n) if wide else gen.random32(n)
    out: Arr = np.asarray(raw % np.uint64(span)).astype(dt)
    return out


def bernoulli(gen: Generator, probs: Arr) -> Arr:
    """1.0 where a uniform draw is below ``probs`` (53-bit draws for float64 probabilities,
    and for a Python-number ``p`` passed as float64; 24-bit draws otherwise)."""
    dt = np.dtype(F64) if probs.dtype == F64 else np.dtype(F32)
    out: Arr = (unit_uniform(gen, probs.size, dt) < probs.ravel()).astype(F64)
    return out


def multinomial(gen: Generator, rows: Arr, k: int, replacement: bool) -> Arr:
    """PyTorch's CPU multinomial: with replacement, a binary search of a 53-bit uniform in
    each row's normalised running sum; without (or for one sample), the top ``k`` of
    ``weights / q`` with ``q`` exponential draws (the Gumbel trick)."""
    dt = rows.dtype
    out = np.empty((rows.shape[0], k), np.int64)
    if replacement and k > 1:
        for i, row in enumerate(rows):
            cum = np.add.accumulate(row.astype(dt))
            cum = (cum / cum[-1]).astype(dt)
            cum[-1] = 1
            u = unit_uniform(gen, k, np.dtype(F64))
            out[i] = np.searchsorted(cum.astype(F64), u, side="left")
        return out
    u = unit_uniform(gen, rows.size, np.dtype(F64)).reshape(rows.shape)
    q = (-libm_map(math.log1p, -u)).astype(dt)
    score = rows / q
    order = np.argsort(-score, axis=1, kind="stable")
    out[:] = order[:, :k]
    return out
