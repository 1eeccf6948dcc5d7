"""Structural primitives: moving, broadcasting and summing data without arithmetic on values.

These are the primitives every rule leans on (``add_any`` accumulates tangents,
``reduce_sum`` and ``broadcast_in_dim`` undo each other in transposes).
"""

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
    Zero,
    get_aval,
    is_undefined_primal,
)
from tracegrad.core.dtypes import is_inexact, real_dtype
from tracegrad.ops.rules import broadcasting_abstract_eval, deflinear, emitter, simplifier

Shape = tuple[int, ...]


def canonical_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """``axis`` in ``range(ndim)``; negative axes count from the end, as in NumPy."""
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{name} {axis} is out of bounds for array of dimension {ndim}"
        )
    return axis % ndim


def bdim_at_front(x: Any, d: int | None, axis_size: int) -> Any:
    """Move batch dimension ``d`` of ``x`` to the front, broadcasting it when unbatched."""
    if d is None:
        shape = get_aval(x).shape
        return broadcast_in_dim(x, (axis_size, *shape), tuple(range(1, len(shape) + 1)))
    return moveaxis(x, d, 0)


# ---- add_any ----------------------------------------------------------------
def add_any(x: Any, y: Any) -> Any:
    """Sum of two tangents or cotangents of the same type (the accumulation of AD)."""
    return add_any_p.bind(x, y)


add_any_p = Primitive("add_any", commutative=True)
add_any_p.def_impl(np.add)
add_any_p.def_abstract_eval(broadcasting_abstract_eval("add_any"))
deflinear(add_any_p, lambda ct, x, y: [ct, ct])


def _add_any_batch(args: Sequence[Any], dims: Sequence[int | None]) -> tuple[Any, int]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    x, y = (bdim_at_front(a, d, size) for a, d in zip(args, dims, strict=True))
    return add_any(x, y), 0


add_any_p.def_batch(_add_any_batch)
add_any_p.def_simplify(simplifier("add_any"))
add_any_p.grad_fn_name = "AddBackward0"


# ---- broadcast_in_dim -------------------------------------------------------
def broadcast_in_dim(x: Any, shape: Shape, broadcast_dimensions: Sequence[int]) -> Any:
    """Broadcast ``x`` to ``shape``; dimension i of ``x`` becomes ``broadcast_dimensions[i]``."""
    shape, dims = tuple(int(s) for s in shape), tuple(broadcast_dimensions)
    if get_aval(x).shape == shape and dims == tuple(range(len(shape))):
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims)


def broadcast_to(x: Any, shape: Shape) -> Any:
    """NumPy's ``broadcast_to``: align the dimensions of ``x`` with the end of ``shape``."""
    ndim = get_aval(x).ndim
    return broadcast_in_dim(x, shape, tuple(range(len(shape) - ndim, len(shape))))


def _expanded_shape(operand_shape: Shape, shape: Shape, dims: Sequence[int]) -> Shape:
    expanded = [1] * len(shape)
    for size, d in zip(operand_shape, dims, strict=True):
        expanded[d] = size
    return tuple(expanded)


def _broadcast_in_dim_impl(x: Any, *, shape: Shape, broadcast_dimensions: Sequence[int]) -> Any:
    x = np.asarray(x)
    return np.broadcast_to(x.reshape(_expanded_shape(x.shape, shape, broadcast_dimensions)), shape)


def _broadcast_in_dim_abstract_eval(
    x: ShapedArray, *, shape: Shape, broadcast_dimensions: Sequence[int]
) -> ShapedArray:
    dims = tuple(broadcast_dimensions)
    ok = (
        len(dims) == x.ndim
        and all(0 <= d < len(shape) and x.shape[i] in (1, shape[d]) for i, d in enumerate(dims))
        and list(dims) == sorted(set(dims))
    )
    if not ok:
        raise ShapeError(
            f"broadcast_in_dim: cannot broadcast an array of shape {x.shape} to shape "
            f"{shape} with broadcast_dimensions={dims}. Each operand dimension must be 1 "
            "or equal to the target dimension it maps to."
        )
    return ShapedArray(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_transpose(
    ct: Any, x: Any, *, shape: Shape, broadcast_dimensions: Sequence[int]
) -> list[Any]:
    operand_shape = x.aval.shape
    expanded = _expanded_shape(operand_shape, shape, broadcast_dimensions)
    summed = tuple(i for i, (e, s) in enumerate(zip(expanded, shape, strict=True)) if e != s)
    summed += tuple(
        i for i in range(len(shape)) if i not in broadcast_dimensions and i not in summed
    )
    out = reduce_sum(ct, tuple(sorted(summed)))
    return [reshape(out, operand_shape)]


def _broadcast_in_dim_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    shape: Shape,
    broadcast_dimensions: Sequence[int],
) -> tuple[Any, int]:
    (x,), (d,) = args, dims
    assert d is not None
    x = moveaxis(x, d, 0)
    size = get_aval(x).shape[0]
    new_dims = (0, *(b + 1 for b in broadcast_dimensions))
    return broadcast_in_dim(x, (size, *shape), new_dims), 0


