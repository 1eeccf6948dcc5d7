"""Indexing of ``tracegrad.numpy``: NumPy's basic and advanced ``__getitem__``, ``take``,
``take_along_axis``, and JAX's functional updates ``x.at[idx]`` (see ``_index_update``).

Concrete out-of-bounds indices raise IndexError as in NumPy; traced index arrays are clamped
into range as in JAX, after negative ones have been counted from the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._index_parse import (
    NonConcreteBooleanIndexError as NonConcreteBooleanIndexError,
)
from tracegrad.numpy._index_parse import (
    apply_index,
    check_bounds,
    gather_on_axes,
    index_shape,
    parse_index,
    wrap_negative,
)
from tracegrad.numpy._index_update import at
from tracegrad.numpy.frontend import asarray_or_tracer, numpy_when_eager
from tracegrad.ops.indexing import gather
from tracegrad.ops.structural import canonical_axis, reshape


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` with NumPy's semantics (``Tracer.__getitem__``).

    Concrete out-of-bounds indices raise IndexError; traced index arrays are clamped into
    range, as JAX does (negative ones count from the end first).

    >>> getitem(np.arange(12).reshape(3, 4), (slice(None, None, -1), [0, 3]))
    array([[ 8, 11],
           [ 4,  7],
           [ 0,  3]])
    """
    x = asarray_or_tracer(x)
    expanded, entries = parse_index(index, get_aval(x).shape)
    return apply_index(x, expanded, entries, "clip")


def setitem(x: Any, index: Any, value: Any) -> None:
    """Item assignment is not possible on traced arrays (``Tracer.__setitem__``).

    >>> setitem(np.zeros(2), 0, 1.0)
    Traceback (most recent call last):
    TypeError: 'ndarray' object does not support item assignment. tracegrad arrays are ...
    """
    raise TypeError(
        f"{type(x).__name__!r} object does not support item assignment. tracegrad arrays are "
        "immutable inside transformations: instead of ``x[idx] = y``, use "
        "``x = x.at[idx].set(y)`` or another .at[] method (add, multiply, min, max, ...); "
        "``tracegrad.numpy.at(x)[idx].set(y)`` does the same on NumPy arrays."
    )


# ---- take, take_along_axis --------------------------------------------------
def _integer_indices(indices: Any, name: str) -> Any:
    indices = asarray_or_tracer(indices)
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
        if indices.size == 0 and indices.dtype.kind == "f":
            indices = indices.astype(np.intp)
    dtype = get_aval(indices).dtype
    if dtype.kind not in "iu":
        raise IndexError(f"{name}: `indices` must be an integer array, got dtype {dtype.name}.")
    return indices


@numpy_when_eager(np.take)
def take(
    a: Any, indices: Any, axis: int | None = None, out: None = None, mode: str | None = None
) -> Any:
    """Take elements of ``a`` along ``axis`` (of the flattened array if None).

    ``mode``: "raise" (default; out-of-bounds concrete indices raise IndexError, traced ones
    are clamped), "wrap" or "clip", as NumPy.

    >>> take(np.array([[1, 2], [3, 4]]), [1, -1, 0], axis=1)
    array([[2, 2, 1],
           [4, 4, 3]])
    """
    if out is not None:
        raise NotImplementedError(
            "tracegrad.numpy.take: the out= argument is not supported on traced values."
        )
    a = asarray_or_tracer(a)
    aval = get_aval(a)
    if axis is None:
        a, axis = reshape(a, (aval.size,)), 0
    axis = canonical_axis(axis, get_aval(a).ndim)
    n = get_aval(a).shape[axis]
    indices = _integer_indices(indices, "take")
    if mode is None or mode == "raise":
        if not isinstance(indices, Tracer):
            check_bounds(indices, n, axis)
        indices, gather_mode = wrap_negative(indices, n), "clip"
    elif mode in ("wrap", "clip"):
        if n == 0 and get_aval(indices).size:
            raise IndexError("cannot do a non-empty take from an empty axes.")
        gather_mode = mode
    else:
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    return gather_on_axes(a, [axis], [indices], gather_mode)


@numpy_when_eager(np.take_along_axis)
def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Any:
    """Take values from ``arr`` by matching 1-d index and data slices along ``axis``.

    >>> take_along_axis(np.array([[10, 30, 20], [60, 40, 50]]), np.array([[0], [2]]), axis=1)
    array([[10],
           [50]])
    """
    arr = asarray_or_tracer(arr)
    indices = _integer_indices(indices, "take_along_axis")
    if axis is None:
        if get_aval(indices).ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = reshape(arr, (get_aval(arr).size,)), 0
    shape = get_aval(arr).shape
    if get_aval(indices).ndim != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = canonical_axis(axis, len(shape))
    if not isinstance(indices, Tracer):
        check_bounds(indices, shape[axis], axis)
    arrays: list[Any] = []
    for d, n in enumerate(shape):
        if d == axis:
            arrays.append(wrap_negative(indices, n))
        else:
            arrays.append(np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1)))
    index_shape(arrays)
    return gather(arr, *arrays, mode="clip")


TRACER_METHODS: dict[str, Any] = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "at": property(at, doc="Functional index updates, as JAX's x.at[idx].set(y)."),
}
