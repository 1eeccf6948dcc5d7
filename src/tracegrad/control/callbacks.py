"""Calling the user's NumPy code from a program: ``pure_callback`` (a value computed on the
host, batched as the user says) and the effectful ``debug_callback`` / ``debug_print``
primitives behind ``tg.debug`` (run when the program runs, kept by every backend pass)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, Zero, get_aval, pytree
from tracegrad.ops.structural import (
    bdim_at_front,
    concatenate,
    moveaxis,
    reshape,
    slice_in_dim,
)

VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all")
_ALL_VMAP_METHODS = [*VMAP_METHODS, "legacy_vectorized", None]


def _element(x: Any, d: int | None, i: int) -> Any:
    """Element ``i`` of ``x`` along its batch dimension ``d`` (``x`` itself when unbatched)."""
    if d is None:
        return x
    shape = get_aval(x).shape
    return reshape(slice_in_dim(x, i, i + 1, d), (*shape[:d], *shape[d + 1 :]))


def _stack(xs: Sequence[Any]) -> Any:
    return concatenate([reshape(x, (1, *get_aval(x).shape)) for x in xs], 0)


def _axis_size(args: Sequence[Any], dims: Sequence[int | None]) -> int:
    return next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)


# ---- pure_callback ------------------------------------------------------------------------

pure_callback_p = Primitive("pure_callback", multiple_results=True, run_time_only=True)


def _as_host(x: Any) -> np.ndarray:
    return np.asarray(x)


def _pure_callback_impl(
    *args: Any, callback: Callable[..., Any], result_avals: tuple[ShapedArray, ...], **_: Any
) -> list[Any]:
    outs = pytree.tree_leaves(callback(*map(_as_host, args)))
    if len(outs) != len(result_avals):
        raise RuntimeError(
            f"pure_callback: the callback returned {len(outs)} arrays, but "
            f"result_shape_dtypes describes {len(result_avals)} "
            f"({[a.str_short() for a in result_avals]}). Return one array per leaf of "
            f"result_shape_dtypes."
        )
    results = []
    for i, (out, aval) in enumerate(zip(outs, result_avals, strict=True)):
        arr = np.asarray(out)
        if arr.shape != aval.shape:
            raise RuntimeError(
                f"Incorrect output shape for return value #{i}: Expected: {aval.shape}, "
                f"Actual: {arr.shape}. The callback must return what result_shape_dtypes "
                f"describes (under vmap with vmap_method='expand_dims' or 'broadcast_all', "
                f"with the batch dimension in front)."
            )
        if arr.dtype != aval.dtype:
            raise RuntimeError(
                f"Incorrect output dtype for return value #{i}: Expected: {aval.dtype}, "
                f"Actual: {arr.dtype}. Cast the callback's result, e.g. "
                f"np.asarray(out, {aval.dtype.name!r})."
            )
        results.append(arr)
    return results


def _pure_callback_abstract_eval(
    *avals: ShapedArray, result_avals: tuple[ShapedArray, ...], **_: Any
) -> list[ShapedArray]:
    return list(result_avals)


def _pure_callback_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], **params: Any
) -> tuple[Any, Any]:
    if any(type(t) is not Zero for t in tangents):
        raise ValueError(
            "Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use callbacks "
            "while taking gradients. (tracegrad: wrap the call in tg.custom_jvp or "
            "tg.custom_vjp and give its derivative rule.)"
        )
    outs = pure_callback_p.bind(*primals, **params)
    return outs, [Zero.like_primal(get_aval(o)) for o in outs]


def _pure_callback_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    callback: Callable[..., Any],
    result_avals: tuple[ShapedArray, ...],
    vmap_method: str | None,
) -> tuple[Any, Any]:
    params = {"callback": callback, "result_avals": result_avals, "vmap_method": vmap_method}
    size = _axis_size(args, dims)
    if vmap_method in ("sequential", "sequential_unrolled"):
        per = [
            pure_callback_p.bind(
                *(_element(x, d, i) for x, d in zip(args, dims, strict=True)), **params
            )
            for i in range(size)
        ]
        outs = [_stack([p[k] for p in per]) for k in range(len(result_avals))]
        return outs, [0] * len(outs)
    if vmap_method == "broadcast_all":
        batched = [bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True)]
    elif vmap_method in ("expand_dims", "legacy_vectorized"):
        expand = vmap_method == "expand_dims"
        batched = [
            moveaxis(x, d, 0)
            if d is not None
            else (reshape(x, (1, *get_aval(x).shape)) if expand else x)
            for x, d in zip(args, dims, strict=True)
        ]
    else:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one "
            "of 'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
            f"'legacy_vectorized'. Got vmap_method={vmap_method!r}. Pass "
            "vmap_method='sequential' (one call per element) or 'expand_dims' (one call, the "
            "batch dimension in front) to tg.pure_callback."
        )
    out_avals = tuple(a.update(shape=(size, *a.shape)) for a in result_avals)
    outs = pure_callback_p.bind(*batched, **{**params, "result_avals": out_avals})
    return outs, [0] * len(outs)


pure_callback_p.def_impl(_pure_callback_impl)
pure_callback_p.def_abstract_eval(_pure_callback_abstract_eval)
pure_callback_p.def_jvp(_pure_callback_jvp)
pure_callback_p.def_batch(_pure_callback_batch)


def _result_aval(leaf: Any, i: int) -> ShapedArray:
    if not (hasattr(leaf, "shape") and hasattr(leaf, "dtype")):
        raise AttributeError(
            f"pure_callback: leaf #{i} of result_shape_dtypes is {leaf!r} of type "
            f"{type(leaf).__name__}, which has no attribute 'dtype'. Describe each result "
            f"with tg.ShapeDtypeStruct(shape, dtype) (or an array of that shape and dtype)."
        )
    return ShapedArray(tuple(leaf.shape), np.dtype(leaf.dtype))


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Call the NumPy function ``callback`` on the concrete values of ``args`` (when the
    program runs, also under ``jit``) and return what it returns, which must match
    ``result_shape_dtypes`` (a pytree of ``ShapeDtypeStruct``), as ``jax.pure_callback``.

    ``callback`` must be pure: a pass may drop or merge its calls. Under ``vmap``,
    ``vmap_method`` says how: ``"sequential"`` (one call per element), ``"expand_dims"``
    (one call; batched arguments with the batch dimension in front, the others with a
    dimension of size 1 there) or ``"broadcast_all"`` (every argument batched). It has no
    derivative: give one with ``custom_jvp`` or ``custom_vjp``.

    >>> import tracegrad as tg
    >>> f = tg.jit(lambda x: tg.pure_callback(np.sin, tg.ShapeDtypeStruct((2,), x.dtype), x))
    >>> f(np.array([0.0, np.pi / 2]))
    array([0., 1.])
    """
    del sharding  # one CPU device
    if vmap_method not in _ALL_VMAP_METHODS:
        raise ValueError(
            f"vmap_method must be on of the allowed methods {_ALL_VMAP_METHODS}, but got: "
            f"{vmap_method}"
        )
    leaves, in_tree = pytree.tree_flatten((args, kwargs))
    result_leaves, result_tree = pytree.tree_flatten(result_shape_dtypes)
    result_avals = tuple(_result_aval(leaf, i) for i, leaf in enumerate(result_leaves))

    def flat_callback(*flat: Any) -> Any:
        call_args, call_kwargs = pytree.tree_unflatten(in_tree, list(flat))
        return callback(*call_args, **call_kwargs)

    outs = pure_callback_p.bind(
        *leaves, callback=flat_callback, result_avals=result_avals, vmap_method=vmap_method
    )
    return pytree.tree_unflatten(result_tree, outs)


