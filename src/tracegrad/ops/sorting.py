"""Sorting primitives: ``sort`` (operands reordered by the first one's order) and
``tie_average``, which makes the derivative of a sort at tied keys the minimum-norm one."""

from __future__ import annotations

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
    is_undefined_primal,
)
from tracegrad.ops.structural import bdim_at_front, canonical_axis


# ---- sort -------------------------------------------------------------------
def sort(x: Any, dimension: int = -1) -> Any:
    """``x`` sorted along ``dimension`` (stably; NaNs last, as ``numpy.sort``).

    >>> sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    return sort_multi([x], dimension)[0]


def argsort(x: Any, dimension: int = -1) -> Any:
    """The stable order (``int64`` indices) that sorts ``x`` along ``dimension``.

    >>> argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    aval = get_aval(x)
    dimension = canonical_axis(dimension, aval.ndim)
    return sort_multi([x, iota(aval.shape, dimension)], dimension)[1]


def sort_multi(operands: Sequence[Any], dimension: int = -1) -> list[Any]:
    """Sort ``operands[0]`` along ``dimension`` and reorder every other operand (of the same
    shape) the same way; returns one array per operand.

    >>> sort_multi([np.array([2, 0, 1]), np.array([20.0, 0.0, 10.0])])
    [array([0, 1, 2]), array([ 0., 10., 20.])]
    """
    dimension = canonical_axis(dimension, get_aval(operands[0]).ndim)
    return list(sort_p.bind(*operands, dimension=dimension))


def iota(shape: tuple[int, ...], dimension: int) -> Any:
    """The concrete ``int64`` array counting along ``dimension``, broadcast to ``shape``."""
    counts = np.arange(shape[dimension], dtype=np.int64)
    return np.broadcast_to(
        np.expand_dims(counts, tuple(i for i in range(len(shape)) if i != dimension)), shape
    )


def _sort_impl(*operands: Any, dimension: int) -> list[Any]:
    keys = np.asarray(operands[0])
    perm = np.argsort(keys, axis=dimension, kind="stable")
    return [np.take_along_axis(np.asarray(x), perm, axis=dimension) for x in operands]


def _sort_abstract_eval(*avals: ShapedArray, dimension: int) -> list[ShapedArray]:
    shapes = {a.shape for a in avals}
    if len(shapes) != 1:
        raise ShapeError(
            f"sort: all operands must have the same shape, got shapes {[a.shape for a in avals]}."
        )
    if not 0 <= dimension < avals[0].ndim:
        raise ShapeError(
            f"sort: dimension {dimension} is out of bounds for operands of shape {avals[0].shape}."
        )
    return list(avals)


def _sort_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, dimension: int
) -> tuple[list[Any], list[Any]]:
    outs = sort_multi(primals, dimension)
    t_outs: list[Any] = [Zero.like_primal(get_aval(o)) for o in outs]
    moving = [i for i, t in enumerate(tangents) if type(t) is not Zero]
    if not moving:
        return outs, t_outs
    # The outputs are a permutation of the inputs, fixed by the keys: linear in the tangents,
    # which are therefore reordered by sorting them along with the keys.
    permuted = sort_multi([primals[0], *(tangents[i] for i in moving)], dimension)[1:]
    for i, t in zip(moving, permuted, strict=True):
        t_outs[i] = tie_average(t, outs[0], dimension) if i == 0 else t
    return outs, t_outs


def _sort_transpose(cts: Sequence[Any], *operands: Any, dimension: int) -> list[Any]:
    keys = operands[0]
    if is_undefined_primal(keys):
        raise TypeError("sort is linear only in the operands it reorders, not in its keys.")
    linear = [
        i for i, x in enumerate(operands) if is_undefined_primal(x) and type(cts[i]) is not Zero
    ]
    outs: list[Any] = [None] * len(operands)
    if not linear:
        return outs
    perm = argsort(keys, dimension)
    # Sorting by the permutation itself applies its inverse.
    restored = sort_multi([perm, *(cts[i] for i in linear)], dimension)[1:]
    for i, ct in zip(linear, restored, strict=True):
        outs[i] = ct
    return outs


