"""``autograd.extend``: wrap a function tracegrad cannot trace and give its derivatives.

``primitive(f)`` runs ``f`` on concrete NumPy values (through ``pure_callback``, so also
under ``jit``); ``defvjp`` rules make it a ``custom_vjp`` and ``defjvp`` rules (without
vjps) a ``custom_jvp``. The rules are written with ``autograd.numpy``, which is
tracegrad.numpy, so they are differentiable: grad of grad works wherever the rule is.

>>> import tracegrad.numpy as tnp
>>> from tracegrad.compat.autograd import grad
>>> @primitive
... def cube(x):
...     return np.asarray(x) ** 3  # plain NumPy: not traceable
>>> defvjp(cube, lambda ans, x: lambda g: g * 3.0 * x ** 2)
>>> float(grad(cube)(2.0)), float(grad(grad(cube))(2.0))
(12.0, 12.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.compat.autograd._missing import module_getattr
from tracegrad.control.callbacks import pure_callback
from tracegrad.control.custom import custom_jvp, custom_vjp
from tracegrad.core import pytree
from tracegrad.core.aval import ShapeDtypeStruct
from tracegrad.core.trace import Tracer
from tracegrad.ops.stop_gradient import stop_gradient

Fn = Callable[..., Any]
__getattr__ = module_getattr("autograd.extend")


def _concrete(x: Any) -> Any:
    """The value of ``x``; None for a tracer without one (under ``jit``)."""
    if not isinstance(x, Tracer):
        return x
    value = x.to_concrete_value()
    return None if value is None else np.asarray(value)


def _run_concrete(fun: Fn, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[Any, bool]:
    """``(fun(*values), exact)``: on zeros of their shape where values are abstract."""
    values = [_concrete(a) for a in args]
    abstract = [v is None and isinstance(a, Tracer) for v, a in zip(values, args)]
    values = [np.zeros(a.shape, a.dtype) if z else v for v, a, z in zip(values, args, abstract)]
    exact = not any(abstract)
    with np.errstate(all="ignore"):
        return fun(*values, **kwargs), exact


def _spec(out: Any) -> Any:
    return pytree.tree_map(lambda o: ShapeDtypeStruct(np.shape(o), np.result_type(o)), out)


def _substitute(args: Sequence[Any], at: Sequence[int], values: Sequence[Any]) -> list[Any]:
    full = list(args)
    for i, v in zip(at, values):
        full[i] = v
    return full


def _callback(fun: Fn, args: Sequence[Any], kwargs: dict[str, Any], at: Sequence[int]) -> Fn:
    """``fun`` as a function of the traced arguments, run on host values by pure_callback.

    ``fun`` runs once here for the output's shape; when the arguments' values are known
    that output is kept for the callback's first call, so eager code runs ``fun`` once."""
    out, exact = _run_concrete(fun, args, kwargs)
    spec = _spec(out)
    kept = [out] if exact else []

    def host(*xs: Any) -> Any:
        result = kept.pop() if kept else fun(*_substitute(args, at, xs), **kwargs)
        return pytree.tree_map(lambda o, s: np.asarray(o, s.dtype), result, spec)

    return lambda *dyn: pure_callback(host, spec, *dyn)


def _fit(ct: Any, like: Any) -> Any:
    """A cotangent shaped as its input (autograd adds rules' scalars by broadcasting)."""
    return ct if np.shape(ct) == np.shape(like) else tnp.broadcast_to(ct, np.shape(like))


class Primitive:
    """A function autograd-style rules are attached to (what ``primitive`` returns)."""

    def __init__(self, fun: Fn) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vjps: dict[int, Fn] = {}
        self.jvps: dict[int, Fn] = {}

    def __repr__(self) -> str:
        return f"wrapped {getattr(self.fun, '__name__', 'function')}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        at = [i for i, a in enumerate(args) if isinstance(a, Tracer)]
        if not at:
            return self.fun(*args, **kwargs)
        dyn = [args[i] for i in at]
        call = _callback(self.fun, args, kwargs, at)
        if self.vjps or not self.jvps:
            wrapped: Any = custom_vjp(call)
            wrapped.defvjp(*self._vjp_rules(args, kwargs, at))
        else:
            wrapped = custom_jvp(call)
            wrapped.defjvp(self._jvp_rule(args, kwargs, at))
        return wrapped(*dyn)

    def _rule(self, table: dict[int, Fn], i: int, kind: str) -> Fn:
        if i not in table:
            name = getattr(self.fun, "__name__", "function")
            raise NotImplementedError(f"{kind} of {name} wrt argnum {i} not defined")
        return table[i]

    def _vjp_rules(self, args: Sequence[Any], kwargs: dict[str, Any], at: Sequence[int]) -> Any:
        def fwd(*dyn: Any) -> Any:
            ans = self(*_substitute(args, at, dyn), **kwargs)
            return ans, (ans, dyn)

        def bwd(res: Any, g: Any) -> Any:
            ans, dyn = res
            full = _substitute(args, at, dyn)
            return tuple(
                _fit(self._rule(self.vjps, i, "VJP")(ans, full, kwargs)(g), x)
                for i, x in zip(at, dyn)
            )

        return fwd, bwd

    def _jvp_rule(self, args: Sequence[Any], kwargs: dict[str, Any], at: Sequence[int]) -> Fn:
        def jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
            full = _substitute(args, at, primals)
            ans = self(*full, **kwargs)
            parts = [
                self._rule(self.jvps, i, "JVP")(t, ans, full, kwargs) for i, t in zip(at, tangents)
            ]
            out = parts[0]
            for p in parts[1:]:
                out = out + p
            return ans, _fit(out, ans)

        return jvp


