"""Reductions of ``tracegrad.numpy``: NumPy's ``axis``, ``keepdims`` and ``dtype`` semantics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._dispatch import asarray_or_tracer, cast, normalize_axis_tuple, numpy_when_eager
from tracegrad.ops.structural import reduce_sum, reshape

__all__ = ["sum"]


def keep_dims(out: Any, shape: tuple[int, ...], axes: Sequence[int]) -> Any:
    """Reinsert reduced ``axes`` as size-1 dimensions (``keepdims=True``)."""
    return reshape(out, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _sum_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """NumPy sums booleans and small integers in the default integer type."""
    if dtype.kind == "b" or (dtype.kind in "iu" and dtype.itemsize < np.dtype(np.int_).itemsize):
        return np.dtype(np.int_) if dtype.kind != "u" else np.dtype(np.uint)
    return dtype


@numpy_when_eager(np.sum)
def sum(  # noqa: A001
    a: Any, axis: int | Sequence[int] | None = None, dtype: Any = None, out: None = None,
    keepdims: bool = False, initial: Any = None, where: Any = None,
) -> Any:
    """Sum of array elements over the given axes.

    >>> sum(np.ones((2, 3)), axis=1)
    array([3., 3.])
    """
    if out is not None or where is not None:
        raise NotImplementedError("tracegrad.numpy.sum: the out= and where= arguments are not "
                                  "supported on traced values.")
    a = asarray_or_tracer(a)
    aval = get_aval(a)
    axes = normalize_axis_tuple(axis, aval.ndim)
    a = cast(a, np.dtype(dtype) if dtype is not None else _sum_dtype(aval.dtype))
    result = reduce_sum(a, axes)
    if initial is not None:
        from tracegrad.numpy._ufuncs import add

        result = add(result, initial)
    return keep_dims(result, aval.shape, axes) if keepdims else result


TRACER_METHODS: dict[str, Any] = {
    "sum": sum,
}