broadcast_in_dim_p = Primitive("broadcast_in_dim")
broadcast_in_dim_p.def_impl(_broadcast_in_dim_impl)
broadcast_in_dim_p.def_abstract_eval(_broadcast_in_dim_abstract_eval)
deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
broadcast_in_dim_p.def_batch(_broadcast_in_dim_batch)
broadcast_in_dim_p.def_emit(emitter("broadcast_in_dim"))
broadcast_in_dim_p.def_simplify(simplifier("broadcast_in_dim"))
broadcast_in_dim_p.grad_fn_name = "ExpandBackward0"


def unbroadcast(ct: Any, aval: ShapedArray) -> Any:
    """Sum ``ct`` down to the shape of ``aval``: the transpose of NumPy broadcasting."""
    ct_shape = get_aval(ct).shape
    if ct_shape == aval.shape:
        return ct
    lead = len(ct_shape) - aval.ndim
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(aval.shape) if s == 1 and ct_shape[lead + i] != 1
    )
    return reshape(reduce_sum(ct, axes), aval.shape)


# ---- reshape ----------------------------------------------------------------
def reshape(x: Any, new_sizes: Shape) -> Any:
    """Reshape ``x`` to ``new_sizes`` (concrete sizes, no -1; see tracegrad.numpy.reshape)."""
    new_sizes = tuple(int(s) for s in new_sizes)
    if get_aval(x).shape == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes)


def _reshape_abstract_eval(x: ShapedArray, *, new_sizes: Shape) -> ShapedArray:
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size or any(s < 0 for s in new_sizes):
        raise ShapeError(
            f"cannot reshape array of shape {x.shape} (size {x.size}) into shape {new_sizes}."
        )
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def _reshape_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, new_sizes: Shape
) -> tuple[Any, int]:
    x = moveaxis(args[0], dims[0], 0)  # type: ignore[arg-type]
    return reshape(x, (get_aval(x).shape[0], *new_sizes)), 0


reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes))
reshape_p.def_abstract_eval(_reshape_abstract_eval)
deflinear(reshape_p, lambda ct, x, *, new_sizes: [reshape(ct, x.aval.shape)])
reshape_p.def_batch(_reshape_batch)
reshape_p.def_emit(emitter("reshape"))
reshape_p.def_simplify(simplifier("reshape"))
reshape_p.grad_fn_name = "ViewBackward0"


# ---- transpose --------------------------------------------------------------
def transpose(x: Any, permutation: Sequence[int]) -> Any:
    """Permute the dimensions of ``x``: output dimension ``i`` is input ``permutation[i]``."""
    perm = tuple(int(p) for p in permutation)
    if perm == tuple(range(len(perm))):
        return x
    return transpose_p.bind(x, permutation=perm)


def moveaxis(x: Any, source: int, destination: int) -> Any:
    """Move one dimension of ``x``, as ``numpy.moveaxis``."""
    ndim = get_aval(x).ndim
    source, destination = canonical_axis(source, ndim), canonical_axis(destination, ndim)
    if source == destination:
        return x
    perm = [i for i in range(ndim) if i != source]
    perm.insert(destination, source)
    return transpose(x, perm)


def _transpose_abstract_eval(x: ShapedArray, *, permutation: Shape) -> ShapedArray:
    if sorted(permutation) != list(range(x.ndim)):
        raise ShapeError(
            f"transpose: permutation {permutation} is not a permutation of the "
            f"dimensions of an array of shape {x.shape}."
        )
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def _transpose_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, permutation: Shape
) -> tuple[Any, int]:
    x = moveaxis(args[0], dims[0], 0)  # type: ignore[arg-type]
    return transpose(x, (0, *(p + 1 for p in permutation))), 0


transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))
transpose_p.def_abstract_eval(_transpose_abstract_eval)
deflinear(
    transpose_p,
    lambda ct, x, *, permutation: [transpose(ct, tuple(int(i) for i in np.argsort(permutation)))],
)
transpose_p.def_batch(_transpose_batch)
transpose_p.def_emit(emitter("transpose"))
transpose_p.def_simplify(simplifier("transpose"))
transpose_p.grad_fn_name = "PermuteBackward0"