# ---- debug_callback / debug_print ---------------------------------------------------------


def _effect_abstract_eval(*avals: ShapedArray, **params: Any) -> list[ShapedArray]:
    return []


def _effect_rules(prim: Primitive, impl: Callable[..., None]) -> None:
    """The rules of an effect with no outputs: it runs on the primal values (once, under
    every derivative) and once per element under ``vmap``, in order."""

    def run(*args: Any, **params: Any) -> list[Any]:
        impl(*map(_as_host, args), **params)
        return []

    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        prim.bind(*primals, **params)
        return [], []

    def batch(args: Sequence[Any], dims: Sequence[int | None], **params: Any) -> tuple[Any, Any]:
        for i in range(_axis_size(args, dims)):
            prim.bind(*(_element(x, d, i) for x, d in zip(args, dims, strict=True)), **params)
        return [], []

    prim.def_impl(run)
    prim.def_abstract_eval(_effect_abstract_eval)
    prim.def_jvp(jvp)
    prim.def_batch(batch)


def _debug_callback_impl(*args: Any, callback: Callable[..., Any]) -> None:
    callback(*args)


def _debug_print_impl(
    *args: Any, fmt: str, in_tree: pytree.PyTreeDef, np_printoptions: tuple[Any, ...]
) -> None:
    call_args, call_kwargs = pytree.tree_unflatten(in_tree, list(args))
    with np.printoptions(**dict(np_printoptions)):
        print(fmt.format(*call_args, **call_kwargs))


debug_callback_p = Primitive("debug_callback", multiple_results=True, effectful=True)
_effect_rules(debug_callback_p, _debug_callback_impl)
debug_print_p = Primitive("debug_print", multiple_results=True, effectful=True)
_effect_rules(debug_print_p, _debug_print_impl)
