"""Parsing of NumPy index expressions for ``tracegrad.numpy``, and applying them with static
slices, reversals, reshapes and ``gather``.

An index expression is parsed into one entry per dimension of the array with its new axes
(``None``) inserted: a normalized ``slice``, a Python ``int``, or an integer index array
(concrete NumPy or traced). Boolean masks become integer arrays through ``numpy.nonzero``,
so they must be concrete.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ConcretizationTypeError, Tracer, get_aval
from tracegrad.numpy.frontend import contains_tracer, stack_nested
from tracegrad.ops import elementwise as ew
from tracegrad.ops.indexing import gather
from tracegrad.ops.shapes import rev
from tracegrad.ops.structural import convert_element_type, reshape, transpose
from tracegrad.ops.structural import slice as static_slice

Shape = tuple[int, ...]
Entry = Any  # slice | int | np.ndarray | Tracer, one per dimension of the expanded array

_VALID_INDICES = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
    "integer or boolean arrays are valid indices"
)


class NonConcreteBooleanIndexError(IndexError, ConcretizationTypeError):
    """A boolean mask that is a traced value: the result's shape would depend on data."""


# ---- parsing ------------------------------------------------------------------
def _boolean_index_error(aval: Any) -> NonConcreteBooleanIndexError:
    return NonConcreteBooleanIndexError(
        f"Array boolean indices must be concrete; got a traced boolean mask {aval} of shape "
        f"{aval.shape}. The result of x[mask] has as many elements as the mask has True "
        "values, which is unknown while the mask is traced. Use tracegrad.numpy.where(mask, "
        "x, 0) to keep the shape, or compute the mask outside the transformed function."
    )


def _classify(item: Any) -> tuple[str, Any]:
    """One item of an index tuple as (kind, value); kinds: none, ellipsis, slice, int, bool,
    mask (a concrete boolean array) and array (an integer array, concrete or traced)."""
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, slice):
        if any(isinstance(f, Tracer) for f in (item.start, item.stop, item.step)):
            raise IndexError(
                "Array slice indices must have static start/stop/step to be used with NumPy "
                f"indexing syntax. Found {item!r}. To index at a traced position, use an index "
                "array instead, e.g. x[i + tracegrad.numpy.arange(size)] for x[i:i + size]."
            )
        return "slice", item
    if isinstance(item, Tracer):
        aval = item.aval
        if aval.dtype == np.bool_:
            raise _boolean_index_error(aval)
        if aval.dtype.kind not in "iu":
            raise IndexError(f"{_VALID_INDICES}; got a traced array of dtype {aval.dtype.name}.")
        return "array", item
    if isinstance(item, bool | np.bool_):
        return "bool", bool(item)
    if isinstance(item, int | np.integer):
        return "int", int(item)
    if isinstance(item, list | tuple):
        if contains_tracer(item):
            return _classify(stack_nested(item))
        arr = np.asarray(item)
        return _classify(arr.astype(np.intp) if arr.size == 0 and arr.dtype.kind == "f" else arr)
    if isinstance(item, np.ndarray):
        if item.dtype == np.bool_:
            return ("bool", bool(item)) if item.ndim == 0 else ("mask", item)
        if item.dtype.kind in "iu":
            return "array", item
        raise IndexError(f"{_VALID_INDICES}; got an array of dtype {item.dtype.name}.")
    if hasattr(type(item), "__index__"):
        return "int", operator.index(item)
    raise IndexError(f"{_VALID_INDICES}; got {item!r} of type {type(item).__name__}.")


def _expand_ellipsis(kinds: list[tuple[str, Any]], ndim: int) -> list[tuple[str, Any]]:
    used = sum(
        v.ndim if k == "mask" else 1 for k, v in kinds if k in ("slice", "int", "array", "mask")
    )
    if used > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        )
    ellipses = [i for i, (k, _) in enumerate(kinds) if k == "ellipsis"]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    fill = [("slice", slice(None))] * (ndim - used)
    if not ellipses:
        return kinds + fill
    at = ellipses[0]
    return kinds[:at] + fill + kinds[at + 1 :]


def check_bounds(a: np.ndarray, n: int, axis: int) -> None:
    """NumPy's IndexError for the first index of ``a`` outside ``[-n, n)``.

    >>> check_bounds(np.array([0, -3, 3]), 3, axis=1)
    Traceback (most recent call last):
    IndexError: index 3 is out of bounds for axis 1 with size 3
    """
    bad = (a < -n) | (a >= n)
    if np.any(bad):
        raise IndexError(f"index {a[bad].flat[0]} is out of bounds for axis {axis} with size {n}")


def wrap_negative(a: Any, n: int) -> Any:
    """Negative indices count from the end (``i + n``), for concrete and traced arrays.

    >>> wrap_negative(np.array([-1, 0, 2]), 3)
    array([2, 0, 2])
    """
    if not isinstance(a, Tracer):
        a = np.asarray(a, np.intp)
        return np.where(a < 0, a + n, a)
    dtype = a.aval.dtype
    if dtype.kind == "u":
        return a
    if np.iinfo(dtype).max < n:
        a = convert_element_type(a, np.intp)
        dtype = np.dtype(np.intp)
    return ew.select_n(ew.lt(a, np.zeros((), dtype)), a, ew.add(a, np.asarray(n, dtype)))


