"""Linearization: jvp with the tangents staged by partial evaluation into a linear jaxpr."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.core import (
    ClosedJaxpr,
    StagingTrace,
    Zero,
    current_trace,
    eval_jaxpr,
    get_aval,
    instantiate,
    new_trace,
    pytree,
    tangent_aval,
)
from tracegrad.core.dtypes import float0
from tracegrad.transforms.arguments import FlatFun, as_value
from tracegrad.transforms.jvp import JVPTrace, instantiate_tangent


def linearize_flat(
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any]
) -> tuple[list[Any], ClosedJaxpr, list[bool]]:
    """Evaluate ``fun`` at ``primals`` and stage its jvp, linear in the tangents.

    The primal computation runs now, on the current trace; only the operations on
    tangents are recorded. The returned jaxpr maps input tangents to output tangents;
    its consts are the residuals (primal intermediates the tangent computation needs).
    Inputs with integer dtypes get no tangent input (they have float0 tangents).
    Returns ``(outputs, linear_jaxpr, nonzero)``: ``nonzero`` is False for an output whose
    tangent is a symbolic zero (the output is a constant).
    """
    parent = current_trace()
    with new_trace(StagingTrace(parent, forward_known=True)) as pe:
        tangents: list[Any] = []
        for p in primals:
            aval = tangent_aval(get_aval(p))
            tangents.append(Zero(aval) if aval.dtype == float0 else pe.new_arg(aval))
        with new_trace(JVPTrace(pe)) as jvp_trace:
            outs = fun(*[jvp_trace.pack(p, t) for p, t in zip(primals, tangents, strict=True)])
            pairs = [jvp_trace.unpack(o) for o in outs]
        tangents_out = [instantiate(t) for _, t in pairs]
        linear = pe.to_jaxpr(tangents_out)
    return [p for p, _ in pairs], linear, [type(t) is not Zero for _, t in pairs]


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the jvp at ``primals``,
    evaluated from a stored linear jaxpr without re-running ``fun``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> y, f_jvp = tg.linearize(tnp.sin, 0.0)
    >>> f_jvp(3.0)
    np.float64(3.0)
    """
    leaves, in_tree = pytree.tree_flatten(primals)
    leaves = [as_value(x) for x in leaves]
    flat_fun = FlatFun(fun, in_tree, False, "linearize")
    outs, linear, _ = linearize_flat(flat_fun, leaves)
    out_tree = flat_fun.out_tree
    assert out_tree is not None
    in_avals = [tangent_aval(get_aval(x)) for x in leaves]

    def f_jvp(*tangents: Any) -> Any:
        t_leaves, t_tree = pytree.tree_flatten(tangents)
        if t_tree != in_tree:
            raise TypeError(
                f"linearized function called with tangents of structure {t_tree}, "
                f"expected {in_tree}."
            )
        args = []
        for t, aval in zip(t_leaves, in_avals, strict=True):
            t = as_value(t)
            if get_aval(t).shape != aval.shape:
                raise ValueError(
                    f"linearized function called on tangent of shape {get_aval(t).shape}, "
                    f"expected shape {aval.shape} (dtype {aval.dtype.name})."
                )
            if aval.dtype != float0:
                args.append(t)
        t_outs = eval_jaxpr(linear, *args)
        return pytree.tree_unflatten(out_tree, [instantiate_tangent(t) for t in t_outs])

    return pytree.tree_unflatten(out_tree, outs), f_jvp
