"""The arithmetic of PyTorch's CPU optimizer kernels, bit for bit, in NumPy: float16, bfloat16
and float32 computed in float32 (PyTorch's "opmath" type, a Python scalar cast to it), float64
in float64, and the operations PyTorch's kernels fuse (``add(alpha=)``, ``lerp``,
``addcmul``) rounded once, as the hardware fused multiply-add it is compiled with rounds.

The kernels write into their first argument, as PyTorch's in-place methods do (the caller
bumps the version counter of the tensor it wrote). Their scratch arrays come from a
:class:`Workspace` the optimizer keeps, so a step allocates nothing once warm.

Why float32's fused multiply-add is exact here: the product of two float32 has at most 48
significant bits, so it is exact in float64, and ``s = a + x * y`` in float64 is rounded once.
Rounding ``s`` again to float32 gives float32's correctly rounded ``a + x * y`` except where
``s`` landed exactly halfway between two float32 (its low 29 bits ``1000...0``) while the
exact sum was not: rounding to float64 is monotonic, so the exact sum and ``s`` are on the
same side of every float32 midpoint other than ``s`` itself. Those ties are found from the
bits of ``s`` and moved one float64 step towards the exact sum (whose error the float64
two-sum gives exactly); e.g. ``1 + 2**-23 + (2**-24 - 2**-70)`` rounds to ``1 + 2**-23``
fused, and to ``1 + 2**-22`` through float64 unrepaired.

Where the CPU's fused multiply-add can be reached (:mod:`._hardware_fma`), it computes
instead: a scalar multiplier (``add(alpha=)``, ``lerp``) through BLAS's ``axpy``, one pass;
an array multiplier (``addcmul``, with the ``mul_`` before it) through NumPy's complex
multiply, five passes of one dtype, two of them strided.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.torch._random_math import fma64
from tracegrad.torch.optim._hardware_fma import axpy_, cmul_fma_, is_scalar
from tracegrad.torch.optim._workspace import Workspace

Array = np.ndarray[Any, Any]

U64 = np.uint64
_SHIFT = U64(35)  # the bits of a float64 mantissa below float32's, shifted to the top
_TOP_BIT = U64(1 << 63)  # ... when the float64 is halfway between two float32
_INT64_MIN = int(np.iinfo(np.int64).min)
_TINY32 = float(np.finfo(np.float32).tiny)


def _scratch(ws: Workspace | None, name: str, shape: tuple[int, ...], dtype: Any) -> Array:
    return np.empty(shape, dtype) if ws is None else ws.take(name, shape, dtype)


def scalar(x: Any, a: Array) -> Any:
    """``x`` as the scalar type PyTorch's kernel on ``a`` computes with (float64 for float64,
    float32 otherwise)."""
    return np.float64(x) if a.dtype.char == "d" else np.float32(x)


def fma_(out: Array, a: Any, x: Any, y: Array, ws: Workspace | None = None) -> Array:
    """``out[...] = a + x * y`` rounded once (``x`` an array or a scalar; ``out`` may be
    ``a``), as PyTorch's kernels of ``a.add(y, alpha=x)``, ``lerp`` and ``addcmul`` compute it.

    >>> a = y = np.array([1 + 2**-23], np.float32)  # x * y = 2**-24 - 2**-70
    >>> fma_(np.empty_like(a), a, np.float32((1 - 2**-23) * 2**-24), y) == a
    array([ True])
    """
    if is_scalar(x) and isinstance(a, np.ndarray) and axpy_(out, a, x, y):
        return out
    if cmul_fma_(out, a, x, y, ws):
        return out
    return emulated_fma_(out, a, x, y, ws)


def emulated_fma_(out: Array, a: Any, x: Any, y: Array, ws: Workspace | None = None) -> Array:
    """:func:`fma_` in NumPy's arithmetic, for any multiplier and layout: float32 through
    float64 with its midpoints settled, float64 from Dekker's product and Knuth's sum."""
    if out.dtype == np.float64:
        with np.errstate(over="ignore", invalid="ignore"):
            exact = fma64(y, x, a)
            if not np.isfinite(exact).all():  # Dekker's error terms are nan past overflow
                exact = np.where(np.isfinite(exact), exact, np.add(np.multiply(y, x), a))
        np.copyto(out, exact)
        return out
    if is_scalar(x):
        x = np.float64(np.float32(x))
    wide = _scratch(ws, "wide", out.shape, np.float64)
    np.copyto(wide, y)
    np.multiply(wide, x, out=wide)  # exact: 24 + 24 bits fit in 53
    np.add(wide, a, out=wide)
    # A midpoint has the low 29 bits 1000...0: shifted to the top, the smallest int64.
    bits = np.left_shift(wide.view(np.uint64), _SHIFT, out=_scratch(ws, "bits", out.shape, U64))
    if bits.view(np.int64).min(initial=0) == _INT64_MIN:
        _settle_ties(wide, np.equal(bits, _TOP_BIT), a, x, y)
    # float16 and bfloat16 are rounded to float32 first, as PyTorch's opmath rounds them.
    with np.errstate(over="ignore"):  # to infinity, as PyTorch's kernels round, silently
        np.copyto(
            out, wide if out.dtype == np.float32 else wide.astype(np.float32), casting="unsafe"
        )
    return out


def _settle_ties(wide: Array, halfway: Array, a: Any, x: Any, y: Array) -> None:
    """Move each float32 midpoint in ``wide`` (``a + x * y`` rounded to float64) one float64
    step towards the exact sum, so that rounding it to float32 rounds once."""
    shape = wide.shape or (1,)
    wide = wide.reshape(shape)  # a view: the workspace's arrays are contiguous
    at = np.nonzero(halfway.reshape(shape))
    s = wide[at]
    product = np.multiply(_at(y, at, shape), _at(x, at, shape))
    addend = _at(a, at, shape)
    virtual = s - product  # Knuth's two-sum: the exact error of s = product + addend
    error = (product - (s - virtual)) + (addend - virtual)
    # Below float32's normal range its midpoints are coarser than these bits: no tie there.
    moved = (error != 0) & (np.abs(s) >= _TINY32)
    wide[at] = np.where(moved, np.nextafter(s, np.copysign(np.inf, error)), s)


def _at(v: Any, at: tuple[Array, ...], shape: tuple[int, ...]) -> Array:
    """The float64 entries of ``v`` (an array or a scalar broadcast to ``shape``) at ``at``."""
    picked: Array = np.broadcast_to(np.asarray(v), shape)[at]
    return picked.astype(np.float64)


def fma(a: Array, x: Any, y: Array, ws: Workspace | None = None) -> Array:
    """``a + x * y`` rounded once, in a new array (:func:`fma_`).

    >>> fma(np.ones(2, np.float32), 0.5, np.array([2.0, 4.0], np.float32))
    array([2., 3.], dtype=float32)
    """
    return fma_(np.empty_like(a), a, x, y, ws)


def mul_(a: Array, x: Any) -> Array:
    """``a.mul_(x)`` for a scalar ``x``, in opmath."""
    np.multiply(a, scalar(x, a), out=a, casting="unsafe")
    return a


def lerp_(a: Array, b: Array, weight: float, ws: Workspace | None = None) -> Array:
    """``a.lerp_(b, weight)``: PyTorch's two-sided formula, fused."""
    w = scalar(weight, a)
    diff = np.subtract(b, a, out=_scratch(ws, "float", a.shape, a.dtype))
    if abs(w) < 0.5:
        return fma_(a, a, w, diff, ws)
    return fma_(a, b, w - 1, diff, ws)


