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
    pytree,
    run_in_trace,
    tangent_aval,
)
from tracegrad.core.aval import _INTERNED, concrete_aval
from tracegrad.core.dtypes import is_inexact
from tracegrad.core.trace import is_foreign, run_in_new_trace
from tracegrad.ops.elementwise import mul_p
from tracegrad.ops.structural import add_any
from tracegrad.transforms.linearize import linearize_flat
from tracegrad.transforms.staged_vjp import PLANS, VjpPlan, partial_fn
from tracegrad.transforms.transpose import backward_pass


class TapeTracer(Tracer):
    """A concrete value that carries a derivative: the output in cotangent slot ``slot`` of
    its tape (each output of a recorded operation, and each input, has one slot)."""

    __slots__ = ("aval", "slot", "value")
    aval: ShapedArray  # an attribute, not the base class's property: read on every operation
    numbers_are_constant = False  # float(x) would cut the derivative: JAX raises there too

    def __init__(self, trace: TapeTrace, value: Any, aval: ShapedArray, slot: int) -> None:
        self._trace = trace
        self.value = value
        self.aval = aval
        self.slot = slot

    def to_concrete_value(self) -> Any:
        return self.value


def _array_aval(x: np.ndarray[Any, Any]) -> ShapedArray:
    """``concrete_aval(x)`` of a NumPy array, without its call for the interned (traceable)
    dtypes."""
    return _INTERNED.get((x.shape, x.dtype, False)) or concrete_aval(x)


# One recorded operation: (pull, residuals, parents, first, n_out). ``pull`` is the plan
# (a VjpPlan) or the interpretive route's ``pull(residuals, cts, concrete)``; ``parents``
# the slots of its differentiated inputs, an int for one, a list for several (slots, not
# tracers: an input's value is kept only if a residual holds it too); its outputs have the
# slots ``first`` to ``first + n_out - 1``. A tuple, so that recording it runs no Python
# frame.
Node = tuple[Any, Sequence[Any], Any, int, int]