def primitive(fun: Fn) -> Primitive:
    """Mark ``fun`` as a primitive: it runs on concrete values; give rules with defvjp/defjvp."""
    return Primitive(fun)


def _as_primitive(fun: Any, what: str) -> Primitive:
    if not isinstance(fun, Primitive):
        raise TypeError(f"{what} needs a function wrapped by primitive(), got {fun!r}")
    return fun


def defvjp_argnum(fun: Primitive, vjpmaker: Fn) -> None:
    """One rule for all arguments: ``vjpmaker(argnum, ans, args, kwargs)(g)``."""
    prim = _as_primitive(fun, "defvjp_argnum")
    prim.vjps = _AllArgs(lambda i: lambda ans, args, kw: vjpmaker(i, ans, args, kw))


def defvjp(fun: Primitive, *vjpmakers: Fn | None, argnums: Sequence[int] | None = None) -> None:
    """Per-argument rules ``vjpmaker(ans, *args, **kwargs)(g)``; None means a zero vjp."""
    prim = _as_primitive(fun, "defvjp")
    for i, maker in zip(argnums if argnums is not None else range(len(vjpmakers)), vjpmakers):
        prim.vjps[i] = _unpacked_vjp(maker, i)


def _unpacked_vjp(maker: Fn | None, i: int) -> Fn:
    if maker is None:
        return lambda ans, args, kw: lambda g: tnp.zeros_like(args[i])
    return lambda ans, args, kw: maker(ans, *args, **kw)


def defjvp_argnum(fun: Primitive, jvpmaker: Fn) -> None:
    """One rule for all arguments: ``jvpmaker(argnum, g, ans, args, kwargs)``."""
    prim = _as_primitive(fun, "defjvp_argnum")
    prim.jvps = _AllArgs(lambda i: lambda g, ans, args, kw: jvpmaker(i, g, ans, args, kw))


def defjvp(fun: Primitive, *jvpfuns: Fn | None, argnums: Sequence[int] | None = None) -> None:
    """Per-argument rules ``jvpfun(g, ans, *args, **kwargs)``; None means a zero jvp."""
    prim = _as_primitive(fun, "defjvp")
    for i, jf in zip(argnums if argnums is not None else range(len(jvpfuns)), jvpfuns):
        prim.jvps[i] = _unpacked_jvp(jf)


def _unpacked_jvp(jvpfun: Fn | None) -> Fn:
    if jvpfun is None:
        return lambda g, ans, args, kw: tnp.zeros_like(ans)
    return lambda g, ans, args, kw: jvpfun(g, ans, *args, **kw)


def def_linear(fun: Primitive) -> None:
    """``fun`` is linear in each argument: its jvp is ``fun`` applied to the tangent."""
    defjvp_argnum(fun, lambda i, g, ans, args, kw: fun(*_substitute(args, [i], [g]), **kw))


class _AllArgs(dict[int, Fn]):
    """A rule table with one rule for every argument number."""

    def __init__(self, make: Callable[[int], Fn]) -> None:
        super().__init__()
        self.make = make

    def __contains__(self, i: object) -> bool:
        return True

    def __missing__(self, i: int) -> Fn:
        return self.make(i)

    def __bool__(self) -> bool:
        return True


def notrace_primitive(fun: Fn) -> Fn:
    """``fun`` run on concrete values with no derivative (autograd's ``notrace_primitive``)."""

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        at = [i for i, a in enumerate(args) if isinstance(a, Tracer)]
        if not at:
            return fun(*args, **kwargs)
        out, exact = _run_concrete(fun, args, kwargs)
        if exact:
            return out
        call = _callback(fun, args, kwargs, at)
        return call(*[stop_gradient(args[i]) for i in at])

    return wrapped
