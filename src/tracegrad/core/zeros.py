"""Symbolic zero tangents and undefined primals, the placeholders of differentiation."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core.aval import ShapedArray
from tracegrad.core.dtypes import tangent_dtype


class Zero:
    """A tangent or cotangent known to be zero: no array is built and no work is done.

    >>> Zero(ShapedArray((3,), np.dtype('float32')))
    Zero(f32[3])
    """

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    @staticmethod
    def like_primal(aval: ShapedArray) -> Zero:
        """The zero tangent of a primal with abstract value ``aval``."""
        if not aval.weak_type and aval.dtype.kind in "fc":
            return Zero(aval)  # the common case: a float primal is its own tangent type
        return Zero(tangent_aval(aval))

    def __repr__(self) -> str:
        return f"Zero({self.aval})"


def instantiate(t: Any) -> Any:
    """Turn a symbolic Zero into an array of zeros; leave anything else unchanged."""
    if type(t) is Zero:
        return np.zeros(t.aval.shape, t.aval.dtype)
    return t


class UndefinedPrimal:
    """Stands for the linear input of a linear function while it is being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefinedPrimal({self.aval})"


def is_undefined_primal(x: Any) -> bool:
    return type(x) is UndefinedPrimal


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """The abstract value of the tangents (and cotangents) of a primal with abstract value
    ``aval``: same shape, never weakly typed, and float0 for integer and boolean primals.

    >>> tangent_aval(ShapedArray((2,), np.dtype('int32')))
    float0[2]
    """
    return ShapedArray(aval.shape, tangent_dtype(aval.dtype))
