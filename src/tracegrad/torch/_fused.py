"""Chains of nodes run as one staged vjp in the backward pass.

A chain is a run of nodes, consecutive in the engine's order, each of which sends its
one cotangent to the next (``exp(sin(x) * 0.9)``): its head received its cotangent, and
every later node receives its cotangent from the one before it alone, has no hooks and no
retained gradient. Their vjps compose into one jaxpr, ``(*saved of each node, ct) ->
cotangents of the last node's inputs``, compiled once per chain signature (the nodes'
plans) and cached with the other staged vjps; it runs in one call where the walk would run
one compiled vjp per node. The graph, the nodes' names and their edges are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracegrad.core import ShapedArray, eval_jaxpr, trace_to_jaxpr
from tracegrad.torch._views import check_saved
from tracegrad.torch.graph import GradFn, GradFnPlan, Runner, runner
from tracegrad.transforms.staged_vjp import PLANS

# The longest chain run as one program (a longer run of nodes makes several chains).
MAX_CHAIN = 64
_SEEN = object()  # a chain met once: it runs node by node; the second sighting compiles


class ChainPlan:
    """The composed vjp of a chain of plans: ``run`` with the facts the engine reads from a
    runner (``alias``, ``ct_dtypes``), and ``diff_idx``, the last plan's."""

    __slots__ = ("alias", "ct_dtypes", "diff_idx", "run")

    def __init__(self, plans: Sequence[GradFnPlan]) -> None:
        sizes = [len(p.saved_idx) for p in plans]
        avals: list[ShapedArray] = []
        for p in plans:
            avals.extend(p.vjp_jaxpr.in_avals[:-1])
        avals.append(plans[0].vjp_jaxpr.in_avals[-1])

        def vjp(*args: Any) -> list[Any]:
            cts = [args[-1]]
            start = 0
            for p, n in zip(plans, sizes, strict=True):
                cts = eval_jaxpr(p.vjp_jaxpr, *args[start : start + n], cts[0])
                start += n
            return list(cts)

        facts: Runner = runner(trace_to_jaxpr(vjp, avals))
        self.run, self.alias, self.ct_dtypes = facts
        self.diff_idx = plans[-1].diff_idx


def chain_at(node: GradFn, order: list[GradFn], pos: int, pending: dict[Any, Any]) -> list[GradFn]:
    """The chain headed by ``node`` (which links: its plan is staged, one differentiable
    input), whose successors in the engine's ``order`` start at ``pos``; ``pending`` holds
    the cotangents sent so far. A chain of one node is ``[node]``."""
    chain = [node]
    end = min(len(order), pos + MAX_CHAIN - 1)
    cur = node
    while pos < end:
        nxt = cur.next[cur.plan.diff_idx[0]]
        if order[pos] is not nxt or nxt in pending or nxt.hooks or nxt.retained is not None:
            break
        fuse = nxt.plan.fuse
        if not fuse:
            break
        chain.append(nxt)
        if fuse == 1:  # several differentiable inputs: the chain ends here
            break
        cur = nxt
        pos += 1
    return chain


def chain_plan(chain: list[GradFn]) -> ChainPlan | None:
    """The compiled plan of ``chain``, or None the first time its signature is met."""
    key = tuple([n.plan for n in chain])
    plan = PLANS.get(key)
    if plan is None:
        PLANS.put(key, _SEEN)
        return None
    if plan is _SEEN:
        plan = ChainPlan(key)
        PLANS.put(key, plan)
    return plan  # type: ignore[no-any-return]


def chain_args(chain: list[GradFn], ct: Any) -> list[Any]:
    """The arguments of a chain's plan: each node's saved arrays (checked first, in the
    order the nodes would run), then the cotangent."""
    args: list[Any] = []
    for node in chain:
        if node.versions or node.result is not None:
            check_saved(node)
        args.extend(node.saved)
    args.append(ct)
    return args
