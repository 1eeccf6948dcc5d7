"""Staging: turning Python functions into jaxprs (``make_jaxpr``), and ``eval_jaxpr`` back."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import pytree
from tracegrad.core.aval import ShapedArray, abstractify, is_python_scalar
from tracegrad.core.ir import Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, check_jaxpr
from tracegrad.core.primitive import Primitive
from tracegrad.core.trace import (
    Trace,
    Tracer,
    check_alive,
    current_trace,
    get_aval,
    name_stack,
    new_trace,
)


class StagingTracer(Tracer):
    """A value of the function being staged: known only by its abstract value."""

    # Not "var": the name of an array method (x.var()) installed on every Tracer.
    __slots__ = ("ir_var", "origin")

    def __init__(self, trace: StagingTrace, var: Var, origin: str | None = None) -> None:
        self._trace = trace
        self.ir_var = var
        self.origin = origin

    @property
    def aval(self) -> ShapedArray:
        return self.ir_var.aval

    def _origin(self) -> str | None:
        return self.origin


class StagingTrace(Trace):
    """Records primitive applications as equations of a jaxpr.

    With ``forward_known`` (partial evaluation), an operation none of whose inputs
    is one of this trace's tracers is not recorded but handed to the parent trace:
    that computes the known part of a program now and stages only the rest.
    """

    __slots__ = ("const_vals", "const_vars", "eqns", "forward_known", "invars")

    def __init__(self, parent: Trace, *, forward_known: bool = False) -> None:
        super().__init__(parent)
        self.forward_known = forward_known
        self.eqns: list[JaxprEqn] = []
        self.invars: list[Var] = []
        self.const_vars: dict[int, Var] = {}
        self.const_vals: list[Any] = []

    def new_arg(self, aval: ShapedArray, origin: str | None = None) -> StagingTracer:
        var = Var(aval)
        self.invars.append(var)
        return StagingTracer(self, var, origin)

    def to_atom(self, x: Any) -> Atom:
        if type(x) is StagingTracer and x._trace is self:
            return x.ir_var
        if type(x) is np.ndarray and x.ndim:  # the common constant: skip the checks below
            var = self.const_vars.get(id(x))
            if var is None:
                var = self.const_vars[id(x)] = Var(ShapedArray(x.shape, x.dtype))
                self.const_vals.append(x)
            return var
        check_alive(x)
        if is_python_scalar(x) or (
            isinstance(x, np.ndarray | np.generic) and np.ndim(x) == 0 and not isinstance(x, Tracer)
        ):
            return Literal(x, get_aval(x))
        var = self.const_vars.get(id(x))
        if var is None:
            var = self.const_vars[id(x)] = Var(get_aval(x).strip_weak_type())
            self.const_vals.append(x)  # keeps x alive, so its id stays unique
        return var

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        if self.forward_known:
            for x in args:
                if type(x) is StagingTracer and x._trace is self:
                    break
            else:
                assert self.parent is not None
                return self.parent.process_primitive(prim, args, params)
            if prim.partial_eval is not None:
                return prim.partial_eval(self, args, **params)
        return self.stage(prim, args, params)

    def is_own(self, x: Any) -> bool:
        """Whether ``x`` is a tracer of this trace (an unknown value, in partial evaluation)."""
        return type(x) is StagingTracer and x._trace is self

    def stage(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
        """Record ``prim`` applied to ``args`` as an equation; return its output tracer(s)."""
        rule = prim.abstract_eval
        if rule is None:
            raise NotImplementedError(
                f"Primitive {prim.name!r} cannot be staged: no abstract rule."
            )
        atoms: list[Atom] = []
        avals: list[ShapedArray] = []
        # A derived value keeps the provenance of an input, so that `if limit > 0:` still
        # names the argument 'limit' in the concretization error.
        origin = None
        for x in args:
            if type(x) is StagingTracer:
                if origin is None:
                    origin = x.origin
                atom = x.ir_var if x._trace is self else self.to_atom(x)
            else:
                atom = self.to_atom(x)
            atoms.append(atom)
            avals.append(atom.aval)
        out: Any = rule(*avals, **params)
        invars = tuple(atoms)
        if prim.multiple_results:
            outvars = tuple([Var(a) for a in out])
            self.eqns.append(JaxprEqn(prim, invars, outvars, params, name_stack.get()))
            return [StagingTracer(self, v) for v in outvars]
        var = Var(out)
        self.eqns.append(JaxprEqn(prim, invars, (var,), params, name_stack.get()))
        return StagingTracer(self, var, origin)

    def to_jaxpr(self, outs: Sequence[Any], *, check: bool = True) -> ClosedJaxpr:
        outvars = tuple(self.to_atom(x) for x in outs)
        constvars = tuple(self.const_vars.values())
        jaxpr = Jaxpr(constvars, tuple(self.invars), outvars, tuple(self.eqns))
        if check:
            check_jaxpr(jaxpr, check_types=False)
        return ClosedJaxpr(jaxpr, tuple(self.const_vals))


def trace_to_jaxpr(
    fun_flat: Callable[..., Sequence[Any]],
    in_avals: Sequence[ShapedArray],
    *,
    origins: Sequence[str | None] | None = None,
    forward_known: bool = False,
) -> ClosedJaxpr:
    """Stage ``fun_flat`` (flat list of arrays in, flat list out) at ``in_avals``."""
    with new_trace(StagingTrace(current_trace(), forward_known=forward_known)) as trace:
        names = origins if origins is not None else [None] * len(in_avals)
        args = [trace.new_arg(a, o) for a, o in zip(in_avals, names, strict=True)]
        outs = fun_flat(*args)
        return trace.to_jaxpr(list(outs))


def hoist_tracer_consts(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list[Any]]:
    """Turn constants that are tracers (values closed over from an enclosing transformation)
    into leading inputs, so that the enclosing trace sees them as operands."""
    flags = [isinstance(c, Tracer) for c in closed.consts]
    if not any(flags):
        return closed, []
    j = closed.jaxpr
    hoisted = [v for v, f in zip(j.constvars, flags, strict=True) if f]
    kept = [v for v, f in zip(j.constvars, flags, strict=True) if not f]
    jaxpr = Jaxpr(tuple(kept), (*hoisted, *j.invars), j.outvars, j.eqns)
    consts = tuple(c for c, f in zip(closed.consts, flags, strict=True) if not f)
    return ClosedJaxpr(jaxpr, consts), [c for c, f in zip(closed.consts, flags, strict=True) if f]


def arg_origins(
    fun: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[str]:
    """Describe each flat input leaf, e.g. "the argument 'x' of f", for error messages."""
    fname = getattr(fun, "__name__", repr(fun))
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
        named = list(bound.arguments.items())
    except (TypeError, ValueError):
        named = [(f"#{i}", a) for i, a in enumerate(args)] + list(kwargs.items())
    origins: list[str] = []
    for name, value in named:
        leaves, _ = pytree.tree_flatten(value)
        origins += [f"the argument {name!r} of {fname}"] * len(leaves)
    return origins


def make_jaxpr(
    fun: Callable[..., Any], static_argnums: int | Sequence[int] = ()
) -> Callable[..., ClosedJaxpr]:
    """Return a function that gives the jaxpr of ``fun`` at the given arguments.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> print(tg.make_jaxpr(lambda x: tnp.sin(x) * x)(np.ones(3, np.float32)))
    { lambda ; a:f32[3]. let
        b:f32[3] = sin a
        c:f32[3] = mul b a
      in (c,) }
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def staged(*args: Any, **kwargs: Any) -> ClosedJaxpr:
        static_set = {i % len(args) for i in static} if args else set()
        dyn = [a for i, a in enumerate(args) if i not in static_set]
        leaves, in_tree = pytree.tree_flatten((dyn, kwargs))
        avals = [x.aval if isinstance(x, Tracer) else abstractify(x) for x in leaves]
        try:
            origins: list[str | None] = list(arg_origins(fun, args, kwargs))
            if len(origins) != len(leaves):
                origins = [None] * len(leaves)
        except Exception:  # describing arguments must never break staging
            origins = [None] * len(leaves)

        def fun_flat(*flat: Any) -> list[Any]:
            dyn_args, kw = pytree.tree_unflatten(in_tree, list(flat))
            it = iter(dyn_args)
            full = [a if i in static_set else next(it) for i, a in enumerate(args)]
            out = fun(*full, **kw)
            out_leaves, _ = pytree.tree_flatten(out)
            return out_leaves

        closed = trace_to_jaxpr(fun_flat, avals, origins=origins)
        check_jaxpr(closed.jaxpr)
        return closed

    return staged


def eval_jaxpr(closed: ClosedJaxpr | Jaxpr, *args: Any, consts: Sequence[Any] = ()) -> list[Any]:
    """Evaluate a jaxpr with ``bind``, so the evaluation can itself be transformed.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: x * 2.0)(3.0)
    >>> tg.eval_jaxpr(closed, 5.0)
    [np.float64(10.0)]
    """
    if isinstance(closed, ClosedJaxpr):
        jaxpr, consts = closed.jaxpr, closed.consts
    else:
        jaxpr = closed
    if len(args) != len(jaxpr.invars):
        raise TypeError(
            f"eval_jaxpr: the jaxpr takes {len(jaxpr.invars)} arguments, got {len(args)}."
        )
    env: dict[Var, Any] = {}
    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))

    def read(a: Atom) -> Any:
        return a.val if isinstance(a, Literal) else env[a]

    for eqn in jaxpr.eqns:
        out = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out, strict=True))
        else:
            env[eqn.outvars[0]] = out
    return [read(a) for a in jaxpr.outvars]


__all__ = [
    "StagingTrace",
    "StagingTracer",
    "eval_jaxpr",
    "make_jaxpr",
    "trace_to_jaxpr",
]
