"""``lax.map``: a function over the leading axis of a pytree of arrays, as a ``scan``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracegrad.control.jaxprs import flatten_args
from tracegrad.control.scan import scan
from tracegrad.core import get_aval, pytree
from tracegrad.ops import structural
from tracegrad.transforms.vmap import vmap


def map(f: Callable[[Any], Any], xs: Any, *, batch_size: int | None = None) -> Any:
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked,
    as ``jax.lax.map`` (a ``scan``; with ``batch_size``, a ``scan`` over ``vmap``-ed
    batches, the remainder in one more batch).

    >>> map(lambda x: x * 2.0, np.arange(3.0))
    array([0., 2., 4.])
    >>> map(lambda x: x.sum(), np.ones((5, 2)), batch_size=2)
    array([2., 2., 2., 2., 2.])
    """
    if batch_size is None:
        return scan(lambda _, x: ((), f(x)), (), xs)[1]
    leaves, tree = flatten_args(xs)
    n = get_aval(leaves[0]).shape[0] if leaves else 0
    num_batches, remainder = divmod(n, batch_size)
    split = n - remainder

    def batched(leaf: Any) -> Any:
        shape = get_aval(leaf).shape
        return structural.reshape(leaf[:split], (num_batches, batch_size, *shape[1:]))

    ys = map(vmap(f), pytree.tree_unflatten(tree, [batched(leaf) for leaf in leaves]))
    ys = pytree.tree_map(lambda y: structural.reshape(y, (split, *get_aval(y).shape[2:])), ys)
    if not remainder:
        return ys
    rest = vmap(f)(pytree.tree_unflatten(tree, [leaf[split:] for leaf in leaves]))
    return pytree.tree_map(lambda a, b: structural.concatenate([a, b], 0), ys, rest)
