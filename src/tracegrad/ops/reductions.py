"""Reduction and cumulative primitives: max, min, prod, and, or over axes; argmax, argmin;
cumsum and cumprod along one axis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray, Zero, get_aval
from tracegrad.ops.elementwise import div, eq, mul, scalar_like
from tracegrad.ops.rules import defjvp_zero, deflinear, emitter
from tracegrad.ops.structural import (
    add_any,
    broadcast_in_dim,
    canonical_axis,
    convert_element_type,
    pad,
    reduce_sum,
    reshape,
    shift_axes_for_batch,
    slice_in_dim,
    transpose,
)

Shape = tuple[int, ...]


# ---- shared rules ------------------------------------------------------------
def _reduced_shape(x: ShapedArray, axes: Shape) -> Shape:
    for a in axes:
        canonical_axis(a, x.ndim)
    return tuple(s for i, s in enumerate(x.shape) if i not in axes)


def _check_nonempty(name: str, x: ShapedArray, axes: Shape) -> None:
    """NumPy refuses to reduce a zero-size axis with an operation that has no identity."""
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(
            f"zero-size array to reduction operation {name} which has no identity: "
            f"reducing axes {axes} of an array of shape {x.shape}. Pass a non-empty array "
            "or an initial value."
        )


def _defreducer_batch(prim: Primitive) -> None:
    """Batching of a primitive reducing ``axes``: renumber them around the batch dim."""

    def rule(
        args: Sequence[Any], dims: Sequence[int | None], *, axes: Shape, **params: Any
    ) -> tuple[Any, int]:
        (x,), (d,) = args, dims
        assert d is not None  # a rule runs only when its operand is batched
        new_axes = shift_axes_for_batch(axes, d)
        return prim.bind(x, axes=new_axes, **params), d - sum(a < d for a in new_axes)

    prim.def_batch(rule)


def _defaxis_batch(prim: Primitive, *, keeps_axis: bool) -> None:
    """Batching of a primitive acting along one ``axis`` (which it removes or keeps)."""

    def rule(
        args: Sequence[Any], dims: Sequence[int | None], *, axis: int, **params: Any
    ) -> tuple[Any, int]:
        (x,), (d,) = args, dims
        assert d is not None
        new_axis = axis + (axis >= d)
        out_dim = d if keeps_axis else d - (new_axis < d)
        return prim.bind(x, axis=new_axis, **params), out_dim

    prim.def_batch(rule)


def _kept_dims(ndim: int, axes: Shape) -> Shape:
    return tuple(i for i in range(ndim) if i not in axes)


# ---- reduce_max, reduce_min ----------------------------------------------------
def reduce_max(x: Any, axes: Sequence[int]) -> Any:
    """Maximum over ``axes`` (non-negative); the derivative splits evenly among ties.

    >>> reduce_max(np.array([[1.0, 5.0], [7.0, 2.0]]), (1,))
    array([5., 7.])
    """
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_max_p.bind(x, axes=axes) if axes else x


def reduce_min(x: Any, axes: Sequence[int]) -> Any:
    """Minimum over ``axes`` (non-negative); the derivative splits evenly among ties.

    >>> reduce_min(np.array([[1.0, 5.0], [7.0, 2.0]]), (0,))
    array([1., 2.])
    """
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_min_p.bind(x, axes=axes) if axes else x


def _minmax_abstract_eval(name: str) -> Any:
    def rule(x: ShapedArray, *, axes: Shape) -> ShapedArray:
        shape = _reduced_shape(x, axes)
        _check_nonempty(name, x, axes)
        return x.update(shape=shape)

    return rule


def _defminmax_jvp(prim: Primitive) -> None:
    # The tangent is the mean of the tangents at the positions attaining the extremum:
    # with one winner the usual derivative, with k tied winners each gets weight 1/k
    # (the minimum-norm subgradient). The weights are piecewise constant in x, so this
    # expression is differentiable again (second derivative 0), as JAX's rule is.
    def rule(primals: Sequence[Any], tangents: Sequence[Any], *, axes: Shape) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        out = prim.bind(x, axes=axes)
        if type(t) is Zero:
            return out, Zero.like_primal(get_aval(out))
        aval = get_aval(x)
        at_extremum = eq(x, broadcast_in_dim(out, aval.shape, _kept_dims(aval.ndim, axes)))
        weights = convert_element_type(at_extremum, get_aval(t).dtype)
        return out, div(reduce_sum(mul(t, weights), axes), reduce_sum(weights, axes))

    prim.def_jvp(rule)


reduce_max_p = Primitive("reduce_max")
reduce_max_p.def_impl(lambda x, *, axes: np.max(x, axis=axes))
reduce_max_p.def_abstract_eval(_minmax_abstract_eval("maximum"))
_defminmax_jvp(reduce_max_p)
_defreducer_batch(reduce_max_p)
reduce_max_p.def_emit(emitter("reduction", np.maximum, with_dtype=False))

reduce_min_p = Primitive("reduce_min")
reduce_min_p.def_impl(lambda x, *, axes: np.min(x, axis=axes))
reduce_min_p.def_abstract_eval(_minmax_abstract_eval("minimum"))
_defminmax_jvp(reduce_min_p)
_defreducer_batch(reduce_min_p)
reduce_min_p.def_emit(emitter("reduction", np.minimum, with_dtype=False))


# ---- reduce_prod --------------------------------------------------------------
def reduce_prod(x: Any, axes: Sequence[int]) -> Any:
    """Product over ``axes`` (non-negative), keeping the dtype of ``x``.

    >>> reduce_prod(np.array([[1.0, 5.0], [0.0, 2.0]]), (1,))
    array([5., 0.])
    """
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_prod_p.bind(x, axes=axes) if axes else x


def _reduce_prod_impl(x: Any, *, axes: Shape) -> Any:
    x = np.asarray(x)
    return np.prod(x, axis=axes, dtype=x.dtype)


def _reduce_prod_abstract_eval(x: ShapedArray, *, axes: Shape) -> ShapedArray:
    return x.update(shape=_reduced_shape(x, axes))


def _pad_axis(x: Any, value: Any, axis: int, low: int, high: int) -> Any:
    """Pad ``x`` along ``axis`` with the constant ``value``."""
    ndim = get_aval(x).ndim
    config = [(0, 0, 0)] * ndim
    config[axis] = (low, high, 0)
    return pad(x, scalar_like(x, value), config)


def _product_tree_jvp(x: Any, t: Any) -> Any:
    """The tangent of the product of ``x`` over axis 0, along ``t``.

    The product is taken as a balanced tree of pairwise multiplications, and each is
    differentiated by the product rule: no division, so zeros in ``x`` are exact, and
    only bind-based ops, so the result is differentiable again. O(n) work.
    """
    n = get_aval(x).shape[0]
    while n > 1:
        if n % 2:
            x, t, n = _pad_axis(x, 1, 0, 0, 1), _pad_axis(t, 0, 0, 0, 1), n + 1
        half = n // 2
        xa, xb = slice_in_dim(x, 0, half, 0), slice_in_dim(x, half, n, 0)
        ta, tb = slice_in_dim(t, 0, half, 0), slice_in_dim(t, half, n, 0)
        x, t, n = mul(xa, xb), add_any(mul(ta, xb), mul(xa, tb)), half
    return t


def _reduce_prod_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, axes: Shape
) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = reduce_prod(x, axes)
    out_aval = get_aval(out)
    shape = get_aval(x).shape
    count = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    if type(t) is Zero or count == 0:
        return out, Zero.like_primal(out_aval)
    # Reduced axes first, flattened into one: the tree then reduces axis 0.
    perm = (*axes, *_kept_dims(len(shape), axes))
    flat_shape = (count, *out_aval.shape)
    x_flat = reshape(transpose(x, perm), flat_shape)
    t_flat = reshape(transpose(t, perm), flat_shape)
    return out, reshape(_product_tree_jvp(x_flat, t_flat), out_aval.shape)


reduce_prod_p = Primitive("reduce_prod")
reduce_prod_p.def_impl(_reduce_prod_impl)
reduce_prod_p.def_abstract_eval(_reduce_prod_abstract_eval)
reduce_prod_p.def_jvp(_reduce_prod_jvp)
_defreducer_batch(reduce_prod_p)
reduce_prod_p.def_emit(emitter("reduction", np.multiply, with_dtype=True))


# ---- reduce_and, reduce_or ----------------------------------------------------
def reduce_and(x: Any, axes: Sequence[int]) -> Any:
    """Logical AND of a boolean array over ``axes`` (True over empty axes).

    >>> reduce_and(np.array([[True, False], [True, True]]), (1,))
    array([False,  True])
    """
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_and_p.bind(x, axes=axes) if axes else x


def reduce_or(x: Any, axes: Sequence[int]) -> Any:
    """Logical OR of a boolean array over ``axes`` (False over empty axes).

    >>> reduce_or(np.array([[True, False], [False, False]]), (1,))
    array([ True, False])
    """
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_or_p.bind(x, axes=axes) if axes else x


def _logical_abstract_eval(name: str) -> Any:
    def rule(x: ShapedArray, *, axes: Shape) -> ShapedArray:
        if x.dtype != np.bool_:
            raise DTypeError(
                f"{name} takes a boolean array, got dtype {x.dtype.name}; compare "
                "with 0 first (tracegrad.numpy.all and any do)."
            )
        return ShapedArray(_reduced_shape(x, axes), x.dtype)

    return rule


reduce_and_p = Primitive("reduce_and")
reduce_and_p.def_impl(lambda x, *, axes: np.all(x, axis=axes))
reduce_and_p.def_abstract_eval(_logical_abstract_eval("reduce_and"))
defjvp_zero(reduce_and_p)
_defreducer_batch(reduce_and_p)

reduce_or_p = Primitive("reduce_or")
reduce_or_p.def_impl(lambda x, *, axes: np.any(x, axis=axes))
reduce_or_p.def_abstract_eval(_logical_abstract_eval("reduce_or"))
defjvp_zero(reduce_or_p)
_defreducer_batch(reduce_or_p)


# ---- argmax, argmin -----------------------------------------------------------
def argmax(x: Any, axis: int, index_dtype: Any = np.int64) -> Any:
    """Index of the first maximum along ``axis`` (NaN counts as the maximum, as in NumPy).

    >>> argmax(np.array([1.0, 3.0, 3.0]), 0)
    np.int64(1)
    """
    return argmax_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def argmin(x: Any, axis: int, index_dtype: Any = np.int64) -> Any:
    """Index of the first minimum along ``axis`` (NaN counts as the minimum, as in NumPy).

    >>> argmin(np.array([3.0, 1.0, 1.0]), 0)
    np.int64(1)
    """
    return argmin_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def _argminmax_abstract_eval(name: str) -> Any:
    def rule(x: ShapedArray, *, axis: int, index_dtype: np.dtype[Any]) -> ShapedArray:
        shape = _reduced_shape(x, (axis,))
        if x.shape[axis] == 0:
            raise ValueError(
                f"attempt to get {name} of an empty sequence: axis {axis} of an "
                f"array of shape {x.shape} has size 0."
            )
        return ShapedArray(shape, index_dtype)

    return rule


def _argminmax_impl(np_fn: Any) -> Any:
    def impl(x: Any, *, axis: int, index_dtype: np.dtype[Any]) -> Any:
        return np.asarray(np_fn(x, axis=axis)).astype(index_dtype)[()]

    return impl


argmax_p = Primitive("argmax")
argmax_p.def_impl(_argminmax_impl(np.argmax))
argmax_p.def_abstract_eval(_argminmax_abstract_eval("argmax"))
defjvp_zero(argmax_p)
_defaxis_batch(argmax_p, keeps_axis=False)

argmin_p = Primitive("argmin")
argmin_p.def_impl(_argminmax_impl(np.argmin))
argmin_p.def_abstract_eval(_argminmax_abstract_eval("argmin"))
defjvp_zero(argmin_p)
_defaxis_batch(argmin_p, keeps_axis=False)


# ---- cumsum -------------------------------------------------------------------
def cumsum(x: Any, axis: int, reverse: bool = False) -> Any:
    """Running sum along ``axis`` (from the end when ``reverse``), keeping the dtype.

    >>> cumsum(np.array([1.0, 2.0, 3.0]), 0, reverse=True)
    array([6., 5., 3.])
    """
    return cumsum_p.bind(x, axis=int(axis), reverse=bool(reverse))


def _cumulative_impl(np_fn: Any) -> Any:
    def impl(x: Any, *, axis: int, reverse: bool) -> Any:
        x = np.asarray(x)
        if reverse:
            return np.flip(np_fn(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
        return np_fn(x, axis=axis, dtype=x.dtype)

    return impl


def _cumulative_abstract_eval(x: ShapedArray, *, axis: int, reverse: bool) -> ShapedArray:
    canonical_axis(axis, x.ndim)
    return x


cumsum_p = Primitive("cumsum")
cumsum_p.def_impl(_cumulative_impl(np.cumsum))
cumsum_p.def_abstract_eval(_cumulative_abstract_eval)
# The transpose of a running sum is the running sum taken from the other end.
deflinear(cumsum_p, lambda ct, x, *, axis, reverse: [cumsum(ct, axis, not reverse)])
_defaxis_batch(cumsum_p, keeps_axis=True)


# ---- cumprod ------------------------------------------------------------------
def cumprod(x: Any, axis: int, reverse: bool = False) -> Any:
    """Running product along ``axis`` (from the end when ``reverse``), keeping the dtype.

    >>> cumprod(np.array([1.0, 2.0, 3.0]), 0)
    array([1., 2., 6.])
    """
    return cumprod_p.bind(x, axis=int(axis), reverse=bool(reverse))


def _shift(x: Any, offset: int, fill: Any, axis: int, reverse: bool) -> Any:
    """``x`` moved ``offset`` places along ``axis`` (towards the end unless ``reverse``),
    the vacated places filled with ``fill``."""
    n = get_aval(x).shape[axis]
    if reverse:
        return _pad_axis(slice_in_dim(x, offset, n, axis), fill, axis, 0, offset)
    return _pad_axis(slice_in_dim(x, 0, n - offset, axis), fill, axis, offset, 0)


def _cumprod_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, axis: int, reverse: bool
) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = cumprod(x, axis, reverse)
    if type(t) is Zero:
        return out, Zero.like_primal(get_aval(out))
    # A parallel prefix scan (Hillis-Steele) over (product, tangent of product) pairs of
    # ever longer segments; two segments combine by the product rule. No division, so
    # zeros in x are exact, and only bind-based ops, so it differentiates again.
    # log2(n) rounds of O(n) work.
    n = get_aval(x).shape[axis]
    prod, tan = x, t
    offset = 1
    while offset < n:
        prod_before = _shift(prod, offset, 1, axis, reverse)
        tan_before = _shift(tan, offset, 0, axis, reverse)
        prod, tan = (mul(prod, prod_before), add_any(mul(tan, prod_before), mul(prod, tan_before)))
        offset *= 2
    return out, tan


cumprod_p = Primitive("cumprod")
cumprod_p.def_impl(_cumulative_impl(np.cumprod))
cumprod_p.def_abstract_eval(_cumulative_abstract_eval)
cumprod_p.def_jvp(_cumprod_jvp)
_defaxis_batch(cumprod_p, keeps_axis=True)
