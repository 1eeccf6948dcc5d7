"""IR optimisation passes: each a pure function from a closed jaxpr to an equivalent one
(dead-code elimination, common subexpressions, constant folding, inlining of calls), and
``optimize``, the pipeline that ``jit`` runs once per signature.

A pass returns its argument itself when it has nothing to change, so that caches keyed on
the identity of a jaxpr keep working. Every pass keeps the types of the inputs and outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tracegrad.backend.algebra import simplify
from tracegrad.backend.rewrite import Rebuilder, call_body, eqn_key, is_concrete, paused_gc
from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, check_jaxpr
from tracegrad.core.ir import Atom, eqn_effects

# ---- dead-code elimination ----------------------------------------------------------------


def dce(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Remove the equations and constants that no output depends on; inside ``jit`` calls,
    remove the dead equations of the body (the call keeps its signature).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: (tnp.cos(x), tnp.sin(x))[1])(1.0)
    >>> [e.primitive.name for e in dce(closed).eqns]
    ['sin']
    """
    return _dce(closed, {})


def _dce(closed: ClosedJaxpr, memo: dict[int, ClosedJaxpr]) -> ClosedJaxpr:
    done = memo.get(id(closed))
    if done is not None:
        return done
    j = closed.jaxpr
    live = {v for v in j.outvars if isinstance(v, Var)}
    kept: list[JaxprEqn] = []
    changed = False
    for eqn in reversed(j.eqns):
        if not any(v in live for v in eqn.outvars) and not eqn_effects(eqn):
            changed = True
            continue
        body = call_body(eqn)
        if body is not None:
            new_body = _dce(body, memo)
            if new_body is not body:
                param = eqn.primitive.inline_param
                assert param is not None  # call_body found the body there
                eqn = JaxprEqn(
                    eqn.primitive, eqn.invars, eqn.outvars, {**eqn.params, param: new_body}
                )
                changed = True
        kept.append(eqn)
        live.update(a for a in eqn.invars if isinstance(a, Var))
    const_live = [v in live for v in j.constvars]
    if not changed and all(const_live):
        memo[id(closed)] = closed
        return closed
    kept.reverse()
    jaxpr = Jaxpr(
        tuple(v for v, k in zip(j.constvars, const_live, strict=True) if k),
        j.invars,
        j.outvars,
        tuple(kept),
    )
    out = ClosedJaxpr(jaxpr, tuple(c for c, k in zip(closed.consts, const_live, strict=True) if k))
    memo[id(closed)] = out
    return out


# ---- common-subexpression elimination -----------------------------------------------------


