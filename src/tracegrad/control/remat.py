"""``checkpoint`` (``remat``): under reverse mode, recompute a function's intermediates in the
backward pass instead of storing them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.backend import compile_jaxpr
from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    StagingTrace,
    eval_jaxpr,
    get_aval,
    per_jaxpr,
    pytree,
    trace_to_jaxpr,
)
from tracegrad.core.staging import hoist_tracer_consts
from tracegrad.transforms.arguments import FlatFun, as_value, without_static
from tracegrad.transforms.call import def_call_rules
from tracegrad.transforms.partial_eval import merge_outputs, partial_eval_jaxpr

checkpoint_p = Primitive("checkpoint", multiple_results=True)


@per_jaxpr
def _remat_jaxpr(closed: ClosedJaxpr, out_unknowns: tuple[bool, ...]) -> ClosedJaxpr:
    """The whole program, from all inputs to the unknown outputs: the known part is
    recomputed rather than passed in as residuals."""

    def fun(*xs: Any) -> list[Any]:
        outs = eval_jaxpr(closed, *xs)
        return [o for o, u in zip(outs, out_unknowns, strict=True) if u]

    return trace_to_jaxpr(fun, closed.in_avals)


def _partial_eval(
    trace: StagingTrace, args: Sequence[Any], *, jaxpr: ClosedJaxpr, name: str
) -> list[Any]:
    unknowns = tuple(trace.is_own(x) for x in args)
    known, _, out_unknowns, num_res = partial_eval_jaxpr(jaxpr, unknowns)
    assert trace.parent is not None
    known_args = tuple(x for x, u in zip(args, unknowns, strict=True) if not u)
    known_outs = trace.parent.process_primitive(
        checkpoint_p, known_args, {"jaxpr": known, "name": name}
    )
    known_outs = known_outs[: len(known_outs) - num_res]  # residuals are not kept
    unknown_outs = trace.stage(
        checkpoint_p, tuple(args), {"jaxpr": _remat_jaxpr(jaxpr, out_unknowns), "name": name}
    )
    return merge_outputs(out_unknowns, known_outs, unknown_outs)


checkpoint_p.def_impl(lambda *args, jaxpr, name: compile_jaxpr(jaxpr)(*args))
checkpoint_p.def_abstract_eval(lambda *avals, jaxpr, name: jaxpr.out_avals)
def_call_rules(checkpoint_p, tag_names=False)
checkpoint_p.def_partial_eval(_partial_eval)


def checkpoint(
    fun: Callable[..., Any], *, prevent_cse: bool = True, static_argnums: int | Sequence[int] = ()
) -> Callable[..., Any]:
    """``fun`` whose intermediates are recomputed, not stored, for reverse mode.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> f = tg.checkpoint(lambda x: tnp.sin(tnp.sin(x)))
    >>> bool(np.isclose(tg.grad(f)(1.0), np.cos(np.sin(1.0)) * np.cos(1.0)))
    True
    """
    del prevent_cse  # the backend never merges equations across a checkpoint boundary
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    name = getattr(fun, "__name__", "checkpoint")

    @functools.wraps(fun)
    def wrapped(*args: Any) -> Any:
        dyn, dyn_fun = without_static(fun, args, {i % len(args) for i in nums})
        leaves, in_tree = pytree.tree_flatten(tuple(dyn))
        leaves = [as_value(x) for x in leaves]
        flat = FlatFun(dyn_fun, in_tree, False, "checkpoint")
        closed = trace_to_jaxpr(flat, [get_aval(x) for x in leaves])
        closed, hoisted = hoist_tracer_consts(closed)
        outs = checkpoint_p.bind(*hoisted, *leaves, jaxpr=closed, name=name)
        assert flat.out_tree is not None
        return pytree.tree_unflatten(flat.out_tree, outs)

    return wrapped


remat = checkpoint
