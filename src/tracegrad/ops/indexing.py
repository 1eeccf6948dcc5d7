"""Indexing primitives: ``gather`` and the scatter family (reversal, ``rev``, is in ``shapes``).

``gather`` and the scatters work in one canonical form, which keeps their rules short:
the ``k`` index arrays (integer, broadcast together to a shape ``B``) index the ``k``
LEADING dimensions of the operand, so ``gather(x, i, j)`` is NumPy's ``x[i, j]`` with
result shape ``B + x.shape[2:]``, and ``scatter_add(x, u, i, j)`` adds ``u`` (of shape
``B + x.shape[2:]``) into ``x`` at those positions, accumulating duplicates as
``numpy.add.at``. ``tracegrad.numpy`` turns any NumPy index expression into this form
with static slices, reversals, reshapes and transposes.

Out-of-bounds indices follow ``mode`` (indices are never wrapped here: the front end
wraps negative ones first, as NumPy and JAX do): gathers ``"clip"`` (clamp into range),
``"wrap"`` (modulo the size) or ``"fill"`` (read zeros); scatters ``"clip"``, ``"wrap"``
or ``"drop"`` (ignore the update). A gather in mode ``"fill"`` transposes to a scatter in
mode ``"drop"`` and back; ``"clip"`` and ``"wrap"`` transpose to themselves. Both also take
JAX's ``"promise_in_bounds"``: the caller promises every index is in bounds, so none is
clipped or checked (an index out of bounds is then NumPy's to handle). ``gather`` and
``scatter_add`` take JAX's ``unique_indices=True``, a promise that no position repeats: a
gather's transpose then adds into zeros by assignment instead of ``numpy.add.at``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    ShapeError,
    Zero,
    get_aval,
    instantiate,
    is_undefined_primal,
)
from tracegrad.ops.elementwise import add, div, eq, mul, select_n
from tracegrad.ops.rules import broadcast_shapes
from tracegrad.ops.structural import (
    bdim_at_front,
    broadcast_in_dim,
    convert_element_type,
    moveaxis,
    reshape,
)

Shape = tuple[int, ...]

GATHER_MODES = ("clip", "wrap", "fill", "promise_in_bounds")
SCATTER_MODES = ("clip", "wrap", "drop", "promise_in_bounds")
_TRANSPOSED_MODE = {
    "clip": "clip",
    "wrap": "wrap",
    "fill": "drop",
    "drop": "fill",
    "promise_in_bounds": "promise_in_bounds",
}


def full(shape: Shape, value: Any, dtype: np.dtype[Any]) -> Any:
    """An array of ``shape`` filled with ``value``, staged as a broadcast scalar.

    >>> full((2,), 7, np.dtype(np.int8))
    array([7, 7], dtype=int8)
    """
    return broadcast_in_dim(np.asarray(value, dtype), shape, ())


# ---- shared helpers ---------------------------------------------------------
def _index_shape(name: str, operand: ShapedArray, indices: Sequence[ShapedArray]) -> Shape:
    """``B``, the broadcast shape of the index arrays, after checking them."""
    if len(indices) > operand.ndim:
        raise ShapeError(
            f"{name}: {len(indices)} index arrays for an operand of shape "
            f"{operand.shape}; at most one per dimension."
        )
    for i in indices:
        if i.dtype.kind not in "iu":
            raise DTypeError(
                f"{name}: index arrays must have an integer dtype, got {i.dtype.name}."
            )
    return broadcast_shapes(name, *(i.shape for i in indices))


def normalize_indices(
    indices: Sequence[Any], sizes: Shape, mode: str
) -> tuple[tuple[np.ndarray, ...], np.ndarray | None]:
    """Broadcast the index arrays and apply ``mode``; also a validity mask for the modes
    that skip out-of-bounds positions ("fill", "drop"), where invalid indices become 0
    (None when every index is in bounds). ``"promise_in_bounds"`` keeps the indices as given.

    >>> normalize_indices([np.array([0, 5])], (3,), "drop")
    ((array([0, 0]),), array([ True, False]))
    >>> normalize_indices([np.array([0, 2])], (3,), "promise_in_bounds")
    ((array([0, 2]),), None)
    """
    if not indices:
        return (), None
    arrays: Sequence[np.ndarray] = [np.asarray(i) for i in indices]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        # Only here: broadcast_arrays costs microseconds, and a node's vjp (e.g. tracegrad.torch's
        # X[i, j]) often runs on 0-d indices alone.
        arrays = np.broadcast_arrays(*arrays)
    if mode == "promise_in_bounds":
        return tuple(arrays), None
    out: list[np.ndarray] = []
    valid: np.ndarray | None = None
    for i, n in zip(arrays, sizes, strict=True):
        if i.ndim == 0 and 0 <= int(i) < n:
            out.append(i)  # an in-bounds scalar index: every mode keeps it as it is
        elif mode == "clip" and n > 0:
            # minimum(maximum(.)) is np.clip without its Python-level dtype checks.
            out.append(np.minimum(np.maximum(i, 0), n - 1))
        elif mode == "wrap" and n > 0:
            out.append(np.mod(i, n))
        else:  # "fill" / "drop", and any mode on an empty axis: nothing can be addressed
            ok = (i >= 0) & (i < n)
            if ok.all():  # the common case: no mask to apply
                out.append(i)
                continue
            valid = ok if valid is None else valid & ok
            out.append(np.where(ok, i, 0))
    return tuple(out), valid


def _check_mode(name: str, mode: str, allowed: tuple[str, ...]) -> None:
    if mode not in allowed:
        raise ValueError(f"{name}: mode must be one of {allowed}, got {mode!r}.")


def _batch_indices(
    indices: Sequence[Any], dims: Sequence[int | None], size: int, nb: int
) -> list[Any]:
    """The index arrays of a batched gather/scatter whose operand has its batch dimension in
    front: an iota indexing that dimension, then each index with a leading batch dimension
    (size 1 where unbatched), padded to ``nb + 1`` dimensions so that they broadcast."""
    iota = np.arange(size).reshape((size,) + (1,) * nb)
    out: list[Any] = [iota]
    for i, d in zip(indices, dims, strict=True):
        if d is None:
            shape = get_aval(i).shape
            out.append(reshape(i, (1,) * (nb + 1 - len(shape)) + shape))
        else:
            i = moveaxis(i, d, 0)
            shape = get_aval(i).shape
            out.append(reshape(i, (shape[0],) + (1,) * (nb + 1 - len(shape)) + shape[1:]))
    return out


def _batch_size(args: Sequence[Any], dims: Sequence[int | None]) -> int:
    return next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)


def _unbatched_index_shape(indices: Sequence[Any], dims: Sequence[int | None]) -> Shape:
    """``B`` of one member of the batch: the index shapes without their batch dimensions."""
    shapes = []
    for i, d in zip(indices, dims, strict=True):
        shape = get_aval(i).shape
        shapes.append(shape if d is None else shape[:d] + shape[d + 1 :])
    return broadcast_shapes("gather", *shapes)


# ---- gather -----------------------------------------------------------------
def gather(x: Any, *indices: Any, mode: str = "clip", unique_indices: bool = False) -> Any:
    """``x[indices]`` on the leading ``len(indices)`` dimensions of ``x`` (NumPy advanced
    indexing with adjacent leading index arrays); out-of-bounds indices follow ``mode``.
    ``unique_indices=True`` promises that no position is read twice (see the module docstring).

    >>> gather(np.arange(6).reshape(3, 2), np.array([2, 0, 2]))
    array([[4, 5],
           [0, 1],
           [4, 5]])
    >>> gather(np.arange(6).reshape(3, 2), np.array([2, 0]), np.array([1, 0]),
    ...        mode="promise_in_bounds", unique_indices=True)
    array([5, 0])
    """
    if unique_indices:  # a param only when set, so that the common IR reads as before
        return gather_p.bind(x, *indices, mode=mode, unique_indices=True)
    return gather_p.bind(x, *indices, mode=mode)


def _gather_impl(x: Any, *indices: Any, mode: str, unique_indices: bool = False) -> Any:
    x = np.asarray(x)
    k = len(indices)
    idx, valid = normalize_indices(indices, x.shape[:k], mode)
    if valid is not None and 0 in x.shape[:k]:
        return np.zeros(valid.shape + x.shape[k:], x.dtype)
    out = x[idx] if k else x.copy()
    if valid is not None:
        out = np.where(valid.reshape(valid.shape + (1,) * (x.ndim - k)), out, np.zeros((), x.dtype))
    return out


def _gather_abstract_eval(
    x: ShapedArray, *indices: ShapedArray, mode: str, unique_indices: bool = False
) -> ShapedArray:
    _check_mode("gather", mode, GATHER_MODES)
    batch = _index_shape("gather", x, indices)
    return x.update(shape=batch + x.shape[len(indices) :])


def _gather_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, mode: str, unique_indices: bool = False
) -> tuple[Any, Any]:
    x, *indices = primals
    out = gather(x, *indices, mode=mode, unique_indices=unique_indices)
    if type(tangents[0]) is Zero:
        return out, Zero.like_primal(get_aval(out))
    return out, gather(tangents[0], *indices, mode=mode, unique_indices=unique_indices)


def _gather_transpose(
    ct: Any, x: Any, *indices: Any, mode: str, unique_indices: bool = False
) -> list[Any]:
    if any(is_undefined_primal(i) for i in indices):
        raise TypeError("gather is linear in its operand only, not in its index arrays.")
    if type(ct) is Zero:
        return [None] * (1 + len(indices))
    zeros = full(x.aval.shape, 0, get_aval(ct).dtype)
    ct_x = scatter_add(
        zeros, ct, *indices, mode=_TRANSPOSED_MODE[mode], unique_indices=unique_indices
    )
    return [ct_x] + [None] * len(indices)


def _gather_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, mode: str, unique_indices: bool = False
) -> tuple[Any, int]:
    (x, *indices), (dx, *dis) = args, dims
    k, nb = len(indices), len(_unbatched_index_shape(indices, dis))
    if all(d is None for d in dis):
        # Only the operand is batched: carry its batch dimension just after the indexed ones.
        assert dx is not None
        out = gather(moveaxis(x, dx, k), *indices, mode=mode, unique_indices=unique_indices)
        return out, nb
    size = _batch_size(args, dims)
    x = bdim_at_front(x, dx, size)
    # The batch iota keeps unique positions unique: each member reads its own slice.
    new_indices = _batch_indices(indices, dis, size, nb)
    return gather(x, *new_indices, mode=mode, unique_indices=unique_indices), 0


gather_p = Primitive("gather", linear=True)
gather_p.def_impl(_gather_impl)
gather_p.def_abstract_eval(_gather_abstract_eval)
gather_p.def_jvp(_gather_jvp)
gather_p.def_transpose(_gather_transpose)
gather_p.def_batch(_gather_batch)


# ---- the scatter family -----------------------------------------------------
def _scatter_impl(
    combine: Callable[[np.ndarray, tuple[np.ndarray, ...], np.ndarray], None],
) -> Callable[..., Any]:
    def impl(operand: Any, updates: Any, *indices: Any, mode: str, **_: Any) -> Any:
        out = np.array(operand, copy=True)
        upd = np.asarray(updates)
        idx, valid = normalize_indices(indices, out.shape[: len(indices)], mode)
        if valid is not None:
            idx, upd = tuple(i[valid] for i in idx), upd[valid]
        combine(out, idx, upd)
        return out

    return impl


def _set(out: np.ndarray, idx: tuple[np.ndarray, ...], upd: np.ndarray) -> None:
    # Duplicate positions: NumPy's assignment keeps the last update in C order.
    out[idx] = upd


def _scatter_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    def rule(
        operand: ShapedArray, updates: ShapedArray, *indices: ShapedArray, mode: str, **_: Any
    ) -> ShapedArray:
        _check_mode(name, mode, SCATTER_MODES)
        batch = _index_shape(name, operand, indices)
        want = batch + operand.shape[len(indices) :]
        if updates.shape != want:
            raise ShapeError(
                f"{name}: updates of shape {updates.shape} given where the index "
                f"arrays and operand shape {operand.shape} need shape {want}."
            )
        if updates.dtype != operand.dtype:
            raise DTypeError(
                f"{name}: operand dtype {operand.dtype.name} and updates dtype "
                f"{updates.dtype.name} differ; convert the updates first."
            )
        return operand

    return rule


def _scatter_batch(prim: Primitive) -> Callable[..., tuple[Any, int]]:
    def rule(args: Sequence[Any], dims: Sequence[int | None], **params: Any) -> tuple[Any, int]:
        (operand, updates, *indices), (do, du, *dis) = args, dims
        size = _batch_size(args, dims)
        nb = len(_unbatched_index_shape(indices, dis))
        operand = bdim_at_front(operand, do, size)
        updates = bdim_at_front(updates, du, size)
        new_indices = _batch_indices(indices, dis, size, nb)
        return prim.bind(operand, updates, *new_indices, **params), 0

    return rule


def _new_scatter(name: str, combine: Callable[..., None]) -> Primitive:
    p = Primitive(name)
    p.def_impl(_scatter_impl(combine))
    p.def_abstract_eval(_scatter_abstract_eval(name))
    p.def_batch(_scatter_batch(p))
    return p


def _check_linear_indices(name: str, indices: Sequence[Any]) -> None:
    if any(is_undefined_primal(i) for i in indices):
        raise TypeError(f"{name} is not linear in its index arrays.")


# ---- scatter_add --------------------------------------------------------------
def scatter_add(
    operand: Any, updates: Any, *indices: Any, mode: str = "drop", unique_indices: bool = False
) -> Any:
    """``operand`` with ``updates`` added at ``indices`` (duplicates accumulate, as
    ``numpy.add.at``); see the module docstring for the canonical form.
    ``unique_indices=True`` promises that no position repeats.

    >>> scatter_add(np.zeros(3), np.ones(4), np.array([0, 2, 2, 2]))
    array([1., 0., 3.])
    >>> scatter_add(np.zeros(3), np.ones(2), np.array([2, 0]), unique_indices=True)
    array([1., 0., 1.])
    """
    if unique_indices:  # a param only when set, so that the common IR reads as before
        return scatter_add_p.bind(operand, updates, *indices, mode=mode, unique_indices=True)
    return scatter_add_p.bind(operand, updates, *indices, mode=mode)


def _add_unique(out: np.ndarray, idx: tuple[np.ndarray, ...], upd: np.ndarray) -> None:
    """``numpy.add.at`` for positions that never repeat, by assignment (the same bits)."""
    out[idx] = out[idx] + upd


def _scatter_add_impl(
    operand: Any, updates: Any, *indices: Any, mode: str, unique_indices: bool = False
) -> Any:
    operand = np.asarray(operand)
    if not unique_indices:
        return _add_at_impl(operand, updates, *indices, mode=mode)
    if operand.ndim and not any(operand.strides):
        # A broadcast scalar (a gather's transpose adds into zeros staged so): every position
        # gets scalar + update; the sum is computed before the copy is written, as add.at would.
        scalar = operand[(0,) * operand.ndim]
        out = np.full(operand.shape, scalar, operand.dtype)
        idx, valid = normalize_indices(indices, out.shape[: len(indices)], mode)
        upd = np.asarray(updates)
        if valid is not None:
            idx, upd = tuple(i[valid] for i in idx), upd[valid]
        out[idx] = upd + scalar
        return out
    return _add_unique_impl(operand, updates, *indices, mode=mode)


def _scatter_add_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, mode: str, unique_indices: bool = False
) -> tuple[Any, Any]:
    operand, updates, *indices = primals
    t_op, t_upd = tangents[0], tangents[1]
    out = scatter_add(operand, updates, *indices, mode=mode, unique_indices=unique_indices)
    if type(t_upd) is Zero:
        return out, t_op if type(t_op) is not Zero else Zero.like_primal(get_aval(out))
    tangent = scatter_add(
        instantiate(t_op), t_upd, *indices, mode=mode, unique_indices=unique_indices
    )
    return out, tangent


def _scatter_add_transpose(
    ct: Any, operand: Any, updates: Any, *indices: Any, mode: str, unique_indices: bool = False
) -> list[Any]:
    _check_linear_indices("scatter_add", indices)
    if type(ct) is Zero:
        return [None] * (2 + len(indices))
    ct_op = ct if is_undefined_primal(operand) else None
    ct_upd = None
    if is_undefined_primal(updates):
        ct_upd = gather(ct, *indices, mode=_TRANSPOSED_MODE[mode], unique_indices=unique_indices)
    return [ct_op, ct_upd] + [None] * len(indices)


_add_at_impl = _scatter_impl(np.add.at)
_add_unique_impl = _scatter_impl(_add_unique)
scatter_add_p = _new_scatter("scatter_add", np.add.at)
scatter_add_p.def_impl(_scatter_add_impl)
scatter_add_p.def_jvp(_scatter_add_jvp)
scatter_add_p.linear = True
scatter_add_p.def_transpose(_scatter_add_transpose)


# ---- scatter (set) ----------------------------------------------------------
def scatter(
    operand: Any, updates: Any, *indices: Any, mode: str = "drop", unique_indices: bool = False
) -> Any:
    """``operand`` with the values at ``indices`` replaced by ``updates``. Where an index
    repeats, the last of its updates (in C order) wins, as in NumPy's ``x[idx] = u``.
    ``unique_indices=True`` is JAX's promise that no position repeats: the transpose then
    reads the cotangent of every update at its position, a repeated one included (as
    JAX's and PyTorch's ``index_put`` do), instead of only the winner's.

    >>> scatter(np.zeros(3), np.array([1.0, 2.0]), np.array([2, 2]))
    array([0., 0., 2.])
    """
    if unique_indices:  # a param only when set, so that the common IR reads as before
        return scatter_p.bind(operand, updates, *indices, mode=mode, unique_indices=True)
    return scatter_p.bind(operand, updates, *indices, mode=mode)


def _scatter_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, mode: str, unique_indices: bool = False
) -> tuple[Any, Any]:
    operand, updates, *indices = primals
    out = scatter(operand, updates, *indices, mode=mode, unique_indices=unique_indices)
    t_op, t_upd = tangents[0], tangents[1]
    if type(t_op) is Zero and type(t_upd) is Zero:
        return out, Zero.like_primal(get_aval(out))
    # Linear in (operand, updates) together: the same positions win for the tangents.
    tangent = scatter(
        instantiate(t_op), instantiate(t_upd), *indices, mode=mode, unique_indices=unique_indices
    )
    return out, tangent


def _winners(update_shape: Shape, operand_shape: Shape, indices: Sequence[Any], mode: str) -> Any:
    """Boolean mask over the updates: True for those whose value a scatter keeps.

    Each update gets an id (1, 2, ...); scattering the ids and reading them back shows which
    update won each position, whatever rule the scatter follows for duplicates.
    """
    count = int(np.prod(update_shape, dtype=np.int64))
    ids = np.arange(1, count + 1, dtype=np.int64).reshape(update_shape)
    placed = scatter(full(operand_shape, 0, np.dtype(np.int64)), ids, *indices, mode=mode)
    return eq(gather(placed, *indices, mode=_TRANSPOSED_MODE[mode]), ids)


def _scatter_transpose(
    ct: Any, operand: Any, updates: Any, *indices: Any, mode: str, unique_indices: bool = False
) -> list[Any]:
    _check_linear_indices("scatter", indices)
    if type(ct) is Zero:
        return [None] * (2 + len(indices))
    dtype = get_aval(ct).dtype
    upd_shape = get_aval(updates).shape if not is_undefined_primal(updates) else updates.aval.shape
    ct_op = ct_upd = None
    if is_undefined_primal(operand):
        ct_op = scatter(ct, full(upd_shape, 0, dtype), *indices, mode=mode)
    if is_undefined_primal(updates):
        ct_upd = gather(ct, *indices, mode=_TRANSPOSED_MODE[mode])
        if not unique_indices:
            winners = _winners(upd_shape, get_aval(ct).shape, indices, mode)
            ct_upd = select_n(winners, np.zeros((), dtype), ct_upd)
    return [ct_op, ct_upd] + [None] * len(indices)


scatter_p = _new_scatter("scatter", _set)
scatter_p.def_jvp(_scatter_jvp)
scatter_p.linear = True
scatter_p.def_transpose(_scatter_transpose)


# ---- scatter_mul ------------------------------------------------------------
def scatter_mul(
    operand: Any, updates: Any, *indices: Any, mode: str = "drop", unique_indices: bool = False
) -> Any:
    """``operand`` multiplied by ``updates`` at ``indices`` (duplicates multiply in turn, as
    ``numpy.multiply.at``). Its derivative with respect to ``updates`` needs
    ``unique_indices=True``, a promise that no position repeats.

    >>> scatter_mul(np.full(3, 2.0), np.array([3.0, 5.0]), np.array([1, 1]))
    array([ 2., 30.,  2.])
    """
    return scatter_mul_p.bind(
        operand, updates, *indices, mode=mode, unique_indices=bool(unique_indices)
    )


def _scatter_mul_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, mode: str, unique_indices: bool
) -> tuple[Any, Any]:
    operand, updates, *indices = primals
    t_op, t_upd = tangents[0], tangents[1]
    out = scatter_mul(operand, updates, *indices, mode=mode, unique_indices=unique_indices)
    aval = get_aval(out)
    terms = []
    if type(t_op) is not Zero:
        # out = operand * P, P the product of the updates at each position (1 elsewhere).
        ones = full(aval.shape, 1, aval.dtype)
        terms.append(
            mul(
                t_op, scatter_mul(ones, updates, *indices, mode=mode, unique_indices=unique_indices)
            )
        )
    if type(t_upd) is not Zero:
        if not unique_indices:
            raise NotImplementedError(
                "scatter_mul: the derivative with respect to the updates is implemented only "
                "for unique indices. tracegrad.numpy's x.at[idx].multiply(y) handles repeated "
                "concrete indices itself; with traced indices that never repeat, pass "
                "unique_indices=True."
            )
        zeros = full(aval.shape, 0, aval.dtype)
        terms.append(mul(operand, scatter_add(zeros, t_upd, *indices, mode=mode)))
    if not terms:
        return out, Zero.like_primal(aval)
    return out, terms[0] if len(terms) == 1 else add(terms[0], terms[1])


scatter_mul_p = _new_scatter("scatter_mul", np.multiply.at)
scatter_mul_p.def_jvp(_scatter_mul_jvp)


# ---- scatter_min, scatter_max -----------------------------------------------
def scatter_min(operand: Any, updates: Any, *indices: Any, mode: str = "drop") -> Any:
    """``operand`` with ``minimum(operand, update)`` at ``indices`` (duplicates all apply).

    >>> scatter_min(np.zeros(3), np.array([-1.0, 4.0]), np.array([0, 2]))
    array([-1.,  0.,  0.])
    """
    return scatter_min_p.bind(operand, updates, *indices, mode=mode)


def scatter_max(operand: Any, updates: Any, *indices: Any, mode: str = "drop") -> Any:
    """``operand`` with ``maximum(operand, update)`` at ``indices`` (duplicates all apply).

    >>> scatter_max(np.zeros(3), np.array([-1.0, 4.0]), np.array([0, 2]))
    array([0., 0., 4.])
    """
    return scatter_max_p.bind(operand, updates, *indices, mode=mode)


def _extremal_jvp(prim: Primitive) -> Callable[..., tuple[Any, Any]]:
    """The tangent at each position is the mean of the tangents of the candidates (the
    operand's value and every update there) equal to the result: ties split evenly."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], *, mode: str) -> tuple[Any, Any]:
        operand, updates, *indices = primals
        out = prim.bind(operand, updates, *indices, mode=mode)
        t_op, t_upd = tangents[0], tangents[1]
        aval = get_aval(out)
        if type(t_op) is Zero and type(t_upd) is Zero:
            return out, Zero.like_primal(aval)
        dtype = aval.dtype
        zero = np.zeros((), dtype)
        zeros = full(aval.shape, 0, dtype)
        kept = eq(operand, out)
        won = eq(updates, gather(out, *indices, mode=_TRANSPOSED_MODE[mode]))
        count = add(
            convert_element_type(kept, dtype),
            scatter_add(zeros, convert_element_type(won, dtype), *indices, mode=mode),
        )
        total = add(
            select_n(kept, zero, instantiate(t_op)),
            scatter_add(zeros, select_n(won, zero, instantiate(t_upd)), *indices, mode=mode),
        )
        return out, div(total, count)

    return rule


scatter_min_p = _new_scatter("scatter_min", np.minimum.at)
scatter_min_p.def_jvp(_extremal_jvp(scatter_min_p))
scatter_max_p = _new_scatter("scatter_max", np.maximum.at)
scatter_max_p.def_jvp(_extremal_jvp(scatter_max_p))
