"""Argument conversion shared by the shape, creation and sorting functions of
``tracegrad.numpy``: array operands as NumPy converts them, and concrete integer arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ConcretizationTypeError, Tracer, get_aval, is_python_scalar
from tracegrad.core.errors import concretization_error
from tracegrad.core.trace import is_foreign
from tracegrad.numpy.frontend import contains_tracer, promote_dtypes, stack_nested
from tracegrad.ops import structural as st


def strong(x: Any) -> Any:
    """Python scalars (also nested in lists and tuples) as NumPy arrays: ``np.array`` and the
    joining functions type them as NumPy types them, not weakly."""
    if is_python_scalar(x):
        return np.asarray(x)
    if isinstance(x, list | tuple):
        return [strong(y) for y in x]
    return x


def operand(x: Any) -> Any:
    """A tracer unchanged; a (nested) sequence holding tracers stacked as ``np.array`` would;
    anything else as ``np.asarray(x)``."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, list | tuple) and contains_tracer(x):
        return stack_nested(strong(x))
    return x if is_foreign(x) else np.asarray(x)


def operands(xs: Any) -> list[Any]:
    """The elements of a sequence of arrays (or of one array, along its first axis)."""
    if isinstance(xs, Tracer):
        return unstack(xs)
    return [operand(x) for x in xs]


def unstack(x: Any) -> list[Any]:
    """The sub-arrays of ``x`` along its first axis, as iterating over an ndarray gives them."""
    shape = get_aval(x).shape
    if not shape:
        raise TypeError("iteration over a 0-d array")
    return [st.reshape(st.slice_in_dim(x, i, i + 1, 0), shape[1:]) for i in range(shape[0])]


def promoted(xs: Sequence[Any]) -> list[Any]:
    """Operands converted to their common NumPy dtype."""
    return promote_dtypes(*xs) if xs else []


def concrete(x: Any, what: str) -> Any:
    """The concrete value of ``x`` (tracers included where their value is known, as under
    ``grad``); a ConcretizationTypeError naming ``what`` where the value is abstract."""
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        if value is None:
            raise concretization_error(ConcretizationTypeError, what, x.aval, x._origin())
        return value
    if isinstance(x, list | tuple):
        return type(x)(concrete(y, what) for y in x)
    return x


def concrete_int(x: Any, what: str) -> int:
    """A concrete integer argument (a size, an axis, a count)."""
    value = concrete(x, what)
    try:
        return int(np.asarray(value).__index__())
    except TypeError:
        raise TypeError(f"{what} must be an integer, got {value!r}.") from None


def check_c_order(name: str, order: str | None, allowed: str = "C") -> None:
    """Traced values have no memory layout: only row-major (``order='C'``) reshaping exists."""
    if order is not None and order not in allowed:
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: order={order!r} is not supported on traced values; "
            "only order='C' (row-major) is. Transpose explicitly to get another order."
        )


def at_least(x: Any, ndim: int) -> Any:
    """``x`` with at least ``ndim`` (1, 2 or 3) dimensions, as ``numpy.atleast_{ndim}d``:
    ``(n,)`` becomes ``(1, n)`` in 2-d and ``(1, n, 1)`` in 3-d, ``(m, n)`` becomes
    ``(m, n, 1)``."""
    shape = get_aval(x).shape
    if len(shape) >= ndim:
        return x
    if ndim == 3 and len(shape) == 1:
        return st.reshape(x, (1, *shape, 1))
    if ndim == 3 and len(shape) == 2:
        return st.reshape(x, (*shape, 1))
    return st.reshape(x, (1,) * (ndim - len(shape)) + shape)
