"""The staged-vjp service: the linearization of a function at one signature, staged as
jaxprs and compiled once (``VjpPlan``), the one bounded cache that holds such plans
(``PLANS``), and the one dead-code elimination they and the control-flow rules prune with
(``dce_jaxpr``).

Eager reverse mode (``transforms/tape.py``, one plan per primitive signature) and the
Tensor shim (``torch/graph.py``, one plan per torch operation signature) both build on it:
neither stages a derivative by any other route. The shim's backward chains
(``torch/_fused.py``) compose its plans' staged vjps and are cached here too, keyed by the
tuple of those plans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.backend import compile_jaxpr
from tracegrad.core import (
    ClosedJaxpr,
    Jaxpr,
    ShapedArray,
    UndefinedPrimal,
    Var,
    Zero,
    eval_jaxpr,
    instantiate,
    trace_to_jaxpr,
)
from tracegrad.core.cache import PlanCache
from tracegrad.core.ir import eqn_effects
from tracegrad.transforms.linearize import linearize_flat
from tracegrad.transforms.transpose import backward_pass

# ---- dead-code elimination --------------------------------------------------------------------


def dce_jaxpr(
    closed: ClosedJaxpr,
    keep: Sequence[bool],
    instantiate: bool | Sequence[bool] = True,
    effects: bool = True,
) -> tuple[ClosedJaxpr, list[bool]]:
    """Keep the outputs flagged in ``keep`` and the equations they need; drop the constants
    nothing reads. Inputs stay where ``instantiate`` says so (all of them by default); the
    others stay only if something reads them. Returns the pruned jaxpr and, per input,
    whether it was kept.

    An effectful equation (a ``debug.print``, a callback, or a loop or branch holding one)
    stays with what it reads, unless ``effects`` is false: for a slice of a program whose
    effects run elsewhere.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x, y: (tnp.sin(x), tnp.cos(y)))(1.0, 2.0)
    >>> pruned, used = dce_jaxpr(closed, [False, True], instantiate=False)
    >>> print(pruned)
    { lambda ; a:f64[]. let
        b:f64[] = cos a
      in (b,) }
    >>> used
    [False, True]
    """
    j = closed.jaxpr
    outvars = tuple(v for v, k in zip(j.outvars, keep, strict=True) if k)
    live = {v for v in outvars if type(v) is Var}
    eqns = []
    for eqn in reversed(j.eqns):
        if any(v in live for v in eqn.outvars) or (effects and eqn_effects(eqn)):
            eqns.append(eqn)
            live.update(a for a in eqn.invars if type(a) is Var)
    eqns.reverse()
    if isinstance(instantiate, bool):
        used = [instantiate or v in live for v in j.invars]
    else:
        used = [k or v in live for v, k in zip(j.invars, instantiate, strict=True)]
    invars = tuple(v for v, u in zip(j.invars, used, strict=True) if u)
    kept = [(v, c) for v, c in zip(j.constvars, closed.consts, strict=True) if v in live]
    jaxpr = Jaxpr(tuple(v for v, _ in kept), invars, outvars, tuple(eqns))
    return ClosedJaxpr(jaxpr, tuple(c for _, c in kept)), used


# ---- the cache ----------------------------------------------------------------------------------


# Every staged vjp, keyed by its user's signature (the tape's start with a primitive, the
# shim's with an operation). Each plan keeps its compiled code and constants alive.
PLANS = PlanCache(8192)


# ---- the plan -----------------------------------------------------------------------------------


def partial_fn(
    fn: Callable[..., list[Any]], vals: Sequence[Any], diff: Sequence[int]
) -> Callable[..., list[Any]]:
    """``fn`` as a function of the inputs ``diff`` only, the others fixed to ``vals``."""

    def of_diff(*d: Any) -> list[Any]:
        full = list(vals)
        for i, v in zip(diff, d, strict=True):
            full[i] = v
        return fn(*full)

    return of_diff


class VjpPlan:
    """The linearization of ``fn`` (arrays to a list of arrays) at one signature: the abstract
    values ``avals`` of its inputs, of which ``diff`` are differentiated.

    ``known_jaxpr`` maps the inputs to the outputs and the residuals; ``backward_jaxpr``
    maps the residuals and the output cotangents to the cotangents of the inputs ``diff``.
    ``compile()`` makes them ``known`` and ``backward``, NumPy callables.
    """

    __slots__ = (
        "backward", "backward_jaxpr", "ct_avals", "known", "known_jaxpr", "n_out", "n_res",
        "nonzero", "out_avals", "tape_node",
    )  # fmt: skip

    def __init__(
        self, fn: Callable[..., list[Any]], avals: Sequence[ShapedArray], diff: Sequence[int]
    ) -> None:
        staged: list[Any] = []

        def known(*primals: Any) -> list[Any]:
            outs, linear, nonzero = linearize_flat(
                partial_fn(fn, primals, diff), [primals[i] for i in diff]
            )
            staged.extend([linear, nonzero])
            return [*outs, *linear.consts]

        self.known_jaxpr = trace_to_jaxpr(known, list(avals))
        linear, nonzero = staged
        self.nonzero: list[bool] = nonzero
        self.n_out = len(nonzero)
        # As the interpretive route gives them: the avals of concrete values (never weak).
        self.out_avals = [a.strip_weak_type() for a in self.known_jaxpr.out_avals[: self.n_out]]
        jaxpr = linear.jaxpr
        res_avals = [v.aval for v in jaxpr.constvars]
        self.n_res = n_res = len(res_avals)
        undefined = [UndefinedPrimal(v.aval) for v in jaxpr.invars]

        def backward(*args: Any) -> list[Any]:
            cts = backward_pass(jaxpr, args[:n_res], undefined, list(args[n_res:]))
            return [instantiate(c) for c in cts]

        self.ct_avals = [v.aval for v in jaxpr.outvars]
        self.backward_jaxpr = trace_to_jaxpr(backward, [*res_avals, *self.ct_avals])
        self.known: Callable[..., list[Any]] | None = None
        self.backward: Callable[..., list[Any]] | None = None
        # What the eager tape records for an application of the plan, decided by
        # transforms/tape.py on the first one (None until then).
        self.tape_node: Any = None

    def compile(self) -> VjpPlan:
        """Compile ``known`` and ``backward`` (once); returns the plan."""
        if self.known is None:
            self.known = compile_jaxpr(self.known_jaxpr)
            self.backward = compile_jaxpr(self.backward_jaxpr)
        return self

    def pull(self, residuals: Sequence[Any], cts: list[Any], concrete: bool) -> list[Any]:
        """The cotangents of the inputs ``diff`` from the residuals and the output cotangents
        (None for an output nothing depended on); ``concrete``: all are arrays, run the
        compiled backward (else by bind: under vmap of the vjp, grad of it)."""
        if len(cts) > 1 and any(c is None for c in cts):  # an output nothing depended on
            cts = [
                instantiate(Zero(a)) if c is None else c
                for c, a in zip(cts, self.ct_avals, strict=True)
            ]
        if concrete:
            assert self.backward is not None
            return self.backward(*residuals, *cts)
        return eval_jaxpr(self.backward_jaxpr, *residuals, *cts)

    def fused(
        self, wrap_ct: Callable[[Any], Any], finish: Callable[[int, Any], Any]
    ) -> tuple[ClosedJaxpr, list[bool]]:
        """One jaxpr ``(*inputs, *cts) -> cotangents of the inputs diff``, the forward and the
        backward together, pruned to what the cotangents need, and per input whether it is
        read (the unread ones are dropped; the cotangents stay). ``wrap_ct`` is applied to
        each output cotangent and ``finish(k, ct)`` to the k-th input cotangent."""
        n_in = len(self.known_jaxpr.jaxpr.invars)
        n_out = self.n_out

        def vjp_flat(*args: Any) -> list[Any]:
            res = eval_jaxpr(self.known_jaxpr, *args[:n_in])[n_out:]
            cts = [wrap_ct(c) for c in args[n_in:]]
            outs = eval_jaxpr(self.backward_jaxpr, *res, *cts)
            return [finish(k, c) for k, c in enumerate(outs)]

        closed = trace_to_jaxpr(vjp_flat, [*self.known_jaxpr.in_avals, *self.ct_avals])
        keep = [True] * len(closed.jaxpr.outvars)
        inst = [False] * n_in + [True] * len(self.ct_avals)
        pruned, used = dce_jaxpr(closed, keep, inst, effects=False)  # the forward printed
        return pruned, used[:n_in]
