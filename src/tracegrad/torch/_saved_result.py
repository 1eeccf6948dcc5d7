"""A backward that reads the operation's result, as PyTorch's does for ``exp``, ``tanh``,
``sigmoid``, ``softmax`` and the other operations that save their result.

A plan's staged vjp recomputes, from the inputs, the forward values its derivative needs
(``tanh``'s backward is ``ct * (1 - tanh(x)**2)``, the rule's ``ans`` recomputed). For an
operation that saves its result, the linearization's forward takes the result as an extra
input instead of the equation that computes it: the backward then reads the result the
forward already made (one pass less for ``tanh``, and the input need not be kept). The
values are the same: the equation is the one the forward ran.
"""

from __future__ import annotations

from tracegrad.core import ClosedJaxpr, Jaxpr, Var
from tracegrad.transforms.staged_vjp import VjpPlan


def read_result(plan: VjpPlan) -> None:
    """Make ``plan``'s forward take its one output as its last input, in place of the
    equation that computes it; unchanged when there is no such single equation (several
    outputs, an output that is an input or a constant, or an equation with other
    outputs)."""
    closed = plan.known_jaxpr
    j = closed.jaxpr
    if plan.n_out != 1:
        return
    out = j.outvars[0]
    if type(out) is not Var or out in j.invars or out in j.constvars:
        return
    eqns = [e for e in j.eqns if out not in e.outvars]
    made = [e for e in j.eqns if out in e.outvars]
    if len(made) != 1 or len(made[0].outvars) != 1:
        return
    plan.known_jaxpr = ClosedJaxpr(
        Jaxpr(j.constvars, (*j.invars, out), j.outvars, tuple(eqns)), closed.consts
    )
