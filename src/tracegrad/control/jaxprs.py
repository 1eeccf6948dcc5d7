"""Shared machinery of the control-flow primitives: staging user functions into inner jaxprs,
and the jaxpr-to-jaxpr transformations (jvp, batching, pruning, reordering) their rules use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.backend import compile_jaxpr
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import (
    ClosedJaxpr,
    Jaxpr,
    ShapedArray,
    Var,
    get_aval,
    per_jaxpr,
    pytree,
    trace_to_jaxpr,
)
from tracegrad.core.dtypes import result_type
from tracegrad.core.staging import hoist_tracer_consts
from tracegrad.ops.structural import bdim_at_front, convert_element_type
from tracegrad.transforms.jvp import FlatFun

# ---- running inner jaxprs -----------------------------------------------------------------


# Generating code for a jaxpr costs about 50 us per equation and saves about 1 us per equation
# per run: an inner jaxpr is interpreted until it has run this many times, then compiled.
COMPILE_AFTER_RUNS = 64
# The caches of derived jaxprs keep their constants alive: bounded small, as eager
# transformations stage fresh jaxprs on every call.
CACHE_SIZE = 512


class Runner:
    """Runs an inner jaxpr on NumPy values: with the reference interpreter for its first
    runs (eager transformations stage fresh jaxprs that often run once), then compiled."""

    __slots__ = ("closed", "fast", "runs")

    def __init__(self, closed: ClosedJaxpr) -> None:
        self.closed = closed
        self.runs = 0
        self.fast: Callable[..., list[Any]] | None = None

    def __call__(self, *args: Any) -> list[Any]:
        if self.fast is not None:
            return self.fast(*args)
        self.runs += 1
        if self.runs >= COMPILE_AFTER_RUNS:
            self.fast = compile_jaxpr(self.closed)
            return self.fast(*args)
        return evaluate(self.closed, *args)


@per_jaxpr
def compiled(closed: ClosedJaxpr) -> Runner:
    """The NumPy callable of an inner jaxpr (one per jaxpr, so its run count persists)."""
    return Runner(closed)


def as_output(x: Any) -> Any:
    """A Python scalar produced by an inner jaxpr becomes a NumPy scalar, as any output."""
    if isinstance(x, bool | int | float | complex):
        return np.asarray(x)[()]
    return x


# ---- staging user functions ---------------------------------------------------------------


def stage(
    fun: Callable[..., Any], in_tree: pytree.PyTreeDef, in_avals: Sequence[ShapedArray]
) -> tuple[ClosedJaxpr, list[Any], pytree.PyTreeDef]:
    """Stage ``fun`` (called with the pytree ``in_tree`` of values of ``in_avals``).

    Returns the jaxpr, the values it closes over that are tracers of an enclosing
    transformation (they become the jaxpr's leading inputs, so the enclosing trace sees
    them as operands), and the tree structure of the output.
    """
    flat = FlatFun(fun, in_tree, False, "stage")
    closed = trace_to_jaxpr(flat, list(in_avals))
    closed, hoisted = hoist_tracer_consts(closed)
    assert flat.out_tree is not None
    return closed, hoisted, flat.out_tree


def join_hoisted(
    staged: Sequence[tuple[ClosedJaxpr, list[Any]]],
) -> tuple[list[ClosedJaxpr], list[Any]]:
    """Give several staged functions one common list of hoisted inputs (the union of theirs),
    so that they take the same arguments, as the branches of a cond must."""
    consts: list[Any] = []
    avals: dict[int, ShapedArray] = {}
    for closed, hoisted in staged:
        for c, v in zip(hoisted, closed.jaxpr.invars, strict=False):
            if id(c) not in avals:
                avals[id(c)] = v.aval
                consts.append(c)
    out = []
    for closed, hoisted in staged:
        j = closed.jaxpr
        mine = dict(zip(map(id, hoisted), j.invars, strict=False))
        lead = tuple(mine.get(id(c)) or Var(avals[id(c)]) for c in consts)
        jaxpr = Jaxpr(j.constvars, (*lead, *j.invars[len(hoisted) :]), j.outvars, j.eqns)
        out.append(ClosedJaxpr(jaxpr, closed.consts))
    return out, consts


def flatten_args(tree: Any) -> tuple[list[Any], pytree.PyTreeDef]:
    """The leaves of ``tree`` with their abstract values checked (a clear error for a leaf
    that is not an array), and its structure."""
    leaves, treedef = pytree.tree_flatten(tree)
    for x in leaves:
        get_aval(x)
    return leaves, treedef


def avals_of(leaves: Sequence[Any]) -> list[ShapedArray]:
    return [get_aval(x) for x in leaves]


def types_match(a: ShapedArray, b: ShapedArray) -> bool:
    """Equal shape and dtype; weak types are compatible with strong ones, as JAX's typematch."""
    return a.shape == b.shape and a.dtype == b.dtype


