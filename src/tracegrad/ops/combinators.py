"""Rule combinators built on the structural primitives: per-argument jvps, bilinear maps,
NumPy-broadcasting batching."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.core import Primitive, Zero, get_aval, is_undefined_primal
from tracegrad.ops.structural import add_any, broadcast_to, moveaxis, reshape

TangentFn = Callable[..., Any]


def _sum_tangents(
    out: Any,
    fns: Sequence[TangentFn | None],
    tangents: Sequence[Any],
    lead: tuple[Any, ...],
    params: dict[str, Any],
) -> Any:
    """The output tangent: the sum over nonzero input tangents ``t`` of ``fn(t, *lead)``,
    each broadcast to the output's shape."""
    shape = get_aval(out).shape
    total = None
    for fn, t in zip(fns, tangents, strict=True):
        if fn is None or type(t) is Zero:
            continue
        c = fn(t, *lead, **params)
        if get_aval(c).shape != shape:
            c = broadcast_to(c, shape)
        total = c if total is None else add_any(total, c)
    return Zero.like_primal(get_aval(out)) if total is None else total


def defjvp(prim: Primitive, *tangent_fns: TangentFn | None) -> None:
    """Define the jvp of ``prim`` by one function per argument: ``fn(t, *primals, **params)``
    gives that argument's contribution to the output tangent (None: not differentiable)."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        out = prim.bind(*primals, **params)
        return out, _sum_tangents(out, tangent_fns, tangents, tuple(primals), params)

    prim.def_jvp(rule)


def defjvp_using_output(prim: Primitive, *tangent_fns: TangentFn | None) -> None:
    """As ``defjvp``, for rules that reuse the primal output: ``fn(t, out, *primals, **params)``."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        out = prim.bind(*primals, **params)
        return out, _sum_tangents(out, tangent_fns, tangents, (out, *primals), params)

    prim.def_jvp(rule)


def defbilinear(
    prim: Primitive,
    lhs_transpose: Callable[..., Any],
    rhs_transpose: Callable[..., Any],
) -> None:
    """``prim(x, y)`` is linear in each argument: ``mul``, ``dot_general``.

    ``lhs_transpose(ct, x, y, **params)`` gives the cotangent of ``x`` (an
    UndefinedPrimal) for a known ``y``; ``rhs_transpose`` the converse.
    """
    defjvp(
        prim,
        lambda tx, x, y, **params: prim.bind(tx, y, **params),
        lambda ty, x, y, **params: prim.bind(x, ty, **params),
    )

    def transpose(ct: Any, x: Any, y: Any, **params: Any) -> list[Any]:
        if is_undefined_primal(x) and is_undefined_primal(y):
            raise TypeError(f"{prim.name} is not linear in both of its arguments at once.")
        if type(ct) is Zero:
            return [None, None]
        if is_undefined_primal(x):
            return [lhs_transpose(ct, x, y, **params), None]
        return [None, rhs_transpose(ct, x, y, **params)]

    prim.def_transpose(transpose)
    prim.linear = True


def defbroadcasting(prim: Primitive) -> None:
    """Batching of an n-ary elementwise primitive with NumPy broadcasting."""

    def rule(args: Sequence[Any], dims: Sequence[int | None], **params: Any) -> tuple[Any, Any]:
        ndim = max(get_aval(x).ndim - (d is not None) for x, d in zip(args, dims, strict=True))
        aligned = []
        for x, d in zip(args, dims, strict=True):
            if d is None:
                aligned.append(x)
                continue
            x = moveaxis(x, d, 0)
            shape = get_aval(x).shape
            missing = ndim - (len(shape) - 1)
            aligned.append(reshape(x, (shape[0],) + (1,) * missing + shape[1:]) if missing else x)
        return prim.bind(*aligned, **params), 0

    prim.def_batch(rule)
