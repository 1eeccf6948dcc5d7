"""Dual numbers on NumPy arrays for the float64 kernels of special functions: a kernel
written with ``+ - * /``, ``where`` and ``value`` runs unchanged on arrays (values) or on
``Dual`` arrays (values and derivatives along one direction), so the derivative of a series
or continued fraction in a parameter comes from the same code as its value (as JAX's
``igamma_grad_a`` differentiates its series and continued fraction)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Dual", "converged", "negligible", "tangent", "value", "where"]


class Dual:
    """``v + d eps`` with ``eps**2 = 0``, elementwise on arrays."""

    __slots__ = ("d", "v")
    __array_ufunc__ = None  # ndarray (op) Dual defers to Dual's reflected operators

    def __init__(self, v: Any, d: Any) -> None:
        self.v = np.asarray(v, np.float64)
        self.d = np.asarray(d, np.float64)

    def __add__(self, other: Any) -> Dual:
        return Dual(self.v + value(other), self.d + tangent(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        return Dual(self.v - value(other), self.d - tangent(other))

    def __rsub__(self, other: Any) -> Dual:
        return Dual(value(other) - self.v, tangent(other) - self.d)

    def __neg__(self) -> Dual:
        return Dual(-self.v, -self.d)

    def __mul__(self, other: Any) -> Dual:
        o = value(other)
        return Dual(self.v * o, self.d * o + self.v * tangent(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        o = value(other)
        out = self.v / o
        return Dual(out, (self.d - out * tangent(other)) / o)

    def __rtruediv__(self, other: Any) -> Dual:
        out = value(other) / self.v
        return Dual(out, (tangent(other) - out * self.d) / self.v)


def value(x: Any) -> Any:
    """The value part (``x`` itself if not dual)."""
    return x.v if isinstance(x, Dual) else x


def tangent(x: Any) -> Any:
    """The derivative part (0 if not dual)."""
    return x.d if isinstance(x, Dual) else 0.0


def where(cond: Any, x: Any, y: Any) -> Any:
    """``np.where`` on values and, for duals, on derivatives."""
    if isinstance(x, Dual) or isinstance(y, Dual):
        return Dual(np.where(cond, value(x), value(y)), np.where(cond, tangent(x), tangent(y)))
    return np.where(cond, x, y)


def negligible(part: Any, whole: Any, rtol: float) -> bool:
    """Every entry of ``part`` below ``rtol`` times ``whole``, in value and derivative."""
    return bool(
        np.all(np.abs(value(part)) <= np.abs(value(whole)) * rtol)
        and np.all(np.abs(tangent(part)) <= np.abs(tangent(whole)) * rtol)
    )


def converged(step: Any, h: Any) -> np.ndarray:
    """Where a Lentz step of the product ``h`` no longer changes it, in value and derivative."""
    still = np.abs(value(step) - 1.0) <= 1e-16
    moving = np.abs(tangent(step) * value(h)) > 1e-15 * np.abs(tangent(h))
    out: np.ndarray = still & ~moving
    return out