def join_weak(avals: Sequence[ShapedArray]) -> ShapedArray:
    """The aval several equal-typed values share: weak only if all of them are."""
    return avals[0].update(weak_type=all(a.weak_type for a in avals))


def check_carry(
    name: str,
    in_tree: pytree.PyTreeDef,
    in_avals: Sequence[ShapedArray],
    out_tree: pytree.PyTreeDef,
    out_avals: Sequence[ShapedArray],
) -> None:
    """Raise JAX's TypeError unless a loop body maps its carry to the same types."""
    if in_tree != out_tree:
        raise TypeError(
            f"{name} function carry input and carry output must have the same pytree "
            f"structure, but they differ: the input tree structure is {in_tree} and the "
            f"output tree structure is {out_tree}. Revise the function so that the carry "
            "output has the same pytree structure as the carry input."
        )
    diffs = [
        f"the input carry component {i} has type {a.str_short()} but the corresponding "
        f"output carry component has type {b.str_short()}"
        for i, (a, b) in enumerate(zip(in_avals, out_avals, strict=True))
        if not types_match(a, b)
    ]
    if diffs:
        raise TypeError(
            f"{name} function carry input and carry output must have equal types, but they "
            f"differ: {'; '.join(diffs)}. Revise the function so that all output types "
            "match the corresponding input types."
        )


def promote_weak_carry(
    leaves: Sequence[Any], in_avals: Sequence[ShapedArray], out_avals: Sequence[ShapedArray]
) -> tuple[list[Any], bool]:
    """A weakly typed initial carry (a Python scalar) takes the dtype the body gives it, as
    in JAX; returns the new leaves and whether any changed."""
    new, changed = [], False
    for x, a, b in zip(leaves, in_avals, out_avals, strict=True):
        if a.weak_type and not types_match(a, b) and a.shape == b.shape:
            new.append(
                convert_element_type(x, result_type((a.dtype, True), (b.dtype, b.weak_type)))
            )
            changed = True
        else:
            new.append(x)
    return new, changed


# ---- jaxpr surgery ------------------------------------------------------------------------


def permute(
    closed: ClosedJaxpr,
    in_order: Sequence[int] | None = None,
    out_order: Sequence[int] | None = None,
) -> ClosedJaxpr:
    """The same program with its inputs (outputs) reordered: new position k holds old
    input (output) ``order[k]``."""
    j = closed.jaxpr
    invars = j.invars if in_order is None else tuple(j.invars[i] for i in in_order)
    outvars = j.outvars if out_order is None else tuple(j.outvars[i] for i in out_order)
    return ClosedJaxpr(Jaxpr(j.constvars, invars, outvars, j.eqns), closed.consts)


def add_unused_inputs(closed: ClosedJaxpr, avals: Sequence[ShapedArray]) -> ClosedJaxpr:
    """The same program taking extra trailing inputs that it ignores."""
    j = closed.jaxpr
    extra = tuple(Var(a) for a in avals)
    return ClosedJaxpr(Jaxpr(j.constvars, (*j.invars, *extra), j.outvars, j.eqns), closed.consts)


def interleave_order(first: Sequence[int], second: Sequence[int]) -> list[int]:
    """The order (for ``permute``) that turns groups ``[a0, a1, ..., b0, b1, ...]`` into
    ``[a0, b0, a1, b1, ...]``; ``first[g]`` and ``second[g]`` are the sizes of a_g and b_g.

    >>> interleave_order([1, 2], [1, 1])
    [0, 3, 1, 2, 4]
    """
    a_starts, b_starts = [], []
    pos = 0
    for n in first:
        a_starts.append(pos)
        pos += n
    for n in second:
        b_starts.append(pos)
        pos += n
    order: list[int] = []
    for a0, na, b0, nb in zip(a_starts, first, b_starts, second, strict=True):
        order += list(range(a0, a0 + na)) + list(range(b0, b0 + nb))
    return order


# ---- jaxpr transformations ----------------------------------------------------------------


def axis_size_of(args: Sequence[Any], dims: Sequence[int | None]) -> int:
    return next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)


def moved_to_front(x: Any, d: int | None, size: int, want: bool) -> tuple[Any, int | None]:
    """``x`` with its batch dimension at 0 (broadcast there when ``want`` and unbatched)."""
    if d is None and not want:
        return x, None
    if d == 0:
        return x, 0
    return bdim_at_front(x, d, size), 0