# ---- reduce_sum -------------------------------------------------------------
def reduce_sum(x: Any, axes: Sequence[int]) -> Any:
    """Sum over ``axes`` (non-negative, sorted), keeping the dtype of ``x``."""
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return reduce_sum_p.bind(x, axes=axes)


def _reduce_sum_impl(x: Any, *, axes: Shape) -> Any:
    x = np.asarray(x)
    return np.sum(x, axis=axes, dtype=x.dtype)


def _reduce_abstract_eval(x: ShapedArray, *, axes: Shape) -> ShapedArray:
    for a in axes:
        canonical_axis(a, x.ndim)
    shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return ShapedArray(shape, x.dtype, x.weak_type)


def _reduce_sum_transpose(ct: Any, x: Any, *, axes: Shape) -> list[Any]:
    shape = x.aval.shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return [broadcast_in_dim(ct, shape, kept)]


def shift_axes_for_batch(axes: Sequence[int], d: int) -> Shape:
    """Axes of an unbatched array, renumbered for its batched version with batch dim ``d``."""
    return tuple(a + (a >= d) for a in axes)


def _reduce_sum_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, axes: Shape
) -> tuple[Any, int]:
    (x,), (d,) = args, dims
    assert d is not None
    new_axes = shift_axes_for_batch(axes, d)
    return reduce_sum(x, new_axes), d - sum(a < d for a in new_axes)


reduce_sum_p = Primitive("reduce_sum")
reduce_sum_p.def_impl(_reduce_sum_impl)
reduce_sum_p.def_abstract_eval(_reduce_abstract_eval)
deflinear(reduce_sum_p, _reduce_sum_transpose)
reduce_sum_p.def_batch(_reduce_sum_batch)
reduce_sum_p.def_emit(emitter("reduction", np.add, with_dtype=True))
reduce_sum_p.def_simplify(simplifier("reduce_sum"))
reduce_sum_p.grad_fn_name = "SumBackward1"


# ---- convert_element_type ---------------------------------------------------
def convert_element_type(x: Any, new_dtype: Any, weak_type: bool = False) -> Any:
    """Cast ``x`` to ``new_dtype`` (complex to real keeps the real part). ``weak_type=True``
    gives a weakly typed result, as JAX's: the promotion of weakly typed operands (Python
    scalars, and values traced from them) among themselves."""
    new_dtype = np.dtype(new_dtype)
    aval = get_aval(x)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return x
    if weak_type:  # a param only when set, so that the common IR reads as before
        return convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=True)
    return convert_element_type_p.bind(x, new_dtype=new_dtype)


def _convert_impl(x: Any, *, new_dtype: np.dtype[Any], weak_type: bool = False) -> Any:
    x = np.asarray(x)
    if x.dtype.kind == "c" and new_dtype.kind != "c":
        x = x.real
    return x.astype(new_dtype)


def _convert_abstract_eval(
    x: ShapedArray, *, new_dtype: np.dtype[Any], weak_type: bool = False
) -> ShapedArray:
    return ShapedArray(x.shape, new_dtype, weak_type)


def _convert_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, new_dtype: np.dtype[Any], **weak: bool
) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, **weak)
    if type(t) is Zero or not is_inexact(new_dtype):
        return out, Zero.like_primal(get_aval(out))
    return out, convert_element_type_p.bind(t, new_dtype=new_dtype, **weak)


def _convert_transpose(ct: Any, x: Any, *, new_dtype: np.dtype[Any], **_: bool) -> list[Any]:
    if not is_undefined_primal(x):
        raise DTypeError("convert_element_type is transposed only in its linear argument.")
    old = x.aval.dtype
    if old.kind != "c" and get_aval(ct).dtype.kind == "c":
        ct = convert_element_type(ct, real_dtype(get_aval(ct).dtype))
    return [convert_element_type(ct, old)]


convert_element_type_p = Primitive("convert_element_type", linear=True)
convert_element_type_p.def_impl(_convert_impl)
convert_element_type_p.def_abstract_eval(_convert_abstract_eval)
convert_element_type_p.def_jvp(_convert_jvp)
convert_element_type_p.def_transpose(_convert_transpose)
convert_element_type_p.def_batch(
    lambda args, dims, *, new_dtype, weak_type=False: (
        convert_element_type(args[0], new_dtype, weak_type),
        dims[0],
    )
)
convert_element_type_p.def_emit(emitter("convert_element_type"))
convert_element_type_p.def_simplify(simplifier("convert_element_type"))
convert_element_type_p.grad_fn_name = "ToCopyBackward0"


