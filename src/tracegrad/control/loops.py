"""``while_loop`` and ``fori_loop``: the ``while`` primitive (forward-differentiable only) with
all its rules; ``fori_loop`` with static bounds is a ``scan``, so it differentiates both ways."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.control import eager
from tracegrad.control.jaxprs import (
    add_unused_inputs,
    as_output,
    avals_of,
    axis_size_of,
    check_carry,
    compiled,
    flatten_args,
    interleave_order,
    moved_to_front,
    permute,
    promote_weak_carry,
    stage,
    types_match,
)
from tracegrad.control.scan import scan
from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    StagingTrace,
    Tracer,
    Zero,
    eval_jaxpr,
    get_aval,
    pytree,
    tangent_aval,
    trace_to_jaxpr,
)
from tracegrad.core.flags import jit_disabled
from tracegrad.ops.elementwise import add
from tracegrad.ops.elementwise_select import lt, select_n
from tracegrad.ops.reductions import reduce_or
from tracegrad.ops.structural import broadcast_in_dim, convert_element_type
from tracegrad.transforms.jvp import jvp_jaxpr
from tracegrad.transforms.partial_eval import merge_outputs, partial_eval_jaxpr
from tracegrad.transforms.staged_vjp import dce_jaxpr
from tracegrad.transforms.vmap import batch_jaxpr

Staged = tuple[ClosedJaxpr, list[Any], pytree.PyTreeDef]

WHILE_REVERSE_MODE_ERROR = (
    "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
    "dynamic start/stop values. Try using lax.scan, or using fori_loop with static start/stop."
)

# ---- the primitive ------------------------------------------------------------------------
# Operands: (*cond_consts, *body_consts, *init). The cond jaxpr maps (cond_consts, carry) to
# a boolean scalar; the body jaxpr maps (body_consts, carry) to the next carry.

while_p = Primitive("while", multiple_results=True)


def _split(args: Sequence[Any], cond_nconsts: int, body_nconsts: int) -> tuple[list[Any], ...]:
    n = cond_nconsts + body_nconsts
    return list(args[:cond_nconsts]), list(args[cond_nconsts:n]), list(args[n:])


def _while_impl(
    *args: Any,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[Any]:
    cconsts, bconsts, carry = _split(args, cond_nconsts, body_nconsts)
    cond_fn, body_fn = compiled(cond_jaxpr), compiled(body_jaxpr)
    while cond_fn(*cconsts, *carry)[0]:
        carry = body_fn(*bconsts, *carry)
    return [as_output(c) for c in carry]


def _while_abstract_eval(
    *avals: ShapedArray,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[ShapedArray]:
    cconsts, bconsts, carry = _split(avals, cond_nconsts, body_nconsts)
    for name, closed, ins in (("cond", cond_jaxpr, cconsts), ("body", body_jaxpr, bconsts)):
        want = closed.in_avals
        if len(want) != len(ins) + len(carry) or not all(map(types_match, want, ins + carry)):
            raise TypeError(f"while: the {name} jaxpr takes {want} but was given {ins + carry}.")
    if not all(map(types_match, body_jaxpr.out_avals, carry)):
        raise TypeError(f"while: the body maps a carry of types {carry} to {body_jaxpr.out_avals}.")
    return [
        c.update(weak_type=c.weak_type and o.weak_type)
        for c, o in zip(carry, body_jaxpr.out_avals, strict=True)
    ]


def _params(
    cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int
) -> dict[str, Any]:
    return {
        "cond_jaxpr": cond_jaxpr,
        "body_jaxpr": body_jaxpr,
        "cond_nconsts": cond_nconsts,
        "body_nconsts": body_nconsts,
    }


def _while_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> tuple[list[Any], list[Any]]:
    cconsts, bconsts, init = _split(primals, cond_nconsts, body_nconsts)
    _, bconst_t, init_t = _split(tangents, cond_nconsts, body_nconsts)
    bconst_nz = [type(t) is not Zero for t in bconst_t]
    carry_avals = [get_aval(x) for x in init]
    carry_nz = [type(t) is not Zero for t in init_t]
    # A carry's tangent is nonzero if it is on entry or if the body can make it so.
    while True:
        _, out_nz = jvp_jaxpr(body_jaxpr, (*bconst_nz, *carry_nz), tuple(carry_nz))
        new = [a or b for a, b in zip(carry_nz, out_nz, strict=True)]
        if new == carry_nz:
            break
        carry_nz = new
    body_jvp, _ = jvp_jaxpr(body_jaxpr, (*bconst_nz, *carry_nz), tuple(carry_nz))
    n_bt, n_ct = sum(bconst_nz), sum(carry_nz)
    body_jvp = permute(body_jvp, interleave_order([body_nconsts, len(init)], [n_bt, n_ct]))
    t_avals = [tangent_aval(a) for a in carry_avals]
    cond_jvp = add_unused_inputs(cond_jaxpr, [a for a, nz in zip(t_avals, carry_nz) if nz])
    init_dots = [
        np.zeros(a.shape, a.dtype) if type(t) is Zero else t
        for t, a, nz in zip(init_t, t_avals, carry_nz, strict=True)
        if nz
    ]
    outs = while_p.bind(
        *cconsts,
        *bconsts,
        *(t for t in bconst_t if type(t) is not Zero),
        *init,
        *init_dots,
        **_params(cond_jvp, body_jvp, cond_nconsts, body_nconsts + n_bt),
    )
    n = len(init)
    it = iter(outs[n:])
    t_outs = [
        next(it) if nz else Zero.like_primal(a) for nz, a in zip(carry_nz, carry_avals, strict=True)
    ]
    return list(outs[:n]), t_outs


def _while_partial_eval(
    trace: StagingTrace,
    args: Sequence[Any],
    *,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[Any]:
    params = _params(cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts)
    unknowns = [trace.is_own(x) for x in args]
    c_uk, b_uk, carry_uk = _split(unknowns, cond_nconsts, body_nconsts)
    while True:
        out_uk = partial_eval_jaxpr(body_jaxpr, (*b_uk, *carry_uk), tuple(carry_uk))[2]
        new = [a or b for a, b in zip(carry_uk, out_uk, strict=True)]
        if new == carry_uk:
            break
        carry_uk = new
    cond_known, _, pred_uk, cond_res = partial_eval_jaxpr(cond_jaxpr, (*c_uk, *carry_uk))
    if pred_uk[0] or all(carry_uk):
        return list(trace.stage(while_p, args, params))
    # The known carries are computed now by a loop on the known inputs. A loop keeps no
    # per-iteration residuals, so the unknown carries come from the whole loop, staged.
    body_known, _, _, body_res = partial_eval_jaxpr(body_jaxpr, (*b_uk, *carry_uk), tuple(carry_uk))
    n_known = len(carry_uk) - sum(carry_uk)
    cond_known = dce_jaxpr(cond_known, [True] + [False] * cond_res)[0]
    body_known = dce_jaxpr(body_known, [True] * n_known + [False] * body_res)[0]
    cconsts, bconsts, init = _split(args, cond_nconsts, body_nconsts)
    known = [
        [x for x, u in zip(group, uks, strict=True) if not u]
        for group, uks in ((cconsts, c_uk), (bconsts, b_uk), (init, carry_uk))
    ]
    assert trace.parent is not None
    known_outs = trace.parent.process_primitive(
        while_p,
        (*known[0], *known[1], *known[2]),
        _params(cond_known, body_known, len(known[0]), len(known[1])),
    )
    staged = trace.stage(while_p, args, params)
    unknown_outs = [o for o, u in zip(staged, carry_uk, strict=True) if u]
    return merge_outputs(carry_uk, known_outs, unknown_outs)


def _while_transpose(cts: Any, *args: Any, **params: Any) -> list[Any]:
    raise ValueError(WHILE_REVERSE_MODE_ERROR)


def _while_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> tuple[list[Any], list[int | None]]:
    size = axis_size_of(args, dims)
    cconsts, bconsts, init = _split(args, cond_nconsts, body_nconsts)
    c_dims, b_dims, init_dims = _split(dims, cond_nconsts, body_nconsts)
    carry_b = [d is not None for d in init_dims]
    while True:
        body_dims = (*b_dims, *(0 if b else None for b in carry_b))
        out_b = batch_jaxpr(body_jaxpr, body_dims, size, tuple(carry_b))[1]
        new = [a or b for a, b in zip(carry_b, out_b, strict=True)]
        if new == carry_b:
            break
        carry_b = new
    cond_dims = (*c_dims, *(0 if b else None for b in carry_b))
    cond_b, (pred_b,) = batch_jaxpr(cond_jaxpr, cond_dims, size, (False,))
    if pred_b:
        return _while_batch_predicate(
            cconsts, bconsts, init, c_dims, b_dims, init_dims, size, cond_jaxpr, body_jaxpr
        )
    body_b, _ = batch_jaxpr(body_jaxpr, body_dims, size, tuple(carry_b))
    moved = [moved_to_front(x, d, size, b)[0] for x, d, b in zip(init, init_dims, carry_b)]
    outs = while_p.bind(
        *cconsts, *bconsts, *moved, **_params(cond_b, body_b, cond_nconsts, body_nconsts)
    )
    return list(outs), [0 if b else None for b in carry_b]


def _while_batch_predicate(
    cconsts: list[Any],
    bconsts: list[Any],
    init: list[Any],
    c_dims: list[int | None],
    b_dims: list[int | None],
    init_dims: list[int | None],
    size: int,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
) -> tuple[list[Any], list[int | None]]:
    """A predicate that differs across the batch: loop while any element needs to, and
    keep the carry of the elements that are done."""
    n_carry = len(init)
    front = (0,) * n_carry
    cond_b, _ = batch_jaxpr(cond_jaxpr, (*c_dims, *front), size, (True,))
    body_b, _ = batch_jaxpr(body_jaxpr, (*b_dims, *front), size, (True,) * n_carry)
    nc, nb = len(cconsts), len(bconsts)

    def any_cond(*xs: Any) -> list[Any]:
        return [reduce_or(eval_jaxpr(cond_b, *xs)[0], (0,))]

    def masked_body(*xs: Any) -> list[Any]:
        cc, bc, carry = xs[:nc], xs[nc : nc + nb], xs[nc + nb :]
        (pred,) = eval_jaxpr(cond_b, *cc, *carry)
        new = eval_jaxpr(body_b, *bc, *carry)
        return [
            select_n(broadcast_in_dim(pred, get_aval(old).shape, (0,)), old, n)
            for old, n in zip(carry, new, strict=True)
        ]

    moved = [moved_to_front(x, d, size, True)[0] for x, d in zip(init, init_dims, strict=True)]
    carry_avals = [get_aval(x) for x in moved]
    const_avals = [get_aval(x) for x in (*cconsts, *bconsts)]
    cond_new = trace_to_jaxpr(any_cond, [*const_avals[:nc], *carry_avals])
    body_new = trace_to_jaxpr(masked_body, [*const_avals, *carry_avals])
    outs = while_p.bind(
        *cconsts, *cconsts, *bconsts, *moved, **_params(cond_new, body_new, nc, nc + nb)
    )
    return list(outs), [0] * n_carry


while_p.def_impl(_while_impl)
while_p.def_abstract_eval(_while_abstract_eval)
while_p.def_jvp(_while_jvp)
while_p.def_transpose(_while_transpose)
while_p.def_batch(_while_batch)
while_p.def_partial_eval(_while_partial_eval)


# ---- the user-facing functions ------------------------------------------------------------


def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """Repeat ``val = body_fun(val)`` while ``cond_fun(val)``, as ``jax.lax.while_loop``.

    Forward-mode differentiable and vmappable; reverse mode raises (use ``scan`` or a
    ``fori_loop`` with static bounds).

    >>> while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    (np.int64(5), np.float64(32.0))
    """
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
    done, result = eager.try_while_loop(cond_fun, body_fun, init_val)
    if done:
        return result
    leaves, carry_tree = flatten_args(init_val)
    args_tree = pytree.tree_structure((init_val,))

    def stage_both(leaves: Sequence[Any]) -> tuple[Staged, Staged]:
        avals = avals_of(leaves)
        return stage(cond_fun, args_tree, avals), stage(body_fun, args_tree, avals)

    (cond_c, cond_h, cond_tree), (body_c, body_h, body_tree) = stage_both(leaves)
    if body_tree == carry_tree:
        leaves, changed = promote_weak_carry(leaves, avals_of(leaves), body_c.out_avals)
        if changed:
            (cond_c, cond_h, cond_tree), (body_c, body_h, body_tree) = stage_both(leaves)
    if cond_tree != pytree.tree_structure(0):
        raise TypeError(f"cond_fun must return a boolean scalar, but got pytree {cond_tree}.")
    pred = cond_c.out_avals[0]
    if pred.shape != () or pred.dtype != np.bool_:
        raise TypeError(
            f"cond_fun must return a boolean scalar, but got output type(s) {cond_c.out_avals}."
        )
    check_carry("while_loop body", carry_tree, avals_of(leaves), body_tree, body_c.out_avals)
    outs = while_p.bind(
        *cond_h,
        *body_h,
        *leaves,
        **_params(cond_c, body_c, len(cond_h), len(body_h)),
    )
    return pytree.tree_unflatten(carry_tree, outs)


def _static_int(x: Any) -> int | None:
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        return None if value is None else int(value)
    return int(x)


def fori_loop(
    lower: Any,
    upper: Any,
    body_fun: Callable[[Any, Any], Any],
    init_val: Any,
    *,
    unroll: Any = None,
) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``, as ``jax.lax.fori_loop``.

    With concrete bounds this is a ``scan`` (differentiable both ways); with traced bounds
    a ``while_loop`` (forward mode only).

    >>> fori_loop(0, 4, lambda i, x: x + i, 0.5)
    np.float64(6.5)
    """
    if not callable(body_fun):
        raise TypeError("lax.fori_loop: body_fun argument should be callable.")
    lo_aval, hi_aval = get_aval(lower), get_aval(upper)
    dtype = lo_aval.dtype
    if lo_aval.dtype != hi_aval.dtype:
        if lo_aval.dtype.kind == "i" and hi_aval.dtype.kind == "i" and lo_aval.weak_type:
            dtype = hi_aval.dtype
        elif lo_aval.dtype.kind == "i" and hi_aval.dtype.kind == "i" and hi_aval.weak_type:
            dtype = lo_aval.dtype
        else:
            raise TypeError(
                "lower and upper arguments to fori_loop must have equal types, got "
                f"{lo_aval.dtype.name} and {hi_aval.dtype.name}"
            )
    lo, hi = _static_int(lower), _static_int(upper)
    if lo is not None and hi is not None:
        length = max(hi - lo, 0)
        if length == 0 and jit_disabled():
            return init_val

        def scan_body(carry: Any, _: Any) -> Any:
            i, x = carry
            return (increment(i), body_fun(i, x)), None

        # As in JAX, the index starts from a Python int: it is weakly typed.
        (_, result), _ = scan(
            scan_body,
            (lo, init_val),
            None,
            length=length,
            unroll=1 if unroll is None else unroll,
        )
        return result
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError(
            "Can only use `unroll` in `fori_loop` if the loop bounds are statically known."
        )
    lower = convert_element_type(lower, dtype) if lo_aval.dtype != dtype else lower
    upper = convert_element_type(upper, dtype) if hi_aval.dtype != dtype else upper

    def cond_fun(carry: Any) -> Any:
        i, stop, _ = carry
        return lt(i, stop)

    def body(carry: Any) -> Any:
        i, stop, x = carry
        return increment(i), stop, body_fun(i, x)

    return while_loop(cond_fun, body, (lower, upper, init_val))[2]


def increment(i: Any) -> Any:
    """``i + 1`` for a loop index, keeping its dtype and weak type."""
    aval = get_aval(i)
    return add(i, 1 if aval.weak_type else np.asarray(1, aval.dtype))
