"""Joining, splitting and repeating arrays in ``tracegrad.numpy``: concatenate, the stacks,
split, tile and repeat, with NumPy's dtype promotion across operands."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.core.dtypes import canonical_dtype
from tracegrad.numpy._arraylike import (
    at_least,
    concrete,
    concrete_int,
    operand,
    operands,
    promoted,
)
from tracegrad.numpy.frontend import cast, numpy_when_eager
from tracegrad.ops import structural as st
from tracegrad.ops.shapes import take_static

__all__ = [
    "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "split",
    "array_split", "tile", "repeat",
]  # fmt: skip


def _with_dtype(xs: list[Any], dtype: Any, casting: str, name: str) -> list[Any]:
    """Operands in their common dtype, or in ``dtype`` if the ``casting`` rule allows it."""
    if dtype is None:
        return promoted(xs)
    dtype = canonical_dtype(dtype)
    for x in xs:
        if not np.can_cast(get_aval(x).dtype, dtype, casting=casting):  # type: ignore[arg-type]
            raise TypeError(
                f"{name}: Cannot cast array data from {get_aval(x).dtype!r} to "
                f"{dtype!r} according to the rule {casting!r}."
            )
    return [cast(x, dtype) for x in xs]


def _join(xs: list[Any], axis: int, name: str) -> Any:
    """Concatenate along an existing axis, with NumPy's checks and messages."""
    if not xs:
        raise ValueError(f"{name}: need at least one array to concatenate.")
    shapes = [get_aval(x).shape for x in xs]
    ndim = len(shapes[0])
    if ndim == 0:
        raise ValueError(f"{name}: zero-dimensional arrays cannot be concatenated.")
    for i, s in enumerate(shapes):
        if len(s) != ndim:
            raise ShapeError(
                f"{name}: all the input arrays must have same number of dimensions, but the "
                f"array at index 0 has {ndim} dimension(s) (shape {shapes[0]}) and the array "
                f"at index {i} has {len(s)} dimension(s) (shape {s})."
            )
    axis = st.canonical_axis(axis, ndim)
    for i, s in enumerate(shapes):
        for d in range(ndim):
            if d != axis and s[d] != shapes[0][d]:
                raise ShapeError(
                    f"{name}: all the input array dimensions except for the concatenation axis "
                    f"must match exactly, but along dimension {d}, the array at index 0 has "
                    f"size {shapes[0][d]} (shape {shapes[0]}) and the array at index {i} has "
                    f"size {s[d]} (shape {s})."
                )
    return st.concatenate(xs, axis)


