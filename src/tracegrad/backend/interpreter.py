"""The reference backend: evaluate a jaxpr equation by equation with each primitive's impl."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracegrad.core import ClosedJaxpr, Literal, Var


def compile_jaxpr(closed: ClosedJaxpr) -> Callable[..., list[Any]]:
    """A function of the jaxpr's inputs that returns the list of its outputs, computed with
    the primitives' NumPy implementations (no tracing: inputs must be concrete).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> run = compile_jaxpr(tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(0.0))
    >>> run(0.0)
    [np.float64(0.0)]
    """
    jaxpr, consts = closed.jaxpr, closed.consts
    eqns = [
        (e.primitive.impl, e.primitive.multiple_results, e.invars, e.outvars, e.params)
        for e in jaxpr.eqns
    ]

    def run(*args: Any) -> list[Any]:
        env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
        env.update(zip(jaxpr.invars, args, strict=True))
        for impl, multiple, invars, outvars, params in eqns:
            assert impl is not None
            ins = [a.val if isinstance(a, Literal) else env[a] for a in invars]
            out = impl(*ins, **params)
            if multiple:
                env.update(zip(outvars, out, strict=True))
            else:
                env[outvars[0]] = out
        return [a.val if isinstance(a, Literal) else env[a] for a in jaxpr.outvars]

    return run
