"""Rule helpers that need no primitive: abstract evaluation, linear and vectorized rules,
and the backend rules an op's block names."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    ShapeError,
    Zero,
    get_aval,
    instantiate,
)
from tracegrad.core.dtypes import is_inexact
from tracegrad.core.primitive import BackendRule


# ---- backend rules ------------------------------------------------------------
def emitter(name: str, *args: Any, **kwargs: Any) -> BackendRule:
    """The emitter ``name`` of ``backend/emitters.py`` (called with ``args`` if it is a
    factory), for an ``emit`` slot: imported when ``jit`` first generates code.

    >>> emitter("reduction", np.maximum, with_dtype=False)
    BackendRule('tracegrad.backend.emitters:reduction')
    """
    return BackendRule(f"tracegrad.backend.emitters:{name}", *args, **kwargs)


def simplifier(name: str) -> BackendRule:
    """The rewrite rule ``name`` of ``backend/algebra.py``, for a ``simplify`` slot."""
    return BackendRule(f"tracegrad.backend.algebra:{name}")


# ---- abstract evaluation ----------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _broadcast(shapes: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | None:
    """NumPy broadcasting of ``shapes``, or None if they do not broadcast (cached: every
    traced elementwise operation asks, mostly for the same few shapes)."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s, ndim - len(s)):
            if d != 1:
                if out[i] == 1:
                    out[i] = d
                elif out[i] != d:
                    return None
    return tuple(out)


def broadcast_shapes(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy broadcasting of ``shapes``; a ShapeError naming every shape otherwise."""
    out = _broadcast(shapes)
    if out is None:
        raise ShapeError(
            f"{name}: Incompatible shapes for broadcasting: shapes={list(shapes)}. "
            "Each dimension must be equal or 1, aligning shapes from the right."
        )
    return out


def same_dtype(name: str, *avals: ShapedArray) -> np.dtype[Any]:
    dtypes = {a.dtype for a in avals}
    if len(dtypes) > 1:
        listed = ", ".join(a.dtype.name for a in avals)
        raise DTypeError(
            f"{name} requires arguments to have the same dtypes, got {listed}. "
            "Convert them first (tracegrad.numpy functions promote automatically)."
        )
    return avals[0].dtype


def broadcasting_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    """Abstract rule of an elementwise primitive whose operands broadcast as in NumPy."""

    def rule(*avals: ShapedArray, **_: Any) -> ShapedArray:
        first = avals[0]
        for a in avals:
            if a is not first:
                break
        else:
            return first  # avals are interned: identical operands, the common case
        if all(a.shape == first.shape and a.dtype == first.dtype for a in avals):
            return ShapedArray(first.shape, first.dtype, all(a.weak_type for a in avals))
        dtype = same_dtype(name, *avals)
        shape = broadcast_shapes(name, *(a.shape for a in avals))
        return ShapedArray(shape, dtype, all(a.weak_type for a in avals))

    return rule


def predicate_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    """Abstract rule of a comparison: broadcast shapes, boolean result."""

    def rule(*avals: ShapedArray, **_: Any) -> ShapedArray:
        same_dtype(name, *avals)
        shape = broadcast_shapes(name, *(a.shape for a in avals))
        return ShapedArray(shape, np.dtype(np.bool_))

    return rule


def inexact_unop_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    """Abstract rule of a unary function defined on floating and complex arrays only."""

    def rule(x: ShapedArray, **_: Any) -> ShapedArray:
        if not is_inexact(x.dtype):
            raise DTypeError(
                f"{name} does not accept dtype {x.dtype.name}; it takes floating or "
                "complex arrays (tracegrad.numpy converts integers first)."
            )
        return x

    return rule


def same_aval(x: ShapedArray, **_: Any) -> ShapedArray:
    return x


# ---- jvp --------------------------------------------------------------------


def defjvp_zero(prim: Primitive) -> None:
    """The output does not depend differentiably on the inputs (comparisons, rounding, ...)."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        out = prim.bind(*primals, **params)
        if prim.multiple_results:
            return out, [Zero.like_primal(get_aval(o)) for o in out]
        return out, Zero.like_primal(get_aval(out))

    prim.def_jvp(rule)


def deflinear(prim: Primitive, transpose_rule: Callable[..., Sequence[Any]]) -> None:
    """``prim`` is linear in all its arguments: its jvp applies it to the tangents."""

    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        out = prim.bind(*primals, **params)
        if all(type(t) is Zero for t in tangents):
            return out, Zero.like_primal(get_aval(out))
        return out, prim.bind(*map(instantiate, tangents), **params)

    prim.def_jvp(jvp)
    prim.def_transpose(transpose_rule)
    prim.linear = True


# ---- batching ---------------------------------------------------------------


def defvectorized(prim: Primitive) -> None:
    """Batching of a unary elementwise primitive: apply it to the batched array as is."""

    def rule(args: Sequence[Any], dims: Sequence[int | None], **params: Any) -> tuple[Any, Any]:
        (x,), (d,) = args, dims
        return prim.bind(x, **params), d

    prim.def_batch(rule)
