"""``dynamic_slice`` and ``dynamic_update_slice``: a block at start indices known only at
run time (scalar integer operands), as XLA's and JAX's primitives of those names.

A start is wrapped once if negative, then clamped so that the whole block is in bounds
(``clamp_start``). Both are linear in their array operands: the transpose of a slice is
an update of zeros, and of an update a slice and an update by zeros. Batching with
unbatched starts adds a leading block dimension of full size at start 0; batched starts
(a different block per member) become a ``gather`` / ``scatter`` on each member's open
mesh of positions."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    ShapeError,
    Tracer,
    Zero,
    get_aval,
    instantiate,
    is_undefined_primal,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops.indexing import full, gather, scatter
from tracegrad.ops.structural import bdim_at_front, convert_element_type, reshape

Shape = tuple[int, ...]


def clamp_start(index: Any, size: int, n: int) -> Any:
    """JAX's start of a block of ``size`` in a dimension of ``n``: ``index`` wrapped once if
    negative, then clamped into ``[0, n - size]``. A Python int for a concrete scalar
    index; else ``int64`` of the index's shape (traced for a traced index)."""
    if not isinstance(index, Tracer):
        if np.ndim(index) == 0:
            k = int(index)
            return builtins.min(builtins.max(k + n if k < 0 else k, 0), n - size)
        a = np.asarray(index, np.int64)
        return np.clip(np.where(a < 0, a + n, a), 0, n - size)
    i = convert_element_type(index, np.int64)
    i = ew.select_n(ew.lt(i, np.int64(0)), i, ew.add(i, np.int64(n)))
    return ew.max(ew.min(i, np.int64(n - size)), np.int64(0))


def _block(starts: Sequence[Any], sizes: Shape, shape: Shape) -> tuple[builtins.slice, ...]:
    clamped = [clamp_start(s, k, n) for s, k, n in zip(starts, sizes, shape, strict=True)]
    return tuple(builtins.slice(c, c + k) for c, k in zip(clamped, sizes, strict=True))


def check_starts(name: str, shape: Shape, starts: Sequence[ShapedArray], sizes: Shape) -> None:
    """JAX's checks of the start indices and block sizes, with its phrases."""
    if len(starts) != len(shape):
        raise ShapeError(
            f"Length of slice indices must match number of operand dimensions ({len(starts)} "
            f"vs {shape})"
        )
    if len(sizes) != len(shape) or any(not 0 <= k <= n for k, n in zip(sizes, shape, strict=True)):
        raise ShapeError(
            f"{name} slice_sizes must be less than or equal to operand shape, got slice_sizes "
            f"{tuple(sizes)} for operand shape {shape}."
        )
    if any(a.dtype.kind not in "iu" for a in starts):
        raise DTypeError(
            f"index arguments to {name} must be integers, got: "
            + ", ".join(a.dtype.name for a in starts)
        )
    if any(a.shape for a in starts):
        raise ShapeError(
            f"start_indices arguments to {name} must be scalars, got indices {tuple(starts)}."
        )


def _mesh(starts: Sequence[Any], sizes: Shape) -> list[Any]:
    """Index arrays of the positions ``start_k + [0, size_k)`` of each member's block, for
    starts of shape ``(B,)``: a batch iota, then one array per dimension, broadcasting to
    ``(B, *sizes)``."""
    batch = get_aval(starts[0]).shape[0]
    ndim = len(sizes)
    out: list[Any] = [np.arange(batch).reshape((batch,) + (1,) * ndim)]
    for k, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        counts = np.arange(size, dtype=np.int64).reshape(
            (1, *(size if j == k else 1 for j in range(ndim)))
        )
        out.append(ew.add(reshape(start, (batch,) + (1,) * ndim), counts))
    return out


def _batched_starts(
    starts: Sequence[Any], dims: Sequence[int | None], sizes: Shape, shape: Shape, batch: int
) -> list[Any]:
    return [
        clamp_start(bdim_at_front(s, d, batch), k, n)
        for s, d, k, n in zip(starts, dims, sizes, shape, strict=True)
    ]


# ---- dynamic_slice ------------------------------------------------------------
def dynamic_slice(operand: Any, starts: Sequence[Any], slice_sizes: Sequence[int]) -> Any:
    """The block of ``slice_sizes`` at ``starts`` (clamped into bounds).

    >>> dynamic_slice(np.arange(10), [np.int32(8)], (4,))
    array([6, 7, 8, 9])
    """
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(s) for s in slice_sizes))


def _dynamic_slice_impl(x: Any, *starts: Any, slice_sizes: Shape) -> Any:
    x = np.asarray(x)
    return x[_block(starts, slice_sizes, x.shape)]


def _dynamic_slice_abstract_eval(
    x: ShapedArray, *starts: ShapedArray, slice_sizes: Shape
) -> ShapedArray:
    check_starts("dynamic_slice", x.shape, starts, slice_sizes)
    return x.update(shape=slice_sizes)


def _dynamic_slice_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, slice_sizes: Shape
) -> tuple[Any, Any]:
    x, *starts = primals
    out = dynamic_slice(x, starts, slice_sizes)
    if type(tangents[0]) is Zero:
        return out, Zero.like_primal(get_aval(out))
    return out, dynamic_slice(tangents[0], starts, slice_sizes)