def cse(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Compute each (primitive, parameters, inputs) once: a later equal equation is replaced by
    the outputs of the first. Parameters holding jaxprs or functions compare by identity.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: tnp.sin(x) * tnp.sin(x))(1.0)
    >>> print(cse(closed))
    { lambda ; a:f64[]. let
        b:f64[] = sin a
        c:f64[] = mul b b
      in (c,) }
    """
    rb = Rebuilder(closed)
    seen: dict[Any, tuple[Var, ...]] = {}
    for eqn in closed.jaxpr.eqns:
        invars = rb.read_all(eqn.invars)
        if eqn_effects(eqn):
            rb.emit(eqn, invars)
            continue
        try:
            key = eqn_key(eqn, invars)
            prev = seen.get(key)
        except TypeError:  # a parameter that cannot be hashed: keep the equation
            rb.emit(eqn, invars)
            continue
        if prev is not None and all(
            rb.can_substitute(v, p) for v, p in zip(eqn.outvars, prev, strict=True)
        ):
            for v, p in zip(eqn.outvars, prev, strict=True):
                rb.substitute(v, p)
            rb.drop()
            continue
        seen.setdefault(key, eqn.outvars)
        rb.emit(eqn, invars)
    return rb.finish()


# ---- constant folding ---------------------------------------------------------------------

# What an implementation raises for the values it is given (a division by zero, a singular
# matrix, an index out of bounds): an error of the program, left to run time. Any other
# exception while folding (a TypeError from parameters the implementation does not take...)
# is a bug, and propagates.
VALUE_ERRORS = (ArithmeticError, ValueError, IndexError)


def _owner(arr: np.ndarray) -> Any:
    """The object that owns the memory of ``arr`` (itself, or the end of its chain of bases)."""
    base: Any = arr
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def _new_bytes(value: Any, inputs: Sequence[Any]) -> int:
    """How much memory keeping ``value`` as a constant costs beyond the inputs' memory (a view
    of a constant, or a broadcast of a scalar, costs next to nothing)."""
    if not isinstance(value, np.ndarray):
        return int(np.asarray(value).nbytes)
    owner = _owner(value)
    if any(isinstance(x, np.ndarray) and _owner(x) is owner for x in inputs):
        return 0
    return int(owner.nbytes) if isinstance(owner, np.ndarray) else int(value.nbytes)


def fold_constants(closed: ClosedJaxpr, *, max_bytes: int = 1 << 20) -> ClosedJaxpr:
    """Evaluate now, with the primitives' implementations, every equation whose inputs are
    all literals or constants. Scalar results become literals, others constants (unless
    they would take more than ``max_bytes`` of new memory).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(tg.grad(lambda x: -tnp.mean(x * 3.0)))(np.ones(2))
    >>> print(closed)
    { lambda ; a:f64[2]. let
        b:f64[2] = mul a 3.0:f64[]
        c:f64[] = reduce_sum[axes=(0,)] b
        d:f64[] = div c 2.0:f64[]
        e:f64[] = neg d
        f:f64[] = neg 1.0:f64[]
        g:f64[] = div f 2.0:f64[]
        h:f64[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] g
        i:f64[2] = mul h 3.0:f64[]
      in (i,) }
    >>> print(dce(fold_constants(closed)))
    { lambda a:f64[2]; b:f64[2]. let
      in (a,) }
    >>> dce(fold_constants(closed)).consts
    (array([-1.5, -1.5]),)
    """
    rb = Rebuilder(closed)
    known = dict(rb.const_values)
    for eqn in closed.jaxpr.eqns:
        invars = rb.read_all(eqn.invars)
        outs = _try_fold(eqn, invars, known, max_bytes)
        if outs is None:
            rb.emit(eqn, invars)
            continue
        for v, val in zip(eqn.outvars, outs, strict=True):
            if np.ndim(val) == 0:
                rb.substitute(v, Literal(val, v.aval))
            else:
                rb.add_const(val, v.aval, var=v)
                known[v] = val
        rb.drop()
    return rb.finish()


def _try_fold(
    eqn: JaxprEqn, invars: Sequence[Atom], known: Mapping[Var, Any], max_bytes: int
) -> list[Any] | None:
    prim = eqn.primitive
    if prim.impl is None or prim.run_time_only:
        return None
    vals = []
    for a in invars:
        if isinstance(a, Literal):
            vals.append(a.val)
        elif a in known and is_concrete(known[a]):
            vals.append(known[a])
        else:
            return None
    try:
        with np.errstate(all="ignore"):
            out = prim.impl(*vals, **eqn.params)
    except VALUE_ERRORS:  # the program raises when it runs, as it would have without folding
        return None
    outs = list(out) if prim.multiple_results else [out]
    if len(outs) != len(eqn.outvars):
        return None
    for v, val in zip(eqn.outvars, outs, strict=True):
        if not isinstance(val, np.ndarray | np.generic):
            return None
        if val.shape != v.aval.shape or val.dtype != v.aval.dtype:
            return None  # the rule and the implementation disagree: leave it to run time
        if _new_bytes(val, vals) > max_bytes:
            return None
    return outs


# ---- inlining -----------------------------------------------------------------------------


def inline_calls(closed: ClosedJaxpr, *, execution: bool = False) -> ClosedJaxpr:
    """Replace each call equation (``jit``; with ``execution``, for the program that runs,
    the custom-rule calls too: ``rewrite.call_body``) by the equations of its body,
    recursively, so that the program becomes one straight-line body. Other primitives with
    inner jaxprs stay as they are.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> inner = tg.jit(lambda x: tnp.sin(x) + 1.0)
    >>> closed = tg.make_jaxpr(lambda x: inner(x) * 2.0)(1.0)
    >>> [e.primitive.name for e in closed.eqns]
    ['jit', 'mul']
    >>> [e.primitive.name for e in inline_calls(closed).eqns]
    ['sin', 'add', 'mul']
    """
    if not any(call_body(e, execution) is not None for e in closed.jaxpr.eqns):
        return closed
    rb = Rebuilder(closed)
    for eqn in closed.jaxpr.eqns:
        invars = rb.read_all(eqn.invars)
        body = call_body(eqn, execution)
        if body is None or not _inlinable(rb, eqn, body, invars):
            rb.emit(eqn, invars)
            continue
        outs = _inline(rb, body, invars, execution)
        for v, o in zip(eqn.outvars, outs, strict=True):
            if not rb.substitute(v, o):  # pragma: no cover - types agree by construction
                raise AssertionError(f"inlining {eqn.primitive.name}: output types changed")
        rb.drop()
    return rb.finish()


def _inlinable(rb: Rebuilder, eqn: JaxprEqn, body: ClosedJaxpr, args: Sequence[Atom]) -> bool:
    """Whether the outputs of the inlined body may stand for the call's outputs (the types of
    the jaxpr's own outputs must not change)."""
    arg_of = dict(zip(body.jaxpr.invars, args, strict=True))
    for v, o in zip(eqn.outvars, body.jaxpr.outvars, strict=True):
        atom = arg_of.get(o, o) if isinstance(o, Var) else o
        if not rb.can_substitute(v, atom):
            return False
    return True