class TapeTrace(Trace):
    """Runs primitives on concrete values, recording a node for each one that touches a
    traced value. Its parent is always the eval trace."""

    __slots__ = ("foreign", "n_slots", "nodes")

    def __init__(self) -> None:
        super().__init__(EVAL_TRACE)
        self.nodes: list[Node | None] = []
        self.n_slots = 0
        # Arrays of another library met (ops/array_api_eager.py): then every node is
        # linearized by bind, as the compiled plans run NumPy.
        self.foreign = False

    def new_input(self, value: Any) -> TapeTracer:
        if type(value) is np.ndarray:
            aval = _array_aval(value)
        else:
            self.foreign = self.foreign or is_foreign(value)
            aval = get_aval(value)
        slot = self.n_slots
        self.n_slots = slot + 1
        return TapeTracer(self, value, aval, slot)

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        # A signature's key: (prim, the positions differentiated, the avals of the operands,
        # the parameters' items). One operand, or two (both traced, or traced and an array),
        # the common cases, are read inline; a compiled plan for the key runs at once.
        n_args = len(args)
        if n_args == 1:
            x = args[0]
            if type(x) is not TapeTracer or x._trace is not self:
                return self._general(prim, args, params)
            key: tuple[Any, ...] = (prim, _FIRST, x.aval)
            if params:
                key = (*key, *params.items())
            vals: tuple[Any, ...] = (x.value,)
            parents: Any = x.slot
        elif n_args == 2:
            x, y = args
            if type(x) is not TapeTracer or x._trace is not self:
                return self._general(prim, args, params)
            if type(y) is np.ndarray:  # _array_aval(y), without its call
                y_aval = _INTERNED.get((y.shape, y.dtype, False)) or concrete_aval(y)
                key = (prim, _FIRST, x.aval, y_aval, *params.items())
                vals, parents = (x.value, y), x.slot
            elif type(y) is TapeTracer and y._trace is self:
                key = (prim, _BOTH, x.aval, y.aval, *params.items())
                vals, parents = (x.value, y.value), [x.slot, y.slot]
            else:
                return self._general(prim, args, params)
        else:
            return self._general(prim, args, params)
        try:  # a plan is only ever built for a primitive without partial_eval (_general)
            plan = PLANS.get(key, 0)
        except TypeError:  # a parameter that cannot be hashed
            return self._general(prim, args, params)
        if type(plan) is not VjpPlan or self.foreign or prim.multiple_results:
            return self._general(prim, args, params)
        results = plan.known(*vals)  # type: ignore[misc]
        kind = plan.tape_node or _tape_node(plan)
        if kind is _CONSTANT:
            return results[0]
        if kind is _PASSES and type(parents) is int:  # the output shares its operand's slot
            return TapeTracer(self, results[0], plan.out_avals[0], parents)
        slot = self.n_slots
        self.n_slots = slot + 1
        self.nodes.append((plan, results[1:], parents, slot, 1))
        return TapeTracer(self, results[0], plan.out_avals[0], slot)

    def _general(self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
        """Any operation: operands of any kind and number, a plan to build or none."""
        vals: list[Any] = []
        avals: list[ShapedArray] = []
        diff: list[int] = []
        parents: list[int] = []
        for i, x in enumerate(args):
            if type(x) is TapeTracer and x._trace is self:
                vals.append(x.value)
                avals.append(x.aval)
                diff.append(i)
                parents.append(x.slot)
            else:
                if isinstance(x, Tracer):
                    check_alive(x)
                vals.append(x)
                avals.append(get_aval(x))
                if type(x) is not np.ndarray and is_foreign(x):
                    self.foreign = True
        if not diff:
            return EVAL_TRACE.process_primitive(prim, args, params)
        plan: Any = None
        if prim.partial_eval is None and not self.foreign:  # else: by bind
            try:
                key = (prim, tuple(diff), *avals, *params.items())
                plan = PLANS.get(key, 0)
            except TypeError:  # a parameter that cannot be hashed
                key = None
            if type(plan) is not VjpPlan and key is not None:
                plan = _plan_for(key, plan, prim, params, avals, diff)
        slot = self.n_slots
        from_: Any = parents[0] if len(parents) == 1 else parents
        if plan is None:
            outs, pull, residuals, nonzero, out_avals = _linearize_now(prim, params, vals, diff)
            n = len(outs)
            self.nodes.append((pull, residuals, from_, slot, n))
        else:
            results = plan.known(*vals)
            n = plan.n_out
            outs, nonzero, out_avals = results[:n], plan.nonzero, plan.out_avals
            self.nodes.append((plan, results[n:], from_, slot, n))
        self.n_slots = slot + n
        if not prim.multiple_results:
            return TapeTracer(self, outs[0], out_avals[0], slot) if nonzero[0] else outs[0]
        return [
            TapeTracer(self, o, a, slot + k) if nz else o
            for k, (o, a, nz) in enumerate(zip(outs, out_avals, nonzero, strict=True))
        ]


def _tape_node(plan: VjpPlan) -> str:
    """What an application of ``plan`` (of one output) does to the tape, decided on the
    first one and kept as ``plan.tape_node``:

    - _RECORD: a node;
    - _SCALE: a node whose backward multiplies the output cotangent (not 0-d) by the one
      residual, of the output's shape and dtype or 0-d of its dtype (``sin``'s ``cos x``,
      ``x * c``'s ``c``); the walk runs it as the compiled program would,
      ``np.multiply(ct, residual)``, without the program's call;
    - _CONSTANT: nothing, the output does not depend on the differentiated operands;
    - _PASSES: nothing, the plan has no residuals and its backward returns its one
      cotangent as it is (``x + c``: with one traced operand, the output shares its slot).
    """
    kind = plan.tape_node = _decide_node(plan)
    return kind


def _decide_node(plan: VjpPlan) -> str:
    if not plan.nonzero[0]:
        return _CONSTANT
    jaxpr = plan.backward_jaxpr.jaxpr
    if not plan.n_res:
        return _PASSES if not jaxpr.eqns and jaxpr.outvars == jaxpr.invars else _RECORD
    if plan.n_res != 1 or len(jaxpr.eqns) != 1 or len(jaxpr.outvars) != 1:
        return _RECORD
    (eqn,) = jaxpr.eqns
    res, ct = jaxpr.invars
    out = jaxpr.outvars[0]
    shapes = bool(ct.aval.shape) and out.aval == ct.aval  # 0-d: a scalar program (floats)
    shapes = shapes and res.aval in (ct.aval, ShapedArray((), ct.aval.dtype))
    by_residual = tuple(eqn.invars) == (ct, res) and tuple(eqn.outvars) == (out,)
    return _SCALE if eqn.primitive is mul_p and by_residual and shapes else _RECORD


_RECORD, _SCALE, _CONSTANT, _PASSES = "record", "scale", "constant", "passes"


# The positions differentiated, as they appear in keys: the first operand; both.
_FIRST = (0,)
_BOTH = (0, 1)


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
    key: Any,
    entry: Any,
    prim: Primitive,
    params: dict[str, Any],
    avals: Sequence[ShapedArray],
    diff: Sequence[int],
) -> VjpPlan | None:
    """The plan of signature ``key`` (``prim`` at ``avals``, differentiated in ``diff``; found
    in ``PLANS`` as ``entry``), built on its second sighting; None means: take the
    interpretive route this time."""
    if entry is None:
        return None
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
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any], once: bool = False
) -> tuple[list[Any], Callable[[list[Any]], list[Any]]]:
    """Reverse mode's half of ``linearize_flat`` outside transformations: ``fun`` at
    ``primals`` and a function pulling output cotangents back to the inexact inputs (one
    cotangent per such input, in order; a symbolic Zero where nothing flowed back).

    With ``once``, the pullback may be called once only: it frees each node's residuals as
    soon as the node has run (``grad`` calls it once; ``vjp``'s may be called again)."""
    with new_trace(TapeTrace()) as trace:
        ins = [trace.new_input(p) if is_inexact(get_aval(p).dtype) else p for p in primals]
        outs = list(fun(*ins))
    values = [o.value if type(o) is TapeTracer and o._trace is trace else o for o in outs]
    for v in values:
        check_alive(v)
    slots = [x.slot for x in ins if type(x) is TapeTracer]
    avals = [tangent_aval(x.aval) for x in ins if type(x) is TapeTracer]

    def pull(cts: list[Any]) -> list[Any]:
        found = backward(trace, outs, cts, once)
        return [Zero(a) if found[s] is None else found[s] for s, a in zip(slots, avals)]

    return values, pull


