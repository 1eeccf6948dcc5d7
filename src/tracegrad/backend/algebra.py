"""Algebraic simplification: rewrite rules that remove trivial arithmetic and redundant
movements of data (``x * 1``, ``x + 0``, ``neg(neg(x))``, a transpose of a transpose, a
reshape of a reshape, no-op broadcasts and casts, ``add_any`` of zeros).

Each primitive carries its rule in its ``simplify`` slot, set in the op's block in
``tracegrad.ops`` to one of the rules below (the backend may not import ``tracegrad.ops``
and knows no primitive by name: where a rule looks for another primitive, it knows it by
that primitive's rule). Each rule looks at one equation (and at the equations that defined
its inputs) and returns an atom that stands for its output, a replacement equation, or
None to keep it.

Every rule gives the same values as the equation it replaces, with one exception written
down in docs/jit.md: ``x + 0.0`` becomes ``x``, which keeps the sign of a zero ``x`` (-0.0)
where NumPy would return +0.0, as XLA does. ``x * 0`` becomes 0 only where ``x`` is known to be
finite (integers; floating constants are folded instead), since ``inf * 0`` is NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.backend.rewrite import Rebuilder
from tracegrad.core import ClosedJaxpr, JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom

Rule = Callable[[Rebuilder, JaxprEqn, Sequence[Atom]], "Atom | JaxprEqn | None"]

_UNIFORM_CHECK_LIMIT = 1 << 16  # constants larger than this are not scanned for a splat


def splat(rb: Rebuilder, a: Atom) -> np.ndarray | None:
    """The one value every element of ``a`` holds, if that is known now (a literal, a
    broadcast of one, or a constant with all elements equal), as a 0-d array."""
    for _ in range(8):  # follow a few broadcasts and no-op casts back to the scalar
        if isinstance(a, Literal):
            return np.asarray(a.val)
        value = rb.const_values.get(a)
        if value is not None:
            return _uniform_value(value)
        eqn = rb.defs.get(a)
        if eqn is None or eqn.primitive.simplify is not broadcast_in_dim:
            return None
        a = eqn.invars[0]
    return None


def _uniform_value(value: Any) -> np.ndarray | None:
    arr = np.asarray(value)
    if arr.size == 0 or arr.dtype.kind not in "biufc":
        return None
    first = arr.reshape(-1)[:1].reshape(())
    if all(s == 0 for s in arr.strides) or arr.size == 1:
        return first
    if arr.size > _UNIFORM_CHECK_LIMIT or not bool(np.all(arr == first)):
        return None
    return first


def _is(rb: Rebuilder, a: Atom, value: int) -> bool:
    s = splat(rb, a)
    return s is not None and s.dtype.kind in "iufc" and bool(s == value)


def _fills(eqn: JaxprEqn, a: Atom) -> bool:
    """``a`` has the output's shape and dtype: it can stand for the output as it is."""
    out = eqn.outvars[0].aval
    return a.aval.shape == out.shape and a.aval.dtype == out.dtype


# ---- arithmetic ---------------------------------------------------------------------------


