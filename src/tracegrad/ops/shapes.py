"""Shape primitives beyond the structural core (``rev``), and composites that gather along one
axis with a static index map, built from slices, ``rev``, broadcasts and one concatenate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, ShapeError, get_aval
from tracegrad.ops.rules import deflinear
from tracegrad.ops.structural import (
    broadcast_in_dim,
    canonical_axis,
    concatenate,
    shift_axes_for_batch,
    slice_in_dim,
)

Shape = tuple[int, ...]


# ---- rev --------------------------------------------------------------------
def rev(x: Any, dimensions: Sequence[int]) -> Any:
    """Reverse ``x`` along ``dimensions`` (non-negative), as ``numpy.flip``.

    >>> rev(np.arange(3), (0,))
    array([2, 1, 0])
    """
    dims = tuple(sorted(int(d) for d in dimensions))
    if not dims:
        return x
    return rev_p.bind(x, dimensions=dims)


def _rev_abstract_eval(x: ShapedArray, *, dimensions: Shape) -> ShapedArray:
    if len(set(dimensions)) != len(dimensions) or any(not 0 <= d < x.ndim for d in dimensions):
        raise ShapeError(
            f"rev: dimensions={dimensions} must be distinct axes of an array of shape {x.shape}."
        )
    return x


def _rev_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, dimensions: Shape
) -> tuple[Any, int | None]:
    (x,), (d,) = args, dims
    if d is None:
        return rev(x, dimensions), None
    return rev(x, shift_axes_for_batch(dimensions, d)), d


rev_p = Primitive("rev")
rev_p.def_impl(lambda x, *, dimensions: np.flip(x, dimensions))
rev_p.def_abstract_eval(_rev_abstract_eval)
deflinear(rev_p, lambda ct, x, *, dimensions: [rev(ct, dimensions)])
rev_p.def_batch(_rev_batch)


# ---- gathers with a static index map ------------------------------------------
def _runs(indices: Sequence[int]) -> list[tuple[int, int, int]]:
    """Split an index map into maximal runs ``(first, step, length)`` with step 1, -1 or 0."""
    runs: list[tuple[int, int, int]] = []
    i, n = 0, len(indices)
    while i < n:
        step = indices[i + 1] - indices[i] if i + 1 < n else 1
        if step not in (-1, 0, 1):
            step = 1
        j = i + 1
        while j < n and indices[j] - indices[j - 1] == step:
            j += 1
        runs.append((indices[i], step, j - i))
        i = j
    return runs


def take_static(x: Any, indices: Sequence[int], axis: int) -> Any:
    """``numpy.take(x, indices, axis)`` for a concrete, in-bounds, non-negative index map.

    Staged as one slice (and a ``rev`` or a broadcast) per run of consecutive, reversed
    or repeated indices, joined by one concatenate: linear, so differentiable to any order.

    >>> take_static(np.arange(4), [2, 3, 3, 3, 1, 0], 0)
    array([2, 3, 3, 3, 1, 0])
    """
    shape = get_aval(x).shape
    axis = canonical_axis(axis, len(shape))
    idx = [int(i) for i in indices]
    if any(not 0 <= i < shape[axis] for i in idx):
        raise IndexError(
            f"take_static: indices {idx} out of bounds for axis {axis} with size {shape[axis]}."
        )
    if idx == list(range(shape[axis])):
        return x
    if not idx:
        return slice_in_dim(x, 0, 0, axis)
    pieces = []
    for first, step, length in _runs(idx):
        if step == 1:
            pieces.append(slice_in_dim(x, first, first + length, axis))
        elif step == -1:
            pieces.append(rev(slice_in_dim(x, first - length + 1, first + 1, axis), (axis,)))
        else:
            one = slice_in_dim(x, first, first + 1, axis)
            target = (*shape[:axis], length, *shape[axis + 1 :])
            pieces.append(broadcast_in_dim(one, target, tuple(range(len(shape)))))
    return concatenate(pieces, axis)