def _sort_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, dimension: int
) -> tuple[list[Any], list[int]]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    moved = [bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True)]
    outs = sort_multi(moved, dimension + 1)
    return outs, [0] * len(outs)


sort_p = Primitive("sort", multiple_results=True, linear=True)
sort_p.def_impl(_sort_impl)
sort_p.def_abstract_eval(_sort_abstract_eval)
sort_p.def_jvp(_sort_jvp)
sort_p.def_transpose(_sort_transpose)
sort_p.def_batch(_sort_batch)


# ---- tie_average --------------------------------------------------------------
def tie_average(t: Any, sorted_keys: Any, dimension: int) -> Any:
    """Replace each entry of ``t`` by the mean over its run of equal ``sorted_keys`` along
    ``dimension``: a symmetric linear map in ``t``.

    At tied keys a sort is not differentiable; the mean is the minimum-norm subgradient
    of each output, as ties in ``max`` split the gradient evenly.

    >>> tie_average(np.array([1.0, 3.0, 5.0]), np.array([0.0, 0.0, 1.0]), 0)
    array([2., 2., 5.])
    """
    if not isinstance(sorted_keys, Tracer) and not _has_ties(np.asarray(sorted_keys), dimension):
        return t
    return tie_average_p.bind(t, sorted_keys, dimension=dimension)


def _run_starts(keys: np.ndarray, dimension: int) -> np.ndarray:
    """Boolean mask (keys moved to the last axis): True where a run of equal keys starts."""
    k = np.moveaxis(keys, dimension, -1)
    starts = np.ones(k.shape, dtype=bool)
    starts[..., 1:] = k[..., 1:] != k[..., :-1]
    return starts


def _has_ties(keys: np.ndarray, dimension: int) -> bool:
    return keys.size > 0 and not _run_starts(keys, dimension).all()


def _tie_average_impl(t: Any, keys: Any, *, dimension: int) -> Any:
    t, keys = np.asarray(t), np.asarray(keys)
    if t.size == 0:
        return t
    flat_starts = np.flatnonzero(_run_starts(keys, dimension).ravel())
    moved = np.moveaxis(t, dimension, -1)
    flat = moved.ravel()
    counts = np.diff(np.append(flat_starts, flat.size))
    means = (np.add.reduceat(flat, flat_starts) / counts).astype(t.dtype)
    return np.moveaxis(np.repeat(means, counts).reshape(moved.shape), -1, dimension)


def _tie_average_abstract_eval(t: ShapedArray, keys: ShapedArray, *, dimension: int) -> ShapedArray:
    if t.shape != keys.shape or not 0 <= dimension < t.ndim:
        raise ShapeError(
            f"tie_average: values of shape {t.shape} and keys of shape "
            f"{keys.shape} must match, with dimension {dimension} in range."
        )
    if t.dtype.kind not in "fc":
        raise DTypeError(f"tie_average averages floating values, got {t.dtype.name}.")
    return t


def _tie_average_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, dimension: int
) -> tuple[Any, Any]:
    (t, keys), (t_dot, _) = primals, tangents
    out = tie_average(t, keys, dimension)
    if type(t_dot) is Zero:
        return out, Zero.like_primal(get_aval(out))
    # Piecewise constant in the keys: only the tangent of the values moves the output.
    return out, tie_average(t_dot, keys, dimension)


def _tie_average_transpose(ct: Any, t: Any, keys: Any, *, dimension: int) -> list[Any]:
    if is_undefined_primal(keys):
        raise TypeError("tie_average is linear in its values, not in its keys.")
    if type(ct) is Zero:
        return [None, None]
    return [tie_average(ct, keys, dimension), None]


def _tie_average_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, dimension: int
) -> tuple[Any, int]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    t, keys = (bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True))
    return tie_average(t, keys, dimension + 1), 0


tie_average_p = Primitive("tie_average", linear=True)
tie_average_p.def_impl(_tie_average_impl)
tie_average_p.def_abstract_eval(_tie_average_abstract_eval)
tie_average_p.def_jvp(_tie_average_jvp)
tie_average_p.def_transpose(_tie_average_transpose)
tie_average_p.def_batch(_tie_average_batch)

__all__ = ["argsort", "iota", "sort", "sort_multi", "sort_p", "tie_average", "tie_average_p"]
