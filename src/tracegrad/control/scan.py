"""``scan``: the ``scan`` primitive, a loop of known length carrying a state and stacking
per-iteration outputs, with all its rules (it differentiates both ways)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.control import eager
from tracegrad.control.jaxprs import (
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
from tracegrad.core import (
    ClosedJaxpr,
    ConcretizationTypeError,
    Jaxpr,
    Primitive,
    ShapedArray,
    StagingTrace,
    Tracer,
    UndefinedPrimal,
    Var,
    Zero,
    eval_jaxpr,
    get_aval,
    is_undefined_primal,
    per_jaxpr,
    pytree,
    run_in_trace,
    tangent_aval,
    trace_to_jaxpr,
)
from tracegrad.core.flags import jit_disabled
from tracegrad.ops.structural import add_any, moveaxis
from tracegrad.transforms.jvp import jvp_jaxpr, zeros
from tracegrad.transforms.partial_eval import partial_eval_jaxpr
from tracegrad.transforms.staged_vjp import dce_jaxpr
from tracegrad.transforms.transpose import backward_pass, match_dtype
from tracegrad.transforms.vmap import batch_jaxpr

# ---- the primitive ------------------------------------------------------------------------
# Operands: (*consts, *init, *xs), each x stacked along a leading axis of size `length`. The
# body jaxpr maps (consts, carry, x slices) to (new carry, y slices); the outputs are the
# final carry and the ys stacked along a leading axis.

scan_p = Primitive("scan", multiple_results=True)


def _split(
    args: Sequence[Any], num_consts: int, num_carry: int
) -> tuple[list[Any], list[Any], list[Any]]:
    n = num_consts + num_carry
    return list(args[:num_consts]), list(args[num_consts:n]), list(args[n:])


def _params(
    jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int, num_carry: int, unroll: int
) -> dict[str, Any]:
    return {
        "jaxpr": jaxpr,
        "length": length,
        "reverse": reverse,
        "num_consts": num_consts,
        "num_carry": num_carry,
        "unroll": unroll,
    }


def _scan_impl(
    *args: Any,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> list[Any]:
    consts, carry, xs = _split(args, num_consts, num_carry)
    body = compiled(jaxpr)
    xs = [np.asarray(x) for x in xs]
    ys = [np.empty((length, *a.shape), a.dtype) for a in jaxpr.out_avals[num_carry:]]
    for i in range(length - 1, -1, -1) if reverse else range(length):
        outs = body(*consts, *carry, *(x[i] for x in xs))
        carry = outs[:num_carry]
        for y, o in zip(ys, outs[num_carry:], strict=True):
            y[i] = o
    return [*(as_output(c) for c in carry), *ys]


def _scan_abstract_eval(
    *avals: ShapedArray,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> list[ShapedArray]:
    consts, carry, xs = _split(avals, num_consts, num_carry)
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise TypeError(f"scan: a scanned operand of type {x} has no leading axis {length}.")
    ins = [*consts, *carry, *(x.update(shape=x.shape[1:]) for x in xs)]
    if len(ins) != len(jaxpr.in_avals) or not all(map(types_match, jaxpr.in_avals, ins)):
        raise TypeError(f"scan: the body takes {jaxpr.in_avals} but was given {ins}.")
    outs = jaxpr.out_avals
    if not all(map(types_match, outs[:num_carry], carry)):
        raise TypeError(f"scan: the body maps a carry of types {carry} to {outs[:num_carry]}.")
    carry_out = [
        c.update(weak_type=c.weak_type and o.weak_type)
        for c, o in zip(carry, outs[:num_carry], strict=True)
    ]
    return [*carry_out, *(y.update(shape=(length, *y.shape)) for y in outs[num_carry:])]


def _scan_jvp(
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> tuple[list[Any], list[Any]]:
    consts, init, xs = _split(primals, num_consts, num_carry)
    const_t, init_t, xs_t = _split(tangents, num_consts, num_carry)
    const_nz = [type(t) is not Zero for t in const_t]
    x_nz = [type(t) is not Zero for t in xs_t]
    carry_nz = [type(t) is not Zero for t in init_t]
    n_ys = len(jaxpr.out_avals) - num_carry
    # A carry's tangent is nonzero if it is on entry or if the body can make it so.
    while True:
        inst = (*carry_nz, *[False] * n_ys)
        _, out_nz = jvp_jaxpr(jaxpr, (*const_nz, *carry_nz, *x_nz), inst)
        new = [a or b for a, b in zip(carry_nz, out_nz[:num_carry], strict=True)]
        if new == carry_nz:
            break
        carry_nz = new
    body, out_nz = jvp_jaxpr(jaxpr, (*const_nz, *carry_nz, *x_nz), inst)
    y_nz = out_nz[num_carry:]
    n_ct, n_carry_t, n_xt = sum(const_nz), sum(carry_nz), sum(x_nz)
    body = permute(
        body,
        interleave_order([num_consts, num_carry, len(xs)], [n_ct, n_carry_t, n_xt]),
        interleave_order([num_carry, n_ys], [n_carry_t, sum(y_nz)]),
    )
    carry_avals = [get_aval(x) for x in init]
    init_dots = [
        zeros(tangent_aval(a)) if type(t) is Zero else t
        for t, a, nz in zip(init_t, carry_avals, carry_nz, strict=True)
        if nz
    ]
    outs = scan_p.bind(
        *consts,
        *(t for t in const_t if type(t) is not Zero),
        *init,
        *init_dots,
        *xs,
        *(t for t in xs_t if type(t) is not Zero),
        **_params(body, length, reverse, num_consts + n_ct, num_carry + n_carry_t, unroll),
    )
    carry_out = outs[:num_carry]
    carry_dots = iter(outs[num_carry : num_carry + n_carry_t])
    ys = outs[num_carry + n_carry_t : num_carry + n_carry_t + n_ys]
    ys_dots = iter(outs[num_carry + n_carry_t + n_ys :])
    t_out = [
        next(carry_dots) if nz else Zero.like_primal(get_aval(c))
        for c, nz in zip(carry_out, carry_nz, strict=True)
    ] + [next(ys_dots) if nz else Zero.like_primal(get_aval(y)) for y, nz in zip(ys, y_nz)]
    return [*carry_out, *ys], t_out


# ---- partial evaluation -------------------------------------------------------------------


def _invariant_outputs(closed: ClosedJaxpr, num_consts: int) -> list[bool]:
    """Which outputs of a body depend on its consts only (not on the carry or the xs)."""
    j = closed.jaxpr
    varying = set(j.invars[num_consts:])
    for eqn in j.eqns:
        if any(type(a) is Var and a in varying for a in eqn.invars):
            varying.update(eqn.outvars)
    return [not (type(v) is Var and v in varying) for v in j.outvars]


def _scan_partial_eval(
    trace: StagingTrace,
    args: Sequence[Any],
    *,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> list[Any]:
    unknowns = [trace.is_own(x) for x in args]
    if all(unknowns):
        return list(
            trace.stage(
                scan_p, args, _params(jaxpr, length, reverse, num_consts, num_carry, unroll)
            )
        )
    c_uk, carry_uk, x_uk = _split(unknowns, num_consts, num_carry)
    n_ys = len(jaxpr.out_avals) - num_carry
    while True:
        inst = (*carry_uk, *[False] * n_ys)
        out_uk = partial_eval_jaxpr(jaxpr, (*c_uk, *carry_uk, *x_uk), inst)[2]
        new = [a or b for a, b in zip(carry_uk, out_uk[:num_carry], strict=True)]
        if new == carry_uk:
            break
        carry_uk = new
    known, unknown, out_uk, n_res = partial_eval_jaxpr(jaxpr, (*c_uk, *carry_uk, *x_uk), inst)
    y_uk = out_uk[num_carry:]
    consts, init, xs = _split(args, num_consts, num_carry)
    k_consts = [x for x, u in zip(consts, c_uk, strict=True) if not u]
    k_init = [x for x, u in zip(init, carry_uk, strict=True) if not u]
    k_xs = [x for x, u in zip(xs, x_uk, strict=True) if not u]
    n_k_out = len(known.out_avals) - n_res
    n_k_carry = len(k_init)

    if not any(out_uk):  # nothing is unknown downstream: no residuals, no staged loop
        body = dce_jaxpr(known, [True] * n_k_out + [False] * n_res)[0]
        params = _params(body, length, reverse, len(k_consts), n_k_carry, unroll)
        assert trace.parent is not None
        return list(trace.parent.process_primitive(scan_p, (*k_consts, *k_init, *k_xs), params))

    # Residuals that depend on the known consts only are computed once, outside the loop;
    # a residual that is a known x slice is that x itself. The rest are stacked outputs.
    invariant = _invariant_outputs(known, len(k_consts))[n_k_out:]
    x_vars = known.jaxpr.invars[len(k_consts) + n_k_carry :]
    res_vars = known.jaxpr.outvars[n_k_out:]
    forwarded = [
        x_vars.index(v) if (not inv and v in x_vars) else None
        for v, inv in zip(res_vars, invariant, strict=True)
    ]
    stacked = [not inv and f is None for inv, f in zip(invariant, forwarded, strict=True)]
    assert trace.parent is not None
    hoisted: list[Any] = []
    if any(invariant):
        pre = dce_jaxpr(known, [False] * n_k_out + invariant, effects=False)[0]
        pj = pre.jaxpr
        pre = ClosedJaxpr(
            Jaxpr(pj.constvars, pj.invars[: len(k_consts)], pj.outvars, pj.eqns), pre.consts
        )
        hoisted = list(run_in_trace(trace.parent, eval_jaxpr, pre, *k_consts))
    known_body = dce_jaxpr(known, [True] * n_k_out + stacked)[0]
    k_outs: Sequence[Any] = []
    if known_body.out_avals or known_body.effects:  # else the known loop need not run
        k_outs = trace.parent.process_primitive(
            scan_p,
            (*k_consts, *k_init, *k_xs),
            _params(known_body, length, reverse, len(k_consts), n_k_carry, unroll),
        )
    k_carry, k_ys, k_res = (
        k_outs[:n_k_carry],
        k_outs[n_k_carry:n_k_out],
        iter(k_outs[n_k_out:]),
    )
    hoisted_it = iter(hoisted)
    res_const_pos, res_x_pos = [], []
    res_consts, res_xs = [], []
    for i, (inv, f) in enumerate(zip(invariant, forwarded, strict=True)):
        if inv:
            res_const_pos.append(i)
            res_consts.append(next(hoisted_it))
        else:
            res_x_pos.append(i)
            res_xs.append(k_xs[f] if f is not None else next(k_res))

    # The unknown body takes (residuals, consts, carry, xs); put the invariant residuals
    # first among its consts and the stacked ones first among its xs.
    n_uc, n_ucarry = sum(c_uk), sum(carry_uk)
    rest = list(range(n_res, len(unknown.in_avals)))
    order = [
        *res_const_pos,
        *rest[: n_uc + n_ucarry],
        *res_x_pos,
        *rest[n_uc + n_ucarry :],
    ]
    unknown_body = permute(unknown, order)
    u_args = (
        *res_consts,
        *(x for x, u in zip(consts, c_uk, strict=True) if u),
        *(x for x, u in zip(init, carry_uk, strict=True) if u),
        *res_xs,
        *(x for x, u in zip(xs, x_uk, strict=True) if u),
    )
    u_outs = trace.stage(
        scan_p,
        u_args,
        _params(unknown_body, length, reverse, len(res_consts) + n_uc, n_ucarry, unroll),
    )
    u_carry, u_ys = iter(u_outs[:n_ucarry]), iter(u_outs[n_ucarry:])
    k_carry_it, k_ys_it = iter(k_carry), iter(k_ys)
    return [
        *(next(u_carry) if u else next(k_carry_it) for u in carry_uk),
        *(next(u_ys) if u else next(k_ys_it) for u in y_uk),
    ]


# ---- transpose ----------------------------------------------------------------------------


@per_jaxpr
def _transpose_body(
    jaxpr: ClosedJaxpr,
    num_consts: int,
    num_carry: int,
    const_lin: tuple[bool, ...],
    x_lin: tuple[bool, ...],
    ct_y_nonzero: tuple[bool, ...],
) -> ClosedJaxpr:
    """The body of the transposed scan: (residual consts; accumulated const cotangents,
    carry cotangent; residual x slices, y cotangents) to (new accumulators, the carry
    cotangent of the previous iteration; x cotangents)."""
    in_avals = [a.strip_weak_type() for a in jaxpr.in_avals]
    const_avals, carry_avals, x_avals = _split(in_avals, num_consts, num_carry)
    y_avals = [a.strip_weak_type() for a in jaxpr.out_avals[num_carry:]]
    res_c = [a for a, lin in zip(const_avals, const_lin, strict=True) if not lin]
    acc = [a for a, lin in zip(const_avals, const_lin, strict=True) if lin]
    res_x = [a for a, lin in zip(x_avals, x_lin, strict=True) if not lin]
    ct_y = [a for a, nz in zip(y_avals, ct_y_nonzero, strict=True) if nz]
    sizes = [len(res_c), len(acc), num_carry, len(res_x)]
    bounds = np.cumsum(sizes).tolist()

    def fun(*args: Any) -> list[Any]:
        rc, acc_in = iter(args[: bounds[0]]), args[bounds[0] : bounds[1]]
        ct_carry, rx = args[bounds[1] : bounds[2]], iter(args[bounds[2] : bounds[3]])
        cy = iter(args[bounds[3] :])
        full = [
            *(UndefinedPrimal(a) if lin else next(rc) for a, lin in zip(const_avals, const_lin)),
            *(UndefinedPrimal(a) for a in carry_avals),
            *(UndefinedPrimal(a) if lin else next(rx) for a, lin in zip(x_avals, x_lin)),
        ]
        cts_out = [
            *ct_carry,
            *(next(cy) if nz else Zero(a) for a, nz in zip(y_avals, ct_y_nonzero)),
        ]
        cts_in = backward_pass(jaxpr.jaxpr, jaxpr.consts, full, cts_out)
        ct_c, ct_carry_in, ct_x = _split(cts_in, num_consts, num_carry)
        lin_ct_c = [c for c, lin in zip(ct_c, const_lin, strict=True) if lin]
        new_acc = [
            a_in if type(c) is Zero else add_any(a_in, match_dtype(c, a))
            for a_in, c, a in zip(acc_in, lin_ct_c, acc, strict=True)
        ]
        dense = [
            zeros(a) if type(c) is Zero else match_dtype(c, a)
            for c, a in zip(ct_carry_in, carry_avals, strict=True)
        ]
        ct_xs = [
            zeros(a) if type(c) is Zero else match_dtype(c, a)
            for c, a, lin in zip(ct_x, x_avals, x_lin, strict=True)
            if lin
        ]
        return [*new_acc, *dense, *ct_xs]

    return trace_to_jaxpr(fun, [*res_c, *acc, *carry_avals, *res_x, *ct_y])


def _scan_transpose(
    cts: Sequence[Any],
    *args: Any,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> list[Any]:
    consts, init, xs = _split(args, num_consts, num_carry)
    const_lin = tuple(is_undefined_primal(c) for c in consts)
    x_lin = tuple(is_undefined_primal(x) for x in xs)
    ct_carry, ct_ys = list(cts[:num_carry]), list(cts[num_carry:])
    ct_y_nonzero = tuple(type(c) is not Zero for c in ct_ys)
    body = _transpose_body(jaxpr, num_consts, num_carry, const_lin, x_lin, ct_y_nonzero)
    # The carry of a linear scan is linear even where it starts from a known value (zeros).
    carry_avals = [get_aval(x) if not is_undefined_primal(x) else x.aval for x in init]
    acc_init = [np.zeros(c.aval.shape, c.aval.dtype) for c in consts if is_undefined_primal(c)]
    ct_carry_init = [
        np.zeros(a.shape, a.dtype) if type(c) is Zero else match_dtype(c, a)
        for c, a in zip(ct_carry, carry_avals, strict=True)
    ]
    y_avals = [a.update(shape=(length, *a.shape)) for a in jaxpr.out_avals[num_carry:]]
    outs = scan_p.bind(
        *(c for c in consts if not is_undefined_primal(c)),
        *acc_init,
        *ct_carry_init,
        *(x for x in xs if not is_undefined_primal(x)),
        *(match_dtype(c, a) for c, a in zip(ct_ys, y_avals, strict=True) if type(c) is not Zero),
        **_params(
            body,
            length,
            not reverse,
            num_consts - len(acc_init),
            len(acc_init) + num_carry,
            unroll,
        ),
    )
    ct_consts = iter(outs[: len(acc_init)])
    ct_init = outs[len(acc_init) : len(acc_init) + num_carry]
    ct_xs = iter(outs[len(acc_init) + num_carry :])
    return [
        *(next(ct_consts) if lin else None for lin in const_lin),
        *(c if is_undefined_primal(x) else None for c, x in zip(ct_init, init, strict=True)),
        *(next(ct_xs) if lin else None for lin in x_lin),
    ]


# ---- batching -----------------------------------------------------------------------------


def _scan_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    unroll: int,
) -> tuple[list[Any], list[int | None]]:
    size = axis_size_of(args, dims)
    consts, init, xs = _split(args, num_consts, num_carry)
    c_dims, init_dims, x_dims = _split(dims, num_consts, num_carry)
    # The scanned axis stays in front: a batched x has its batch axis moved to 1, so that
    # its slices are batched along 0.
    x_slice_dims = [None if d is None else 0 for d in x_dims]
    n_ys = len(jaxpr.out_avals) - num_carry
    carry_b = [d is not None for d in init_dims]
    while True:
        body_dims = (*c_dims, *(0 if b else None for b in carry_b), *x_slice_dims)
        inst = (*carry_b, *[False] * n_ys)
        out_b = batch_jaxpr(jaxpr, body_dims, size, inst)[1]
        new = [a or b for a, b in zip(carry_b, out_b[:num_carry], strict=True)]
        if new == carry_b:
            break
        carry_b = new
    body, out_b = batch_jaxpr(jaxpr, body_dims, size, inst)
    init_moved = [moved_to_front(x, d, size, b)[0] for x, d, b in zip(init, init_dims, carry_b)]
    xs_moved = [x if d is None or d == 1 else moveaxis(x, d, 1) for x, d in zip(xs, x_dims)]
    outs = scan_p.bind(
        *consts,
        *init_moved,
        *xs_moved,
        **_params(body, length, reverse, num_consts, num_carry, unroll),
    )
    out_dims = [0 if b else None for b in carry_b] + [1 if b else None for b in out_b[num_carry:]]
    return list(outs), out_dims


scan_p.def_impl(_scan_impl)
scan_p.def_abstract_eval(_scan_abstract_eval)
scan_p.def_jvp(_scan_jvp)
scan_p.def_transpose(_scan_transpose)
scan_p.def_batch(_scan_batch)
scan_p.def_partial_eval(_scan_partial_eval)


# ---- the user-facing function -------------------------------------------------------------


def _scan_length(xs: Sequence[Any], length: Any) -> int:
    for x in xs:
        if not get_aval(x).shape:
            raise ValueError(f"scan got value with no leading axis to scan over: {x!r}.")
    lengths = [get_aval(x).shape[0] for x in xs]
    if length is not None:
        if isinstance(length, Tracer) and length.to_concrete_value() is None:
            raise ConcretizationTypeError(
                "The `length` argument to `scan` expects a concrete `int` value. For "
                "scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`."
            )
        n_iter = int(length)
        if any(n != n_iter for n in lengths):
            raise ValueError(
                f"scan got `length` argument of {n_iter} which disagrees with leading axis "
                f"sizes {lengths}."
            )
        return n_iter
    if len(set(lengths)) > 1:
        raise ValueError(
            "scan got values with different leading axis sizes: "
            + ", ".join(str(n) for n in lengths)
            + "."
        )
    if not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    return lengths[0]


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``, stacking the ys, as
    ``jax.lax.scan``. Differentiable in both modes, vmappable, jittable.

    >>> scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
    (np.float64(6.0), array([0., 2., 9.]))
    """
    if not callable(f):
        raise TypeError("lax.scan: f argument should be callable.")
    xs_leaves, _ = flatten_args(xs)
    length = _scan_length(xs_leaves, length)
    if jit_disabled():
        return eager.scan(f, init, xs, length, bool(reverse))
    if isinstance(unroll, bool):
        unroll = max(length, 1) if unroll else 1
    if int(unroll) < 0:
        raise ValueError("`unroll` must be a `bool` or a non-negative `int`.")
    init_leaves, init_tree = flatten_args(init)
    args_tree = pytree.tree_structure((init, xs))
    x_avals = [a.update(shape=a.shape[1:]) for a in avals_of(xs_leaves)]

    def stage_body(
        init_leaves: Sequence[Any],
    ) -> tuple[ClosedJaxpr, list[Any], pytree.PyTreeDef, pytree.PyTreeDef]:
        closed, hoisted, out_tree = stage(f, args_tree, [*avals_of(init_leaves), *x_avals])
        if out_tree.node_type not in (tuple, list) or len(out_tree.subtrees) != 2:
            raise TypeError(f"scan body output must be a pair, got {out_tree}.")
        return closed, hoisted, out_tree.subtrees[0], out_tree.subtrees[1]

    closed, hoisted, carry_tree, ys_tree = stage_body(init_leaves)
    n_carry = len(init_leaves)
    if carry_tree == init_tree:
        init_leaves, changed = promote_weak_carry(
            init_leaves, avals_of(init_leaves), closed.out_avals[:n_carry]
        )
        if changed:
            closed, hoisted, carry_tree, ys_tree = stage_body(init_leaves)
    check_carry(
        "scan body",
        init_tree,
        avals_of(init_leaves),
        carry_tree,
        closed.out_avals[: carry_tree.num_leaves],
    )
    outs = scan_p.bind(
        *hoisted,
        *init_leaves,
        *xs_leaves,
        **_params(closed, length, bool(reverse), len(hoisted), n_carry, int(unroll)),
    )
    return (
        pytree.tree_unflatten(init_tree, outs[:n_carry]),
        pytree.tree_unflatten(ys_tree, outs[n_carry:]),
    )
