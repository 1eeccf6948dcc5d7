"""Static and dynamic slicing, as ``jax.lax``: ``slice``, ``slice_in_dim``,
``index_in_dim``, ``dynamic_slice`` / ``dynamic_update_slice`` and their ``_in_dim`` and
``_index_in_dim`` forms.

Dynamic start indices are clamped as in JAX (a negative index first counts from the end,
then the start is clamped so that the whole slice is in bounds). A ``dynamic_slice`` with
concrete starts (Python or NumPy integers, even under ``jit`` or ``grad``) is a static
``slice``; traced starts stage the ``dynamic_slice`` primitive, and every update the
``dynamic_update_slice`` primitive (``ops/dynamic_slicing.py``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from tracegrad.core import ShapeError, Tracer, get_aval
from tracegrad.lax._elementwise import check_operands
from tracegrad.ops import dynamic_slicing, structural
from tracegrad.ops.dynamic_slicing import check_starts, clamp_start
from tracegrad.ops.structural import canonical_axis

Shape = tuple[int, ...]


def slice(
    operand: Any,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],
    strides: Sequence[int] | None = None,
) -> Any:
    """``operand[start:limit:stride, ...]`` with static, in-bounds bounds, as
    ``jax.lax.slice``.

    >>> slice(np.arange(10), (1,), (8,), (3,))
    array([1, 4, 7])
    """
    shape = get_aval(operand).shape
    if len(start_indices) != len(shape) or len(limit_indices) != len(shape):
        raise ShapeError(
            f"slice start_indices must have length equal to the number of dimensions of the "
            f"operand, got indices {tuple(start_indices)} and {tuple(limit_indices)} for "
            f"operand shape {shape}."
        )
    if any(int(hi) > n for hi, n in zip(limit_indices, shape, strict=True)):
        raise ShapeError(
            f"slice limit_indices must be less than or equal to operand shape, got "
            f"limit_indices {tuple(limit_indices)} for operand shape {shape}."
        )
    sizes = [int(hi) - int(lo) for lo, hi in zip(start_indices, limit_indices, strict=True)]
    if any(k < 0 for k in sizes) or any(int(lo) < 0 for lo in start_indices):
        raise ShapeError(
            "slice slice_sizes must be greater than or equal to zero (and start_indices "
            f"non-negative), got start_indices {tuple(start_indices)} and limit_indices "
            f"{tuple(limit_indices)}."
        )
    return structural.slice(operand, start_indices, limit_indices, strides)


def slice_in_dim(
    operand: Any, start_index: int | None, limit_index: int | None, stride: int = 1, axis: int = 0
) -> Any:
    """``slice`` along ``axis``; negative or None bounds as in Python slicing, as
    ``jax.lax.slice_in_dim``.

    >>> slice_in_dim(np.arange(6), -4, None, 2)
    array([2, 4])
    """
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    n = shape[axis]
    lo = 0 if start_index is None else int(start_index)
    hi = n if limit_index is None else int(limit_index)
    lo, hi = (lo + n if lo < 0 else lo), (hi + n if hi < 0 else hi)
    return structural.slice_in_dim(operand, lo, builtins.max(lo, hi), axis, int(stride))


def index_in_dim(operand: Any, index: int, axis: int = 0, keepdims: bool = True) -> Any:
    """Element ``index`` (negative counts from the end) along ``axis``, as
    ``jax.lax.index_in_dim``.

    >>> index_in_dim(np.arange(6).reshape(2, 3), -1, 1, keepdims=False)
    array([2, 5])
    """
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    i, n = int(index), shape[axis]
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
    i %= n
    out = structural.slice_in_dim(operand, i, i + 1, axis)
    return out if keepdims else structural.reshape(out, shape[:axis] + shape[axis + 1 :])


def _start_avals(name: str, shape: Shape, starts: Sequence[Any], sizes: Shape) -> None:
    check_starts(name, shape, [get_aval(i) for i in starts], sizes)


def dynamic_slice(operand: Any, start_indices: Sequence[Any], slice_sizes: Sequence[int]) -> Any:
    """The block of ``slice_sizes`` at ``start_indices`` (traced integers allowed; clamped
    into bounds as in JAX), as ``jax.lax.dynamic_slice``.

    >>> dynamic_slice(np.arange(10), (8,), (4,))
    array([6, 7, 8, 9])
    >>> dynamic_slice(np.arange(10), (-3,), (2,))
    array([7, 8])
    """
    shape = get_aval(operand).shape
    sizes, starts = tuple(int(s) for s in slice_sizes), tuple(start_indices)
    _start_avals("dynamic_slice", shape, starts, sizes)
    if any(isinstance(i, Tracer) for i in starts):
        return dynamic_slicing.dynamic_slice(operand, starts, sizes)
    lo = [clamp_start(i, k, n) for i, k, n in zip(starts, sizes, shape, strict=True)]
    return structural.slice(operand, lo, [s + k for s, k in zip(lo, sizes, strict=True)])


def dynamic_update_slice(operand: Any, update: Any, start_indices: Sequence[Any]) -> Any:
    """``operand`` with the block at ``start_indices`` replaced by ``update`` (clamped into
    bounds as in JAX), as ``jax.lax.dynamic_update_slice``.

    >>> dynamic_update_slice(np.zeros(5), np.ones(2), (4,))
    array([0., 0., 0., 1., 1.])
    """
    shape, u_shape = get_aval(operand).shape, get_aval(update).shape
    if len(u_shape) != len(shape):
        raise ShapeError(
            "dynamic_update_slice update must have the same rank as operand, got update shape "
            f"{u_shape} for operand shape {shape}."
        )
    if any(k > n for k, n in zip(u_shape, shape, strict=True)):
        raise ShapeError(
            "dynamic_update_slice update shape must be smaller than operand shape, got update "
            f"shape {u_shape} for operand shape {shape}."
        )
    check_operands("dynamic_update_slice", (operand, update))
    return dynamic_slicing.dynamic_update_slice(operand, update, tuple(start_indices))


def _in_dim(ndim: int, axis: int, value: Any, default: Any) -> list[Any]:
    out = [default] * ndim
    out[canonical_axis(axis, ndim)] = value
    return out


def dynamic_slice_in_dim(operand: Any, start_index: Any, slice_size: int, axis: int = 0) -> Any:
    """``dynamic_slice`` along one axis, as ``jax.lax.dynamic_slice_in_dim``.

    >>> dynamic_slice_in_dim(np.arange(10), 8, 4)
    array([6, 7, 8, 9])
    """
    shape = get_aval(operand).shape
    starts = _in_dim(len(shape), axis, start_index, 0)
    sizes = list(shape)
    sizes[canonical_axis(axis, len(shape))] = int(slice_size)
    return dynamic_slice(operand, starts, sizes)


def dynamic_index_in_dim(operand: Any, index: Any, axis: int = 0, keepdims: bool = True) -> Any:
    """Element ``index`` (traced allowed, clamped) along ``axis``, as
    ``jax.lax.dynamic_index_in_dim``.

    >>> dynamic_index_in_dim(np.arange(6).reshape(2, 3), 1, 1, keepdims=False)
    array([1, 4])
    """
    shape = get_aval(operand).shape
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    axis = canonical_axis(axis, len(shape))
    return out if keepdims else structural.reshape(out, shape[:axis] + shape[axis + 1 :])


def dynamic_update_slice_in_dim(operand: Any, update: Any, start_index: Any, axis: int) -> Any:
    """``dynamic_update_slice`` along one axis, as ``jax.lax.dynamic_update_slice_in_dim``.

    >>> dynamic_update_slice_in_dim(np.zeros((2, 4)), np.ones((2, 2)), 3, axis=1)
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    """
    ndim = get_aval(operand).ndim
    return dynamic_update_slice(operand, update, _in_dim(ndim, axis, start_index, 0))


def dynamic_update_index_in_dim(operand: Any, update: Any, index: Any, axis: int) -> Any:
    """``operand`` with the slice at ``index`` along ``axis`` replaced by ``update`` (with or
    without that axis), as ``jax.lax.dynamic_update_index_in_dim``.

    >>> dynamic_update_index_in_dim(np.zeros((2, 3)), np.ones(2), 1, axis=1)
    array([[0., 1., 0.],
           [0., 1., 0.]])
    """
    shape, u_shape = get_aval(operand).shape, get_aval(update).shape
    axis = canonical_axis(axis, len(shape))
    if len(u_shape) == len(shape) - 1:
        update = structural.reshape(update, (*u_shape[:axis], 1, *u_shape[axis:]))
    return dynamic_update_slice_in_dim(operand, update, index, axis)
