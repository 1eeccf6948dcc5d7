"""Reductions and cumulative reductions of ``jax.lax``: ``reduce_*`` over ``axes``,
``argmax`` / ``argmin``, the generic ``reduce`` (a known monoid becomes its reduction
primitive, any other associative computation a balanced tree of its own applications),
and ``cumsum`` ... ``cumlogsumexp`` (``cummax``, ``cummin`` and ``cumlogsumexp`` are
``associative_scan`` compositions, differentiated through them, as JAX does)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, ShapeError, Tracer, get_aval, is_eager, pytree
from tracegrad.lax import _elementwise as lx
from tracegrad.lax._control import associative_scan
from tracegrad.ops import elementwise_transcendental as tr
from tracegrad.ops import reductions, structural
from tracegrad.ops.structural import canonical_axis


def _axes(operand: Any, axes: Sequence[int]) -> tuple[int, ...]:
    ndim = get_aval(operand).ndim
    return tuple(sorted(canonical_axis(int(a), ndim) for a in axes))


def _tree_reduce(
    computation: Callable[[Any, Any], Any], operands: list[Any], axes: tuple[int, ...]
) -> list[Any] | None:
    """``operands`` (one shape) folded over ``axes`` by halving: ``computation`` on the two
    halves of the leading axis until one slice is left; None for an empty axis."""
    shape = get_aval(operands[0]).shape
    kept = [d for d in range(len(shape)) if d not in axes]
    size = int(np.prod([shape[d] for d in axes], dtype=np.int64))
    if size == 0:
        return None
    xs = [
        structural.reshape(
            structural.transpose(x, (*axes, *kept)), (size, *(shape[d] for d in kept))
        )
        for x in operands
    ]
    n = size
    while n > 1:
        h = n // 2
        low = [structural.slice_in_dim(x, 0, h, 0) for x in xs]
        high = [structural.slice_in_dim(x, h, 2 * h, 0) for x in xs]
        combined = computation(low, high)
        if n % 2:
            combined = [
                structural.concatenate([c, structural.slice_in_dim(x, 2 * h, n, 0)], 0)
                for c, x in zip(combined, xs, strict=True)
            ]
        xs, n = combined, h + n % 2
    return [structural.reshape(x, get_aval(x).shape[1:]) for x in xs]


def _bitwise_reduction(name: str, op: Callable[[Any, Any], Any], bool_reduction: Any) -> Any:
    def reduce_fn(operand: Any, axes: Sequence[int]) -> Any:
        lx.check_operands(name, (operand,), lx.INTEGER)
        dims = _axes(operand, axes)
        if get_aval(operand).dtype == np.bool_ and bool_reduction is not None:
            return bool_reduction(operand, dims)
        folded = _tree_reduce(lambda a, b: [op(a[0], b[0])], [operand], dims)
        if folded is None:
            identity = -1 if op is lx.bitwise_and else 0
            shape = tuple(s for i, s in enumerate(get_aval(operand).shape) if i not in dims)
            return np.full(shape, identity, get_aval(operand).dtype)
        return folded[0]

    reduce_fn.__name__ = reduce_fn.__qualname__ = name
    reduce_fn.__doc__ = f"``jax.lax.{name}``: bitwise (logical for booleans) over ``axes``."
    return reduce_fn


reduce_and = _bitwise_reduction("reduce_and", lx.bitwise_and, reductions.reduce_and)
reduce_or = _bitwise_reduction("reduce_or", lx.bitwise_or, reductions.reduce_or)
reduce_xor = _bitwise_reduction("reduce_xor", lx.bitwise_xor, None)


def reduce_sum(operand: Any, axes: Sequence[int]) -> Any:
    """The sum over ``axes``, in the operand's dtype, as ``jax.lax.reduce_sum``.

    >>> reduce_sum(np.ones((2, 3)), (0,))
    array([2., 2., 2.])
    """
    lx.check_operands("reduce_sum", (operand,), lx.NUMBER)
    return structural.reduce_sum(operand, _axes(operand, axes))


def reduce_prod(operand: Any, axes: Sequence[int]) -> Any:
    """The product over ``axes``, as ``jax.lax.reduce_prod``.

    >>> reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (1,))
    array([ 2., 12.])
    """
    lx.check_operands("reduce_prod", (operand,), lx.NUMBER)
    return reductions.reduce_prod(operand, _axes(operand, axes))


def reduce_max(operand: Any, axes: Sequence[int]) -> Any:
    """The maximum over ``axes``, as ``jax.lax.reduce_max``.

    >>> reduce_max(np.array([[1.0, 5.0], [3.0, 4.0]]), (0, 1))
    np.float64(5.0)
    """
    return reductions.reduce_max(operand, _axes(operand, axes))


def reduce_min(operand: Any, axes: Sequence[int]) -> Any:
    """The minimum over ``axes``, as ``jax.lax.reduce_min``.

    >>> reduce_min(np.array([[1.0, 5.0], [3.0, 4.0]]), (1,))
    array([1., 3.])
    """
    return reductions.reduce_min(operand, _axes(operand, axes))


def _argminmax(name: str, prim_fn: Any) -> Any:
    def fn(operand: Any, axis: int, index_dtype: Any) -> Any:
        dtype = np.dtype(index_dtype)
        if dtype.kind not in "iu":
            raise DTypeError(f"index_dtype must be an integer type, but got {dtype.name}")
        return prim_fn(operand, canonical_axis(int(axis), get_aval(operand).ndim), dtype)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``jax.lax.{name}``: the index (in ``index_dtype``) of the first extreme element "
        "along ``axis`` (a NaN counts as the extreme)."
    )
    return fn


argmax = _argminmax("argmax", reductions.argmax)
argmin = _argminmax("argmin", reductions.argmin)

_MONOIDS: dict[Any, Any] = {
    lx.add: reduce_sum,
    lx.mul: reduce_prod,
    lx.max: reduce_max,
    lx.min: reduce_min,
    lx.bitwise_and: reduce_and,
    lx.bitwise_or: reduce_or,
    lx.bitwise_xor: reduce_xor,
}


def reduce(
    operands: Any, init_values: Any, computation: Callable[..., Any], dimensions: Sequence[int]
) -> Any:
    """``computation`` folded over ``dimensions``, starting from ``init_values``; operands
    and init values are arrays or matching pytrees, as ``jax.lax.reduce``. ``lax.add``,
    ``mul``, ``max``, ``min`` and the bitwise operations become their reductions; any other
    computation must be associative and commutative (it is applied as a balanced tree).

    >>> from tracegrad import lax
    >>> reduce(np.ones((2, 3)), 0.0, lax.add, (0,))
    array([2., 2., 2.])
    >>> x = np.array([3.0, 1.0, 2.0])
    >>> reduce((x, x), (0.0, -np.inf), lambda a, b: (a[0] + b[0], lax.max(a[1], b[1])), (0,))
    (np.float64(6.0), np.float64(3.0))
    """
    leaves, tree = pytree.tree_flatten(operands)
    inits, init_tree = pytree.tree_flatten(init_values)
    if init_tree != tree:
        raise TypeError(
            f"reduce: operands {tree} and init_values {init_tree} must have the same structure."
        )
    if any(get_aval(i).shape for i in inits):
        raise ShapeError("reduce: init_values must be scalars.")
    dims = _axes(leaves[0], dimensions)
    if len(leaves) == 1 and computation in _MONOIDS:
        return computation(inits[0], _MONOIDS[computation](leaves[0], dims))

    def pairwise(a: list[Any], b: list[Any]) -> list[Any]:
        out = computation(pytree.tree_unflatten(tree, a), pytree.tree_unflatten(tree, b))
        return pytree.tree_leaves(out)

    shape = tuple(s for i, s in enumerate(get_aval(leaves[0]).shape) if i not in dims)
    start = [structural.broadcast_in_dim(i, shape, ()) for i in inits]
    folded = _tree_reduce(pairwise, leaves, dims)
    return pytree.tree_unflatten(tree, start if folded is None else pairwise(start, folded))


def _cumulative(name: str, combine: Any, primitive: Any, kinds: str, ufunc: Any = None) -> Any:
    def fn(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
        lx.check_operands(name, (operand,), kinds)
        axis = canonical_axis(int(axis), get_aval(operand).ndim)
        if primitive is not None:
            return primitive(operand, axis, reverse)
        if ufunc is not None and is_eager() and not isinstance(operand, Tracer):
            # Nothing to differentiate, batch or stage: NumPy's sequential accumulate.
            x = np.asarray(operand)
            if reverse:
                return np.flip(ufunc.accumulate(np.flip(x, axis), axis=axis), axis)
            return ufunc.accumulate(x, axis=axis)
        return associative_scan(combine, operand, reverse=reverse, axis=axis)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``jax.lax.{name}``: the running reduction along ``axis`` (from the end when ``reverse``)."
    )
    return fn


cumsum = _cumulative("cumsum", None, reductions.cumsum, lx.NUMBER)
cumprod = _cumulative("cumprod", None, reductions.cumprod, lx.NUMBER)
cummax = _cumulative("cummax", lx.max, None, lx.NUMBER, np.maximum)
cummin = _cumulative("cummin", lx.min, None, lx.NUMBER, np.minimum)
cumlogsumexp = _cumulative("cumlogsumexp", tr.logaddexp, None, lx.FLOAT, np.logaddexp)
