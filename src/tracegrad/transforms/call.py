"""The jvp, transpose and batch rules of call-like primitives: primitives whose ``jaxpr``
parameter is the program they run (``jit_p``, ``checkpoint_p``). Each rule transforms that
program and binds the same primitive on the result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    Zero,
    get_aval,
    instantiate,
    is_undefined_primal,
)
from tracegrad.transforms.jvp import jvp_jaxpr
from tracegrad.transforms.transpose import transpose_jaxpr
from tracegrad.transforms.vmap import batch_jaxpr


def def_call_rules(prim: Primitive, *, tag_names: bool) -> None:
    """Register ``prim``'s jvp, transpose and batch rules. With ``tag_names`` the derived
    calls are named ``jvp(name)`` and ``transpose(name)``; otherwise they keep ``name``.

    >>> from tracegrad.core import Primitive
    >>> call_p = Primitive("call", multiple_results=True)
    >>> def_call_rules(call_p, tag_names=False)
    >>> all(r is not None for r in (call_p.jvp, call_p.transpose, call_p.batch))
    True
    """

    def tagged(tag: str, name: str) -> str:
        return f"{tag}({name})" if tag_names else name

    def jvp(
        primals: Sequence[Any], tangents: Sequence[Any], *, jaxpr: ClosedJaxpr, name: str
    ) -> tuple[list[Any], list[Any]]:
        nonzeros = tuple(type(t) is not Zero for t in tangents)
        n = len(jaxpr.out_avals)
        jvp_closed, out_nonzeros = jvp_jaxpr(jaxpr, nonzeros, (False,) * n)
        outs = prim.bind(
            *primals,
            *(t for t in tangents if type(t) is not Zero),
            jaxpr=jvp_closed,
            name=tagged("jvp", name),
        )
        it = iter(outs[n:])
        t_outs = [
            next(it) if nz else Zero.like_primal(a)
            for nz, a in zip(out_nonzeros, jaxpr.out_avals, strict=True)
        ]
        return list(outs[:n]), t_outs

    def transpose(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
        undefined = tuple(is_undefined_primal(x) for x in args)
        transposed = transpose_jaxpr(jaxpr, undefined)
        cts_in = [instantiate(ct) for ct in cts]
        res = [x for x in args if not is_undefined_primal(x)]
        outs = iter(prim.bind(*res, *cts_in, jaxpr=transposed, name=tagged("transpose", name)))
        return [next(outs) if u else None for u in undefined]

    def batch(
        args: Sequence[Any], dims: Sequence[int | None], *, jaxpr: ClosedJaxpr, name: str
    ) -> tuple[list[Any], list[int]]:
        size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
        batched, _ = batch_jaxpr(jaxpr, tuple(dims), size, (True,) * len(jaxpr.out_avals))
        outs = prim.bind(*args, jaxpr=batched, name=name)
        return list(outs), [0] * len(outs)

    prim.def_jvp(jvp)
    prim.def_transpose(transpose)
    prim.def_batch(batch)