def _inline(rb: Rebuilder, body: ClosedJaxpr, args: Sequence[Atom], execution: bool) -> list[Atom]:
    j = body.jaxpr
    env: dict[Var, Atom] = {}
    for v, c in zip(j.constvars, body.consts, strict=True):
        env[v] = rb.add_const(c, v.aval)
    env.update(zip(j.invars, args, strict=True))

    def read(a: Atom) -> Atom:
        return env.get(a, a) if isinstance(a, Var) else a

    for eqn in j.eqns:
        invars = tuple(read(a) for a in eqn.invars)
        inner = call_body(eqn, execution)
        if inner is not None:
            env.update(zip(eqn.outvars, _inline(rb, inner, invars, execution), strict=True))
            continue
        # Fresh variables: the same body may be inlined more than once.
        outvars = tuple(Var(v.aval) for v in eqn.outvars)
        env.update(zip(eqn.outvars, outvars, strict=True))
        rb.emit(JaxprEqn(eqn.primitive, invars, outvars, eqn.params))
    return [read(a) for a in j.outvars]


# ---- the pipeline -------------------------------------------------------------------------


def optimize(
    closed: ClosedJaxpr, *, execution: bool = False, max_rounds: int = 4, check: bool = True
) -> ClosedJaxpr:
    """Inline calls (with ``execution``, as ``inline_calls``), then simplify, fold constants,
    merge common subexpressions and remove dead code until nothing changes (at most
    ``max_rounds`` rounds).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: -(-(x * 1.0)) + tnp.sin(x) * 0.0 + tnp.cos(x))(1.0)
    >>> print(optimize(closed))
    { lambda ; a:f64[]. let
        b:f64[] = sin a
        c:f64[] = mul b 0.0:f64[]
        d:f64[] = add a c
        e:f64[] = cos a
        f:f64[] = add d e
      in (f,) }
    """
    if closed.derived.get(_FIXED_POINT) and not any(
        call_body(e, execution) is not None for e in closed.jaxpr.eqns
    ):
        return closed  # a round of the passes changes nothing, and there is nothing to inline
    with paused_gc():
        out = inline_calls(closed, execution=execution)
        for _ in range(max_rounds):
            before = out
            out = dce(cse(fold_constants(simplify(out))))
            if out is before:
                out.derived[_FIXED_POINT] = True
                break
    if check and out is not closed:
        check_jaxpr(out.jaxpr, check_types=False)
    return out


_FIXED_POINT = "optimize: fixed point"  # the key marking an output of ``optimize`` as final
