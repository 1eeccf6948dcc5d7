"""The array-API implementations of the indexing primitives the standard has no function for:
``gather`` (a ``take`` along the flattened indexed dimensions), the scatter family (composed
from a one-hot comparison of the update positions with the operand's positions: for
``scatter_add`` chunk by chunk of updates, of any size; for the others within
``ONE_HOT_LIMIT``), and ``dynamic_update_slice`` (concatenations around the block). See
``ops/array_api.py``; the canonical form of the indexing primitives is in ``ops/indexing.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tracegrad.backend.namespace import NamespaceRule, namespace_name, numpy_dtype
from tracegrad.core import Primitive
from tracegrad.ops import dynamic_slicing as ds
from tracegrad.ops import indexing, sorting

ONE_HOT_LIMIT = 2**24
"""The most elements a scatter's one-hot form may hold (updates x operand positions x the
elements each position holds): past it, an error says to run the program on NumPy. A
``scatter_add`` is never refused: it runs chunk by chunk of updates, each chunk's mask
within this many elements."""


def flat_positions(
    xp: Any, indices: Sequence[Any], sizes: Sequence[int], mode: str
) -> tuple[Any, Any | None, tuple[int, ...]]:
    """The index arrays as one 1-D array of positions in the flattened leading dimensions
    (``sizes``), after ``mode`` (see ``indexing.normalize_indices``); a validity mask for the
    positions that ``"fill"``/``"drop"`` skip (None if every position is kept); and the
    broadcast shape of the index arrays.

    >>> import numpy as np
    >>> flat_positions(np, [np.array([0, 2]), np.array([1, 5])], (3, 4), "drop")
    (array([1, 8]), array([ True, False]), (2,))
    """
    arrays = xp.broadcast_arrays(*indices) if len(indices) > 1 else list(indices)
    shape = tuple(arrays[0].shape)
    flat = xp.zeros(shape, dtype=xp.int64)
    valid = None
    for j, (i, n) in enumerate(zip(arrays, sizes, strict=True)):
        i = xp.astype(i, xp.int64)
        if mode == "clip" and n > 0:
            i = xp.minimum(xp.maximum(i, xp.zeros_like(i)), xp.full_like(i, n - 1))
        elif mode == "wrap" and n > 0:
            i = xp.remainder(i, xp.full_like(i, n))
        elif mode in ("fill", "drop") or n == 0:
            ok = (i >= 0) & (i < n)
            valid = ok if valid is None else valid & ok
            i = xp.where(ok, i, xp.zeros_like(i))
        flat = flat + i * math.prod(sizes[j + 1 :])
    m = math.prod(shape)
    return xp.reshape(flat, (m,)), None if valid is None else xp.reshape(valid, (m,)), shape


def _gather(xp: Any, x: Any, *indices: Any, mode: str, **_: Any) -> Any:
    k = len(indices)
    if not k:
        return x
    lead, rest = tuple(x.shape[:k]), tuple(x.shape[k:])
    flat, valid, shape = flat_positions(xp, indices, lead, mode)
    if math.prod(lead) == 0:  # nothing to read: every index is out of bounds
        return xp.zeros((*shape, *rest), dtype=x.dtype)
    rows = xp.take(xp.reshape(x, (math.prod(lead), *rest)), flat, axis=0)
    if valid is not None:
        keep = xp.reshape(valid, (valid.shape[0],) + (1,) * len(rest))
        rows = xp.where(keep, rows, xp.zeros((), dtype=x.dtype))
    return xp.reshape(rows, (*shape, *rest))


def check_one_hot(xp: Any, name: str, size: int, what: str, shape: Sequence[int]) -> None:
    """The error for a one-hot form of ``size`` elements past ``ONE_HOT_LIMIT``.

    >>> import numpy as np
    >>> check_one_hot(np, "scatter", 10, "3 updates with 3 positions", (3,))  # within it
    """
    if size > ONE_HOT_LIMIT:
        raise NotImplementedError(
            f"The primitive {name!r} runs on the array namespace {namespace_name(xp)!r} as a "
            f"one-hot comparison of {what} of shape {tuple(shape)}: {size} elements, more "
            f"than its limit of {ONE_HOT_LIMIT} (tracegrad.ops.array_api_indexing."
            f"ONE_HOT_LIMIT). Run this program on NumPy arrays, or index fewer positions at "
            f"a time."
        )


def _tie_average(xp: Any, t: Any, keys: Any, *, dimension: int) -> Any:
    # Each entry's mean over its run of equal sorted keys: the keys are sorted, so equal
    # keys are one run (and a nan, equal to nothing, is a run of its own).
    n = t.shape[dimension]
    order = (*(d for d in range(t.ndim) if d != dimension), dimension)
    tm, km = xp.permute_dims(t, order), xp.permute_dims(keys, order)
    what = f"the {n} sorted keys of each row with each other"
    check_one_hot(xp, "tie_average", math.prod(tm.shape) * n, what, t.shape)
    eye = xp.reshape(xp.arange(n), (n, 1)) == xp.reshape(xp.arange(n), (1, n))
    same = (xp.expand_dims(km, axis=-1) == xp.expand_dims(km, axis=-2)) | eye
    zero = xp.zeros((), dtype=t.dtype)
    total = xp.sum(xp.where(same, xp.expand_dims(tm, axis=-2), zero), axis=-1, dtype=t.dtype)
    # As NumPy's: the sum in the dtype of t divided by the integer counts in double width.
    wide = xp.complex128 if numpy_dtype(xp, t.dtype).kind == "c" else xp.float64
    count = xp.astype(xp.sum(xp.astype(same, xp.int64), axis=-1), xp.float64)
    mean = xp.astype(xp.astype(total, wide) / count, t.dtype)
    return xp.permute_dims(mean, tuple(sorted(range(t.ndim), key=order.__getitem__)))


def _one_hot(
    xp: Any, name: str, operand: Any, updates: Any, indices: Sequence[Any], mode: str
) -> tuple[Any, Any, Any] | None:
    """The operand as (positions, *rest), the updates as (updates, *rest) and their one-hot
    (updates, positions) mask; None when there is no update to apply."""
    k = len(indices)
    lead, rest = tuple(operand.shape[:k]), tuple(operand.shape[k:])
    flat, valid, _ = flat_positions(xp, indices, lead, mode)
    m, n = flat.shape[0], math.prod(lead)
    if m == 0 or n == 0:
        return None
    what = f"its {m} update positions with the {n} positions of the operand"
    check_one_hot(xp, name, m * n * math.prod(rest), what, operand.shape)
    hot = xp.reshape(flat, (m, 1)) == xp.reshape(xp.arange(n, dtype=flat.dtype), (1, n))
    if valid is not None:
        hot = hot & xp.reshape(valid, (m, 1))
    return xp.reshape(operand, (n, *rest)), xp.reshape(updates, (m, *rest)), hot


def _combined(kind: str) -> NamespaceRule:
    """A scatter that combines the updates of each position (mul, min, max): the
    updates spread over (updates, positions, *rest) by the one-hot mask, then reduced."""

    def rule(xp: Any, operand: Any, updates: Any, *indices: Any, mode: str, **_: Any) -> Any:
        parts = _one_hot(xp, f"scatter_{kind}", operand, updates, indices, mode)
        if parts is None:
            return operand
        x, u, hot = parts
        spread = _spread(xp, kind, hot, u)
        if kind == "mul":
            out = x * xp.prod(spread, axis=0, dtype=x.dtype)
        elif kind == "min":
            out = xp.minimum(x, xp.min(spread, axis=0))
        else:
            out = xp.maximum(x, xp.max(spread, axis=0))
        return xp.reshape(out, tuple(operand.shape))

    return rule


def _spread(xp: Any, kind: str, hot: Any, u: Any) -> Any:
    """The updates ``u`` (updates, *rest) at their positions of the one-hot mask ``hot``
    (updates, positions): (updates, positions, *rest), the neutral value of ``kind``
    elsewhere."""
    hot = xp.reshape(hot, (*hot.shape, *(1,) * (u.ndim - 1)))
    fill = xp.asarray(neutral(xp, kind, u.dtype), dtype=u.dtype)
    return xp.where(hot, xp.expand_dims(u, axis=1), fill)


def _scatter_add(xp: Any, operand: Any, updates: Any, *indices: Any, mode: str, **_: Any) -> Any:
    # Chunk by chunk of updates (on Dask: within each block of the index array), each
    # chunk's one-hot mask within ONE_HOT_LIMIT elements; the chunks' sums added as a tree.
    k = len(indices)
    lead = tuple(operand.shape[:k])
    flat, valid = flat_positions(xp, indices, lead, mode)[:2]
    m, n, r = flat.shape[0], math.prod(lead), math.prod(operand.shape[k:])
    if m == 0 or n == 0:
        return operand
    if operand.dtype == xp.bool:  # adding booleans is or: count the true updates
        count = xp.astype(updates, xp.int64)
        zeros = xp.zeros(tuple(operand.shape), dtype=xp.int64)
        return operand | (_scatter_add(xp, zeros, count, *indices, mode=mode) > 0)
    if valid is not None:  # a skipped update's position is none of the operand's
        flat = xp.where(valid, flat, xp.full_like(flat, -1))
    u = xp.reshape(updates, (m, r))
    kind = numpy_dtype(xp, operand.dtype).kind
    step = max(1, ONE_HOT_LIMIT // max(1, n * r if kind == "c" else n))
    parts = (_added(xp, flat[a:b], take_range(u, 0, a, b), n, kind) for a, b in pieces(flat, step))
    total = tree_sum(parts)
    return xp.reshape(xp.reshape(operand, (n, r)) + total, tuple(operand.shape))


def _added(xp: Any, flat: Any, u: Any, n: int, kind: str) -> Any:
    """The sums (n, r) of the updates ``u`` (c, r) at each of ``n`` positions, the position
    of each update in ``flat`` (c,) (-1: none). Integers and floats by one ``matmul`` of the
    (n, c) one-hot mask; complex numbers by ``where`` and ``sum``."""
    positions = xp.arange(n, dtype=flat.dtype)
    if kind == "c":
        hot = xp.reshape(flat, (-1, 1)) == xp.reshape(positions, (1, n))
        return xp.sum(_spread(xp, "add", hot, u), axis=0, dtype=u.dtype)
    hot = xp.astype(xp.reshape(positions, (n, 1)) == xp.reshape(flat, (1, -1)), u.dtype)
    if kind != "f":
        return xp.matmul(hot, u)
    # 0 * inf is nan: the finite updates are summed by the product; the infinities are
    # counted by sign (a nan counts as both signs), and a position with both is nan.
    r, zero, nan = u.shape[1], xp.zeros((), dtype=u.dtype), xp.isnan(u)
    signs = [xp.astype((u == s) | nan, u.dtype) for s in (math.inf, -math.inf)]
    both = xp.matmul(hot, xp.concat([xp.where(xp.isfinite(u), u, zero), *signs], axis=1))
    up, down = both[:, r : 2 * r] > 0, both[:, 2 * r :] > 0
    inf = xp.asarray(math.inf, dtype=u.dtype)
    total = xp.where(up, inf, xp.where(down, -inf, both[:, :r]))
    return xp.where(up & down, xp.asarray(math.nan, dtype=u.dtype), total)


def pieces(flat: Any, step: int) -> Iterator[tuple[int, int]]:
    """The (start, stop) of consecutive pieces of the 1-D ``flat`` of at most ``step``
    elements, within its chunks where it has them (Dask's ``.chunks``: each piece reads one
    block).

    >>> import numpy as np
    >>> list(pieces(np.arange(5), 2))
    [(0, 2), (2, 4), (4, 5)]
    """
    start = 0
    for size in getattr(flat, "chunks", (flat.shape,))[0]:
        for a in range(start, start + size, step):
            yield a, min(a + step, start + size)
        start += size


def tree_sum(parts: Iterable[Any]) -> Any:
    """The sum of the (non-empty) ``parts``, added pairwise as a balanced tree (a graph of
    logarithmic depth on Dask), holding one partial sum per level of the tree at most.

    >>> tree_sum(iter([1, 2, 3, 4, 5]))
    15
    """
    stack: list[tuple[int, Any]] = []
    for part in parts:
        level = 0
        while stack and stack[-1][0] == level:
            part = stack.pop()[1] + part
            level += 1
        stack.append((level, part))
    total = stack.pop()[1]
    while stack:
        total = stack.pop()[1] + total
    return total


def neutral(xp: Any, kind: str, dtype: Any) -> Any:
    """The value that combining with (``kind``: add, mul, min, max) leaves unchanged.

    >>> import numpy as np
    >>> neutral(np, "min", np.dtype("int8")), neutral(np, "max", np.dtype("float64"))
    (127, -inf)
    """
    if kind in ("add", "mul"):
        return 0 if kind == "add" else 1
    kind_char = numpy_dtype(xp, dtype).kind
    if kind_char == "b":
        return kind == "min"
    if kind_char in "iu":
        info = xp.iinfo(dtype)
        return info.max if kind == "min" else info.min
    return math.inf if kind == "min" else -math.inf


def _scatter(xp: Any, operand: Any, updates: Any, *indices: Any, mode: str, **_: Any) -> Any:
    # The last update of each position (in C order) wins, as NumPy's x[idx] = u.
    parts = _one_hot(xp, "scatter", operand, updates, indices, mode)
    if parts is None:
        return operand
    x, u, hot = parts
    order = xp.reshape(xp.arange(hot.shape[0], dtype=xp.int64), (hot.shape[0], 1))
    last = xp.max(xp.where(hot, order, xp.full_like(order, -1)), axis=0)
    values = xp.take(u, xp.maximum(last, xp.zeros_like(last)), axis=0)
    hit = xp.reshape(last >= 0, (last.shape[0],) + (1,) * (x.ndim - 1))
    return xp.reshape(xp.where(hit, values, x), tuple(operand.shape))


def _dynamic_update_slice(xp: Any, x: Any, update: Any, *starts: Any) -> Any:
    # The start indices are read (computed, on Dask), as for dynamic_slice; clamped.
    clamped = [min(max(int(s), 0), n - size) for s, size, n in zip(starts, update.shape, x.shape)]
    return _replace_block(xp, x, update, clamped, 0)


def _replace_block(xp: Any, x: Any, update: Any, starts: Sequence[int], axis: int) -> Any:
    """``x`` with the block at ``starts`` of ``update``'s shape replaced by ``update``, axis
    by axis: the part before the block, the block (recursively), the part after it."""
    if axis == x.ndim:
        return update
    start, stop, n = starts[axis], starts[axis] + update.shape[axis], x.shape[axis]
    if stop - start == n:
        return _replace_block(xp, x, update, starts, axis + 1)
    middle = _replace_block(xp, take_range(x, axis, start, stop), update, starts, axis + 1)
    before, after = take_range(x, axis, 0, start), take_range(x, axis, stop, n)
    parts = [p for p in (before, middle, after) if p.shape[axis]]
    return xp.concat(parts, axis=axis) if len(parts) > 1 else parts[0]


def take_along_axis(xp: Any, x: Any, indices: Any, axis: int) -> Any:
    """The standard's ``take_along_axis`` (2024.12) where the namespace has it; else one
    ``take`` from the flattened ``x`` (Dask's namespace has none).

    >>> import numpy as np
    >>> take_along_axis(np, np.array([[5, 6], [7, 8]]), np.array([[1, 0], [1, 1]]), 1)
    array([[6, 5],
           [8, 8]])
    """
    native = getattr(xp, "take_along_axis", None)
    if native is not None:
        return native(x, indices, axis=axis)
    order = (*(d for d in range(x.ndim) if d != axis), axis)
    moved, idx = xp.permute_dims(x, order), xp.permute_dims(indices, order)
    n, rows = moved.shape[-1], math.prod(moved.shape[:-1])
    starts = xp.reshape(xp.arange(rows, dtype=xp.int64) * n, (*moved.shape[:-1], 1))
    flat = xp.reshape(starts + xp.astype(idx, xp.int64), (-1,))
    out = xp.reshape(xp.take(xp.reshape(moved, (-1,)), flat), tuple(idx.shape))
    back = tuple(sorted(range(x.ndim), key=order.__getitem__))
    return xp.permute_dims(out, back)


def take_range(x: Any, axis: int, start: int, stop: int) -> Any:
    """``x[start:stop]`` along ``axis``.

    >>> import numpy as np
    >>> take_range(np.arange(6).reshape(2, 3), 1, 1, 3)
    array([[1, 2],
           [4, 5]])
    """
    return x[(slice(None),) * axis + (slice(start, stop), Ellipsis)]


INDEXING_RULES: dict[Primitive, NamespaceRule] = {
    indexing.gather_p: _gather,
    indexing.scatter_p: _scatter,
    indexing.scatter_add_p: _scatter_add,
    indexing.scatter_mul_p: _combined("mul"),
    indexing.scatter_min_p: _combined("min"),
    indexing.scatter_max_p: _combined("max"),
    ds.dynamic_update_slice_p: _dynamic_update_slice,
    sorting.tie_average_p: _tie_average,
}
