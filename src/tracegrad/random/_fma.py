"""A fused multiply-add ``a * b + c`` rounded once, as XLA's CPU code computes the
``floats * (maxval - minval) + minval`` of ``jax.random.uniform`` and the polynomials of its
``erfinv``: float32 through float64 (exact product, one rounding of the sum in
all but rare double-rounding cases), float64 through Dekker's error-free product and
Knuth's error-free sum.
Half-precision arithmetic is not fused."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp

_SPLIT = float(2**27 + 1)  # Veltkamp's constant for splitting a double into 26-bit halves


def _split(a: Any) -> tuple[Any, Any]:
    """Veltkamp's split of ``a`` into a high and a low half, each of 26 bits."""
    big = a * _SPLIT
    hi = big - (big - a)
    return hi, a - hi


def _two_product(a: Any, b: Any, b_halves: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b) if b_halves is None else b_halves
    err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, err


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    s = a + b
    b_virtual = s - a
    err = (a - (s - b_virtual)) + (b - b_virtual)
    return s, err


def fma(
    a: Any, b: Any, c: Any, dtype: np.dtype[Any], b_halves: tuple[Any, Any] | None = None
) -> Any:
    """``a * b + c`` in ``dtype`` with a single rounding.

    >>> eps = np.finfo(np.float64).eps
    >>> fma(np.float64(1 + eps), np.float64(1 - eps), np.float64(-1), np.dtype(np.float64))
    array(-4.93038066e-32)
    """
    if dtype.itemsize < 4:  # XLA computes half precision unfused
        return a * b + c
    if dtype.itemsize == 4:
        wide = np.float64
        return tnp.astype(tnp.astype(a, wide) * tnp.astype(b, wide) + tnp.astype(c, wide), dtype)
    p, e = _two_product(a, b, b_halves)
    s, t = _two_sum(p, c)
    out = s + (t + e)
    # Where the product overflows or is not finite, the error terms are nan: plain result.
    return tnp.where(tnp.isfinite(out), out, a * b + c)


def horner(coefficients: Any, x: Any, dtype: np.dtype[Any]) -> Any:
    """The polynomial with ``coefficients`` (highest power first) at ``x``, each step a
    fused multiply-add in ``dtype`` (Horner's scheme as XLA's CPU code runs it).

    >>> horner((1.0, -2.0, 1.0), np.array([3.0]), np.dtype(np.float64))
    array([4.])
    """
    halves = _split(x) if dtype.itemsize == 8 else None  # x is every step's multiplier
    p = tnp.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        p = fma(p, x, dtype.type(c), dtype, halves)
    return p
