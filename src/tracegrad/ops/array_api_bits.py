"""The array-API implementations of the primitives on the bits of numbers
(``ops/elementwise_bits.py``): the shifts with XLA's out-of-range amounts, ``population_count``
and ``clz`` from one shift per bit, ``gcd``/``lcm`` by Euclid's algorithm for as many turns
as the dtype's worst case needs, and the exponent of ``frexp`` from ``log2``, corrected
exactly with powers of two. Integer results are exact, so equal to NumPy's.
"""

from __future__ import annotations

from typing import Any

from tracegrad.backend.namespace import NamespaceRule, numpy_dtype
from tracegrad.core import Primitive
from tracegrad.ops import elementwise_bits as eb


def _width(xp: Any, x: Any) -> int:
    return numpy_dtype(xp, x.dtype).itemsize * 8


def _amounts(xp: Any, x: Any, y: Any) -> tuple[Any, Any, Any, int]:
    """``x`` and ``y`` broadcast, whether each amount is in range, the amounts (0 where out
    of range) and the bit width."""
    x, y = xp.broadcast_arrays(x, y)
    bits = _width(xp, x)
    ok = (y >= 0) & (y < bits)
    return x, ok, xp.astype(xp.where(ok, y, xp.zeros_like(y)), x.dtype), bits


def _shift_left(xp: Any, x: Any, y: Any) -> Any:
    x, ok, amount, _ = _amounts(xp, x, y)
    return xp.where(ok, xp.bitwise_left_shift(x, amount), xp.zeros_like(x))


def _shift_right_arithmetic(xp: Any, x: Any, y: Any) -> Any:
    x, ok, amount, bits = _amounts(xp, x, y)
    fill = xp.bitwise_right_shift(x, xp.full_like(x, bits - 1))
    return xp.where(ok, xp.bitwise_right_shift(x, amount), fill)


def _shift_right_logical(xp: Any, x: Any, y: Any) -> Any:
    x, ok, amount, bits = _amounts(xp, x, y)
    shifted = xp.bitwise_right_shift(x, amount)
    if numpy_dtype(xp, x.dtype).kind == "i":
        # The arithmetic shift filled the top ``amount`` bits with the sign: clear them.
        nonzero = amount != 0
        keep = bits - xp.where(nonzero, amount, xp.ones_like(amount))
        mask = xp.bitwise_invert(xp.bitwise_left_shift(xp.full_like(x, -1), keep))
        shifted = xp.where(nonzero, shifted & mask, x)
    return xp.where(ok, shifted, xp.zeros_like(x))


def _bit_counts(xp: Any, x: Any, test: Any) -> Any:
    """The sum over the bit positions ``i`` of ``test(x >> i)``, in the dtype of ``x``."""
    total = xp.zeros_like(x)
    for i in range(_width(xp, x)):
        total = total + xp.astype(test(xp.bitwise_right_shift(x, xp.full_like(x, i))), x.dtype)
    return total


def _population_count(xp: Any, x: Any) -> Any:
    return _bit_counts(xp, x, lambda s: s & xp.ones_like(s))  # bit i, whatever the sign fill


def _clz(xp: Any, x: Any) -> Any:
    # x >> i is nonzero while i is below the bit length (always, for a negative x)
    return _width(xp, x) - _bit_counts(xp, x, lambda s: s != 0)


def _gcd(xp: Any, x: Any, y: Any) -> Any:
    a, b = (xp.abs(v) for v in xp.broadcast_arrays(x, y))
    # Euclid takes at most n turns below the Fibonacci number F(n + 2): 92 for 64 bits.
    for _ in range(_width(xp, a) * 3 // 2 + 2):
        nonzero = b != 0
        rest = xp.remainder(a, xp.where(nonzero, b, xp.ones_like(b)))
        a, b = xp.where(nonzero, b, a), xp.where(nonzero, rest, xp.zeros_like(b))
    return xp.abs(a)  # as NumPy's, where abs of the most negative integer overflowed


def _lcm(xp: Any, x: Any, y: Any) -> Any:
    g = _gcd(xp, x, y)
    return xp.abs(x) // xp.where(g == 0, xp.ones_like(g), g) * xp.abs(y)


def _frexp_exponent(xp: Any, x: Any) -> Any:
    a = xp.abs(xp.astype(x, xp.float64))  # exact for float32
    ok = xp.isfinite(a) & (a != 0)
    a = xp.where(ok, a, xp.ones_like(a))
    # within one of the exponent (below 2**1024), then corrected: a / 2**k is exact
    k = xp.minimum(xp.floor(xp.log2(a)), xp.asarray(1023.0, dtype=xp.float64))
    r = a / xp.pow(xp.asarray(2.0, dtype=xp.float64), k)
    k = xp.where(r < 1, k - 1, xp.where(r >= 2, k + 1, k))
    return xp.astype(xp.where(ok, k + 1, xp.zeros_like(k)), xp.int32)


BITS_RULES: dict[Primitive, NamespaceRule] = {
    eb.shift_left_p: _shift_left,
    eb.shift_right_arithmetic_p: _shift_right_arithmetic,
    eb.shift_right_logical_p: _shift_right_logical,
    eb.population_count_p: _population_count,
    eb.clz_p: _clz,
    eb.gcd_p: _gcd,
    eb.lcm_p: _lcm,
    eb.frexp_exponent_p: _frexp_exponent,
}
