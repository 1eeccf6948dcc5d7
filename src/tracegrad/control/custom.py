"""User-defined derivative rules: ``custom_jvp`` and ``custom_vjp``, as in JAX."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.backend import compile_jaxpr
from tracegrad.control.custom_checks import (
    bwd_rule_outputs,
    fwd_rule_outputs,
    jvp_rule_outputs,
)
from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    Tracer,
    Zero,
    get_aval,
    instantiate,
    pytree,
    trace_to_jaxpr,
)
from tracegrad.ops.structural import broadcast_in_dim, moveaxis
from tracegrad.transforms.arguments import FlatFun, as_value
from tracegrad.transforms.vmap import batch_jaxpr, vmap

FlatFn = Callable[..., Any]


def _stage(
    fun: Callable[..., Any], args: Sequence[Any]
) -> tuple[ClosedJaxpr, list[Any], pytree.PyTreeDef, pytree.PyTreeDef]:
    """Stage ``fun(*args)``; returns the jaxpr, the flat inputs and both tree structures."""
    leaves, in_tree = pytree.tree_flatten(tuple(args))
    leaves = [as_value(x) for x in leaves]
    flat = FlatFun(fun, in_tree, False, "custom")
    closed = trace_to_jaxpr(flat, [get_aval(x) for x in leaves])
    assert flat.out_tree is not None
    return closed, leaves, in_tree, flat.out_tree


class _NonDiff:
    """A custom rule's call split at ``nondiff_argnums``: the other arguments, and the
    non-differentiable ones with their traced leaves taken out. JAX lets those hold
    tracers (a value under ``jit`` or a mapped one under ``vmap``); they become extra
    inputs of the call, after the others, so that every transformation sees them, and
    their tangents are dropped (JAX applies ``stop_gradient`` to them)."""

    def __init__(self, args: Sequence[Any], nondiff_argnums: Sequence[int]) -> None:
        self.args = list(args)
        self.static = sorted({i % len(args) for i in nondiff_argnums}) if args else []
        self.positions = [i for i in range(len(args)) if i not in self.static]
        leaves, self.tree = pytree.tree_flatten([args[i] for i in self.static])
        self.leaves = leaves
        self.where = [k for k, x in enumerate(leaves) if isinstance(x, Tracer)]
        self.dyn = [args[i] for i in self.positions]
        self.inputs = [*self.dyn, *(leaves[k] for k in self.where)]

    def static_args(self, lifted: Sequence[Any]) -> list[Any]:
        """The non-differentiable arguments, ``lifted`` in place of their traced leaves."""
        leaves = list(self.leaves)
        for k, value in zip(self.where, lifted, strict=True):
            leaves[k] = value
        return list(pytree.tree_unflatten(self.tree, leaves))

    def split(self, values: Sequence[Any]) -> tuple[tuple[Any, ...], list[Any]]:
        """The differentiable arguments and the non-differentiable ones, from the inputs."""
        n = len(self.dyn)
        return tuple(values[:n]), self.static_args(values[n:])

    def call(self, fun: Callable[..., Any]) -> Callable[..., Any]:
        """``fun`` as a function of the inputs (the arguments, then the lifted leaves)."""

        def of_inputs(*values: Any) -> Any:
            dyn, static = self.split(values)
            full = list(self.args)
            for i, v in zip(self.positions, dyn, strict=True):
                full[i] = v
            for i, v in zip(self.static, static, strict=True):
                full[i] = v
            return fun(*full)

        return of_inputs


def _batch_setup(
    args: Sequence[Any], dims: Sequence[int | None]
) -> tuple[list[Any], tuple[int | None, ...], int]:
    """Move batch dimensions to the front; return the args, their in_axes and the size."""
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    moved = [x if d is None else moveaxis(x, d, 0) for x, d in zip(args, dims, strict=True)]
    return moved, tuple(None if d is None else 0 for d in dims), size


# ---- custom_jvp ---------------------------------------------------------------------------

custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True, inline_param="call_jaxpr")


def _custom_jvp_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    call_jaxpr: ClosedJaxpr,
    jvp: FlatFn,
    name: str,
) -> tuple[list[Any], list[Any]]:
    outs, t_outs = jvp(list(primals), [instantiate(t) for t in tangents])
    return list(outs), list(t_outs)


def _custom_jvp_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    call_jaxpr: ClosedJaxpr,
    jvp: FlatFn,
    name: str,
) -> tuple[list[Any], list[int]]:
    moved, in_axes, size = _batch_setup(args, dims)
    n = len(moved)

    def batched_jvp(primals: list[Any], tangents: list[Any]) -> tuple[list[Any], list[Any]]:
        def one(*xs: Any) -> list[Any]:
            o, t = jvp(list(xs[:n]), list(xs[n:]))
            return [*o, *t]

        outs = vmap(one, in_axes=in_axes + in_axes, axis_size=size)(*primals, *tangents)
        half = len(outs) // 2
        return list(outs[:half]), list(outs[half:])

    outs = custom_jvp_call_p.bind(
        *moved,
        call_jaxpr=batch_jaxpr(call_jaxpr, in_axes, size, (True,) * len(call_jaxpr.out_avals))[0],
        jvp=batched_jvp,
        name=name,
    )
    return list(outs), [0] * len(outs)


custom_jvp_call_p.def_impl(lambda *args, call_jaxpr, jvp, name: compile_jaxpr(call_jaxpr)(*args))
custom_jvp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, jvp, name: call_jaxpr.out_avals)
custom_jvp_call_p.def_jvp(_custom_jvp_jvp)
custom_jvp_call_p.def_batch(_custom_jvp_batch)


class custom_jvp:
    """A function with a user-defined jvp rule, as ``jax.custom_jvp``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> @tg.custom_jvp
    ... def log1pexp(x):
    ...     return tnp.log(1.0 + tnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * (1.0 - 1.0 / (1.0 + tnp.exp(x)))
    >>> float(tg.grad(log1pexp)(100.0))
    1.0
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable[..., Any] | None = None

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """Set the rule from one function per argument, as JAX's ``defjvps``: the tangent of
        the output is the sum over the arguments ``i`` of ``jvps[i](t_i, primal_out,
        *primals)``; ``None`` means the output does not depend on argument ``i``.

        >>> import tracegrad as tg, tracegrad.numpy as tnp
        >>> f = tg.custom_jvp(lambda x, y: tnp.sin(x) * y)
        >>> f.defjvps(lambda t, ans, x, y: tnp.cos(x) * y * t, None)
        >>> float(tg.grad(f)(0.0, 3.0)), float(tg.grad(f, 1)(0.0, 3.0))
        (3.0, 0.0)
        """
        if self.nondiff_argnums:
            raise TypeError(
                f"Can't use ``defjvps`` with ``nondiff_argnums`` (here {self.nondiff_argnums}): "
                f"use ``defjvp``."
            )

        def jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
            primal_out = self(*primals)
            terms = [
                rule(t, primal_out, *primals)
                for rule, t in zip(jvps, tangents, strict=False)
                if rule is not None
            ]
            if not terms:
                zero = lambda x: instantiate(Zero.like_primal(get_aval(x)))
                return primal_out, pytree.tree_map(zero, primal_out)
            total = terms[0]
            for term in terms[1:]:
                total = pytree.tree_map(lambda a, b: a + b, total, term)
            return primal_out, total

        self.defjvp(jvp)

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "custom_jvp")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
        nondiff = _NonDiff(args, self.nondiff_argnums)
        closed, leaves, in_tree, out_tree = _stage(nondiff.call(self.fun), nondiff.inputs)
        rule = self.jvp

        def flat_jvp(primals: list[Any], tangents: list[Any]) -> tuple[list[Any], list[Any]]:
            p_args, static_args = nondiff.split(pytree.tree_unflatten(in_tree, primals))
            t_args, _ = nondiff.split(pytree.tree_unflatten(in_tree, tangents))
            pair = rule(*static_args, p_args, t_args)  # no static_args: rule(p, t)
            return jvp_rule_outputs(pair, out_tree, closed.out_avals, rule, name)

        outs = custom_jvp_call_p.bind(*leaves, call_jaxpr=closed, jvp=flat_jvp, name=name)
        return pytree.tree_unflatten(out_tree, outs)


