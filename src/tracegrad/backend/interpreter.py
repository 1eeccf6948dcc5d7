"""The reference backend: evaluate a jaxpr equation by equation with each primitive's impl.

The code generator's results are tested against this one; it optimises nothing.
"""

from __future__ import annotations

from typing import Any

from tracegrad.core import ClosedJaxpr, Literal, Var


def evaluate(closed: ClosedJaxpr, *args: Any) -> list[Any]:
    """The outputs of ``closed`` at ``args``, computed with the primitives' NumPy
    implementations (no tracing: the inputs must be concrete).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> evaluate(tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(0.0), 0.0)
    [np.float64(0.0)]
    """
    jaxpr = closed.jaxpr
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, closed.consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn in jaxpr.eqns:
        impl = eqn.primitive.impl
        if impl is None:
            raise NotImplementedError(f"Primitive {eqn.primitive.name!r} has no evaluation rule.")
        ins = [a.val if isinstance(a, Literal) else env[a] for a in eqn.invars]
        out = impl(*ins, **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out, strict=True))
        else:
            env[eqn.outvars[0]] = out
    return [a.val if isinstance(a, Literal) else env[a] for a in jaxpr.outvars]
