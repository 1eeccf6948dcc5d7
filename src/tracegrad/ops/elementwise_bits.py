"""Elementwise primitives on the bits of numbers, all with a zero (or no) derivative:
``gcd``, ``lcm``, the shifts, ``population_count``, ``nextafter`` and the exponent of
``frexp``. Each is a NumPy ufunc, which is its implementation."""

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
from tracegrad.ops.rules import broadcasting_abstract_eval


def _integer_binop(name: str, ufunc: Any) -> Any:
    return _zero_derivative_binop(name, ufunc, integer_only(name, broadcasting_abstract_eval(name)))


def _with_dtype(dtype: Any) -> Any:
    def rule(x: ShapedArray, **_: Any) -> ShapedArray:
        return ShapedArray(x.shape, np.dtype(dtype))

    return rule


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


def shift_left(x: Any, y: Any) -> Any:
    """Elementwise ``x << y`` on integers.

    >>> shift_left(np.array([1, 3]), np.array([2, 1]))
    array([4, 6])
    """
    return shift_left_p.bind(x, y)


def shift_right(x: Any, y: Any) -> Any:
    """Elementwise ``x >> y`` on integers (arithmetic for signed ones).

    >>> shift_right(np.array([-8, 8]), np.array([1, 2]))
    array([-4,  2])
    """
    return shift_right_p.bind(x, y)


def population_count(x: Any) -> Any:
    """Elementwise number of 1 bits in the absolute value of an integer (uint8).

    >>> population_count(np.array([7, -3]))
    array([3, 2], dtype=uint8)
    """
    return population_count_p.bind(x)


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
shift_left_p = _integer_binop("shift_left", np.left_shift)
shift_right_p = _integer_binop("shift_right", np.right_shift)
population_count_p = _zero_derivative_unop(
    "population_count", np.bitwise_count, integer_only("population_count", _with_dtype(np.uint8))
)
nextafter_p = _zero_derivative_binop(
    "nextafter", np.nextafter, real_only("nextafter", broadcasting_abstract_eval("nextafter"))
)
frexp_exponent_p = _zero_derivative_unop(
    "frexp_exponent",
    lambda x: np.frexp(x)[1],
    real_only("frexp_exponent", _with_dtype(np.int32)),
)
