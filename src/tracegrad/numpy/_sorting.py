"""Sorting and searching in ``tracegrad.numpy``: ``sort`` and ``argsort``, always stable, so
that traced and eager calls order ties alike (as ``jax.numpy``; ``kind`` is accepted and
ignored), ``partition``/``argpartition`` (a full sort) and ``searchsorted``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._indexing import take
from tracegrad.numpy._manipulation import ravel
from tracegrad.numpy._reductions import sum as sum_
from tracegrad.numpy._ufuncs_compare import (
    isnan,
    logical_and,
    logical_not,
    logical_or,
)
from tracegrad.numpy.frontend import (
    numpy_when_eager,
    promote_dtypes,
)
from tracegrad.ops import sorting
from tracegrad.ops import structural as st


def _prepare(name: str, a: Any, axis: int | None, order: Any) -> tuple[Any, int]:
    if order is not None:
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: order= (sorting structured arrays "
            "by field) is not supported on traced values."
        )
    x = operand(a)
    if axis is None:
        return st.reshape(x, (get_aval(x).size,)), 0
    return x, st.canonical_axis(axis, get_aval(x).ndim)


def _np_argsort_stable(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    if np.ndim(a) == 0 and axis is not None:
        axis = None  # NumPy flattens a 0-d array here whatever the axis
    return np.argsort(a, axis=axis, kind="stable", order=order)


@numpy_when_eager(np.sort)
def sort(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    """A sorted copy of an array along ``axis`` (flattened if None); NaNs sort last.

    Differentiable: the derivative follows the sorting permutation, and at tied values it
    is averaged over the tie (the minimum-norm subgradient, as ties in ``max``).

    >>> sort(np.array([[3, 1], [0, 2]]), axis=0)
    array([[0, 1],
           [3, 2]])
    """
    x, axis_ = _prepare("sort", a, axis, order)
    return sorting.sort(x, axis_)


@numpy_when_eager(_np_argsort_stable)
def argsort(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    """The indices that sort an array along ``axis`` (flattened if None), ties in order.

    >>> argsort(np.array([2.0, 1.0, 2.0, 0.0]))
    array([3, 1, 0, 2])
    """
    x = operand(a)
    if get_aval(x).ndim == 0 and axis is not None:
        axis = None  # as NumPy, which flattens a 0-d array whatever the axis
    x, axis_ = _prepare("argsort", x, axis, order)
    return sorting.argsort(x, axis_)


TRACER_METHODS: dict[str, Any] = {
    # Tracers are immutable: x.sort() returns the sorted array (as in JAX), not None.
    "sort": sort.__wrapped_traced__,  # type: ignore[attr-defined]
    "argsort": argsort.__wrapped_traced__,  # type: ignore[attr-defined]
}


def _before(x: Any, y: Any, strict: bool) -> Any:
    """``x < y`` (or ``x <= y``) in NumPy's sort order, where nan comes after everything."""
    if get_aval(x).dtype.kind not in "fc":
        return x < y if strict else x <= y
    if strict:
        return logical_or(x < y, logical_and(logical_not(isnan(x)), isnan(y)))
    return logical_or(x <= y, isnan(y))


@numpy_when_eager(np.searchsorted)
def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """The indices at which ``v`` would be inserted into the sorted 1-d ``a`` to keep it
    sorted (before equal values for ``side='left'``, after them for ``'right'``).

    >>> searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.0, 5.0]), side="right")
    array([3, 0, 4])
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    x = operand(a)
    if get_aval(x).ndim != 1:
        raise ValueError(
            f"object too deep for desired array: a must be 1-d, got shape {get_aval(x).shape}"
        )
    if sorter is not None:
        x = take(x, operand(sorter))
    x, y = promote_dtypes(x, operand(v))
    n = get_aval(x).shape[0]
    y_shape = get_aval(y).shape
    xs = st.broadcast_in_dim(x, (*y_shape, n), (len(y_shape),))
    ys = st.broadcast_in_dim(y, (*y_shape, n), tuple(range(len(y_shape))))
    return sum_(_before(xs, ys, strict=side == "left"), axis=-1, dtype=np.intp)


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