def _dynamic_slice_transpose(ct: Any, x: Any, *starts: Any, slice_sizes: Shape) -> list[Any]:
    if any(is_undefined_primal(s) for s in starts):
        raise TypeError("dynamic_slice is linear in its operand only, not in its starts.")
    if type(ct) is Zero:
        return [None] * (1 + len(starts))
    zeros = full(x.aval.shape, 0, get_aval(ct).dtype)
    return [dynamic_update_slice(zeros, ct, starts)] + [None] * len(starts)


def _dynamic_slice_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, slice_sizes: Shape
) -> tuple[Any, int]:
    (x, *starts), (dx, *ds) = args, dims
    batch = next(get_aval(a).shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    shape = (
        get_aval(x).shape if dx is None else get_aval(x).shape[:dx] + get_aval(x).shape[dx + 1 :]
    )
    x = bdim_at_front(x, dx, batch)
    if all(d is None for d in ds):
        return dynamic_slice(x, [np.int64(0), *starts], (batch, *slice_sizes)), 0
    clamped = _batched_starts(starts, ds, slice_sizes, shape, batch)
    return gather(x, *_mesh(clamped, slice_sizes), mode="clip"), 0


dynamic_slice_p = Primitive("dynamic_slice", linear=True)
dynamic_slice_p.def_impl(_dynamic_slice_impl)
dynamic_slice_p.def_abstract_eval(_dynamic_slice_abstract_eval)
dynamic_slice_p.def_jvp(_dynamic_slice_jvp)
dynamic_slice_p.def_transpose(_dynamic_slice_transpose)
dynamic_slice_p.def_batch(_dynamic_slice_batch)


# ---- dynamic_update_slice -----------------------------------------------------
def dynamic_update_slice(operand: Any, update: Any, starts: Sequence[Any]) -> Any:
    """``operand`` with the block at ``starts`` (clamped) replaced by ``update``.

    >>> dynamic_update_slice(np.zeros(4), np.ones(2), [np.int64(-1)])
    array([0., 0., 1., 1.])
    """
    return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_impl(x: Any, update: Any, *starts: Any) -> Any:
    out = np.array(x, copy=True)
    update = np.asarray(update)
    out[_block(starts, update.shape, out.shape)] = update
    return out


def _dynamic_update_slice_abstract_eval(
    x: ShapedArray, update: ShapedArray, *starts: ShapedArray
) -> ShapedArray:
    if x.dtype != update.dtype:
        raise DTypeError(
            "lax.dynamic_update_slice requires arguments to have the same dtypes, got "
            f"{x.dtype.name}, {update.dtype.name}."
        )
    if update.ndim != x.ndim:
        raise ShapeError(
            "dynamic_update_slice update must have the same rank as operand, got update shape "
            f"{update.shape} for operand shape {x.shape}."
        )
    check_starts("dynamic_update_slice", x.shape, starts, update.shape)
    return ShapedArray(x.shape, x.dtype, x.weak_type and update.weak_type)


def _dynamic_update_slice_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    x, update, *starts = primals
    out = dynamic_update_slice(x, update, starts)
    t_x, t_u = tangents[0], tangents[1]
    if type(t_x) is Zero and type(t_u) is Zero:
        return out, Zero.like_primal(get_aval(out))
    return out, dynamic_update_slice(instantiate(t_x), instantiate(t_u), starts)


def _dynamic_update_slice_transpose(ct: Any, x: Any, update: Any, *starts: Any) -> list[Any]:
    if any(is_undefined_primal(s) for s in starts):
        raise TypeError("dynamic_update_slice is linear in its arrays only, not in its starts.")
    if type(ct) is Zero:
        return [None] * (2 + len(starts))
    upd_aval = update.aval if is_undefined_primal(update) else get_aval(update)
    ct_x = ct_u = None
    if is_undefined_primal(x):
        ct_x = dynamic_update_slice(ct, full(upd_aval.shape, 0, get_aval(ct).dtype), starts)
    if is_undefined_primal(update):
        ct_u = dynamic_slice(ct, starts, upd_aval.shape)
    return [ct_x, ct_u] + [None] * len(starts)


def _dynamic_update_slice_batch(args: Sequence[Any], dims: Sequence[int | None]) -> tuple[Any, int]:
    (x, update, *starts), (dx, du, *ds) = args, dims
    batch = next(get_aval(a).shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    x, update = bdim_at_front(x, dx, batch), bdim_at_front(update, du, batch)
    if all(d is None for d in ds):
        return dynamic_update_slice(x, update, [np.int64(0), *starts]), 0
    sizes, shape = get_aval(update).shape[1:], get_aval(x).shape[1:]
    clamped = _batched_starts(starts, ds, sizes, shape, batch)
    return scatter(x, update, *_mesh(clamped, sizes), mode="clip"), 0


dynamic_update_slice_p = Primitive("dynamic_update_slice", linear=True)
dynamic_update_slice_p.def_impl(_dynamic_update_slice_impl)
dynamic_update_slice_p.def_abstract_eval(_dynamic_update_slice_abstract_eval)
dynamic_update_slice_p.def_jvp(_dynamic_update_slice_jvp)
dynamic_update_slice_p.def_transpose(_dynamic_update_slice_transpose)
dynamic_update_slice_p.def_batch(_dynamic_update_slice_batch)