# ---- custom_vjp ---------------------------------------------------------------------------

custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True, inline_param="call_jaxpr")
custom_lin_p = Primitive("custom_lin", multiple_results=True)


def _custom_vjp_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    call_jaxpr: ClosedJaxpr,
    fwd: FlatFn,
    bwd: FlatFn,
    name: str,
) -> tuple[list[Any], list[Any]]:
    outs, residuals = fwd(list(primals))
    out_avals = tuple(Zero.like_primal(get_aval(o)).aval for o in outs)
    t_outs = custom_lin_p.bind(
        *residuals,
        *(instantiate(t) for t in tangents),
        num_res=len(residuals),
        bwd=bwd,
        out_avals=out_avals,
    )
    return list(outs), list(t_outs)


def _custom_vjp_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    call_jaxpr: ClosedJaxpr,
    fwd: FlatFn,
    bwd: FlatFn,
    name: str,
) -> tuple[list[Any], list[int]]:
    moved, in_axes, size = _batch_setup(args, dims)
    n_res: list[int] = []

    def batched_fwd(primals: list[Any]) -> tuple[list[Any], list[Any]]:
        def one(*xs: Any) -> list[Any]:
            o, r = fwd(list(xs))
            n_res.append(len(r))
            return [*o, *r]

        outs = vmap(one, in_axes=in_axes, axis_size=size)(*primals)
        k = len(outs) - n_res[-1]
        return list(outs[:k]), list(outs[k:])

    def batched_bwd(residuals: list[Any], cts: list[Any]) -> list[Any]:
        def one(*xs: Any) -> list[Any]:
            return list(bwd(list(xs[: len(residuals)]), list(xs[len(residuals) :])))

        return list(vmap(one, axis_size=size)(*residuals, *cts))

    batched, _ = batch_jaxpr(call_jaxpr, in_axes, size, (True,) * len(call_jaxpr.out_avals))
    outs = custom_vjp_call_p.bind(
        *moved, call_jaxpr=batched, fwd=batched_fwd, bwd=batched_bwd, name=name
    )
    return list(outs), [0] * len(outs)


