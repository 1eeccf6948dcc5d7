"""Tensor contraction: the ``dot_general`` primitive, on which every product of
``tracegrad.numpy`` (dot, matmul, tensordot, einsum, ...) is built."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, ShapeError, get_aval
from tracegrad.ops.combinators import defbilinear
from tracegrad.ops.rules import emitter, same_dtype, simplifier
from tracegrad.ops.structural import (
    broadcast_in_dim,
    canonical_axis,
    moveaxis,
    pad,
    reshape,
    slice_in_dim,
    transpose,
)

Dims = tuple[int, ...]
DimensionNumbers = tuple[tuple[Dims, Dims], tuple[Dims, Dims]]


def free_dims(ndim: int, contracting: Sequence[int], batch: Sequence[int]) -> Dims:
    """The dimensions of a ``dot_general`` operand that are neither contracted nor batched,
    in order: they appear in the output in this order."""
    return tuple(d for d in range(ndim) if d not in contracting and d not in batch)


# ---- dot_general --------------------------------------------------------------
def dot_general(x: Any, y: Any, dimension_numbers: Any) -> Any:
    """General tensor contraction, as ``jax.lax.dot_general``.

    ``dimension_numbers`` is ``((lhs_contracting, rhs_contracting), (lhs_batch,
    rhs_batch))``. The output has the batch dimensions first, then the remaining
    dimensions of ``x``, then those of ``y``, each in their original order. Both
    operands must have one dtype (``tracegrad.numpy`` promotes first).

    >>> dot_general(np.ones((2, 3)), np.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
    (2, 4)
    """
    (lc, rc), (lb, rb) = dimension_numbers
    x_ndim, y_ndim = get_aval(x).ndim, get_aval(y).ndim
    dims = (
        (_canonical(lc, x_ndim), _canonical(rc, y_ndim)),
        (_canonical(lb, x_ndim), _canonical(rb, y_ndim)),
    )
    return dot_general_p.bind(x, y, dimension_numbers=dims)


def _canonical(dims: Sequence[int], ndim: int) -> Dims:
    return tuple(canonical_axis(int(d), ndim, "dot_general dimension") for d in dims)


def _dot_general_impl(x: Any, y: Any, *, dimension_numbers: DimensionNumbers) -> Any:
    x, y = np.asarray(x), np.asarray(y)
    (lc, rc), (lb, rb) = dimension_numbers
    if not lb:
        # The forms of np.dot (BLAS matrix-matrix, matrix-vector, inner product) first.
        if x.ndim <= 2 and y.ndim <= 2 and lc == (x.ndim - 1,) and rc == (0,):
            return np.dot(x, y)
        return np.tensordot(x, y, axes=(lc, rc))
    lf, rf = free_dims(x.ndim, lc, lb), free_dims(y.ndim, rc, rb)
    batch_shape = tuple(x.shape[d] for d in lb)
    lf_shape, rf_shape = tuple(x.shape[d] for d in lf), tuple(y.shape[d] for d in rf)
    k = math.prod(x.shape[d] for d in lc)
    # (batch, M, K) @ (batch, K, N); the transposes and reshapes are views whenever the
    # operands already have that layout, and np.matmul hands transposed strides to BLAS.
    xm = x.transpose(lb + lf + lc).reshape((*batch_shape, math.prod(lf_shape), k))
    ym = y.transpose(rb + rc + rf).reshape((*batch_shape, k, math.prod(rf_shape)))
    return np.matmul(xm, ym).reshape(batch_shape + lf_shape + rf_shape)


def _check_dims(name: str, dims: Dims, ndim: int, shape: tuple[int, ...]) -> None:
    if len(set(dims)) != len(dims) or any(not 0 <= d < ndim for d in dims):
        raise ShapeError(
            f"dot_general: the {name} dimensions {dims} must be distinct dimensions of the "
            f"operand of shape {shape}."
        )


def _dot_general_abstract_eval(
    x: ShapedArray, y: ShapedArray, *, dimension_numbers: DimensionNumbers
) -> ShapedArray:
    (lc, rc), (lb, rb) = dimension_numbers
    dtype = same_dtype("dot_general", x, y)
    _check_dims("lhs contracting and batch", lc + lb, x.ndim, x.shape)
    _check_dims("rhs contracting and batch", rc + rb, y.ndim, y.shape)
    for kind, ld, rd in (("contracting", lc, rc), ("batch", lb, rb)):
        l_sizes, r_sizes = tuple(x.shape[d] for d in ld), tuple(y.shape[d] for d in rd)
        if l_sizes != r_sizes:
            raise ShapeError(
                f"dot_general requires {kind} dimensions to have the same shape, got "
                f"{l_sizes} and {r_sizes} (lhs shape {x.shape} dims {ld}, rhs shape "
                f"{y.shape} dims {rd})."
            )
    shape = (
        tuple(x.shape[d] for d in lb)
        + tuple(x.shape[d] for d in free_dims(x.ndim, lc, lb))
        + tuple(y.shape[d] for d in free_dims(y.ndim, rc, rb))
    )
    return ShapedArray(shape, dtype, x.weak_type and y.weak_type)


def _transpose_lhs(
    ct: Any, x_aval: ShapedArray, y: Any, dimension_numbers: DimensionNumbers
) -> Any:
    """The cotangent of ``x`` in ``dot_general(x, y)``: contract ``ct`` with ``y`` over the
    free dimensions of ``y``, then put the dimensions back in the layout of ``x``."""
    (xc, yc), (xb, yb) = dimension_numbers
    y_ndim = get_aval(y).ndim
    xf, yf = free_dims(x_aval.ndim, xc, xb), free_dims(y_ndim, yc, yb)
    nb = len(xb)
    ct_yf = tuple(range(nb + len(xf), nb + len(xf) + len(yf)))
    out = dot_general_p.bind(ct, y, dimension_numbers=((ct_yf, yf), (tuple(range(nb)), yb)))
    # ``out`` has dims (batch, free of x, contracting dims of y in y's order); name each by
    # the dimension of x it stands for, then invert that naming.
    out_to_x = [*xb, *xf, *(xc[yc.index(d)] for d in sorted(yc))]
    return transpose(out, [out_to_x.index(d) for d in range(x_aval.ndim)])


def _transpose_rhs(
    ct: Any, x: Any, y_aval: ShapedArray, dimension_numbers: DimensionNumbers
) -> Any:
    """The cotangent of ``y``: the lhs rule for ``dot_general(y, x)``, whose output is
    ``ct`` with the two groups of free dimensions swapped."""
    (xc, yc), (xb, yb) = dimension_numbers
    nb = len(xb)
    nxf = get_aval(x).ndim - len(xc) - nb
    nyf = y_aval.ndim - len(yc) - nb
    swapped = transpose(ct, [*range(nb), *range(nb + nxf, nb + nxf + nyf), *range(nb, nb + nxf)])
    return _transpose_lhs(swapped, y_aval, x, ((yc, xc), (yb, xb)))


def _shift(dims: Dims) -> Dims:
    return tuple(d + 1 for d in dims)


def _dot_general_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, dimension_numbers: DimensionNumbers
) -> tuple[Any, int]:
    (x, y), (dx, dy) = args, dims
    (xc, yc), (xb, yb) = dimension_numbers
    # Each batched operand gets its batch dimension in front; the other dimensions shift.
    if dx is not None:
        x, xc, xb = moveaxis(x, dx, 0), _shift(xc), _shift(xb)
    if dy is not None:
        y, yc, yb = moveaxis(y, dy, 0), _shift(yc), _shift(yb)
    if dx is not None and dy is not None:
        new: DimensionNumbers = ((xc, yc), ((0, *xb), (0, *yb)))
        return dot_general_p.bind(x, y, dimension_numbers=new), 0
    new = ((xc, yc), (xb, yb))
    out = dot_general_p.bind(x, y, dimension_numbers=new)
    # An unbatched partner: the batch dimension is the first free one of its operand.
    if dx is not None:
        return out, len(xb)
    return out, len(xb) + get_aval(x).ndim - len(xc) - len(xb)


dot_general_p = Primitive("dot_general")
dot_general_p.def_impl(_dot_general_impl)
dot_general_p.def_abstract_eval(_dot_general_abstract_eval)
defbilinear(
    dot_general_p,
    lambda ct, x, y, *, dimension_numbers: _transpose_lhs(ct, x.aval, y, dimension_numbers),
    lambda ct, x, y, *, dimension_numbers: _transpose_rhs(ct, x, y.aval, dimension_numbers),
)
dot_general_p.def_batch(_dot_general_batch)
dot_general_p.def_emit(emitter("dot_general"))
dot_general_p.def_simplify(simplifier("dot_general"))
dot_general_p.grad_fn_name = "MmBackward0"


# ---- diagonals: composites of reshape and strided slice / pad ------------------
# The diagonal of an (n, m) matrix is every (m + 1)-th element of its flattened form, so
# extracting one is a strided slice and building one is the matching interior pad: both
# primitives exist with all their rules, so diagonals need no primitive of their own.


def _diagonal_span(n: int, m: int, offset: int) -> tuple[int, int]:
    """(start in the flattened matrix, length) of diagonal ``offset`` of an (n, m) matrix."""
    if offset >= 0:
        return offset, max(0, min(n, m - offset))
    return -offset * m, max(0, min(n + offset, m))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal ``offset`` of the matrices spanned by ``axis1`` and ``axis2``, as the last
    axis of the result (``numpy.diagonal``; axes already validated).

    >>> diagonal(np.arange(6.0).reshape(2, 3), 1)
    array([1., 5.])
    """
    shape = get_aval(x).shape
    ndim = len(shape)
    a1, a2 = canonical_axis(axis1, ndim, "axis1"), canonical_axis(axis2, ndim, "axis2")
    rest = [d for d in range(ndim) if d not in (a1, a2)]
    x = transpose(x, [*rest, a1, a2])
    lead, n, m = tuple(shape[d] for d in rest), shape[a1], shape[a2]
    start, length = _diagonal_span(n, m, offset)
    flat = reshape(x, (*lead, n * m))
    if length == 0:
        return slice_in_dim(flat, 0, 0, len(lead))
    return slice_in_dim(flat, start, start + (length - 1) * (m + 1) + 1, len(lead), m + 1)


def diagonal_matrix(v: Any, offset: int = 0) -> Any:
    """The square matrix with the 1-d ``v`` on diagonal ``offset`` and zeros elsewhere
    (``numpy.diag`` of a vector).

    >>> diagonal_matrix(np.array([1.0, 2.0]), -1)
    array([[0., 0., 0.],
           [1., 0., 0.],
           [0., 2., 0.]])
    """
    aval = get_aval(v)
    (length,) = aval.shape
    size = length + abs(offset)
    zero = np.zeros((), aval.dtype)
    if length == 0:
        return broadcast_in_dim(zero, (size, size), ())
    start, _ = _diagonal_span(size, size, offset)
    stop = start + (length - 1) * (size + 1) + 1
    flat = pad(v, zero, [(start, size * size - stop, size)])
    return reshape(flat, (size, size))
