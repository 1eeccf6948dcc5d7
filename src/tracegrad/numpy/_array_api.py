"""NumPy 2's array-API names and a few more constructors: ``concat``, ``permute_dims``,
``matrix_transpose``, ``unstack``, ``vecdot``, ``matvec``, ``vecmat``, ``block``,
``diagflat`` and ``geomspace``, composed from ``tracegrad.numpy``'s own."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy._creation import logspace
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._manipulation import broadcast_arrays, moveaxis, swapaxes, transpose
from tracegrad.numpy._products import diag, matmul
from tracegrad.numpy._ufuncs import conj, sign
from tracegrad.numpy._ufuncs_math import log10
from tracegrad.numpy.frontend import numpy_named, numpy_when_eager, promote_dtypes


@numpy_when_eager(numpy_named("concat"))
def concat(arrays: Any, /, *, axis: int | None = 0) -> Any:
    """``concatenate`` under its array-API name.

    >>> concat([np.zeros(1), np.ones(2)])
    array([0., 1., 1.])
    """
    return concatenate(arrays, axis=axis)


@numpy_when_eager(numpy_named("permute_dims"))
def permute_dims(a: Any, /, axes: Any = None) -> Any:
    """``transpose`` under its array-API name.

    >>> permute_dims(np.zeros((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return transpose(a, axes)


@numpy_when_eager(numpy_named("matrix_transpose"))
def matrix_transpose(x: Any, /) -> Any:
    """The last two axes swapped.

    >>> matrix_transpose(np.zeros((4, 2, 3))).shape
    (4, 3, 2)
    """
    v = operand(x)
    if get_aval(v).ndim < 2:
        raise ValueError(
            f"Input array must be at least 2-dimensional, but it is {get_aval(v).ndim}"
        )
    return swapaxes(v, -1, -2)


@numpy_when_eager(numpy_named("unstack"))
def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """The sub-arrays along ``axis``, as a tuple.

    >>> unstack(np.array([[1, 2], [3, 4]]), axis=1)
    (array([1, 3]), array([2, 4]))
    """
    v = moveaxis(operand(x), axis, 0)
    return tuple(v[i] for i in range(get_aval(v).shape[0]))


def _core_last(x: Any, axis: int) -> Any:
    return moveaxis(x, axis, -1) if axis not in (-1, get_aval(x).ndim - 1) else x


@numpy_when_eager(numpy_named("vecdot"))
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The dot products ``sum(conj(x1) * x2)`` along ``axis``, over the broadcast other axes.

    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    a, b = promote_dtypes(operand(x1), operand(x2))
    a, b = _core_last(a, axis), _core_last(b, axis)
    if get_aval(a).shape[-1] != get_aval(b).shape[-1]:
        raise ValueError(
            "vecdot: the core dimensions differ: "
            f"{get_aval(a).shape[-1]} and {get_aval(b).shape[-1]} (shapes "
            f"{get_aval(operand(x1)).shape} and {get_aval(operand(x2)).shape}, axis={axis})"
        )
    return matmul(conj(a)[..., None, :], b[..., :, None])[..., 0, 0]


@numpy_when_eager(numpy_named("matvec"))
def matvec(x1: Any, x2: Any, /) -> Any:
    """Matrix-vector products over the broadcast leading axes: ``(..., m, n) x (..., n)``.

    >>> matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 0.0]))
    array([1., 3.])
    """
    a, b = promote_dtypes(operand(x1), operand(x2))
    return matmul(a, b[..., :, None])[..., 0]


@numpy_when_eager(numpy_named("vecmat"))
def vecmat(x1: Any, x2: Any, /) -> Any:
    """Vector-matrix products ``conj(v) @ M`` over the broadcast leading axes.

    >>> vecmat(np.array([1.0, 0.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 2.])
    """
    a, b = promote_dtypes(operand(x1), operand(x2))
    return matmul(conj(a)[..., None, :], b)[..., 0, :]


def _block_depths(x: Any, level: int) -> tuple[int, int]:
    """(nesting depth of lists, largest ndim of the arrays) of a ``block`` argument."""
    if isinstance(x, tuple):
        raise TypeError(
            "arrays is a tuple. Only lists can be used to arrange blocks, and np.block does "
            "not allow implicit conversion from tuple to ndarray."
        )
    if isinstance(x, list):
        if not x:
            raise ValueError("List at arrays cannot be empty")
        found = [_block_depths(e, level + 1) for e in x]
        depths = {d for d, _ in found}
        if len(depths) != 1:
            raise ValueError("List depths are mismatched.")
        return depths.pop(), max(n for _, n in found)
    return level, get_aval(operand(x)).ndim


@numpy_when_eager(np.block)
def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks: the innermost lists are joined along
    the last axis, the next ones along the one before, and so on.

    >>> block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 3))]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 1.]])
    """
    depth, max_ndim = _block_depths(arrays, 0)
    ndim = max(depth, max_ndim)

    def build(x: Any, level: int) -> Any:
        if isinstance(x, list):
            return concatenate([build(e, level + 1) for e in x], axis=-(depth - level))
        a = operand(x)
        shape = get_aval(a).shape
        return a.reshape((1,) * (ndim - len(shape)) + shape)

    return build(arrays, 0)


@numpy_when_eager(np.diagflat)
def diagflat(v: Any, k: int = 0) -> Any:
    """A 2-d array with the flattened ``v`` on its ``k``-th diagonal.

    >>> diagflat(np.array([[1, 2]]))
    array([[1, 0],
           [0, 2]])
    """
    return diag(operand(v).ravel(), k)


@numpy_when_eager(np.geomspace)
def geomspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> Any:
    """``num`` numbers spaced evenly on a log scale from ``start`` to ``stop`` (both of one
    sign, not zero), exact at the ends.

    >>> geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    a, b = operand(start) * 1.0, operand(stop) * 1.0
    for v in (a, b):
        known = v.to_concrete_value() if isinstance(v, Tracer) else v
        if known is not None and np.any(np.asarray(known) == 0):
            raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(get_aval(a).dtype, get_aval(b).dtype, float(num))
    a, b = broadcast_arrays(a.astype(dt), b.astype(dt))
    s = sign(a)
    a, b = a / s, b / s
    out = logspace(log10(a), log10(b), num=num, endpoint=endpoint, base=10.0, dtype=dt)
    if num > 0:
        ends = [a[None]] + ([out[1 : num - 1], b[None]] if endpoint and num > 1 else [out[1:]])
        out = concatenate(ends)
    out = s * out
    if axis != 0:
        out = moveaxis(out, 0, axis)
    return out.astype(np.dtype(dtype) if dtype is not None else dt)