custom_vjp_call_p.def_impl(
    lambda *args, call_jaxpr, fwd, bwd, name: compile_jaxpr(call_jaxpr)(*args)
)
custom_vjp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, fwd, bwd, name: call_jaxpr.out_avals)
custom_vjp_call_p.def_jvp(_custom_vjp_jvp)
custom_vjp_call_p.def_batch(_custom_vjp_batch)


def _custom_lin_impl(*args: Any, num_res: int, bwd: FlatFn, out_avals: Any) -> Any:
    raise TypeError(
        "can't apply forward-mode autodiff (jvp) to a custom_vjp function. Use reverse mode "
        "(grad, vjp), or define the function with custom_jvp instead."
    )


def _custom_lin_transpose(
    cts: Sequence[Any], *args: Any, num_res: int, bwd: FlatFn, out_avals: Any
) -> list[Any]:
    residuals = list(args[:num_res])
    cts_in = bwd(residuals, [instantiate(c) for c in cts])
    return [None] * num_res + [None if c is None else c for c in cts_in]


def _custom_lin_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, num_res: int, bwd: FlatFn, out_avals: Any
) -> tuple[Any, Any]:
    raise TypeError("custom_vjp functions are differentiated in reverse mode only.")


def _custom_lin_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, num_res: int, bwd: FlatFn, out_avals: Any
) -> tuple[list[Any], list[int]]:
    moved, in_axes, size = _batch_setup(args, dims)
    moved = [
        x if a is not None else _broadcast_front(x, size)
        for x, a in zip(moved, in_axes, strict=True)
    ]

    def batched_bwd(residuals: list[Any], cts: list[Any]) -> list[Any]:
        def one(*xs: Any) -> list[Any]:
            return list(bwd(list(xs[:num_res]), list(xs[num_res:])))

        return list(vmap(one, axis_size=size)(*residuals, *cts))

    avals = tuple(ShapedArray((size, *a.shape), a.dtype) for a in out_avals)
    outs = custom_lin_p.bind(*moved, num_res=num_res, bwd=batched_bwd, out_avals=avals)
    return list(outs), [0] * len(outs)


def _broadcast_front(x: Any, size: int) -> Any:
    shape = get_aval(x).shape
    return broadcast_in_dim(x, (size, *shape), tuple(range(1, len(shape) + 1)))


custom_lin_p.def_impl(_custom_lin_impl)
custom_lin_p.def_abstract_eval(lambda *avals, num_res, bwd, out_avals: list(out_avals))
custom_lin_p.def_jvp(_custom_lin_jvp)
custom_lin_p.def_transpose(_custom_lin_transpose)
custom_lin_p.def_batch(_custom_lin_batch)


class custom_vjp:
    """A function with a user-defined vjp, as ``jax.custom_vjp``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> @tg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(res, g):
    ...     return (tnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> float(tg.grad(lambda x: 5.0 * clip_gradient(x))(2.0))
    1.0
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple of input cts``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None or self.bwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        nondiff = _NonDiff(args, self.nondiff_argnums)
        closed, leaves, in_tree, out_tree = _stage(nondiff.call(self.fun), nondiff.inputs)
        dyn_tree = pytree.tree_structure(tuple(nondiff.dyn))
        n_lifted = len(nondiff.where)
        in_avals = [get_aval(x) for x in leaves[: len(leaves) - n_lifted]]
        user_fwd, user_bwd = self.fwd, self.bwd
        dyn_fwd = nondiff.call(user_fwd)
        res_tree: list[pytree.PyTreeDef] = []

        # Not a FlatFun: the rule's output is checked as an (output, residuals) pair first.
        # The lifted leaves of the non-differentiable arguments travel with the residuals,
        # for the bwd rule.
        def flat_fwd(primals: list[Any]) -> tuple[list[Any], list[Any]]:
            pair = dyn_fwd(*pytree.tree_unflatten(in_tree, primals))
            o_leaves, res = fwd_rule_outputs(pair, out_tree, closed.out_avals, user_fwd, name)
            r_leaves, r_tree = pytree.tree_flatten(res)
            res_tree.append(r_tree)
            return o_leaves, [*r_leaves, *primals[len(primals) - n_lifted :]]

        def flat_bwd(residuals: list[Any], cts: list[Any]) -> list[Any]:
            k = len(residuals) - n_lifted
            res = pytree.tree_unflatten(res_tree[-1], residuals[:k])
            static_args = nondiff.static_args(residuals[k:])
            ct = pytree.tree_unflatten(out_tree, cts)
            cts_in = user_bwd(*static_args, res, ct)
            lifted = [None] * n_lifted
            return [*bwd_rule_outputs(cts_in, dyn_tree, in_avals, name), *lifted]

        outs = custom_vjp_call_p.bind(
            *leaves, call_jaxpr=closed, fwd=flat_fwd, bwd=flat_bwd, name=name
        )
        return pytree.tree_unflatten(out_tree, outs)
