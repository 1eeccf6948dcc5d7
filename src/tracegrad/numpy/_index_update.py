"""JAX's functional index updates ``x.at[idx].set/add/multiply/min/max/get(...)``, on tracers
(the ``at`` property) and, through ``tracegrad.numpy.at(x)``, on NumPy arrays too.

Every update returns a new array and never mutates ``x``. The index expression is turned
into one integer index array per dimension (slices become ``arange``s laid out as NumPy lays
out the result of ``x[idx]``), so a single scatter primitive does the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, Tracer, get_aval, is_eager
from tracegrad.numpy._index_parse import (
    apply_index,
    index_shape,
    is_array_entry,
    parse_index,
)
from tracegrad.numpy._ufuncs import divide
from tracegrad.numpy.frontend import asarray_or_tracer, cast
from tracegrad.ops import elementwise as ew
from tracegrad.ops import indexing as ix
from tracegrad.ops.structural import broadcast_to, reshape

Shape = tuple[int, ...]

# mode -> (gather mode of get(), scatter mode of the updates); None is JAX's
# "promise_in_bounds": reads clamp, out-of-bounds updates are dropped.
_MODES = {
    None: ("clip", "drop"),
    "promise_in_bounds": ("clip", "drop"),
    "clip": ("clip", "clip"),
    "drop": ("fill", "drop"),
    "fill": ("fill", "drop"),
}


def _modes(mode: str | None) -> tuple[str, str]:
    if mode not in _MODES:
        raise ValueError(
            f"at[]: mode must be one of {sorted(m for m in _MODES if m)} or None, got {mode!r}."
        )
    return _MODES[mode]


def _scatter_plan(shape: Shape, index: Any, wrap: bool) -> tuple[Shape, list[Any], Shape]:
    """``(expanded_shape, arrays, result_shape)``: one index array per dimension of the
    expanded array, broadcasting together to the shape of ``x[index]`` (``result_shape``)."""
    expanded, entries = parse_index(index, shape, strict=False, wrap=wrap)
    positions = [j for j, e in enumerate(entries) if is_array_entry(e)]
    batch = index_shape([e for e in entries if is_array_entry(e)])
    lengths = {
        j: len(range(e.start, e.stop, e.step))
        for j, e in enumerate(entries)
        if not is_array_entry(e)
    }
    first = positions[0] if positions else 0
    adjacent = positions == list(range(first, first + len(positions)))
    before = [j for j in lengths if j < first] if adjacent else []
    after = [j for j in lengths if j not in before]
    out_shape = (*(lengths[j] for j in before), *batch, *(lengths[j] for j in after))
    rank, b0 = len(out_shape), len(before)
    place = {j: q for q, j in enumerate(before)}
    place.update({j: b0 + len(batch) + q for q, j in enumerate(after)})
    arrays: list[Any] = []
    for j, e in enumerate(entries):
        if not is_array_entry(e):
            q = place[j]
            arrays.append(
                np.arange(e.start, e.stop, e.step).reshape(
                    (1,) * q + (lengths[j],) + (1,) * (rank - q - 1)
                )
            )
            continue
        e_shape = get_aval(e).shape if isinstance(e, Tracer) else np.shape(e)
        new_shape = (
            (1,) * (b0 + len(batch) - len(e_shape))
            + tuple(e_shape)
            + (1,) * (rank - b0 - len(batch))
        )
        arrays.append(reshape(e, new_shape) if isinstance(e, Tracer) else np.reshape(e, new_shape))
    return expanded, arrays, out_shape


def _fit_values(values: Any, dtype: np.dtype[Any], out_shape: Shape) -> Any:
    """``values`` cast to ``dtype`` and broadcast to the indexed shape, as NumPy assigns."""
    values = cast(asarray_or_tracer(values), dtype)
    v_shape = get_aval(values).shape
    while len(v_shape) > len(out_shape) and v_shape[0] == 1:  # NumPy drops leading 1s
        v_shape = v_shape[1:]
    try:
        np.broadcast_shapes(v_shape, out_shape)
        ok = len(v_shape) <= len(out_shape)
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(
            f"shape mismatch: value array of shape {get_aval(values).shape} could "
            f"not be broadcast to indexing result of shape {out_shape}"
        )
    return broadcast_to(reshape(values, v_shape), out_shape)


def _duplicate_layers(
    arrays: Sequence[np.ndarray], sizes: Shape, out_shape: Shape, mode: str
) -> list[tuple[np.ndarray, list[np.ndarray]]] | None:
    """For concrete indices with repeated positions: layers of (flat update numbers, index
    arrays) in which no position repeats, the i-th layer holding each position's i-th
    update in C order; None when no position repeats."""
    idx, valid = ix.normalize_indices(arrays, sizes, mode)
    if idx:
        flat = np.ravel_multi_index([np.broadcast_to(i, out_shape).ravel() for i in idx], sizes)
    else:  # a 0-d array: one position
        flat = np.zeros(int(np.prod(out_shape, dtype=np.int64)), np.intp)
    keep = np.ones(flat.shape, bool) if valid is None else np.broadcast_to(valid, out_shape).ravel()
    if not keep.any():
        return None
    numbers = np.nonzero(keep)[0]
    flat = flat[numbers]
    if len(np.unique(flat)) == len(flat):
        return None
    order = np.argsort(flat, kind="stable")
    ranks = np.empty_like(order)
    sorted_flat = flat[order]
    starts = np.r_[0, np.nonzero(np.diff(sorted_flat))[0] + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(flat)]))
    ranks[order] = np.arange(len(flat)) - group_start
    layers = []
    for r in range(int(ranks.max()) + 1):
        chosen = numbers[ranks == r]
        layers.append((chosen, list(np.unravel_index(flat[ranks == r], sizes))))
    return layers


_BASIC_ENTRY = (int, np.integer, slice, type(Ellipsis), type(None))
_EAGER_MODES = (None, "promise_in_bounds", "clip", "drop")


def _eager_update(update: Callable[[Any, Any, Any], None], x: Any, index: Any, values: Any) -> Any:
    """The update done by NumPy on a copy of ``x``, for a concrete array, concrete values
    and an index of integers, slices and integer arrays, all in bounds (NumPy raises
    IndexError otherwise: then every mode but "clip" drops, and the general path runs),
    outside every transformation; None where the general path must run (it also raises
    the typed errors). The ``ufunc.at`` forms apply repeated positions in turn, as the
    scatters do; ``set`` keeps the last of repeated positions, as NumPy and the scatter."""
    if type(x) is not np.ndarray or isinstance(values, Tracer) or not is_eager():
        return None
    entries = index if isinstance(index, tuple) else (index,)
    for e in entries:
        if isinstance(e, bool) or not (
            isinstance(e, _BASIC_ENTRY) or (type(e) is np.ndarray and e.dtype.kind in "iu")
        ):
            return None
    try:
        values = np.asarray(values)
        if values.dtype == object:
            return None
        out = x.copy()
        values = values.astype(x.dtype, copy=False)
        if update is not _set:
            # ufunc.at of NumPy 2.4 misapplies values it has to broadcast over a 2-D index
            # array: give it the values at the indexed shape.
            values = np.broadcast_to(values, out[index].shape)
        update(out, index, values)
    except (IndexError, ValueError, TypeError):
        return None
    return out


def _set(out: Any, index: Any, values: Any) -> None:
    out[index] = values


_EAGER_UPDATES: dict[Callable[..., Any], Callable[[Any, Any, Any], None]] = {
    ix.scatter: _set,
    ix.scatter_add: np.add.at,
    ix.scatter_min: np.minimum.at,
    ix.scatter_max: np.maximum.at,
}


class _IndexUpdateRef:
    """``x.at[idx]``: the methods return updated copies of ``x``; ``x`` is never mutated.

    ``mode`` as in JAX: None ("promise_in_bounds") clamps reads and drops out-of-bounds
    updates; "clip" clamps both; "drop"/"fill" drop updates and fill reads with
    ``fill_value``. ``wrap_negative_indices=False`` makes negative indices out of bounds.
    """

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any) -> None:
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def _scatter(
        self,
        prim: Callable[..., Any],
        values: Any,
        mode: str | None,
        wrap_negative_indices: bool,
        **params: Any,
    ) -> Any:
        if wrap_negative_indices and mode in _EAGER_MODES and prim in _EAGER_UPDATES:
            done = _eager_update(_EAGER_UPDATES[prim], self.array, self.index, values)
            if done is not None:
                return done
        x = asarray_or_tracer(self.array)
        aval = get_aval(x)
        expanded, arrays, out_shape = _scatter_plan(aval.shape, self.index, wrap_negative_indices)
        values = _fit_values(values, aval.dtype, out_shape)
        out = prim(reshape(x, expanded), values, *arrays, mode=_modes(mode)[1], **params)
        return reshape(out, aval.shape)

    def get(
        self,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        fill_value: Any = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx]``, with JAX's out-of-bounds ``mode`` instead of an IndexError.

        >>> at(np.arange(5.0))[np.array([1, 9])].get(mode="fill", fill_value=-1.0)
        array([ 1., -1.])
        """
        x = asarray_or_tracer(self.array)
        aval = get_aval(x)
        gather_mode = _modes(mode)[0]
        expanded, entries = parse_index(
            self.index, aval.shape, strict=False, wrap=wrap_negative_indices
        )
        out = apply_index(x, expanded, entries, gather_mode)
        if gather_mode != "fill" or not any(is_array_entry(e) for e in entries):
            return out
        if fill_value is None:
            fill_value = _default_fill(aval.dtype)
        fill = cast(asarray_or_tracer(fill_value), aval.dtype)
        if not isinstance(fill, Tracer) and not np.any(fill):
            return out
        inside = apply_index(
            ix.full(aval.shape, True, np.dtype(np.bool_)), expanded, entries, gather_mode
        )
        return ew.select_n(inside, fill, out)

    def set(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] = values``, as a new array. Where an index repeats, the last of its values
        (in C order) is kept, as NumPy and JAX on CPU do.

        >>> at(np.zeros(3))[1:].set(7.0)
        array([0., 7., 7.])
        """
        return self._scatter(
            ix.scatter, values, mode, wrap_negative_indices, unique_indices=unique_indices
        )

    def add(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] += values``, repeated indices accumulating (``numpy.add.at``).

        >>> at(np.zeros(3))[[0, 0, 2]].add(1.0)
        array([2., 0., 1.])
        """
        return self._scatter(ix.scatter_add, values, mode, wrap_negative_indices)

    def subtract(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] -= values``, repeated indices accumulating.

        >>> at(np.zeros(2))[0].subtract(1.0)
        array([-1.,  0.])
        """
        values = ew.neg(cast(asarray_or_tracer(values), get_aval(self.array).dtype))
        return self._scatter(ix.scatter_add, values, mode, wrap_negative_indices)

    def multiply(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] *= values``, repeated indices multiplying in turn (``numpy.multiply.at``).

        >>> at(np.ones(3))[[1, 1]].multiply(np.array([2.0, 3.0]))
        array([1., 6., 1.])
        """
        x = asarray_or_tracer(self.array)
        aval = get_aval(x)
        expanded, arrays, out_shape = _scatter_plan(aval.shape, self.index, wrap_negative_indices)
        values = _fit_values(values, aval.dtype, out_shape)
        scatter_mode = _modes(mode)[1]
        y = reshape(x, expanded)
        layers = None
        if not any(isinstance(a, Tracer) for a in arrays):
            layers = _duplicate_layers(arrays, expanded, out_shape, scatter_mode)
            unique_indices = layers is None
        if layers is None:
            out = ix.scatter_mul(
                y, values, *arrays, mode=scatter_mode, unique_indices=unique_indices
            )
            return reshape(out, aval.shape)
        # Repeated concrete positions: one scatter per layer of distinct positions, so that
        # each has the exact derivative of a product (no division by the updates).
        flat_values = reshape(values, (int(np.prod(out_shape, dtype=np.int64)),))
        for numbers, layer_indices in layers:
            y = ix.scatter_mul(
                y, ix.gather(flat_values, numbers), *layer_indices, mode="drop", unique_indices=True
            )
        return reshape(y, aval.shape)

    mul = multiply

    def divide(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] /= values`` (true division, as JAX: integers give floats).

        >>> at(np.ones(3))[2].divide(4.0)
        array([1.  , 1.  , 0.25])
        """
        x = asarray_or_tracer(self.array)
        ones = ix.full(get_aval(x).shape, 1, get_aval(x).dtype)
        divisor = _IndexUpdateRef(ones, self.index).multiply(
            values,
            unique_indices=unique_indices,
            mode=mode,
            wrap_negative_indices=wrap_negative_indices,
        )
        return divide(x, divisor)

    def power(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] **= values``; a repeated index raises to each of its values in turn.

        >>> at(np.full(3, 2.0))[[0, 2, 2]].power(np.array([3.0, 2.0, 0.5]))
        array([8., 2., 2.])
        """
        x = asarray_or_tracer(self.array)
        aval = get_aval(x)
        exponent = _IndexUpdateRef(ix.full(aval.shape, 1, aval.dtype), self.index).multiply(
            values,
            unique_indices=unique_indices,
            mode=mode,
            wrap_negative_indices=wrap_negative_indices,
        )
        touched = _IndexUpdateRef(ix.full(aval.shape, False, np.dtype(np.bool_)), self.index).set(
            True, mode=mode, wrap_negative_indices=wrap_negative_indices
        )
        # Untouched positions keep x itself, so that the derivative of x ** 1 with respect to
        # the exponent (log(x), nan for x < 0) never reaches them, even in forward mode.
        return ew.select_n(touched, x, ew.pow(x, exponent))

    def min(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] = minimum(x[idx], values)``, every repeated update applying.

        >>> at(np.zeros(3))[[0, 2]].min(np.array([-1.0, 4.0]))
        array([-1.,  0.,  0.])
        """
        return self._scatter(ix.scatter_min, values, mode, wrap_negative_indices)

    def max(
        self,
        values: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | None = None,
        wrap_negative_indices: bool = True,
    ) -> Any:
        """``x[idx] = maximum(x[idx], values)``, every repeated update applying.

        >>> at(np.zeros(3))[[0, 2]].max(np.array([-1.0, 4.0]))
        array([0., 0., 4.])
        """
        return self._scatter(ix.scatter_max, values, mode, wrap_negative_indices)


def _default_fill(dtype: np.dtype[Any]) -> Any:
    """JAX's fill value for out-of-bounds reads: NaN, the most negative signed integer, the
    largest unsigned one, True."""
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "i":
        return np.iinfo(dtype).min
    if dtype.kind == "u":
        return np.iinfo(dtype).max
    return True


class _IndexUpdateHelper:
    """``x.at``: index it (``x.at[idx]``) to get the update methods."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __getitem__(self, index: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"_IndexUpdateHelper({self.array!r})"


def at(x: Any) -> _IndexUpdateHelper:
    """JAX's ``x.at`` for any array: ``at(x)[idx].set(y)`` is ``x.at[idx].set(y)``.

    Tracers have the ``.at`` property; tracegrad returns plain NumPy arrays, which do not,
    so this function form works on both.

    >>> at(np.arange(4.0))[::2].add(10.0)
    array([10.,  1., 12.,  3.])
    """
    return _IndexUpdateHelper(x)
