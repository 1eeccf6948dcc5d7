"""Partial evaluation of jaxprs: split a program into the part computable from known inputs
and the part that must wait for the unknown ones."""

from __future__ import annotations

from collections.abc import Sequence

from tracegrad.core import (
    ClosedJaxpr,
    Jaxpr,
    StagingTrace,
    current_trace,
    eval_jaxpr,
    new_trace,
    per_jaxpr,
)


@per_jaxpr
def partial_eval_jaxpr(
    closed: ClosedJaxpr,
    unknowns: tuple[bool, ...],
    instantiate: tuple[bool, ...] | None = None,
) -> tuple[ClosedJaxpr, ClosedJaxpr, tuple[bool, ...], int]:
    """Split ``closed`` by which inputs are unknown.

    Returns ``(known, unknown, out_unknowns, num_residuals)``: ``known`` maps the known
    inputs to the known outputs followed by the residuals; ``unknown`` maps the residuals
    followed by the unknown inputs to the unknown outputs. Outputs flagged in
    ``instantiate`` are made unknown even when they could be known (control flow needs
    every branch or iteration to agree on which outputs are unknown).
    """
    in_avals = closed.in_avals
    with new_trace(StagingTrace(current_trace())) as known_trace:
        known_args = [
            known_trace.new_arg(a) for a, u in zip(in_avals, unknowns, strict=True) if not u
        ]
        with new_trace(StagingTrace(known_trace, forward_known=True)) as unknown_trace:
            it = iter(known_args)
            args = [
                unknown_trace.new_arg(a) if u else next(it)
                for a, u in zip(in_avals, unknowns, strict=True)
            ]
            outs = eval_jaxpr(closed, *args)
            force = instantiate if instantiate is not None else (False,) * len(outs)
            out_unknowns = tuple(
                unknown_trace.is_own(o) or f for o, f in zip(outs, force, strict=True)
            )
            staged = unknown_trace.to_jaxpr(
                [o for o, u in zip(outs, out_unknowns, strict=True) if u]
            )
        # Constants of the unknown part that the known trace computed are the residuals.
        is_residual = [known_trace.is_own(c) for c in staged.consts]
        residuals = [c for c, r in zip(staged.consts, is_residual, strict=True) if r]
        known_outs = [o for o, u in zip(outs, out_unknowns, strict=True) if not u]
        known = known_trace.to_jaxpr([*known_outs, *residuals])
    sj = staged.jaxpr
    res_vars = [v for v, r in zip(sj.constvars, is_residual, strict=True) if r]
    const_vars = [v for v, r in zip(sj.constvars, is_residual, strict=True) if not r]
    const_vals = [c for c, r in zip(staged.consts, is_residual, strict=True) if not r]
    unknown = ClosedJaxpr(
        Jaxpr(tuple(const_vars), (*res_vars, *sj.invars), sj.outvars, sj.eqns), tuple(const_vals)
    )
    return known, unknown, out_unknowns, len(residuals)


def merge_outputs(
    out_unknowns: Sequence[bool], known: Sequence[object], unknown: Sequence[object]
) -> list[object]:
    """Interleave known and unknown outputs back into the original order."""
    k, u = iter(known), iter(unknown)
    return [next(u) if flag else next(k) for flag in out_unknowns]
