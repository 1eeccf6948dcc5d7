"""Elementwise functions of ``tracegrad.numpy``, with NumPy's names, promotion and broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.numpy._dispatch import numpy_when_eager, promote_dtypes, promote_inexact
from tracegrad.numpy._methods import swapped
from tracegrad.ops import elementwise as ew

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "negative",
    "sin", "cos", "exp", "log",
]  # fmt: skip


@numpy_when_eager(np.add)
def add(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 + x2``.

    >>> add(np.float32(1), 2.0)
    np.float32(3.0)
    """
    return ew.add(*promote_dtypes(x1, x2))


@numpy_when_eager(np.subtract)
def subtract(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 - x2``."""
    return ew.sub(*promote_dtypes(x1, x2))


@numpy_when_eager(np.multiply)
def multiply(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 * x2``."""
    return ew.mul(*promote_dtypes(x1, x2))


@numpy_when_eager(np.true_divide)
def divide(x1: Any, x2: Any, /) -> Any:
    """Elementwise true division ``x1 / x2``."""
    return ew.div(*promote_inexact(x1, x2))


true_divide = divide


@numpy_when_eager(np.negative)
def negative(x: Any, /) -> Any:
    """Elementwise ``-x``."""
    return ew.neg(*promote_dtypes(x))


@numpy_when_eager(np.sin)
def sin(x: Any, /) -> Any:
    """Elementwise sine.

    >>> sin(0.0)
    np.float64(0.0)
    """
    return ew.sin(*promote_inexact(x))


@numpy_when_eager(np.cos)
def cos(x: Any, /) -> Any:
    """Elementwise cosine."""
    return ew.cos(*promote_inexact(x))


@numpy_when_eager(np.exp)
def exp(x: Any, /) -> Any:
    """Elementwise exponential."""
    return ew.exp(*promote_inexact(x))


@numpy_when_eager(np.log)
def log(x: Any, /) -> Any:
    """Elementwise natural logarithm."""
    return ew.log(*promote_inexact(x))


TRACER_METHODS: dict[str, Any] = {
    "__add__": add, "__radd__": swapped(add),
    "__sub__": subtract, "__rsub__": swapped(subtract),
    "__mul__": multiply, "__rmul__": swapped(multiply),
    "__truediv__": divide, "__rtruediv__": swapped(divide),
    "__neg__": negative,
}  # fmt: skip
