"""Shared machinery of the IR passes: rebuilding a jaxpr under a substitution, the keys that
decide when two values or equations are the same, and which calls may be inlined (read
from the primitives' slots: the backend may not import ``tracegrad.ops``)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, ShapedArray, Tracer, Var
from tracegrad.core.ir import Atom


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a pass runs: the passes build many long-lived small
    objects and free no cycles, and collections triggered by those allocations made their
    cost grow faster than the program (a third of optimising a 30k-equation program)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def call_body(eqn: JaxprEqn, execution: bool = False) -> ClosedJaxpr | None:
    """The inner program of ``eqn`` if it is a call that may be inlined, else None.

    A primitive that every transformation sees through (``transparent``: ``jit``) may always
    be inlined. One whose derivatives are its own (the custom-rule calls) only with
    ``execution``: in the program that runs, after every transformation is done with the IR.
    Never ``checkpoint``: inlined, its recomputation would be merged with the computation it
    repeats (CSE), keeping alive what it exists to free.
    """
    prim = eqn.primitive
    param = prim.inline_param
    if param is None or not (execution or prim.transparent):
        return None
    body = eqn.params.get(param)
    if not isinstance(body, ClosedJaxpr) or len(body.jaxpr.invars) != len(eqn.invars):
        return None
    if len(body.jaxpr.outvars) != len(eqn.outvars):
        return None
    return body


def same_aval(a: ShapedArray, b: ShapedArray) -> bool:
    """Shape, dtype and weak type all equal (``ShapedArray.__eq__`` does this too, but this
    states the intent where it matters: a jaxpr's output types must not change)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.weak_type == b.weak_type


def is_concrete(value: Any) -> bool:
    """Whether a constant's value is known now (a tracer of an enclosing transformation is not)."""
    return not isinstance(value, Tracer)


# ---- keys ---------------------------------------------------------------------------------


def literal_key(lit: Literal) -> Hashable:
    """Two literals with one key are the same value of the same type, bit for bit (so 0.0 and
    -0.0 differ, and NaN equals NaN)."""
    arr = np.asarray(lit.val)
    return ("lit", type(lit.val), lit.aval.dtype, lit.aval.weak_type, arr.shape, arr.tobytes())


def atom_key(a: Atom) -> Hashable:
    return literal_key(a) if isinstance(a, Literal) else a


def param_key(value: Any) -> Hashable:
    """A key equal for two parameter values exactly when the primitive cannot tell them apart.

    Inner jaxprs, functions and other objects compare by identity; numbers by type and bits.
    """
    if value is None or isinstance(value, bool | int | str | np.dtype):
        return (type(value), value)
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, complex):
        return ("complex", value.real.hex(), value.imag.hex())
    if isinstance(value, tuple | list):
        return (type(value), tuple(param_key(v) for v in value))
    if isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        return ("array", type(value), arr.dtype, arr.shape, arr.tobytes())
    return ("id", id(value))


def eqn_key(eqn: JaxprEqn, invars: Sequence[Atom]) -> Hashable:
    """Equal for two equations exactly when they compute the same values."""
    params = tuple(sorted((k, param_key(v)) for k, v in eqn.params.items()))
    keys = tuple(atom_key(a) for a in invars)
    if eqn.primitive.commutative and len(keys) == 2:
        # An order that does not depend on the order written (on a tie of hashes, two
        # equal equations may be missed, never two different ones merged).
        keys = tuple(sorted(keys, key=hash))
    return (eqn.primitive, params, keys)


# ---- rebuilding -------------------------------------------------------------------------


class Rebuilder:
    """Rebuilds a closed jaxpr equation by equation, reading each input through a
    substitution of old variables by new atoms.

    The jaxpr's outputs keep their types: a substitution that would change the type of an
    output (a weakly typed value standing in for a strongly typed one) is refused.
    """

    def __init__(self, closed: ClosedJaxpr) -> None:
        self.source = closed
        self.env: dict[Var, Atom] = {}
        self.constvars: list[Var] = list(closed.jaxpr.constvars)
        self.consts: list[Any] = list(closed.consts)
        self.const_values: dict[Var, Any] = {
            v: c for v, c in zip(self.constvars, self.consts, strict=True) if is_concrete(c)
        }
        self._const_ids: dict[int, Var] = {id(c): v for v, c in self.const_values.items()}
        self.eqns: list[JaxprEqn] = []
        self.defs: dict[Var, JaxprEqn] = {}
        # How often each variable of the source is read (the outputs count as a read).
        self.uses: dict[Var, int] = {}
        for a in (*(a for e in closed.jaxpr.eqns for a in e.invars), *closed.jaxpr.outvars):
            if isinstance(a, Var):
                self.uses[a] = self.uses.get(a, 0) + 1
        self.protected = {v for v in closed.jaxpr.outvars if isinstance(v, Var)}
        self.changed = False

    def read(self, a: Atom) -> Atom:
        if isinstance(a, Var):
            return self.env.get(a, a)
        return a

    def read_all(self, atoms: Iterable[Atom]) -> tuple[Atom, ...]:
        return tuple(self.read(a) for a in atoms)

    def can_substitute(self, v: Var, atom: Atom) -> bool:
        if v not in self.protected or isinstance(atom, Literal):
            return True
        return same_aval(v.aval, atom.aval)

    def substitute(self, v: Var, atom: Atom) -> bool:
        """Replace ``v`` by ``atom`` from now on; False (and nothing done) if not allowed."""
        if not self.can_substitute(v, atom):
            return False
        if isinstance(atom, Literal) and not same_aval(atom.aval, v.aval):
            atom = Literal(atom.val, v.aval)
        self.env[v] = atom
        self.changed = True
        return True

    def add_const(self, value: Any, aval: ShapedArray, var: Var | None = None) -> Var:
        """A constvar holding ``value`` (one per value object)."""
        known = self._const_ids.get(id(value))
        if known is not None and var is None:
            return known
        var = Var(aval) if var is None else var
        self.constvars.append(var)
        self.consts.append(value)
        self.const_values[var] = value
        self._const_ids[id(value)] = var
        self.changed = True
        return var

    def emit(self, eqn: JaxprEqn, invars: Sequence[Atom] | None = None) -> JaxprEqn:
        """Append ``eqn`` (with ``invars`` in place of its own, if given)."""
        if invars is not None and any(a is not b for a, b in zip(invars, eqn.invars, strict=True)):
            eqn = JaxprEqn(eqn.primitive, tuple(invars), eqn.outvars, eqn.params, eqn.name_stack)
            self.changed = True
        self.eqns.append(eqn)
        for v in eqn.outvars:
            self.defs[v] = eqn
        return eqn

    def drop(self) -> None:
        """Record that an equation of the source was left out."""
        self.changed = True

    def finish(self) -> ClosedJaxpr:
        """The rebuilt closed jaxpr (the source object itself if nothing changed)."""
        if not self.changed:
            return self.source
        j = self.source.jaxpr
        outvars = self.read_all(j.outvars)
        jaxpr = Jaxpr(tuple(self.constvars), j.invars, outvars, tuple(self.eqns))
        return ClosedJaxpr(jaxpr, tuple(self.consts))
