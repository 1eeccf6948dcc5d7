"""Broadcasts left to NumPy: a ``broadcast_in_dim`` read only by elementwise ufunc calls,
which broadcast their operands anyway, needs no call of its own (code generation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tracegrad.backend import emitters
from tracegrad.core import JaxprEqn, Var
from tracegrad.core.ir import Atom


def fuse_broadcasts(eqns: list[JaxprEqn], outvars: Sequence[Atom]) -> list[JaxprEqn]:
    """A broadcast_in_dim read only by elementwise ufunc calls that broadcast it anyway needs
    no call of its own: its operand goes in its place.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> f = lambda x, y: x * tnp.broadcast_to(y, (2, 3))
    >>> closed = tg.make_jaxpr(f)(np.ones((2, 3)), np.ones(3))
    >>> [e.primitive.name for e in fuse_broadcasts(list(closed.eqns), closed.jaxpr.outvars)]
    ['mul']
    """
    uses = emitters.uses_of(eqns)
    outs = {a for a in outvars if isinstance(a, Var)}
    kept: list[JaxprEqn] = []
    replaced: dict[Var, Atom] = {}
    for eqn in eqns:
        if replaced:
            invars = tuple(replaced.get(a, a) if isinstance(a, Var) else a for a in eqn.invars)
            if any(x is not y for x, y in zip(invars, eqn.invars, strict=True)):
                eqn = JaxprEqn(eqn.primitive, invars, eqn.outvars, eqn.params)
        x = _broadcast_operand(eqn)
        if x is not None and eqn.outvars[0] not in outs:
            b = eqn.outvars[0]
            shape = tuple(eqn.params["shape"])
            dims = tuple(eqn.params["broadcast_dimensions"])
            expanded = emitters.expanded_shape(x.aval.shape, shape, dims)
            trailing = dims == tuple(range(len(shape) - x.aval.ndim, len(shape)))
            # NumPy aligns shapes on the right: a trailing operand broadcasts as it is, any
            # other once reshaped with ones in the new dimensions (a view).
            reshaped = Var(b.aval.update(shape=expanded))
            stand_in: Atom = x if trailing else reshaped
            if all(_absorbs(use, b, stand_in, replaced) for use in uses.get(b, [])):
                replaced[b] = stand_in
                if not trailing:
                    params = {**eqn.params, "shape": expanded}
                    kept.append(JaxprEqn(eqn.primitive, eqn.invars, (reshaped,), params))
                continue
        kept.append(eqn)
    return kept


def _broadcast_operand(eqn: JaxprEqn) -> Atom | None:
    """The operand of a broadcast_in_dim equation."""
    if eqn.primitive.emit is not emitters.broadcast_in_dim:
        return None
    return eqn.invars[0]


def _absorbs(use: JaxprEqn, b: Var, x: Atom, replaced: dict[Var, Atom]) -> bool:
    """Whether the ufunc call ``use`` gives the same result with ``x`` in place of ``b`` (and
    the broadcasts already left to NumPy in place of theirs)."""
    if not isinstance(use.primitive.impl, np.ufunc) or use.params:
        return False
    shapes = [
        x.aval.shape if a is b else (replaced.get(a, a) if isinstance(a, Var) else a).aval.shape
        for a in use.invars
    ]
    try:
        return tuple(np.broadcast_shapes(*shapes)) == use.outvars[0].aval.shape
    except ValueError:
        return False