def parse_index(
    index: Any, shape: Shape, *, strict: bool = True, wrap: bool = True
) -> tuple[Shape, list[Entry]]:
    """``(expanded_shape, entries)``: the shape with new axes inserted, and one entry per
    expanded dimension: a normalized slice, an int, or an integer index array.

    ``strict`` (NumPy indexing): concrete out-of-bounds indices raise IndexError and ints stay
    ints. Otherwise (``.at[]``, whose modes handle bounds) ints become 0-d index arrays.
    ``wrap``: negative indices count from the end.

    >>> parse_index((None, -1, slice(None, None, -1)), (2, 3))
    ((1, 2, 3), [slice(0, 1, 1), 1, slice(2, -1, -1)])
    """
    items = index if isinstance(index, tuple) else (index,)
    kinds = _expand_ellipsis([_classify(item) for item in items], len(shape))
    expanded: list[int] = []
    entries: list[Entry] = []
    axis = 0
    for kind, value in kinds:
        if kind == "none":
            expanded.append(1)
            entries.append(slice(0, 1, 1))
            continue
        if kind == "bool":  # a 0-d mask: a new axis of length 1 (True) or 0 (False)
            expanded.append(1)
            entries.append(np.zeros(int(value), np.intp))
            continue
        if kind == "mask":
            want = shape[axis : axis + value.ndim]
            for j, (m, n) in enumerate(zip(value.shape, want, strict=True)):
                if m != n:
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis + j}; size "
                        f"of axis is {n} but size of corresponding boolean axis is {m}"
                    )
            expanded.extend(want)
            entries.extend(np.nonzero(value))
            axis += value.ndim
            continue
        n = shape[axis]
        expanded.append(n)
        if kind == "slice":
            entries.append(slice(*value.indices(n)))
        elif kind == "int":
            if strict:
                check_bounds(np.asarray(value), n, axis)
                entries.append(value + n if value < 0 and wrap else value)
            else:
                entries.append(wrap_negative(value, n) if wrap else np.asarray(value, np.intp))
        else:
            if strict and not isinstance(value, Tracer):
                check_bounds(value, n, axis)
            entries.append(wrap_negative(value, n) if wrap else value)
        axis += 1
    return tuple(expanded), entries


def index_shape(arrays: Sequence[Any]) -> Shape:
    """The broadcast shape of index arrays; NumPy's IndexError when they do not broadcast.

    >>> index_shape([np.zeros((2, 1), int), np.zeros(3, int)])
    (2, 3)
    """
    shapes = [get_aval(a).shape if isinstance(a, Tracer) else np.shape(a) for a in arrays]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " ".join(str(s).replace(" ", "") for s in shapes)
        raise IndexError(
            f"shape mismatch: indexing arrays could not be broadcast together with shapes {listed}"
        ) from None


def is_array_entry(e: Entry) -> bool:
    """True for the index-array entries of a parsed index (not slices or ints).

    >>> [is_array_entry(e) for e in (slice(0, 1, 1), 2, np.array([0]))]
    [False, False, True]
    """
    return not isinstance(e, slice | int)


# ---- applying a parsed index --------------------------------------------------
def _positive_slice(s: slice) -> tuple[int, int, int, bool]:
    """(start, limit, stride > 0, reversed) selecting the elements of normalized ``s``."""
    r = range(s.start, s.stop, s.step)
    if len(r) == 0:
        return 0, 0, 1, False
    if s.step > 0:
        return r[0], r[-1] + 1, s.step, False
    return r[-1], r[0] + 1, -s.step, len(r) > 1


def gather_on_axes(y: Any, positions: Sequence[int], arrays: Sequence[Any], mode: str) -> Any:
    """``y`` indexed by ``arrays`` on ``positions`` (a full slice elsewhere), with NumPy's
    placement of the index dimensions: in place if the positions are adjacent, else first.

    >>> gather_on_axes(np.zeros((2, 3, 4)), [1], [np.array([[0, 2]])], "clip").shape
    (2, 1, 2, 4)
    """
    ndim = get_aval(y).ndim
    nb = len(index_shape(arrays))
    others = [j for j in range(ndim) if j not in positions]
    out = gather(transpose(y, [*positions, *others]), *arrays, mode=mode)
    first = positions[0]
    if list(positions) == list(range(first, first + len(positions))) and first > 0:
        rest = ndim - len(positions)
        out = transpose(out, [*range(nb, nb + first), *range(nb), *range(nb + first, nb + rest)])
    return out


def apply_index(x: Any, expanded: Shape, entries: Sequence[Entry], mode: str) -> Any:
    """``x`` indexed by a parsed index: one static slice, one reversal, then either a reshape
    (basic indexing) or a gather (advanced indexing).

    >>> apply_index(np.arange(6).reshape(2, 3), *parse_index((1, slice(None, None, -1)), (2, 3)),
    ...             mode="clip")
    array([5, 4, 3])
    """
    y = reshape(x, expanded)
    advanced = any(is_array_entry(e) for e in entries)
    starts, limits, strides, flips = [], [], [], []
    for j, (n, e) in enumerate(zip(expanded, entries, strict=True)):
        if isinstance(e, slice):
            lo, hi, st, flip = _positive_slice(e)
            if flip:
                flips.append(j)
        elif isinstance(e, int) and not advanced:
            lo, hi, st = e, e + 1, 1
        else:
            lo, hi, st = 0, n, 1
        starts.append(lo)
        limits.append(hi)
        strides.append(st)
    y = rev(static_slice(y, starts, limits, strides), flips)
    if not advanced:
        sizes = get_aval(y).shape
        return reshape(
            y, tuple(s for s, e in zip(sizes, entries, strict=True) if not isinstance(e, int))
        )
    # With any index array present, NumPy treats integers as (0-d) index arrays too.
    positions = [j for j, e in enumerate(entries) if not isinstance(e, slice)]
    arrays = [
        np.asarray(e, np.intp) if isinstance(e, int) else e
        for e in entries
        if not isinstance(e, slice)
    ]
    return gather_on_axes(y, positions, arrays, mode)