@numpy_when_eager(np.concatenate)
def concatenate(
    arrays: Sequence[Any],
    /,
    axis: int | None = 0,
    out: None = None,
    *,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    >>> concatenate([np.ones(2, np.float32), np.zeros(1)])
    array([1., 1., 0.])
    """
    if out is not None:
        raise NotImplementedError(
            "tracegrad.numpy.concatenate: out= is not supported on "
            "traced values; use the returned array."
        )
    xs = operands(arrays)
    if axis is None:
        xs = [st.reshape(x, (get_aval(x).size,)) for x in xs]
        axis = 0
    return _join(_with_dtype(xs, dtype, casting, "concatenate"), axis, "concatenate")


@numpy_when_eager(np.stack)
def stack(
    arrays: Sequence[Any],
    axis: int = 0,
    out: None = None,
    *,
    dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    """Join arrays of one shape along a new axis.

    >>> stack([np.ones(2), np.zeros(2)], axis=1).shape
    (2, 2)
    """
    if out is not None:
        raise NotImplementedError(
            "tracegrad.numpy.stack: out= is not supported on traced values; use the returned array."
        )
    xs = operands(arrays)
    if not xs:
        raise ValueError("need at least one array to stack")
    shapes = [get_aval(x).shape for x in xs]
    if len(set(shapes)) != 1:
        raise ShapeError(f"all input arrays must have the same shape, got shapes {shapes}.")
    axis = st.canonical_axis(axis, len(shapes[0]) + 1)
    new = (*shapes[0][:axis], 1, *shapes[0][axis:])
    xs = [st.reshape(x, new) for x in _with_dtype(xs, dtype, casting, "stack")]
    return st.concatenate(xs, axis)


@numpy_when_eager(np.hstack)
def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join arrays column-wise: along axis 1, or axis 0 for 1-d arrays.

    >>> hstack([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    xs = [at_least(x, 1) for x in operands(tup)]
    axis = 0 if xs and get_aval(xs[0]).ndim == 1 else 1
    return _join(_with_dtype(xs, dtype, casting, "hstack"), axis, "hstack")


@numpy_when_eager(np.vstack)
def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join arrays row-wise (1-d arrays become rows).

    >>> vstack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    xs = [at_least(x, 2) for x in operands(tup)]
    return _join(_with_dtype(xs, dtype, casting, "vstack"), 0, "vstack")


@numpy_when_eager(np.dstack)
def dstack(tup: Sequence[Any]) -> Any:
    """Join arrays along the third axis.

    >>> dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    xs = [at_least(x, 3) for x in operands(tup)]
    return _join(promoted(xs), 2, "dstack")


@numpy_when_eager(np.column_stack)
def column_stack(tup: Sequence[Any]) -> Any:
    """Join 1-d arrays as columns (and 2-d arrays as they are) into a 2-d array.

    >>> column_stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    xs = []
    for x in operands(tup):
        shape = get_aval(x).shape
        xs.append(st.reshape(x, (shape[0] if shape else 1, 1)) if len(shape) < 2 else x)
    return _join(promoted(xs), 1, "column_stack")


def _split_points(n: int, indices_or_sections: Any, *, equal: bool) -> list[tuple[int, int]]:
    """``(start, stop)`` of each piece of an axis of length ``n``, as NumPy splits it."""
    spec = concrete(indices_or_sections, "split's indices_or_sections")
    if np.ndim(spec) == 0:
        sections = concrete_int(spec, "split's indices_or_sections")
        if sections <= 0:
            raise ValueError(f"number sections must be larger than 0, got {sections}.")
        if equal and n % sections:
            raise ValueError(
                f"array split does not result in an equal division: an axis of "
                f"length {n} into {sections} sections."
            )
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.cumsum([0, *sizes]).tolist()
        return list(itertools.pairwise(bounds))
    points = [0, *(int(i) for i in np.asarray(spec).ravel()), n]
    pieces = []
    for lo, hi in itertools.pairwise(points):
        start, stop, _ = slice(lo, hi).indices(n)
        pieces.append((start, max(start, stop)))
    return pieces


def _split(ary: Any, indices_or_sections: Any, axis: int, equal: bool) -> list[Any]:
    x = operand(ary)
    shape = get_aval(x).shape
    axis = st.canonical_axis(axis, len(shape))
    return [
        st.slice_in_dim(x, lo, hi, axis)
        for lo, hi in _split_points(shape[axis], indices_or_sections, equal=equal)
    ]


@numpy_when_eager(np.split)
def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split into equal sections, or at the given indices, along ``axis``.

    >>> split(np.arange(6), [2, 5])
    [array([0, 1]), array([2, 3, 4]), array([5])]
    """
    return _split(ary, indices_or_sections, axis, equal=True)


@numpy_when_eager(np.array_split)
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """As ``split``, allowing sections of unequal length (the first ones longer by one).

    >>> [len(p) for p in array_split(np.arange(7), 3)]
    [3, 2, 2]
    """
    return _split(ary, indices_or_sections, axis, equal=False)


def _repeat_each(x: Any, count: int, axis: int) -> Any:
    """Each element ``count`` times in a row along ``axis``: a broadcast and a reshape."""
    shape = get_aval(x).shape
    wide = (*shape[: axis + 1], count, *shape[axis + 1 :])
    dims = tuple(range(axis + 1)) + tuple(range(axis + 2, len(shape) + 1))
    out = st.broadcast_in_dim(x, wide, dims)
    return st.reshape(out, (*shape[:axis], shape[axis] * count, *shape[axis + 1 :]))


@numpy_when_eager(np.tile)
def tile(A: Any, reps: int | Sequence[int]) -> Any:
    """The array repeated ``reps`` times along each axis.

    >>> tile(np.array([1, 2]), (2, 2))
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]])
    """
    x = operand(A)
    given: Any = concrete(reps, "tile's reps")
    counts = (
        (concrete_int(given, "tile's reps"),)
        if np.ndim(given) == 0
        else tuple(concrete_int(r, "tile's reps") for r in given)
    )
    if any(c < 0 for c in counts):
        raise ValueError(f"negative dimensions are not allowed, got reps={counts}.")
    shape = get_aval(x).shape
    ndim = max(len(shape), len(counts))
    shape = (1,) * (ndim - len(shape)) + shape
    counts = (1,) * (ndim - len(counts)) + counts
    wide = tuple(v for c, s in zip(counts, shape, strict=True) for v in (c, s))
    out = st.broadcast_in_dim(st.reshape(x, shape), wide, tuple(range(1, 2 * ndim, 2)))
    return st.reshape(out, tuple(c * s for c, s in zip(counts, shape, strict=True)))


@numpy_when_eager(np.repeat)
def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times (one count, or one per element along ``axis``);
    ``axis=None`` flattens first.

    >>> repeat(np.array([1, 2]), [1, 3])
    array([1, 2, 2, 2])
    """
    x = operand(a)
    if axis is None:
        x = st.reshape(x, (get_aval(x).size,))
        axis = 0
    axis = st.canonical_axis(axis, get_aval(x).ndim)
    n = get_aval(x).shape[axis]
    counts = np.asarray(concrete(repeats, "repeat's repeats"))
    if counts.dtype.kind not in "biu":
        raise TypeError(
            f"Cannot cast array data from {counts.dtype!r} to dtype('int64') "
            "according to the rule 'safe': repeats must be integers."
        )
    if counts.ndim > 1:
        raise ValueError(f"repeats must be a scalar or 1-d, got shape {counts.shape}.")
    if np.any(counts < 0):
        raise ValueError("repeats may not contain negative values.")
    if counts.size == 1:
        return _repeat_each(x, int(counts.ravel()[0]), axis)
    if counts.size != n:
        raise ShapeError(
            f"operands could not be broadcast together with shape ({n},) "
            f"({counts.size},): repeats must have one count per element along "
            f"axis {axis}."
        )
    return take_static(x, np.repeat(np.arange(n), counts).tolist(), axis)


TRACER_METHODS: dict[str, Any] = {
    "repeat": repeat.__wrapped_traced__,  # type: ignore[attr-defined]
}
