"""Eager reverse mode: ``vjp`` outside every transformation, as a tape of per-primitive vjps.

Reverse mode is linearize then transpose. Outside transformations the primal values are
concrete, so the linearization can be formed one primitive at a time: each operation on a
traced value runs its primal part now and records a node holding its residuals and the
transpose of its linear part; the backward pass walks the nodes in reverse. The derivative
of a node is built by the same ``linearize_flat`` and ``backward_pass`` as everywhere else,
from the primitives' own rules: there is no second set of formulas.

What makes this fast is the cache. A primitive applied at one signature (its parameters,
the abstract values of its inputs, which inputs are differentiated) is linearized once
abstractly, its known part and its transposed linear part staged as jaxprs and compiled;
every later application at that signature runs two generated NumPy functions. The first
application at a signature takes the interpretive route (linearize at the concrete values),
so a signature seen only once never pays for staging and compiling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    EVAL_TRACE,
    ConcretizationTypeError,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    UndefinedPrimal,
    Zero,
    check_alive,
    get_aval,
    is_eager,
    new_trace,
    run_in_trace,
    tangent_aval,
)
from tracegrad.core.dtypes import is_inexact
from tracegrad.core.trace import is_foreign
from tracegrad.ops.structural import add_any
from tracegrad.transforms.linearize import linearize_flat
from tracegrad.transforms.staged_vjp import PLANS, VjpPlan, partial_fn
from tracegrad.transforms.transpose import backward_pass


class TapeTracer(Tracer):
    """A concrete value that carries a derivative: the output ``index`` of tape ``node``."""

    __slots__ = ("_aval", "index", "node", "value")
    numbers_are_constant = False  # float(x) would cut the derivative: JAX raises there too

    def __init__(
        self, trace: TapeTrace, value: Any, aval: ShapedArray, node: Node, index: int
    ) -> None:
        self._trace = trace
        self.value = value
        self._aval = aval
        self.node = node
        self.index = index

    @property
    def aval(self) -> ShapedArray:
        return self._aval

    def to_concrete_value(self) -> Any:
        return self.value


class Node:
    """One recorded operation: where its differentiated inputs came from, and how to pull
    cotangents of its outputs back to them (``pull(residuals, cts)``)."""

    __slots__ = ("n_out", "parents", "pull", "residuals")

    def __init__(
        self,
        pull: Callable[[Sequence[Any], list[Any], bool], list[Any]],
        residuals: Sequence[Any],
        parents: Sequence[tuple[Node, int]],
        n_out: int,
    ) -> None:
        self.pull = pull
        self.residuals = residuals
        # Per differentiated input: the node and output index of the tracer it was (not the
        # tracer, whose value no backward pass reads unless a residual holds it too).
        self.parents = parents
        self.n_out = n_out


class TapeTrace(Trace):
    """Runs primitives on concrete values, recording a node for each one that touches a
    traced value. Its parent is always the eval trace."""

    __slots__ = ("foreign", "nodes")

    def __init__(self) -> None:
        super().__init__(EVAL_TRACE)
        self.nodes: list[Node] = []
        # Arrays of another library met (ops/array_api_eager.py): then every node is
        # linearized by bind, as the compiled plans run NumPy.
        self.foreign = False

    def new_input(self, value: Any) -> TapeTracer:
        aval = get_aval(value)
        self.foreign = self.foreign or is_foreign(value)
        node = Node(_no_pull, (), (), 1)
        self.nodes.append(node)
        return TapeTracer(self, value, aval, node, 0)

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        vals: list[Any] = []
        avals: list[ShapedArray] = []
        diff: list[int] = []
        for i, x in enumerate(args):
            if type(x) is TapeTracer and x._trace is self:
                vals.append(x.value)
                avals.append(x._aval)
                diff.append(i)
            else:
                check_alive(x)
                vals.append(x)
                avals.append(get_aval(x))
                if type(x) is not np.ndarray and is_foreign(x):
                    self.foreign = True
        if not diff:
            return EVAL_TRACE.process_primitive(prim, args, params)
        plan = None if self.foreign else _plan_for(prim, params, tuple(avals), tuple(diff))
        if plan is None:
            outs, pull, residuals, nonzero, out_avals = _linearize_now(prim, params, vals, diff)
        elif not prim.multiple_results:
            results = plan.known(*vals)  # type: ignore[misc]
            node = Node(plan.pull, results[1:], [(args[i].node, args[i].index) for i in diff], 1)
            self.nodes.append(node)
            if plan.nonzero[0]:
                return TapeTracer(self, results[0], plan.out_avals[0], node, 0)
            return results[0]
        else:
            results = plan.known(*vals)  # type: ignore[misc]
            n = plan.n_out
            outs, residuals = results[:n], results[n:]
            pull, nonzero, out_avals = plan.pull, plan.nonzero, plan.out_avals
        node = Node(pull, residuals, [(args[i].node, args[i].index) for i in diff], len(outs))
        self.nodes.append(node)
        if not prim.multiple_results:
            return TapeTracer(self, outs[0], out_avals[0], node, 0) if nonzero[0] else outs[0]
        return [
            TapeTracer(self, o, a, node, k) if nz else o
            for k, (o, a, nz) in enumerate(zip(outs, out_avals, nonzero, strict=True))
        ]


def _no_pull(residuals: Sequence[Any], cts: list[Any], concrete: bool) -> list[Any]:
    return []


def _bind_fn(prim: Primitive, params: dict[str, Any]) -> Callable[..., list[Any]]:
    """``prim`` bound with ``params``, as a function to a list of outputs."""

    def fn(*args: Any) -> list[Any]:
        out = prim.bind(*args, **params)
        return list(out) if prim.multiple_results else [out]

    return fn


def _linearize_now(
    prim: Primitive, params: dict[str, Any], vals: list[Any], diff: list[int]
) -> tuple[list[Any], Callable[..., list[Any]], list[Any], list[bool], list[ShapedArray]]:
    """The interpretive route: linearize ``prim`` at the concrete ``vals``."""
    fn = partial_fn(_bind_fn(prim, params), vals, diff)
    outs, linear, nonzero = run_in_trace(EVAL_TRACE, linearize_flat, fn, [vals[i] for i in diff])
    jaxpr = linear.jaxpr
    undefined = [UndefinedPrimal(v.aval) for v in jaxpr.invars]
    ct_avals = [v.aval for v in jaxpr.outvars]

    def pull(residuals: Sequence[Any], cts: list[Any], concrete: bool) -> list[Any]:
        cts = [Zero(a) if c is None else c for c, a in zip(cts, ct_avals, strict=True)]
        return backward_pass(jaxpr, residuals, undefined, cts)

    return outs, pull, list(linear.consts), nonzero, [get_aval(o) for o in outs]


# Per signature, in the one cache of staged vjps: the number of times it was seen (an int)
# until its plan is built, then the plan, or None if the primitive cannot be linearized
# abstractly at that signature (its rule needs concrete values, as a custom_jvp rule with
# Python control flow may).


def _plan_for(
    prim: Primitive, params: dict[str, Any], avals: tuple[ShapedArray, ...], diff: tuple[int, ...]
) -> VjpPlan | None:
    """The cached plan for this signature, built on its second sighting; None means: take
    the interpretive route this time."""
    if prim.partial_eval is not None:
        return None  # carries inner jaxprs, made afresh on each call: nothing to share
    try:
        key = (prim, avals, diff, *params.items())
        entry = PLANS.get(key, 0)
    except TypeError:  # a parameter that cannot be hashed
        return None
    if type(entry) is VjpPlan or entry is None:
        return entry
    if entry == 0:
        PLANS.put(key, 1)
        return None
    plan: VjpPlan | None
    try:
        plan = run_in_trace(EVAL_TRACE, VjpPlan, _bind_fn(prim, params), avals, diff).compile()
    except ConcretizationTypeError:  # the rule needs values: this signature stays interpretive
        plan = None
    PLANS.put(key, plan)
    return plan


def linearize_eager(
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any]
) -> tuple[list[Any], Callable[[list[Any]], list[Any]]]:
    """Reverse mode's half of ``linearize_flat`` outside transformations: ``fun`` at
    ``primals`` and a function pulling output cotangents back to the inexact inputs (one
    cotangent per such input, in order; a symbolic Zero where nothing flowed back)."""
    with new_trace(TapeTrace()) as trace:
        ins = [trace.new_input(p) if is_inexact(get_aval(p).dtype) else p for p in primals]
        outs = list(fun(*ins))
    values = [o.value if type(o) is TapeTracer and o._trace is trace else o for o in outs]
    for v in values:
        check_alive(v)
    leaves = [x for x in ins if type(x) is TapeTracer]

    def pull(cts: list[Any]) -> list[Any]:
        found = _backward(trace, outs, cts)
        results = []
        for x in leaves:
            slot = found.get(x.node)
            results.append(Zero(tangent_aval(get_aval(x.value))) if slot is None else slot[0])
        return results

    return values, pull


def _backward(trace: TapeTrace, outs: Sequence[Any], cts: Sequence[Any]) -> dict[Node, list[Any]]:
    """Pull the cotangents ``cts`` of the outputs ``outs`` back through the tape; returns the
    cotangent lists by node (an input's node holds the input's cotangent at index 0)."""
    ct_env: dict[Node, list[Any]] = {}
    # Outside transformations with array cotangents, every plan runs its compiled backward;
    # otherwise (vmap or grad of a pullback) the backward runs by bind.
    concrete = is_eager() and not trace.foreign
    concrete = concrete and not any(isinstance(c, Tracer) or is_foreign(c) for c in cts)

    def give(t: TapeTracer, ct: Any) -> None:
        slot = ct_env.get(t.node)
        if slot is None:
            slot = ct_env[t.node] = [None] * t.node.n_out
        prev = slot[t.index]
        slot[t.index] = ct if prev is None else add_any(prev, ct)

    for o, ct in zip(outs, cts, strict=True):
        if type(o) is TapeTracer and o._trace is trace and type(ct) is not Zero:
            give(o, ct)
    inputs: dict[Node, list[Any]] = {}
    for node in reversed(trace.nodes):
        slot = ct_env.pop(node, None)
        if slot is None:
            continue
        if not node.parents:
            inputs[node] = slot
            continue
        cts_in = node.pull(node.residuals, slot, concrete)
        for (parent, k), ct in zip(node.parents, cts_in, strict=True):
            if type(ct) is Zero:
                continue
            # give(parent, ct), inlined: this loop runs once per recorded operation
            into = ct_env.get(parent)
            if into is None:
                into = ct_env[parent] = [None] * parent.n_out
            prev = into[k]
            into[k] = ct if prev is None else add_any(prev, ct)
    return inputs