# ---- concatenate ------------------------------------------------------------
def concatenate(operands: Sequence[Any], dimension: int) -> Any:
    """Join arrays of one dtype along an existing ``dimension``."""
    if len(operands) == 1:
        return operands[0]
    return concatenate_p.bind(*operands, dimension=int(dimension))


def _concatenate_abstract_eval(*avals: ShapedArray, dimension: int) -> ShapedArray:
    first = avals[0]
    dtypes = {a.dtype for a in avals}
    if len(dtypes) != 1:
        raise DTypeError(
            f"concatenate: operands must have one dtype, got {sorted(map(str, dtypes))}."
        )
    ok = (
        all(
            a.ndim == first.ndim
            and all(
                s == t
                for i, (s, t) in enumerate(zip(a.shape, first.shape, strict=True))
                if i != dimension
            )
            for a in avals
        )
        and 0 <= dimension < first.ndim
    )
    if not ok:
        raise ShapeError(
            "concatenate: all the input array dimensions except for the concatenation axis "
            f"({dimension}) must match exactly, got shapes {[a.shape for a in avals]}."
        )
    shape = list(first.shape)
    shape[dimension] = sum(a.shape[dimension] for a in avals)
    return ShapedArray(tuple(shape), first.dtype, all(a.weak_type for a in avals))


def _concatenate_transpose(ct: Any, *operands: Any, dimension: int) -> list[Any]:
    outs: list[Any] = []
    start = 0
    for x in operands:
        size = (
            get_aval(x).shape[dimension] if not is_undefined_primal(x) else x.aval.shape[dimension]
        )
        outs.append(
            slice_in_dim(ct, start, start + size, dimension) if is_undefined_primal(x) else None
        )
        start += size
    return outs


def _concatenate_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, dimension: int
) -> tuple[Any, int]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    moved = [bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True)]
    return concatenate(moved, dimension + 1), 0


concatenate_p = Primitive("concatenate")
concatenate_p.def_impl(lambda *xs, dimension: np.concatenate(xs, axis=dimension))
concatenate_p.def_abstract_eval(_concatenate_abstract_eval)
deflinear(concatenate_p, _concatenate_transpose)
concatenate_p.def_batch(_concatenate_batch)
concatenate_p.def_emit(emitter("concatenate"))
concatenate_p.grad_fn_name = "CatBackward0"


# ---- slice ------------------------------------------------------------------
def slice(
    x: Any,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],
    strides: Sequence[int] | None = None,
) -> Any:
    """The static strided slice ``x[start:limit:stride, ...]`` (non-negative, in bounds)."""
    shape = get_aval(x).shape
    start, limit = tuple(map(int, start_indices)), tuple(map(int, limit_indices))
    steps = (1,) * len(shape) if strides is None else tuple(map(int, strides))
    if start == (0,) * len(shape) and limit == shape and steps == (1,) * len(shape):
        return x
    return slice_p.bind(x, start_indices=start, limit_indices=limit, strides=steps)


def slice_in_dim(x: Any, start: int, limit: int, axis: int, stride: int = 1) -> Any:
    """``slice`` along one axis."""
    shape = get_aval(x).shape
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, stride
    return slice(x, starts, limits, strides)