def addcmul_(
    a: Array, b: Array, c: Array, value: float, ws: Workspace | None = None, decay: Any = None
) -> Array:
    """``a.addcmul_(b, c, value=value)``: ``a + (value * b) * c``, the last two fused; with a
    ``decay``, ``a.mul_(decay).addcmul_(...)`` (the running averages' update).

    >>> two = np.full(2, 2, np.float32)
    >>> addcmul_(np.ones(2, np.float32), two, two, 0.25, decay=0.5)
    array([1.5, 1.5], dtype=float32)
    """
    scales = (None if decay is None else scalar(decay, a), scalar(value, b))
    if cmul_fma_(a, a, b, c, ws, scales):
        return a
    if decay is not None:
        mul_(a, decay)
    scaled = np.multiply(b, scales[1], out=_scratch(ws, "float", b.shape, b.dtype))
    return fma_(a, a, scaled, c, ws)


def addcdiv_(a: Array, b: Array, c: Array, value: float, ws: Workspace | None = None) -> Array:
    """``a.addcdiv_(b, c, value=value)``: ``a + (value * b) / c``."""
    quotient = np.multiply(b, scalar(value, a), out=_scratch(ws, "float", b.shape, b.dtype))
    np.divide(quotient, c, out=quotient, casting="unsafe")
    np.add(a, quotient, out=a, casting="unsafe")
    return a
