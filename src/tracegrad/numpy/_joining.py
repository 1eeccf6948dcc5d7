"""Joining, splitting and repeating arrays in ``tracegrad.numpy``: concatenate, the stacks,
``append``, the splits, tile, repeat and the ``r_``/``c_`` concatenators, with NumPy's dtype
promotion across operands."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval, is_python_scalar
from tracegrad.core.dtypes import canonical_dtype
from tracegrad.numpy._arraylike import (
    at_least,
    concrete,
    concrete_int,
    operand,
    operands,
    promoted,
)
from tracegrad.numpy._creation import arange, linspace
from tracegrad.numpy._manipulation import ravel, transpose
from tracegrad.numpy.frontend import cast, contains_tracer, numpy_when_eager, promote_dtypes
from tracegrad.ops import structural as st
from tracegrad.ops.shapes import take_static


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


@numpy_when_eager(np.append)
def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (both flattened if ``axis`` is None).

    >>> append([1.0, 2.0], 3.0)
    array([1., 2., 3.])
    """
    x, v = operand(arr), operand(values)
    if axis is None:
        return concatenate([ravel(x), ravel(v)])
    return concatenate([x, v], axis=axis)


def _directional_split(name: str, ary: Any, ios: Any, min_ndim: int, axis: int) -> list[Any]:
    x = operand(ary)
    if get_aval(x).ndim < min_ndim:
        raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions")
    return split(x, ios, axis=axis)


@numpy_when_eager(np.hsplit)
def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``split`` along the second axis (the first for 1-d arrays).

    >>> hsplit(np.arange(4), 2)
    [array([0, 1]), array([2, 3])]
    """
    x = operand(ary)
    axis = 1 if get_aval(x).ndim > 1 else 0
    return _directional_split("hsplit", x, indices_or_sections, 1, axis)


@numpy_when_eager(np.vsplit)
def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``split`` along the first axis of an array of 2 or more dimensions.

    >>> [p.shape for p in vsplit(np.zeros((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
    return _directional_split("vsplit", ary, indices_or_sections, 2, 0)


@numpy_when_eager(np.dsplit)
def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``split`` along the third axis of an array of 3 or more dimensions.

    >>> [p.shape for p in dsplit(np.zeros((1, 1, 4)), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    return _directional_split("dsplit", ary, indices_or_sections, 3, 2)


def row_stack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """NumPy's older name of ``vstack``.

    >>> row_stack([np.ones(2), np.zeros(2)])
    array([[1., 1.],
           [0., 0.]])
    """
    return vstack(tup, dtype=dtype, casting=casting)


def _range_item(s: slice) -> Any:
    """A slice inside ``r_``: ``arange(start, stop, step)``, or ``linspace`` for an
    imaginary step (its magnitude is the number of points, the stop included)."""
    start = 0 if s.start is None else s.start
    step = 1 if s.step is None else s.step
    if isinstance(step, complex):
        return linspace(start, s.stop, int(abs(step)))
    return arange(start, s.stop, step)


class _Concatenator:
    """``r_`` and ``c_``: items (arrays, traced values, scalars, slices as ranges) joined
    along an axis; a leading string ``"axis[,ndmin[,trans1d]]"`` sets how.

    >>> import tracegrad as tg
    >>> tg.jit(lambda x: r_[x, 0.0, 1:3])(np.array([5.0]))
    array([5., 0., 1., 2.])
    >>> tg.jit(lambda x: c_[x, x])(np.array([1.0, 2.0]))
    array([[1., 1.],
           [2., 2.]])
    """

    def __init__(self, numpy_obj: Any, axis: int, ndmin: int, trans1d: int) -> None:
        self._numpy = numpy_obj
        self._defaults = (axis, ndmin, trans1d)

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not contains_tracer(list(items)):
            return self._numpy[key]
        axis, ndmin, trans1d = self._defaults
        if items and isinstance(items[0], str):
            spec, items = items[0], items[1:]
            try:
                values = [int(v) for v in spec.split(",")]
            except ValueError:
                raise NotImplementedError(
                    f"tracegrad.numpy.r_/c_: the directive {spec!r} is not supported on "
                    "traced values; only 'axis[,ndmin[,trans1d]]' is."
                ) from None
            axis, ndmin, trans1d = (*values, *self._defaults[len(values) :])[:3]
        pieces = [
            _range_item(i) if isinstance(i, slice) else i if is_python_scalar(i) else operand(i)
            for i in items
        ]
        pieces = promote_dtypes(*pieces)
        return concatenate([self._shaped(p, ndmin, trans1d) for p in pieces], axis=axis)

    @staticmethod
    def _shaped(x: Any, ndmin: int, trans1d: int) -> Any:
        shape = get_aval(x).shape
        if not shape:
            x, shape = st.reshape(x, (1,)), (1,)
        if len(shape) >= ndmin:
            return x
        # As np.array(x, ndmin=ndmin): new axes in front; then trans1d says where the
        # original axes go.
        k2 = ndmin - len(shape)
        x = st.reshape(x, (1,) * k2 + shape)
        if trans1d == -1:
            return x
        k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
        axes = list(range(ndmin))
        return transpose(x, axes[:k1] + axes[k2:] + axes[k1:k2])

    def __len__(self) -> int:
        return 0


r_ = _Concatenator(np.r_, 0, 1, -1)


c_ = _Concatenator(np.c_, -1, 2, 0)
