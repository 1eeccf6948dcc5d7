"""More of NumPy's shape functions, composed from ``tracegrad.numpy``'s own: ``rot90``,
``rollaxis``, ``append``, the directional splits, ``partition``, and the ``r_``/``c_``
concatenators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval, is_python_scalar
from tracegrad.numpy._arraylike import concrete, concrete_int, operand
from tracegrad.numpy._creation import arange, linspace
from tracegrad.numpy._joining import concatenate, split, vstack
from tracegrad.numpy._manipulation import flip, ravel, transpose
from tracegrad.numpy._sorting import argsort, sort
from tracegrad.numpy.frontend import contains_tracer, numpy_when_eager, promote_dtypes
from tracegrad.ops import structural as st

__all__ = [
    "rot90", "rollaxis", "append", "hsplit", "vsplit", "dsplit", "row_stack",
    "partition", "argpartition", "r_", "c_",
]  # fmt: skip


@numpy_when_eager(np.rot90)
def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """The array rotated by 90 degrees ``k`` times, from the first of ``axes`` to the second.

    >>> rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    x = operand(m)
    nd = get_aval(x).ndim
    a0, a1 = (st.canonical_axis(int(a), nd) for a in axes)
    if len(axes) != 2 or a0 == a1:
        raise ValueError(f"rot90: axes must be two different axes, got {tuple(axes)}.")
    k = concrete_int(k, "rot90's k") % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(x, a1), perm)
    return flip(transpose(x, perm), a1)


@numpy_when_eager(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Axis ``axis`` moved to lie before position ``start`` (``moveaxis`` is clearer).

    >>> rollaxis(np.zeros((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    x = operand(a)
    n = get_aval(x).ndim
    axis = st.canonical_axis(axis, n)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in"
        )
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return x
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return transpose(x, perm)


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


def _eager_partition(np_sort: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's (arg)partition signature, answered by a stable full (arg)sort: the order
    the traced path gives too."""

    def partition_eagerly(
        a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None
    ) -> Any:
        x = np.asarray(a)
        if axis is None:
            x, axis = x.ravel(), 0
        _check_kth(kth, x.shape[st.canonical_axis(axis, x.ndim)])
        return np_sort(x, axis=axis, kind="stable", order=order)

    return partition_eagerly


def _check_kth(kth: Any, n: int) -> None:
    for k in np.atleast_1d(np.asarray(concrete(kth, "partition's kth"))).ravel():
        if not -n <= int(k) < n:
            raise ValueError(f"kth(={int(k)}) out of bounds ({n})")


@numpy_when_eager(_eager_partition(np.sort))
def partition(
    a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """A partitioned copy: the ``kth`` element in its sorted place, smaller ones before it,
    larger ones after. NumPy leaves the order within each part unspecified; here the whole
    array is sorted (a valid partition), eagerly and traced alike, so derivatives match.

    >>> partition(np.array([3.0, 1.0, 2.0, 0.0]), 1)
    array([0., 1., 2., 3.])
    """
    x = operand(a)
    if axis is None:
        x, axis = ravel(x), 0
    _check_kth(kth, get_aval(x).shape[st.canonical_axis(axis, get_aval(x).ndim)])
    return sort(x, axis=axis)


@numpy_when_eager(_eager_partition(np.argsort))
def argpartition(
    a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """Indices that partition the array at ``kth`` (as ``partition``, the indices that sort
    it, ties in order: a valid answer, the same eagerly and traced).

    >>> argpartition(np.array([3.0, 1.0, 2.0]), 1)
    array([1, 2, 0])
    """
    x = operand(a)
    if axis is None:
        x, axis = ravel(x), 0
    _check_kth(kth, get_aval(x).shape[st.canonical_axis(axis, get_aval(x).ndim)])
    return argsort(x, axis=axis)


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
