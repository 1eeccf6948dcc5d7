"""Transposition of linear jaxprs (the backward pass), and ``linear_transpose``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    ClosedJaxpr,
    Jaxpr,
    Literal,
    ShapedArray,
    UndefinedPrimal,
    Var,
    Zero,
    get_aval,
    instantiate,
    is_python_scalar,
    per_jaxpr,
    pytree,
    tangent_aval,
    trace_to_jaxpr,
)
from tracegrad.core.dtypes import float0, result_type
from tracegrad.ops.structural import add_any, convert_element_type
from tracegrad.transforms.arguments import FlatFun, as_value


def backward_pass(
    jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any], cts_out: Sequence[Any]
) -> list[Any]:
    """Transpose ``jaxpr``, linear in the inputs given as ``UndefinedPrimal``.

    Returns one cotangent per input (a symbolic Zero where nothing flowed back).
    Equations with no linear input are evaluated forward first; each cotangent is
    dropped as soon as its equation has been transposed.
    """
    primal_env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    linear: set[Var] = set()
    for v, a in zip(jaxpr.invars, args, strict=True):
        if type(a) is UndefinedPrimal:
            linear.add(v)
        else:
            primal_env[v] = a

    # Literals hash by identity, so `atom in linear` needs no type test.
    def read(a: Any) -> Any:
        return a.val if type(a) is Literal else primal_env[a]

    linear_eqns = []
    for eqn in jaxpr.eqns:
        for a in eqn.invars:
            if a in linear:
                linear_eqns.append(eqn)
                linear.update(eqn.outvars)
                break
        else:
            out = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
            outs = out if eqn.primitive.multiple_results else [out]
            primal_env.update(zip(eqn.outvars, outs, strict=True))

    ct_env: dict[Var, Any] = {}

    def accumulate(v: Any, ct: Any) -> None:
        if ct is None or type(ct) is Zero or v not in linear:
            return
        prev = ct_env.get(v)
        ct_env[v] = ct if prev is None else add_any(prev, ct)

    for out_atom, ct in zip(jaxpr.outvars, cts_out, strict=True):
        accumulate(out_atom, ct)

    for eqn in reversed(linear_eqns):
        prim = eqn.primitive
        if prim.multiple_results:
            cts = [ct_env.pop(v, None) for v in eqn.outvars]
            if all(ct is None for ct in cts):
                continue
            ct_arg: Any = [
                Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts, strict=True)
            ]
        else:
            ct_arg = ct_env.pop(eqn.outvars[0], None)
            if ct_arg is None:
                continue
        if prim.transpose is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for {prim.name!r} "
                "not implemented."
            )
        ins = [UndefinedPrimal(a.aval) if a in linear else read(a) for a in eqn.invars]
        cts_in = prim.transpose(ct_arg, *ins, **eqn.params)
        for a, ct in zip(eqn.invars, cts_in, strict=True):
            if ct is not None and type(ct) is not Zero and a in linear:
                prev = ct_env.get(a)
                ct_env[a] = ct if prev is None else add_any(prev, ct)

    return [ct_env.get(v, Zero(v.aval)) if v in linear else Zero(v.aval) for v in jaxpr.invars]


@per_jaxpr
def transpose_jaxpr(closed: ClosedJaxpr, undefined: tuple[bool, ...]) -> ClosedJaxpr:
    """A jaxpr of (non-linear inputs, output cotangents) giving the linear inputs' cotangents."""
    in_avals = closed.in_avals
    res_avals = [a for a, u in zip(in_avals, undefined, strict=True) if not u]
    ct_avals = [tangent_aval(a) for a in closed.out_avals]

    def fun(*args: Any) -> list[Any]:
        res, cts = iter(args[: len(res_avals)]), list(args[len(res_avals) :])
        full = [
            UndefinedPrimal(a) if u else next(res) for a, u in zip(in_avals, undefined, strict=True)
        ]
        outs = backward_pass(closed.jaxpr, closed.consts, full, cts)
        return [instantiate(o) for o, u in zip(outs, undefined, strict=True) if u]

    return trace_to_jaxpr(fun, [*res_avals, *ct_avals])


def fit_to_aval(x: Any, want: ShapedArray) -> Any | None:
    """``x`` as a value of type ``want``, or None where it does not fit.

    ``x`` fits if it has ``want``'s shape and dtype, or if it has ``want``'s shape and is
    weakly typed (a Python scalar) of a kind that promotes to ``want``'s dtype unchanged
    (NEP 50): then it is converted. A user's rule (custom_jvp, custom_vjp's bwd) and a
    cotangent given to ``vjp_fn`` are checked with it, as JAX checks them.

    >>> fit_to_aval(1.0, ShapedArray((), np.float32))
    array(1., dtype=float32)
    >>> fit_to_aval(np.ones(3, np.float32), ShapedArray((3,), np.float64)) is None
    True
    """
    weak = is_python_scalar(x)
    x = as_value(x)
    got = get_aval(x)
    if got.shape != want.shape:
        return None
    if got.dtype == want.dtype:
        return x
    weak = (weak or got.weak_type) and want.dtype != float0
    if weak and result_type((want.dtype, False), (got.dtype, True)) == want.dtype:
        return convert_element_type(x, want.dtype)
    return None


def match_dtype(ct: Any, aval: Any) -> Any:
    """Cast a cotangent to the dtype of its primal's tangent space."""
    if type(ct) is Zero:
        return ct
    if get_aval(ct).dtype != aval.dtype:
        return convert_element_type(ct, aval.dtype)
    return ct


def linear_transpose(fun: Callable[..., Any], *primals: Any) -> Callable[..., Any]:
    """Transpose of the linear function ``fun``, whose inputs look like ``primals``.

    >>> import tracegrad as tg
    >>> f_t = tg.linear_transpose(lambda x: 3.0 * x, 1.0)
    >>> f_t(2.0)
    (np.float64(6.0),)
    """
    leaves, in_tree = pytree.tree_flatten(primals)
    in_avals = [get_aval(as_value(x)) for x in leaves]
    flat_fun = FlatFun(fun, in_tree, False, "linear_transpose")
    closed: ClosedJaxpr = trace_to_jaxpr(flat_fun, in_avals)
    out_tree = flat_fun.out_tree

    def transposed(*cts: Any) -> Any:
        ct_tree_in = cts[0] if len(cts) == 1 else cts
        ct_leaves, ct_tree = pytree.tree_flatten(ct_tree_in)
        if ct_tree != out_tree:
            raise TypeError(
                f"cotangent tree structure {ct_tree} does not match the function's output "
                f"structure {out_tree}."
            )
        ct_leaves = [as_value(c) for c in ct_leaves]
        for c, aval in zip(ct_leaves, closed.out_avals, strict=True):
            if get_aval(c).shape != aval.shape:
                raise ValueError(
                    f"cotangent of shape {get_aval(c).shape} given for an output of shape "
                    f"{aval.shape}."
                )
        res = backward_pass(
            closed.jaxpr, closed.consts, [UndefinedPrimal(a) for a in in_avals], ct_leaves
        )
        outs = [
            np.zeros(a.shape, a.dtype if a.dtype != float0 else float0)
            if type(c) is Zero
            else match_dtype(c, a)
            for c, a in zip(res, in_avals, strict=True)
        ]
        return pytree.tree_unflatten(in_tree, outs)

    return transposed
