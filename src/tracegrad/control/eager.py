"""Control flow under ``disable_jit()``, as JAX runs it: ``scan`` (so ``fori_loop`` with
static bounds, and ``lax.map``) is a Python loop, ``while_loop`` is a Python loop while
its predicate is concrete, and ``cond`` / ``switch`` with a concrete predicate call the
chosen branch only. The functions see the values (concrete outside other
transformations), and their side effects (``print``) happen at every iteration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.core import ConcretizationTypeError, Tracer, get_aval, pytree
from tracegrad.core.flags import jit_disabled
from tracegrad.ops import structural


def concrete_index(index: Any) -> int | None:
    """The branch ``cond`` / ``switch`` calls in Python under ``disable_jit()``, or None
    (jit enabled, or a traced index: the branches are staged)."""
    if not jit_disabled():
        return None
    if isinstance(index, Tracer):
        index = index.to_concrete_value()
    return None if index is None else int(index)


def try_while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], val: Any
) -> tuple[bool, Any]:
    """``while cond_fun(val): val = body_fun(val)`` in Python under ``disable_jit()``:
    (True, the result), or (False, None) where jit is enabled or the predicate is traced
    (as in JAX, the body's side effects up to there have happened)."""
    if not jit_disabled():
        return False, None
    try:
        while cond_fun(val):
            val = body_fun(val)
    except ConcretizationTypeError:
        return False, None
    return True, val


def _stack(ys: Sequence[Any]) -> Any:
    rows = [structural.reshape(y, (1, *get_aval(y).shape)) for y in ys]
    return structural.concatenate(rows, 0)


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    carry: Any,
    xs: Any,
    length: int,
    reverse: bool,
) -> tuple[Any, Any]:
    """``scan`` as a Python loop over the leading axis of ``xs``, stacking the ys."""
    if length == 0:
        raise ValueError(
            "zero-length scan is not supported in disable_jit() mode because the output "
            "type is unknown."
        )
    leaves, tree = pytree.tree_flatten(xs)
    steps: Sequence[int] = range(length - 1, -1, -1) if reverse else range(length)
    ys = []
    for i in steps:
        carry, y = f(carry, pytree.tree_unflatten(tree, [leaf[i] for leaf in leaves]))
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, pytree.tree_map(lambda *y: _stack(y), *ys)