def mul(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    x, y = ins
    if eqn.outvars[0].aval.dtype.kind not in "iuf":  # complex: (inf + 0j) * 1 has a NaN part
        return None
    for a, b in ((x, y), (y, x)):
        if _is(rb, b, 1) and _fills(eqn, a):
            return a
    if eqn.outvars[0].aval.dtype.kind in "iu":  # x * 0 is 0 for finite x only: integers
        for b in (x, y):
            if _is(rb, b, 0) and _fills(eqn, b):
                return b
    return None


def _is_zero(rb: Rebuilder, a: Atom, negative: bool) -> bool:
    """``a`` is a zero that leaves every value unchanged when added (``negative``: -0.0,
    as -0.0 + 0.0 is +0.0) or subtracted (+0.0); integer zeros either way."""
    s = splat(rb, a)
    if s is None or s.dtype.kind not in "iufc" or not bool(s == 0):
        return False
    if s.dtype.kind in "iu":
        return True
    parts = (s.real, s.imag) if s.dtype.kind == "c" else (s,)
    return all(bool(np.signbit(p)) == negative for p in parts)


def add(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    x, y = ins
    for a, b in ((x, y), (y, x)):
        if _is_zero(rb, b, negative=True) and _fills(eqn, a):
            return a
    return None


def add_any(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    # add_any accumulates cotangents; a zero operand is an instantiated symbolic zero,
    # whose accumulation eager reverse mode skips altogether: dropping it, whatever its
    # sign, gives eager's bits.
    x, y = ins
    for a, b in ((x, y), (y, x)):
        if _is(rb, b, 0) and _fills(eqn, a):
            return a
    return None


def sub(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    x, y = ins
    if _is_zero(rb, y, negative=False) and _fills(eqn, x):
        return x
    return None


def div(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    x, y = ins
    if eqn.outvars[0].aval.dtype.kind == "f" and _is(rb, y, 1) and _fills(eqn, x):
        return x
    return None


def neg(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    inner = rb.defs.get(ins[0]) if isinstance(ins[0], Var) else None
    if inner is not None and inner.primitive is eqn.primitive:
        return inner.invars[0]
    return None


def integer_pow(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    return ins[0] if eqn.params.get("y") == 1 else None


def select_n(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    cases = ins[1:]
    first = cases[0]
    if all(c is first for c in cases) and _fills(eqn, first):
        return first
    return None


# ---- data movement ------------------------------------------------------------------------


def _matrix_product(eqn: JaxprEqn | None) -> tuple[int, int] | None:
    """For a product of two matrices (dot_general, one contracting dimension each, no
    batch), the two contracting dimensions."""
    if eqn is None or eqn.primitive.simplify is not dot_general:
        return None
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    x, y = eqn.invars
    if lb or rb or len(lc) != 1 or len(rc) != 1 or x.aval.ndim != 2 or y.aval.ndim != 2:
        return None
    return int(lc[0]), int(rc[0])


def dot_general(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> JaxprEqn | None:
    # A matrix operand that is a transpose: contract the untransposed matrix instead (the
    # product reads it transposed anyway; one view fewer).
    dims = _matrix_product(eqn)
    if dims is None:
        return None
    new_ins, new_dims, changed = list(ins), list(dims), False
    for k, a in enumerate(ins):
        inner = rb.defs.get(a) if isinstance(a, Var) else None
        if inner is not None and inner.primitive.simplify is transpose and a.aval.ndim == 2:
            new_ins[k], new_dims[k], changed = inner.invars[0], 1 - dims[k], True
    if not changed:
        return None
    numbers = (((new_dims[0],), (new_dims[1],)), ((), ()))
    return JaxprEqn(
        eqn.primitive, tuple(new_ins), eqn.outvars, {**eqn.params, "dimension_numbers": numbers}
    )


def transpose(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | JaxprEqn | None:
    (x,) = ins
    perm = tuple(eqn.params["permutation"])
    inner = rb.defs.get(x) if isinstance(x, Var) else None
    dims = _matrix_product(inner)
    if (
        inner is not None
        and dims is not None
        and perm == (1, 0)
        and rb.uses.get(inner.outvars[0]) == 1
    ):
        # (x . y)^T = y^T . x^T: the product written in the transposed layout (a C-ordered
        # result, where a transposed view would slow down every elementwise use).
        y_and_x = (inner.invars[1], inner.invars[0])
        numbers = (((dims[1],), (dims[0],)), ((), ()))
        params = {**inner.params, "dimension_numbers": numbers}
        return JaxprEqn(inner.primitive, y_and_x, eqn.outvars, params)
    if inner is not None and inner.primitive is eqn.primitive:
        first = tuple(inner.params["permutation"])
        perm = tuple(first[p] for p in perm)
        x = inner.invars[0]
    if perm == tuple(range(len(perm))):
        return x
    if x is ins[0]:
        return None
    return JaxprEqn(eqn.primitive, (x,), eqn.outvars, {**eqn.params, "permutation": perm})


def reshape(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | JaxprEqn | None:
    (x,) = ins
    inner = rb.defs.get(x) if isinstance(x, Var) else None
    if inner is not None and inner.primitive is eqn.primitive:
        x = inner.invars[0]
    if x.aval.shape == eqn.outvars[0].aval.shape:
        return x
    if x is ins[0]:
        return None
    return JaxprEqn(eqn.primitive, (x,), eqn.outvars, eqn.params)


def broadcast_in_dim(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | JaxprEqn | None:
    (x,) = ins
    shape = tuple(eqn.params["shape"])
    dims = tuple(eqn.params["broadcast_dimensions"])
    inner = rb.defs.get(x) if isinstance(x, Var) else None
    if inner is not None and inner.primitive is eqn.primitive:
        first = tuple(inner.params["broadcast_dimensions"])
        dims = tuple(dims[d] for d in first)
        x = inner.invars[0]
    if x.aval.shape == shape and dims == tuple(range(len(shape))):
        return x
    if x is ins[0]:
        return None
    params = {**eqn.params, "broadcast_dimensions": dims}
    return JaxprEqn(eqn.primitive, (x,), eqn.outvars, params)


def convert_element_type(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    (x,) = ins
    return x if x.aval.dtype == eqn.params["new_dtype"] else None


def reduce_sum(rb: Rebuilder, eqn: JaxprEqn, ins: Sequence[Atom]) -> Atom | None:
    return ins[0] if not tuple(eqn.params["axes"]) else None


def simplify(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Apply the algebraic rewrite rules once, front to back (what a rule makes dead is left
    for ``dce``).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> from tracegrad.backend.passes import dce
    >>> closed = tg.make_jaxpr(lambda x: -(-x) * 1.0 + tnp.sin(x.T.T))(np.ones(2))
    >>> print(dce(simplify(closed)))
    { lambda ; a:f64[2]. let
        b:f64[2] = sin a
        c:f64[2] = add a b
      in (c,) }
    """
    rb = Rebuilder(closed)
    for eqn in closed.jaxpr.eqns:
        invars = rb.read_all(eqn.invars)
        rule: Rule | None = eqn.primitive.simplify
        result = None if rule is None else rule(rb, eqn, invars)
        if result is None:
            rb.emit(eqn, invars)
        elif isinstance(result, JaxprEqn):
            rb.emit(result)
            rb.drop()
        elif rb.substitute(eqn.outvars[0], result):
            rb.drop()
        else:
            rb.emit(eqn, invars)
    return rb.finish()
