"""Elementwise primitives on the bits of numbers, all with a zero (or no) derivative.

The shifts, ``population_count`` and ``clz`` are XLA's (what ``jax.lax`` and
``jax.numpy`` share): out-of-range shift amounts are defined (``shift_left`` and
``shift_right_logical`` give 0, ``shift_right_arithmetic`` the sign fill), and the
result has the operand's dtype. ``gcd``, ``lcm``, ``nextafter`` and the exponent of
``frexp`` are NumPy ufuncs, which are their implementations."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import ShapedArray
from tracegrad.ops.elementwise_discrete import (
    _zero_derivative_binop,
    _zero_derivative_unop,
    integer_only,
    real_only,
)
from tracegrad.ops.rules import broadcasting_abstract_eval, same_aval


def _integer_binop(name: str, ufunc: Any) -> Any:
    return _zero_derivative_binop(name, ufunc, integer_only(name, broadcasting_abstract_eval(name)))


def _with_dtype(dtype: Any) -> Any:
    def rule(x: ShapedArray, **_: Any) -> ShapedArray:
        return ShapedArray(x.shape, np.dtype(dtype))

    return rule


def _unsigned(x: np.ndarray) -> Any:
    return x.view(np.dtype(f"u{x.dtype.itemsize}"))


def _shift_impl(kind: str) -> Any:
    def impl(x: Any, y: Any) -> Any:
        x, y = np.broadcast_arrays(np.asarray(x), np.asarray(y))
        bits = x.dtype.itemsize * 8
        ok = (y >= 0) & (y < bits)
        amount = np.where(ok, y, 0).astype(x.dtype)
        if kind == "left":
            return np.where(ok, np.left_shift(x, amount), x.dtype.type(0))
        if kind == "logical":
            shifted = np.right_shift(_unsigned(np.array(x)), _unsigned(amount))
            return np.where(ok, shifted.view(x.dtype), x.dtype.type(0))
        fill = np.right_shift(x, x.dtype.type(bits - 1))
        return np.where(ok, np.right_shift(x, amount), fill)

    return impl


def _population_count_impl(x: Any) -> Any:
    x = np.array(x)
    u = _unsigned(x)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(u).astype(x.dtype)
    octets = np.ascontiguousarray(u)[..., None].view(np.uint8)  # NumPy < 2 has no bitwise_count
    return np.unpackbits(octets, axis=-1).sum(axis=-1).astype(x.dtype)


def _clz_impl(x: Any) -> Any:
    x = np.array(x)
    bits = x.dtype.itemsize * 8
    v = _unsigned(x).astype(np.uint64)
    length = np.zeros(x.shape, np.int64)
    s = bits // 2
    while s:
        high = v >> np.uint64(s)
        found = high != 0
        length += np.where(found, s, 0)
        v = np.where(found, high, v)
        s //= 2
    length += v != 0
    return (bits - length).astype(x.dtype)


def shift_left(x: Any, y: Any) -> Any:
    """``x << y`` elementwise; 0 where ``y`` is negative or at least the bit width.

    >>> shift_left(np.array([1, 3], np.int32), np.array([2, 40], np.int32))
    array([4, 0], dtype=int32)
    """
    return shift_left_p.bind(x, y)


def shift_right_logical(x: Any, y: Any) -> Any:
    """``x >> y`` filling with zeros (the bits read as unsigned); 0 out of range.

    >>> shift_right_logical(np.array([-8], np.int8), np.array([1], np.int8))
    array([124], dtype=int8)
    """
    return shift_right_logical_p.bind(x, y)


def shift_right_arithmetic(x: Any, y: Any) -> Any:
    """``x >> y`` filling with the sign bit; the sign fill where ``y`` is out of range.

    >>> shift_right_arithmetic(np.array([-8, 8], np.int32), np.array([1, 40], np.int32))
    array([-4,  0], dtype=int32)
    """
    return shift_right_arithmetic_p.bind(x, y)


def population_count(x: Any) -> Any:
    """The number of set bits of each element, in the dtype of ``x``.

    >>> population_count(np.array([7, -1], np.int16))
    array([ 3, 16], dtype=int16)
    """
    return population_count_p.bind(x)


def clz(x: Any) -> Any:
    """The number of leading zero bits of each element, in the dtype of ``x``.

    >>> clz(np.array([0, 1, -1], np.int32))
    array([32, 31,  0], dtype=int32)
    """
    return clz_p.bind(x)


def gcd(x: Any, y: Any) -> Any:
    """Elementwise greatest common divisor (non-negative) of integers.

    >>> gcd(np.array([12, -4]), np.array([18, 6]))
    array([6, 2])
    """
    return gcd_p.bind(x, y)


def lcm(x: Any, y: Any) -> Any:
    """Elementwise least common multiple (non-negative) of integers.

    >>> lcm(np.array([4, 0]), np.array([6, 5]))
    array([12,  0])
    """
    return lcm_p.bind(x, y)


def nextafter(x: Any, y: Any) -> Any:
    """Elementwise the next floating-point number after ``x`` towards ``y``.

    >>> nextafter(np.array([1.0]), 2.0) - 1.0
    array([2.22044605e-16])
    """
    return nextafter_p.bind(x, y)


def frexp_exponent(x: Any) -> Any:
    """Elementwise the exponent ``e`` (int32) of ``x = m * 2**e`` with ``0.5 <= |m| < 1``.

    >>> frexp_exponent(np.array([1.0, 8.0, 0.0]))
    array([1, 4, 0], dtype=int32)
    """
    return frexp_exponent_p.bind(x)


gcd_p = _integer_binop("gcd", np.gcd)
lcm_p = _integer_binop("lcm", np.lcm)
nextafter_p = _zero_derivative_binop(
    "nextafter", np.nextafter, real_only("nextafter", broadcasting_abstract_eval("nextafter"))
)
frexp_exponent_p = _zero_derivative_unop(
    "frexp_exponent",
    lambda x: np.frexp(x)[1],
    real_only("frexp_exponent", _with_dtype(np.int32)),
)


def _shift_primitive(name: str, kind: str) -> Any:
    rule = integer_only(name, broadcasting_abstract_eval(name))
    return _zero_derivative_binop(name, _shift_impl(kind), rule)


shift_left_p = _shift_primitive("shift_left", "left")
shift_right_logical_p = _shift_primitive("shift_right_logical", "logical")
shift_right_arithmetic_p = _shift_primitive("shift_right_arithmetic", "arithmetic")
population_count_p = _zero_derivative_unop(
    "population_count", _population_count_impl, integer_only("population_count", same_aval)
)
clz_p = _zero_derivative_unop("clz", _clz_impl, integer_only("clz", same_aval))
