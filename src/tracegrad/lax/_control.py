"""``map`` (a ``scan`` over the leading axis, optionally of ``vmap``-ed batches) and
``associative_scan`` (JAX's parallel-prefix composition of slices, pads and the user's
combining function), as ``jax.lax``. Both are compositions, so they differentiate, batch
and stage through the rules of what they use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.control.scan import scan
from tracegrad.core import ShapeError, get_aval, pytree
from tracegrad.ops import elementwise as ew
from tracegrad.ops import shapes, structural
from tracegrad.ops.elementwise_discrete import or_
from tracegrad.ops.structural import canonical_axis
from tracegrad.transforms.vmap import vmap


def map(f: Callable[[Any], Any], xs: Any, *, batch_size: int | None = None) -> Any:
    """``f`` applied to each slice of ``xs`` (a pytree) along its leading axis, the results
    stacked, as ``jax.lax.map``; with ``batch_size``, ``f`` is ``vmap``-ed over batches of
    that many slices (the remainder in one last batch).

    >>> map(lambda x: x * 2.0, np.arange(5.0), batch_size=2)
    array([0., 2., 4., 6., 8.])
    """
    leaves, tree = pytree.tree_flatten(xs)
    n = get_aval(leaves[0]).shape[0] if leaves else 0
    if not batch_size or n == 0:
        return scan(lambda carry, x: (carry, f(x)), (), xs)[1]
    steps, rest = divmod(n, batch_size)
    batched = vmap(f)
    parts = []
    if steps:
        blocks = [
            structural.reshape(
                structural.slice_in_dim(x, 0, steps * batch_size, 0),
                (steps, batch_size, *get_aval(x).shape[1:]),
            )
            for x in leaves
        ]
        ys = scan(lambda c, b: (c, batched(pytree.tree_unflatten(tree, b))), (), blocks)[1]
        parts.append(pytree.tree_map(_merge_leading, ys))
    if rest:
        tail = [structural.slice_in_dim(x, steps * batch_size, n, 0) for x in leaves]
        parts.append(batched(pytree.tree_unflatten(tree, tail)))
    if len(parts) == 1:
        return parts[0]
    return pytree.tree_map(lambda a, b: structural.concatenate([a, b], 0), parts[0], parts[1])


def _merge_leading(y: Any) -> Any:
    shape = get_aval(y).shape
    return structural.reshape(y, (shape[0] * shape[1], *shape[2:]))


def _interleave(a: Any, b: Any, axis: int) -> Any:
    """``a[0], b[0], a[1], b[1], ...`` along ``axis``; ``a`` is as long as ``b`` or one
    longer. Two interior pads and an addition (``or`` for booleans)."""
    aval = get_aval(a)
    ndim, n_a, n_b = aval.ndim, aval.shape[axis], get_aval(b).shape[axis]
    zero = np.zeros((), aval.dtype)

    def config(lo: int, hi: int) -> list[tuple[int, int, int]]:
        out = [(0, 0, 0)] * ndim
        out[axis] = (lo, hi, 1)
        return out

    a_spread = structural.pad(a, zero, config(0, 1 if n_a == n_b else 0))
    b_spread = structural.pad(b, zero, config(1, 0 if n_a == n_b else 1))
    return or_(a_spread, b_spread) if aval.dtype == np.bool_ else ew.add(a_spread, b_spread)


def associative_scan(
    fn: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0
) -> Any:
    """All prefix combinations ``fn(... fn(fn(e0, e1), e2) ..., ek)`` of the pytree
    ``elems`` along ``axis`` for an associative ``fn`` (applied elementwise to whole slices),
    in ``O(log n)`` rounds, as ``jax.lax.associative_scan``.

    >>> associative_scan(ew.add, np.arange(1.0, 6.0))
    array([ 1.,  3.,  6., 10., 15.])
    >>> associative_scan(ew.add, np.arange(1.0, 6.0), reverse=True)
    array([15., 14., 12.,  9.,  5.])
    """
    leaves, tree = pytree.tree_flatten(elems)
    if not leaves:
        return elems
    ndim = get_aval(leaves[0]).ndim
    axis = canonical_axis(axis, ndim)
    lengths = {get_aval(x).shape[axis] for x in leaves}
    if len(lengths) != 1:
        raise ShapeError(
            "Array inputs to associative_scan must have the same first dimension along "
            f"axis {axis}, got {sorted(lengths)}."
        )
    if reverse:
        leaves = [shapes.rev(x, (axis,)) for x in leaves]

    def combine(a: Sequence[Any], b: Sequence[Any]) -> list[Any]:
        out = fn(pytree.tree_unflatten(tree, list(a)), pytree.tree_unflatten(tree, list(b)))
        out_leaves, out_tree = pytree.tree_flatten(out)
        if out_tree != tree:
            raise TypeError(
                f"associative_scan: fn must return a pytree like its inputs ({tree}), got "
                f"{out_tree}."
            )
        return out_leaves

    def cut(xs: Sequence[Any], start: int, stop: int, stride: int = 1) -> list[Any]:
        return [structural.slice_in_dim(x, start, stop, axis, stride) for x in xs]

    def prefix(xs: list[Any]) -> list[Any]:
        n = get_aval(xs[0]).shape[axis]
        if n < 2:
            return xs
        odd = prefix(combine(cut(xs, 0, n - 1, 2), cut(xs, 1, n, 2)))
        if n % 2 == 0:
            even = combine(cut(odd, 0, get_aval(odd[0]).shape[axis] - 1), cut(xs, 2, n, 2))
        else:
            even = combine(odd, cut(xs, 2, n, 2))
        even = [
            structural.concatenate([structural.slice_in_dim(x, 0, 1, axis), e], axis)
            for x, e in zip(xs, even, strict=True)
        ]
        return [_interleave(e, o, axis) for e, o in zip(even, odd, strict=True)]

    out = prefix(list(leaves))
    if reverse:
        out = [shapes.rev(x, (axis,)) for x in out]
    return pytree.tree_unflatten(tree, out)
