"""The shape-changing, creation and contraction functions of ``jax.lax``, on the primitives
of ``tracegrad.ops`` (``broadcast_in_dim``, ``reshape``, ``transpose``, ``pad``, ``slice``,
``rev``, ``concatenate``, ``convert_element_type``, ``dot_general``); none promotes."""

from __future__ import annotations

import builtins
import enum
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ConcretizationTypeError, DTypeError, ShapeError, Tracer, get_aval
from tracegrad.lax._elementwise import check_operands
from tracegrad.ops import linalg, shapes, structural
from tracegrad.ops.elementwise_select import select_n as _select_n
from tracegrad.ops.structural import canonical_axis


class Precision(enum.Enum):
    """Matmul precision, as ``jax.lax.Precision``: accepted and ignored (NumPy computes every
    product in the operands' dtype)."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


def _dims(dims: Sequence[int], ndim: int, what: str) -> tuple[int, ...]:
    return tuple(canonical_axis(int(d), ndim, what) for d in dims)


def broadcast_in_dim(
    operand: Any, shape: Sequence[int], broadcast_dimensions: Sequence[int]
) -> Any:
    """``operand`` broadcast to ``shape``, its dimension ``i`` becoming
    ``broadcast_dimensions[i]``, as ``jax.lax.broadcast_in_dim``.

    >>> broadcast_in_dim(np.array([1, 2]), (3, 2), (1,))
    array([[1, 2],
           [1, 2],
           [1, 2]])
    """
    x_shape, dims = get_aval(operand).shape, tuple(int(d) for d in broadcast_dimensions)
    shape = tuple(int(s) for s in shape)
    fits = len(dims) == len(x_shape) and all(0 <= d < len(shape) for d in dims)
    if fits and any(n not in (1, shape[d]) for n, d in zip(x_shape, dims, strict=True)):
        raise ShapeError(
            "broadcast_in_dim operand dimension sizes must either be 1, or be equal to "
            "their corresponding dimensions in the target broadcast shape; got operand of "
            f"shape {x_shape}, target broadcast shape {shape}, broadcast_dimensions {dims}"
        )
    return structural.broadcast_in_dim(operand, shape, dims)


def broadcast(operand: Any, sizes: Sequence[int]) -> Any:
    """``operand`` with new leading dimensions ``sizes``, as ``jax.lax.broadcast``.

    >>> broadcast(np.array([1, 2]), (2,)).shape
    (2, 2)
    """
    shape = get_aval(operand).shape
    lead = len(sizes)
    return structural.broadcast_in_dim(
        operand, (*sizes, *shape), tuple(range(lead, lead + len(shape)))
    )


def expand_dims(array: Any, dimensions: Sequence[int]) -> Any:
    """``array`` with size-1 dimensions inserted at ``dimensions`` (of the result), as
    ``jax.lax.expand_dims``.

    >>> expand_dims(np.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    shape = list(get_aval(array).shape)
    ndim = len(shape) + len(dimensions)
    for d in sorted(_dims(dimensions, ndim, "expand_dims dimension")):
        shape.insert(d, 1)
    return structural.reshape(array, tuple(shape))


def squeeze(array: Any, dimensions: Sequence[int]) -> Any:
    """``array`` without its size-1 ``dimensions``, as ``jax.lax.squeeze``.

    >>> squeeze(np.ones((1, 3, 1)), (0,)).shape
    (3, 1)
    """
    shape = get_aval(array).shape
    dims = set(_dims(dimensions, len(shape), "squeeze dimension"))
    if any(shape[d] != 1 for d in dims):
        raise ShapeError(
            "cannot select an axis to squeeze out which has size not equal to one, got "
            f"shape={shape} and dimensions={tuple(dimensions)}."
        )
    return structural.reshape(array, tuple(s for i, s in enumerate(shape) if i not in dims))


def reshape(operand: Any, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None) -> Any:
    """``operand`` (first transposed by ``dimensions``) in C order reshaped to
    ``new_sizes``, as ``jax.lax.reshape``.

    >>> reshape(np.arange(6), (3, 2))
    array([[0, 1],
           [2, 3],
           [4, 5]])
    """
    if dimensions is not None:
        operand = structural.transpose(operand, tuple(dimensions))
    return structural.reshape(operand, tuple(new_sizes))


def transpose(operand: Any, permutation: Sequence[int]) -> Any:
    """``operand`` with dimension ``i`` of the result being ``permutation[i]``, as
    ``jax.lax.transpose``.

    >>> transpose(np.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    perm, shape = tuple(int(p) for p in permutation), get_aval(operand).shape
    if sorted(perm) != list(range(len(shape))):
        raise ShapeError(
            "transpose permutation isn't a permutation of operand dimensions, got permutation "
            f"{perm} for operand shape {shape}."
        )
    return structural.transpose(operand, perm)


def collapse(operand: Any, start_dimension: int, stop_dimension: int | None = None) -> Any:
    """``operand`` with dimensions ``[start, stop)`` merged into one, as ``jax.lax.collapse``.

    >>> collapse(np.ones((2, 3, 4)), 1).shape
    (2, 12)
    """
    shape = get_aval(operand).shape
    start = start_dimension % len(shape) if start_dimension < 0 else start_dimension
    stop = len(shape) if stop_dimension is None else stop_dimension
    stop = stop % len(shape) if stop < 0 else stop
    if not 0 <= start <= stop <= len(shape):
        raise ValueError(
            f"Invalid dimension range passed to collapse: {shape}[{start_dimension}:"
            f"{stop_dimension}]"
        )
    size = int(np.prod(shape[start:stop], dtype=np.int64))
    return structural.reshape(operand, (*shape[:start], size, *shape[stop:]))


def rev(operand: Any, dimensions: Sequence[int]) -> Any:
    """``operand`` reversed along ``dimensions``, as ``jax.lax.rev``.

    >>> rev(np.arange(3), (0,))
    array([2, 1, 0])
    """
    ndim, dims = get_aval(operand).ndim, tuple(int(d) for d in dimensions)
    if any(not 0 <= d < ndim for d in dims) or len(set(dims)) != len(dims):
        raise ShapeError(
            "rev dimensions must all be less than operand ndim (and distinct), got "
            f"dimensions {dims} for operand ndim {ndim}."
        )
    return shapes.rev(operand, dims)


def concatenate(operands: Sequence[Any], dimension: int) -> Any:
    """``operands`` (one dtype, one rank) joined along ``dimension``, as
    ``jax.lax.concatenate``.

    >>> concatenate([np.ones(2), np.zeros(1)], 0)
    array([1., 1., 0.])
    """
    if len({get_aval(x).ndim for x in operands}) > 1:
        raise ShapeError(
            "Cannot concatenate arrays with different numbers of dimensions: got "
            + ", ".join(str(get_aval(x).shape) for x in operands)
            + "."
        )
    check_operands("concatenate", tuple(operands))
    return structural.concatenate(list(operands), int(dimension))


def split(operand: Any, sizes: Sequence[int], axis: int = 0) -> list[Any]:
    """``operand`` cut along ``axis`` into pieces of ``sizes``, as ``jax.lax.split``.

    >>> split(np.arange(5), (2, 3))
    [array([0, 1]), array([2, 3, 4])]
    """
    shape = get_aval(operand).shape
    axis = canonical_axis(axis, len(shape))
    if sum(sizes) != shape[axis]:
        raise ShapeError(
            f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the operand "
            f"shape {list(shape)}."
        )
    bounds = np.cumsum([0, *sizes])
    return [
        structural.slice_in_dim(operand, int(lo), int(hi), axis)
        for lo, hi in itertools.pairwise(bounds)
    ]


def pad(operand: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]) -> Any:
    """``operand`` padded with the scalar ``padding_value``: ``(low, high, interior)`` per
    dimension; negative ``low`` / ``high`` remove elements, as ``jax.lax.pad``.

    >>> pad(np.arange(1.0, 4.0), 0.0, [(-1, 2, 1)])
    array([0., 2., 0., 3., 0., 0.])
    """
    x, v = get_aval(operand), get_aval(padding_value)
    if x.dtype != v.dtype:
        raise DTypeError(
            "pad operand and padding_value must be same dtype: got "
            f"{x.dtype.name} and {v.dtype.name}."
        )
    config = [tuple(int(c) for c in cfg) for cfg in padding_config]
    if len(config) != x.ndim or any(len(c) != 3 or c[2] < 0 for c in config):
        raise ShapeError(
            f"pad: padding_config {config} must have one (low, high, interior) triple, "
            f"interior >= 0, per dimension of the operand of shape {x.shape}."
        )
    sizes = [lo + hi + n + builtins.max(0, n - 1) * it for n, (lo, hi, it) in zip(x.shape, config)]
    if any(s < 0 for s in sizes):
        raise ShapeError(
            f"Dimension size after padding is not at least 0, got result shape {tuple(sizes)}, "
            f"for padding_config {tuple(config)} and operand shape {x.shape}."
        )
    padded = structural.pad(
        operand,
        padding_value,
        [(builtins.max(lo, 0), builtins.max(hi, 0), it) for lo, hi, it in config],
    )
    full = get_aval(padded).shape
    starts = [builtins.max(-lo, 0) for lo, _, _ in config]
    limits = [n - builtins.max(-hi, 0) for n, (_, hi, _) in zip(full, config)]
    return structural.slice(padded, starts, limits)


def select_n(which: Any, *cases: Any) -> Any:
    """``cases[which]`` elementwise (``which`` boolean for two cases, else integer; a scalar
    or of the cases' shape), as ``jax.lax.select_n``.

    >>> select_n(np.array([0, 2, 1]), np.zeros(3), np.ones(3), np.full(3, 2.0))
    array([0., 2., 1.])
    """
    if not cases:
        raise ValueError("select_n called with no cases.")
    check_operands("select", cases)
    shape = get_aval(cases[0]).shape
    if any(get_aval(c).shape != shape for c in cases) or get_aval(which).shape not in ((), shape):
        raise ShapeError(
            "select `which` must be scalar or have the same shape as cases, got `which` shape "
            f"{get_aval(which).shape} but case shapes {[get_aval(c).shape for c in cases]}."
        )
    if get_aval(which).dtype == np.bool_ and len(cases) > 2:
        raise DTypeError("select_n with more than two cases needs an integer `which`.")
    return _select_n(which, *cases)


def convert_element_type(operand: Any, new_dtype: Any) -> Any:
    """``operand`` cast to ``new_dtype`` (complex to real keeps the real part), as
    ``jax.lax.convert_element_type``.

    >>> convert_element_type(np.array([2.7, -1.5]), np.int32)
    array([ 2, -1], dtype=int32)
    """
    return structural.convert_element_type(operand, np.dtype(new_dtype))


def bitcast_convert_type(operand: Any, new_dtype: Any) -> Any:
    """The bits of ``operand`` read as ``new_dtype`` (a narrower type adds a trailing
    dimension, a wider one consumes it), as ``jax.lax.bitcast_convert_type``. Not
    differentiable; the operand must be concrete (not traced).

    >>> bitcast_convert_type(np.float32(1.0), np.int32)
    array(1065353216, dtype=int32)
    """
    if isinstance(operand, Tracer):
        raise ConcretizationTypeError(
            "bitcast_convert_type needs a concrete operand; tracegrad does not stage it. "
            "Call it outside jit / grad / vmap."
        )
    x = np.array(operand)  # a C-contiguous copy
    new = np.dtype(new_dtype)
    ratio = x.dtype.itemsize / new.itemsize
    if ratio >= 1:
        return x.reshape(-1).view(new).reshape(x.shape + ((int(ratio),) if ratio > 1 else ()))
    if x.shape[-1:] != (round(1 / ratio),):
        raise ShapeError(
            f"bitcast_convert_type from {x.dtype.name} to {new.name} needs a last dimension of "
            f"size {round(1 / ratio)}, got shape {x.shape}."
        )
    return x.view(new).reshape(x.shape[:-1])


def iota(dtype: Any, size: int) -> Any:
    """``[0, 1, ..., size - 1]`` in ``dtype``, as ``jax.lax.iota``.

    >>> iota(np.int32, 3)
    array([0, 1, 2], dtype=int32)
    """
    if int(size) < 0:
        raise ShapeError(f"iota shape must have every element be nonnegative, got ({size},).")
    return np.arange(int(size), dtype=np.dtype(dtype))


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Any:
    """The count along ``dimension`` broadcast to ``shape``, as ``jax.lax.broadcasted_iota``.

    >>> broadcasted_iota(np.int32, (2, 3), 1)
    array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    shape = tuple(int(s) for s in shape)
    dimension = canonical_axis(dimension, len(shape))
    return structural.broadcast_in_dim(iota(dtype, shape[dimension]), shape, (dimension,))


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with the scalar ``fill_value``, as ``jax.lax.full``.

    >>> full((2,), 3.0, np.float32)
    array([3., 3.], dtype=float32)
    """
    aval = get_aval(fill_value)
    if aval.shape:
        raise ShapeError(
            f"full must be called with scalar fill_value, got fill_value.shape {aval.shape}."
        )
    value = fill_value if dtype is None else structural.convert_element_type(fill_value, dtype)
    return structural.broadcast_in_dim(value, tuple(int(s) for s in shape), ())


def full_like(
    x: Any, fill_value: Any, dtype: Any = None, shape: Sequence[int] | None = None
) -> Any:
    """An array like ``x`` (its shape and dtype unless given) filled with ``fill_value``, as
    ``jax.lax.full_like``.

    >>> full_like(np.ones(2, np.float32), 3)
    array([3., 3.], dtype=float32)
    """
    aval = get_aval(x)
    target = aval.shape if shape is None else tuple(shape)
    return full(target, fill_value, aval.dtype if dtype is None else dtype)


def dot_general(
    lhs: Any,
    rhs: Any,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
) -> Any:
    """The general contraction: ``dimension_numbers = ((lhs_contracting, rhs_contracting),
    (lhs_batch, rhs_batch))``; the output has the batch dimensions, then the free ones of
    ``lhs``, then those of ``rhs``, as ``jax.lax.dot_general``. Mixed input dtypes are
    promoted; ``preferred_element_type`` sets the output dtype (the product is computed in
    it). ``precision`` is accepted and ignored.

    >>> a, b = np.ones((2, 3, 4), np.int8), np.ones((2, 4, 5), np.int8)
    >>> out = dot_general(a, b, (((2,), (1,)), ((0,), (0,))), preferred_element_type=np.int32)
    >>> out.shape, out.dtype
    ((2, 3, 5), dtype('int32'))
    """
    del precision, out_sharding
    dtype = np.result_type(get_aval(lhs).dtype, get_aval(rhs).dtype)
    if preferred_element_type is not None:
        dtype = np.dtype(preferred_element_type)
    lhs = structural.convert_element_type(lhs, dtype)
    rhs = structural.convert_element_type(rhs, dtype)
    return linalg.dot_general(lhs, rhs, dimension_numbers)


def dot(lhs: Any, rhs: Any, precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Vector-vector, matrix-vector or matrix-matrix product, as ``jax.lax.dot``.

    >>> dot(np.ones((3, 4)), np.ones(4))
    array([4., 4., 4.])
    """
    x, y = get_aval(lhs), get_aval(rhs)
    if x.ndim not in (1, 2) or y.ndim not in (1, 2) or x.shape[-1] != y.shape[0]:
        raise ShapeError(
            "jax.lax.dot: dimension_numbers must be specified when not performing simple "
            "un-batched matrix-matrix, matrix-vector, or vector-vector products; got "
            f"lhs_shape={x.shape} rhs_shape={y.shape}. Use lax.dot_general."
        )
    dims = (((x.ndim - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dims, precision, preferred_element_type)


def batch_matmul(lhs: Any, rhs: Any, precision: Any = None) -> Any:
    """Matrix products over matching leading batch dimensions, as ``jax.lax.batch_matmul``.

    >>> batch_matmul(np.ones((2, 3, 4)), np.ones((2, 4, 5))).shape
    (2, 3, 5)
    """
    x, y = get_aval(lhs), get_aval(rhs)
    if x.ndim < 2 or x.ndim != y.ndim:
        raise ShapeError(
            "batch_matmul requires arguments of the same rank (at least 2), got shapes "
            f"{x.shape} and {y.shape}."
        )
    n = x.ndim
    batch = tuple(range(n - 2))
    return dot_general(lhs, rhs, (((n - 1,), (n - 2,)), (batch, batch)), precision)


def optimization_barrier(operand: Any) -> Any:
    """``operand`` (any pytree) unchanged, as ``jax.lax.optimization_barrier`` (there is no
    compiler here to keep from reordering).

    >>> optimization_barrier((1.0, 2.0))
    (1.0, 2.0)
    """
    return operand