def grad_eager(
    fun: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    i: int,
    check: Callable[[Any], None],
) -> tuple[Any, Any]:
    """``grad``'s common case outside transformations: the value of ``fun(*args, **kwargs)``
    and the cotangent at ``args[i]`` (an array of inexact dtype) of a one at the output (None
    where nothing flowed back). ``check(value)`` runs before the backward pass (``grad``'s
    checks of the output, which a 0-d array of a real floating dtype passes: not called
    for one). The same tape as ``linearize_eager``'s, without the pytree and
    pullback machinery a single array input and a scalar output do not need."""
    trace = TapeTrace()
    x = trace.new_input(args[i])
    out = run_in_new_trace(trace, fun, *args[:i], x, *args[i + 1 :], **kwargs)
    if type(out) is not TapeTracer or out._trace is not trace:  # a constant or a pytree
        leaves, tree = pytree.tree_flatten(out)
        values = [o.value if type(o) is TapeTracer and o._trace is trace else o for o in leaves]
        for v in values:
            check_alive(v)
        for v in values:
            get_aval(v)  # raises for what is no array (as vjp's output types do)
        value = pytree.tree_unflatten(tree, values)
        check(value)
        return value, None
    value = out.value
    if out.aval.shape or out.aval.dtype.kind != "f":  # else it passes grad's checks
        check(value)
    ct_of: list[Any] = [None] * trace.n_slots
    ct_of[out.slot] = np.array(1, out.aval.dtype)  # np.ones, a Python function: 4 times more
    return value, walk(trace, ct_of, not trace.foreign, True)[x.slot]


def backward(trace: TapeTrace, outs: Sequence[Any], cts: Sequence[Any], once: bool) -> list[Any]:
    """Pull the cotangents ``cts`` of the outputs ``outs`` back through the tape; returns the
    cotangent of every slot that has one (the inputs' among them), None elsewhere. With
    ``once``, each node is dropped from the tape, its residuals with it, once it has run."""
    ct_of: list[Any] = [None] * trace.n_slots
    # Outside transformations with array cotangents, every plan runs its compiled backward;
    # otherwise (vmap or grad of a pullback) the backward runs by bind.
    concrete = is_eager() and not trace.foreign
    concrete = concrete and not any(isinstance(c, Tracer) or is_foreign(c) for c in cts)
    for o, ct in zip(outs, cts, strict=True):
        if type(o) is TapeTracer and o._trace is trace and type(ct) is not Zero:
            prev = ct_of[o.slot]
            ct_of[o.slot] = ct if prev is None else add_any(prev, ct)
    return walk(trace, ct_of, concrete, once)


def walk(trace: TapeTrace, ct_of: list[Any], concrete: bool, once: bool) -> list[Any]:
    """``backward``'s walk from the cotangents ``ct_of`` of the slots (None where there is
    none), updated in place and returned; ``concrete``: all are arrays, outside every
    transformation (the compiled backward programs run)."""
    compiled = VjpPlan if concrete else None  # the plans whose compiled backward runs
    multiply = np.multiply
    # Popped from the end: with ``once`` from the tape itself, so that each node (and its
    # residuals) goes as soon as it has run; else from a copy, the tape kept for next time.
    nodes = trace.nodes if once else list(trace.nodes)
    pop = nodes.pop
    while nodes:
        pull, residuals, parents, first, n = pop()  # type: ignore[misc]
        if n == 1:
            ct = ct_of[first]
            if ct is None:
                continue
            ct_of[first] = None
            if type(pull) is compiled:
                if pull.tape_node is _SCALE:  # one parent
                    ct = multiply(ct, residuals[0])
                    prev = ct_of[parents]
                    ct_of[parents] = ct if prev is None else add_any(prev, ct)
                    continue
                cts_in = pull.backward(*residuals, ct)  # type: ignore[misc]
            else:
                cts_in = (pull.pull if type(pull) is VjpPlan else pull)(residuals, [ct], concrete)
        else:
            slot_cts = ct_of[first : first + n]
            if all(c is None for c in slot_cts):
                continue
            ct_of[first : first + n] = [None] * n
            cts_in = (pull.pull if type(pull) is VjpPlan else pull)(residuals, slot_cts, concrete)
        if type(parents) is int:  # one parent, the common case
            ct = cts_in[0]
            if type(ct) is not Zero:
                prev = ct_of[parents]
                ct_of[parents] = ct if prev is None else add_any(prev, ct)
            continue
        for p, ct in zip(parents, cts_in, strict=True):
            if type(ct) is Zero:
                continue
            prev = ct_of[p]
            ct_of[p] = ct if prev is None else add_any(prev, ct)
    return ct_of