def _slice_shape(shape: Shape, start: Shape, limit: Shape, strides: Shape) -> Shape:
    return tuple(
        max(0, -(-(hi - lo) // st)) for lo, hi, st in zip(start, limit, strides, strict=True)
    )


def _slice_abstract_eval(
    x: ShapedArray, *, start_indices: Shape, limit_indices: Shape, strides: Shape
) -> ShapedArray:
    ok = len(start_indices) == len(limit_indices) == len(strides) == x.ndim and all(
        0 <= lo <= hi <= n and st >= 1
        for lo, hi, st, n in zip(start_indices, limit_indices, strides, x.shape, strict=True)
    )
    if not ok:
        raise ShapeError(
            f"slice: start_indices={start_indices}, limit_indices={limit_indices}, "
            f"strides={strides} do not fit an array of shape {x.shape}."
        )
    return x.update(shape=_slice_shape(x.shape, start_indices, limit_indices, strides))


def _slice_impl(x: Any, *, start_indices: Shape, limit_indices: Shape, strides: Shape) -> Any:
    idx = tuple(map(builtins.slice, start_indices, limit_indices, strides))
    return np.asarray(x)[idx]


def _slice_transpose(
    ct: Any, x: Any, *, start_indices: Shape, limit_indices: Shape, strides: Shape
) -> list[Any]:
    shape = x.aval.shape
    out_shape = get_aval(ct).shape
    config = []
    for lo, n, st, m in zip(start_indices, shape, strides, out_shape, strict=True):
        real_hi = lo + (m - 1) * st + 1 if m else lo
        config.append((lo, n - real_hi, st - 1) if m else (lo, n - lo, 0))
    zero = np.zeros((), get_aval(ct).dtype)
    if 0 in out_shape:
        return [broadcast_in_dim(zero, shape, ())]
    return [pad(ct, zero, config)]


def _slice_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    start_indices: Shape,
    limit_indices: Shape,
    strides: Shape,
) -> tuple[Any, int]:
    x = moveaxis(args[0], dims[0], 0)  # type: ignore[arg-type]
    n = get_aval(x).shape[0]
    return slice(x, (0, *start_indices), (n, *limit_indices), (1, *strides)), 0


slice_p = Primitive("slice")
slice_p.def_impl(_slice_impl)
slice_p.def_abstract_eval(_slice_abstract_eval)
deflinear(slice_p, _slice_transpose)
slice_p.def_batch(_slice_batch)
slice_p.def_emit(emitter("slice"))


# ---- pad --------------------------------------------------------------------
PadConfig = Sequence[tuple[int, int, int]]


def pad(x: Any, padding_value: Any, padding_config: PadConfig) -> Any:
    """Pad ``x`` with the scalar ``padding_value``: ``(low, high, interior)`` per dimension,
    all non-negative."""
    config = tuple((int(lo), int(hi), int(it)) for lo, hi, it in padding_config)
    if all(c == (0, 0, 0) for c in config):
        return x
    return pad_p.bind(x, padding_value, padding_config=config)


def _pad_shape(shape: Shape, config: PadConfig) -> Shape:
    return tuple(
        lo + hi + n + max(0, n - 1) * it for n, (lo, hi, it) in zip(shape, config, strict=True)
    )


def _pad_abstract_eval(
    x: ShapedArray, value: ShapedArray, *, padding_config: PadConfig
) -> ShapedArray:
    if (
        value.shape != ()
        or len(padding_config) != x.ndim
        or any(min(c) < 0 for c in padding_config)
    ):
        raise ShapeError(
            f"pad: padding_config={padding_config} (non-negative, one per dimension) "
            f"and a scalar padding value are needed for shape {x.shape}, got a "
            f"padding value of shape {value.shape}."
        )
    if value.dtype != x.dtype:
        raise DTypeError(
            f"pad: operand dtype {x.dtype.name} and padding value dtype {value.dtype.name} differ."
        )
    return x.update(shape=_pad_shape(x.shape, padding_config))


def _interior_index(shape: Shape, config: PadConfig) -> tuple[Any, ...]:
    return tuple(
        builtins.slice(lo, lo + max(0, (n - 1) * (it + 1) + 1) if n else lo, it + 1)
        for n, (lo, _, it) in zip(shape, config, strict=True)
    )


def _pad_impl(x: Any, value: Any, *, padding_config: PadConfig) -> Any:
    x = np.asarray(x)
    out = np.full(_pad_shape(x.shape, padding_config), value, dtype=x.dtype)
    out[_interior_index(x.shape, padding_config)] = x
    return out


def _pad_transpose(ct: Any, x: Any, value: Any, *, padding_config: PadConfig) -> list[Any]:
    idx = _interior_index(x.aval.shape, padding_config)
    ct_shape = get_aval(ct).shape
    starts = [s.start for s in idx]
    limits = [
        min(s.stop, n) if s.stop > s.start else s.start for s, n in zip(idx, ct_shape, strict=True)
    ]
    if is_undefined_primal(value):
        raise NotImplementedError(
            "pad is linear in its operand only; pad with a traced value through "
            "tracegrad.numpy.pad, which handles it."
        )
    return [slice(ct, starts, limits, [s.step for s in idx]), None]


def _pad_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, padding_config: PadConfig
) -> tuple[Any, int]:
    (x, value), (dx, dv) = args, dims
    if dv is not None:
        raise NotImplementedError("pad: batching over the padding value is not supported.")
    x = moveaxis(x, dx, 0)  # type: ignore[arg-type]
    return pad(x, value, ((0, 0, 0), *padding_config)), 0


pad_p = Primitive("pad")
pad_p.def_impl(_pad_impl)
pad_p.def_abstract_eval(_pad_abstract_eval)
deflinear(pad_p, _pad_transpose)
pad_p.def_batch(_pad_batch)
pad_p.grad_fn_name = "ConstantPadNdBackward0"
