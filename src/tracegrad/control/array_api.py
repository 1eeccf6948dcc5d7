"""The array-API implementations of the control-flow primitives (``cond``, ``while``,
``scan``, and ``checkpoint``): Python control flow around the inner jaxprs, each run by the
same namespace evaluator as the program (``run_in_namespace``), so that only the namespace's
functions compute. ``ops/array_api.py`` loads this table with its own (by name: the control
primitives are a layer above ``ops``).

What needs a value to decide (the index of a ``cond`` on an eager library, the predicate of
each turn of a ``while``) is read from the array: ``int()``/``bool()`` of a 0-d array, which
on Dask computes that value's graph. A ``cond`` on a lazy library runs every branch and
selects, as JAX's ``vmap`` of ``cond`` does, so that its graph stays lazy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracegrad.backend.namespace import NamespaceRule, namespace_dtype
from tracegrad.control.cond import cond_p
from tracegrad.control.loops import while_p
from tracegrad.control.remat import checkpoint_p
from tracegrad.control.scan import scan_p
from tracegrad.core import ClosedJaxpr, Primitive


def run(closed: ClosedJaxpr, args: Sequence[Any], xp: Any) -> list[Any]:
    """An inner jaxpr, run as the program is (its calls inlined, with ``xp`` only).

    >>> import numpy as np, tracegrad as tg, tracegrad.numpy as tnp
    >>> run(tg.make_jaxpr(lambda x: tnp.cos(x) * 2.0)(0.0), [np.float64(0.0)], np)
    [np.float64(2.0)]
    """
    from tracegrad.ops.array_api import run_in_namespace  # that module imports this one

    return run_in_namespace(closed, args, xp)


def is_lazy(x: Any) -> bool:
    """Whether reading a value of ``x`` would compute a graph (Dask) rather than read memory.

    >>> import numpy as np
    >>> is_lazy(np.ones(2))
    False
    """
    try:
        import array_api_compat
    except ImportError:  # then only NumPy's arrays run: other libraries' need it
        return False
    return bool(array_api_compat.is_lazy_array(x))


def _cond(xp: Any, index: Any, *ops: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    last = len(branches) - 1
    if not is_lazy(index):
        return run(branches[min(max(int(index), 0), last)], ops, xp)
    # Every branch, then a select by the clamped index: the graph stays lazy.
    i = xp.minimum(xp.maximum(index, xp.zeros_like(index)), xp.full_like(index, last))
    outs = [run(b, ops, xp) for b in branches]
    selected = []
    for col in zip(*outs, strict=True):
        out = col[-1]
        for k in range(last - 1, -1, -1):
            out = xp.where(i == k, col[k], out)
        selected.append(out)
    return selected


def _while(
    xp: Any,
    *args: Any,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[Any]:
    n = cond_nconsts + body_nconsts
    cconsts, bconsts, carry = args[:cond_nconsts], args[cond_nconsts:n], list(args[n:])
    # The predicate is read each turn (on Dask: a compute of its graph, each turn).
    while bool(run(cond_jaxpr, [*cconsts, *carry], xp)[0]):
        carry = run(body_jaxpr, [*bconsts, *carry], xp)
    return carry


def _scan(
    xp: Any,
    *args: Any,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    **_: Any,
) -> list[Any]:
    n = num_consts + num_carry
    consts, carry, xs = args[:num_consts], list(args[num_consts:n]), args[n:]
    steps: list[list[Any]] = []
    for i in range(length - 1, -1, -1) if reverse else range(length):
        outs = run(jaxpr, [*consts, *carry, *(x[i, ...] for x in xs)], xp)
        carry = outs[:num_carry]
        steps.append(outs[num_carry:])
    if reverse:
        steps.reverse()
    ys = []
    for j, aval in enumerate(jaxpr.out_avals[num_carry:]):
        if steps:
            ys.append(xp.stack([s[j] for s in steps], axis=0))
        else:
            ys.append(xp.zeros((0, *aval.shape), dtype=namespace_dtype(xp, aval.dtype)))
    return [*carry, *ys]


def _checkpoint(xp: Any, *args: Any, jaxpr: ClosedJaxpr, name: Any) -> list[Any]:
    return run(jaxpr, args, xp)  # rematerialisation is a matter of derivatives: just the body


CONTROL_RULES: dict[Primitive, NamespaceRule] = {
    cond_p: _cond,
    while_p: _while,
    scan_p: _scan,
    checkpoint_p: _checkpoint,
}
