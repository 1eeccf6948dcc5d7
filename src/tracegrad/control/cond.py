"""``cond`` and ``switch``: the ``cond`` primitive, which runs one of several staged branches
chosen by an integer index, with all its rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.control import eager
from tracegrad.control.jaxprs import (
    as_output,
    avals_of,
    axis_size_of,
    compiled,
    flatten_args,
    join_hoisted,
    join_weak,
    stage,
    types_match,
)
from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    StagingTrace,
    Tracer,
    UndefinedPrimal,
    Zero,
    eval_jaxpr,
    get_aval,
    is_undefined_primal,
    per_jaxpr,
    pytree,
    trace_to_jaxpr,
)
from tracegrad.ops.elementwise import max as max_
from tracegrad.ops.elementwise import min as min_
from tracegrad.ops.elementwise_select import ne, select_n
from tracegrad.ops.structural import bdim_at_front, broadcast_in_dim, convert_element_type
from tracegrad.transforms.jvp import jvp_jaxpr, zeros
from tracegrad.transforms.partial_eval import merge_outputs, partial_eval_jaxpr
from tracegrad.transforms.staged_vjp import dce_jaxpr
from tracegrad.transforms.transpose import backward_pass, match_dtype
from tracegrad.transforms.vmap import batch_jaxpr

INDEX_DTYPE = np.dtype(np.int32)

# ---- the primitive ------------------------------------------------------------------------

cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index: Any, *ops: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    i = min(max(int(index), 0), len(branches) - 1)
    return [as_output(o) for o in compiled(branches[i])(*ops)]


def _cond_abstract_eval(
    index: ShapedArray, *ops: ShapedArray, branches: tuple[ClosedJaxpr, ...]
) -> list[ShapedArray]:
    if index.shape != () or index.dtype.kind not in "iu":
        raise TypeError(f"cond: the branch index must be an integer scalar, got {index}.")
    for i, b in enumerate(branches):
        if len(b.in_avals) != len(ops) or not all(map(types_match, b.in_avals, ops)):
            raise TypeError(
                f"cond: branch {i} takes arguments of types {b.in_avals} but was given "
                f"operands of types {list(ops)}."
            )
        if not all(map(types_match, b.out_avals, branches[0].out_avals)):
            raise TypeError(
                f"cond: branch 0 and branch {i} outputs must have identical types, got "
                f"{branches[0].out_avals} and {b.out_avals}."
            )
    return [join_weak(col) for col in zip(*(b.out_avals for b in branches), strict=True)]


def _cond_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, branches: tuple[ClosedJaxpr, ...]
) -> tuple[list[Any], list[Any]]:
    index, *ops = primals
    op_tangents = tangents[1:]
    nonzeros = tuple(type(t) is not Zero for t in op_tangents)
    n_out = len(branches[0].out_avals)
    out_nz = [False] * n_out
    for b in branches:
        _, nz = jvp_jaxpr(b, nonzeros, (False,) * n_out)
        out_nz = [a or c for a, c in zip(out_nz, nz, strict=True)]
    # Every branch must produce the same tangent outputs: instantiate the union.
    jvps = [jvp_jaxpr(b, nonzeros, tuple(out_nz)) for b in branches]
    out_nz = list(jvps[0][1])
    outs = cond_p.bind(
        index,
        *ops,
        *(t for t in op_tangents if type(t) is not Zero),
        branches=tuple(j for j, _ in jvps),
    )
    it = iter(outs[n_out:])
    t_outs = [
        next(it) if nz else Zero.like_primal(a)
        for nz, a in zip(out_nz, branches[0].out_avals, strict=True)
    ]
    return list(outs[:n_out]), t_outs


# ---- partial evaluation -------------------------------------------------------------------


def _residual_slots(
    per_branch: Sequence[Sequence[ShapedArray]],
) -> tuple[list[ShapedArray], list[list[int]]]:
    """Shared residual outputs for all branches: a slot serves one residual of each branch
    whose type matches, so the cond carries no more residuals than it needs."""
    slots: list[ShapedArray] = []
    assign: list[list[int]] = []
    for avals in per_branch:
        used: set[int] = set()
        mine = []
        for a in avals:
            j = next((k for k, s in enumerate(slots) if k not in used and types_match(s, a)), None)
            if j is None:
                slots.append(a.strip_weak_type())
                j = len(slots) - 1
            used.add(j)
            mine.append(j)
        assign.append(mine)
    return slots, assign


def _known_branch(
    known: ClosedJaxpr, n_known: int, slots: Sequence[ShapedArray], assign: Sequence[int]
) -> ClosedJaxpr:
    def fun(*xs: Any) -> list[Any]:
        outs = eval_jaxpr(known, *xs)
        filled: list[Any] = [None] * len(slots)
        for r, j in zip(outs[n_known:], assign, strict=True):
            filled[j] = r
        return [*outs[:n_known], *(zeros(s) if f is None else f for s, f in zip(slots, filled))]

    return trace_to_jaxpr(fun, known.in_avals)


def _unknown_branch(
    unknown: ClosedJaxpr, slots: Sequence[ShapedArray], assign: Sequence[int]
) -> ClosedJaxpr:
    n_res = len(assign)

    def fun(*xs: Any) -> list[Any]:
        res = [xs[j] for j in assign]
        return eval_jaxpr(unknown, *res, *xs[len(slots) :])

    return trace_to_jaxpr(fun, [*slots, *unknown.in_avals[n_res:]])


def _cond_partial_eval(
    trace: StagingTrace, args: Sequence[Any], *, branches: tuple[ClosedJaxpr, ...]
) -> list[Any]:
    index, *ops = args
    if trace.is_own(index):  # which branch runs is unknown: stage the whole cond
        return list(trace.stage(cond_p, args, {"branches": branches}))
    unknowns = tuple(trace.is_own(x) for x in ops)
    n_out = len(branches[0].out_avals)
    out_uk = [False] * n_out
    for b in branches:
        out_uk = [a or c for a, c in zip(out_uk, partial_eval_jaxpr(b, unknowns)[2], strict=True)]
    splits = [partial_eval_jaxpr(b, unknowns, tuple(out_uk)) for b in branches]
    n_known = n_out - sum(out_uk)
    if any(out_uk):
        slots, assign = _residual_slots([k.out_avals[n_known:] for k, _, _, _ in splits])
        known_bs = [_known_branch(k, n_known, slots, a) for (k, *_), a in zip(splits, assign)]
    else:
        slots, assign = [], [[] for _ in splits]
        known_bs = [dce_jaxpr(k, [True] * n_known + [False] * r)[0] for k, _, _, r in splits]
    known_args = (index, *(x for x, u in zip(ops, unknowns, strict=True) if not u))
    assert trace.parent is not None
    res = trace.parent.process_primitive(cond_p, known_args, {"branches": tuple(known_bs)})
    known_outs, residuals = res[:n_known], res[n_known:]
    if not any(out_uk):
        return list(known_outs)
    unknown_bs = tuple(_unknown_branch(u, slots, a) for (_, u, _, _), a in zip(splits, assign))
    unknown_args = (index, *residuals, *(x for x, u in zip(ops, unknowns, strict=True) if u))
    unknown_outs = trace.stage(cond_p, unknown_args, {"branches": unknown_bs})
    return merge_outputs(out_uk, known_outs, unknown_outs)


# ---- transpose ----------------------------------------------------------------------------


@per_jaxpr
def _transpose_branch(
    closed: ClosedJaxpr, undefined: tuple[bool, ...], ct_nonzero: tuple[bool, ...]
) -> ClosedJaxpr:
    """A branch of (residuals, nonzero output cotangents) giving the linear inputs' ones."""
    in_avals = [a.strip_weak_type() for a in closed.in_avals]
    res_avals = [a for a, u in zip(in_avals, undefined, strict=True) if not u]
    out_avals = [a.strip_weak_type() for a in closed.out_avals]
    ct_avals = [a for a, nz in zip(out_avals, ct_nonzero, strict=True) if nz]

    def fun(*args: Any) -> list[Any]:
        res, cts = iter(args[: len(res_avals)]), iter(args[len(res_avals) :])
        full = [
            UndefinedPrimal(a) if u else next(res) for a, u in zip(in_avals, undefined, strict=True)
        ]
        cts_out = [
            next(cts) if nz else Zero(a) for a, nz in zip(out_avals, ct_nonzero, strict=True)
        ]
        cts_in = backward_pass(closed.jaxpr, closed.consts, full, cts_out)
        return [
            zeros(a) if type(c) is Zero else match_dtype(c, a)
            for c, a, u in zip(cts_in, in_avals, undefined, strict=True)
            if u
        ]

    return trace_to_jaxpr(fun, [*res_avals, *ct_avals])


def _cond_transpose(
    cts: Sequence[Any], index: Any, *ops: Any, branches: tuple[ClosedJaxpr, ...]
) -> list[Any]:
    if is_undefined_primal(index):
        raise TypeError("cond is not linear in its branch index.")
    undefined = tuple(is_undefined_primal(x) for x in ops)
    ct_nonzero = tuple(type(c) is not Zero for c in cts)
    t_branches = tuple(_transpose_branch(b, undefined, ct_nonzero) for b in branches)
    out_avals = branches[0].out_avals
    nonzero_cts = [
        match_dtype(c, a) for c, a, nz in zip(cts, out_avals, ct_nonzero, strict=True) if nz
    ]
    res = [x for x in ops if not is_undefined_primal(x)]
    outs = iter(cond_p.bind(index, *res, *nonzero_cts, branches=t_branches))
    return [None, *(next(outs) if u else None for u in undefined)]


# ---- batching -----------------------------------------------------------------------------


def clamp_index(index: Any, n: int) -> Any:
    """``index`` clamped into ``[0, n)``, as ``switch`` does."""
    dtype = get_aval(index).dtype
    return max_(min_(index, np.asarray(n - 1, dtype)), np.asarray(0, dtype))


def _cond_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, branches: tuple[ClosedJaxpr, ...]
) -> tuple[list[Any], list[int | None]]:
    index, *ops = args
    index_dim, *op_dims = dims
    size = axis_size_of(args, dims)
    n_out = len(branches[0].out_avals)
    if index_dim is None:
        batched = [False] * n_out
        for b in branches:
            flags = batch_jaxpr(b, tuple(op_dims), size, (False,) * n_out)[1]
            batched = [x or y for x, y in zip(batched, flags, strict=True)]
        new = tuple(batch_jaxpr(b, tuple(op_dims), size, tuple(batched))[0] for b in branches)
        outs = cond_p.bind(index, *ops, branches=new)
        return list(outs), [0 if f else None for f in batched]
    # A batched index: every branch runs on the whole batch, and each element selects its
    # branch's result (as JAX turns cond into select under vmap).
    index = clamp_index(bdim_at_front(index, index_dim, size), len(branches))
    results = [
        eval_jaxpr(batch_jaxpr(b, tuple(op_dims), size, (True,) * n_out)[0], *ops) for b in branches
    ]
    outs = []
    for cases in zip(*results, strict=True):
        shape = get_aval(cases[0]).shape
        outs.append(select_n(broadcast_in_dim(index, shape, (0,)), *cases))
    return outs, [0] * n_out


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)
cond_p.def_jvp(_cond_jvp)
cond_p.def_transpose(_cond_transpose)
cond_p.def_batch(_cond_batch)
cond_p.def_partial_eval(_cond_partial_eval)


# ---- the user-facing functions ------------------------------------------------------------


def _diff_text(tree: pytree.PyTreeDef, a: Sequence[ShapedArray], b: Sequence[ShapedArray]) -> str:
    shown = [
        str(x) if types_match(x, y) else f"DIFFERENT {x} vs. {y}" for x, y in zip(a, b, strict=True)
    ]
    return str(pytree.tree_unflatten(tree, shown))


def check_branch_types(
    names: Sequence[str],
    outs: Sequence[tuple[pytree.PyTreeDef, Sequence[ShapedArray]]],
    api: str,
) -> None:
    """Raise JAX's TypeError unless all branches give outputs of one structure and type."""
    tree0, avals0 = outs[0]
    for name, (tree, avals) in zip(names[1:], outs[1:], strict=True):
        what = f"{names[0]} and {name} output"
        if tree != tree0:
            raise TypeError(
                f"{api} branch outputs must have the same pytree structure, but they differ: "
                f"{what} must have same type structure, got {tree0} and {tree}. Revise "
                f"{names[0]} and/or {name} so that they have the same pytree structure."
            )
        if not all(map(types_match, avals0, avals)):
            first = next(
                (a, b) for a, b in zip(avals0, avals, strict=True) if not types_match(a, b)
            )
            raise TypeError(
                f"{api} branches must have equal output types but they differ: {what} must "
                f"have identical types, got\n{_diff_text(tree0, avals0, avals)}.\nThe output "
                f"of {names[0]} has type {first[0]} but the corresponding output of {name} "
                f"has type {first[1]}. Revise {names[0]} and/or {name} so that all output "
                "types match."
            )


def _run(
    index: Any,
    funs: Sequence[Callable[..., Any]],
    names: Sequence[str],
    operands: tuple[Any, ...],
    api: str,
    check_order: Sequence[int],
) -> Any:
    """Stage every branch, check that their types agree (comparing in ``check_order``), and
    bind cond_p. Outside transformations its impl runs the chosen branch only."""

    def check(outs: list[tuple[pytree.PyTreeDef, list[ShapedArray]]]) -> None:
        check_branch_types([names[i] for i in check_order], [outs[i] for i in check_order], api)

    branch = eager.concrete_index(index)
    if branch is not None:
        return funs[branch](*operands)
    leaves, in_tree = flatten_args(operands)
    avals = avals_of(leaves)
    staged = [stage(f, in_tree, avals) for f in funs]
    check([(t, c.out_avals) for c, _, t in staged])
    jaxprs, consts = join_hoisted([(c, h) for c, h, _ in staged])
    outs = cond_p.bind(index, *consts, *leaves, branches=tuple(jaxprs))
    return pytree.tree_unflatten(staged[0][2], outs)


class _NoOperand:
    def __repr__(self) -> str:
        return "<no operand>"


_NO_OPERAND: Any = _NoOperand()


def _operands(operands: tuple[Any, ...], operand: Any, api: str) -> tuple[Any, ...]:
    if operand is _NO_OPERAND:
        return operands
    if operands:
        raise TypeError(
            f"{api}: if 'operand' keyword is passed then no positional operands can be "
            f"passed, got operand={operand!r} and positional operands {operands!r}."
        )
    return (operand,)


def cond(
    pred: Any,
    true_fun: Callable[..., Any],
    false_fun: Callable[..., Any],
    *operands: Any,
    operand: Any = _NO_OPERAND,
) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as ``jax.lax.cond``.

    Both branches are staged (they must return the same types); one runs. Differentiable
    in both modes; under ``vmap`` with a batched ``pred`` both run and the results are
    selected elementwise.

    >>> cond(np.float64(2.0) > 1.0, lambda x: x * 10.0, lambda x: x - 1.0, np.float64(2.0))
    np.float64(20.0)
    """
    if not (callable(true_fun) and callable(false_fun)):
        # JAX's old form: cond(pred, true_operand, true_fun, false_operand, false_fun).
        if callable(false_fun) and len(operands) == 2 and callable(operands[1]):
            x_true, f_true, x_false, f_false = true_fun, false_fun, *operands
            return cond(pred, lambda x, _: f_true(x), lambda _, x: f_false(x), x_true, x_false)
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
    operands = _operands(operands, operand, "lax.cond")
    if pred is None:
        raise TypeError("cond predicate is None")
    if isinstance(pred, list | tuple):
        raise TypeError(f"Pred must be a scalar, got {pred!r} of type {type(pred)}.")
    aval = get_aval(pred)
    if aval.shape != ():
        raise TypeError(f"Pred must be a scalar, got {pred!r} of shape {aval.shape}.")
    if aval.dtype.kind != "b":
        if aval.dtype.kind not in "iuf":
            raise TypeError(f"Pred type must be either boolean or number, got {aval.dtype}.")
        pred = ne(pred, np.zeros((), aval.dtype)) if isinstance(pred, Tracer) else pred != 0
    index = (
        convert_element_type(pred, INDEX_DTYPE)
        if isinstance(pred, Tracer)
        else np.asarray(bool(pred), INDEX_DTYPE)
    )
    return _run(index, [false_fun, true_fun], ["false_fun", "true_fun"], operands, "cond", (1, 0))


def switch(
    index: Any, branches: Sequence[Callable[..., Any]], *operands: Any, operand: Any = _NO_OPERAND
) -> Any:
    """``branches[index](*operands)``, with ``index`` clamped into range, as
    ``jax.lax.switch``.

    >>> switch(5, [lambda x: x + 1.0, lambda x: x * 2.0], np.float64(3.0))
    np.float64(6.0)
    """
    operands = _operands(operands, operand, "lax.switch")
    aval = get_aval(index)
    if aval.shape != ():
        raise TypeError(f"Branch index must be scalar, got {index!r} of shape {aval.shape}.")
    if aval.dtype.kind not in "iu":
        raise TypeError(f"Index type must be an integer, got {aval.dtype}.")
    branches = tuple(branches)
    if not branches:
        raise ValueError("Empty branch sequence")
    for b in branches:
        if not callable(b):
            raise TypeError(f"lax.switch: branches must be callable, got {b!r}.")
    if len(branches) == 1:
        return branches[0](*operands)
    if isinstance(index, Tracer):
        index = clamp_index(convert_element_type(index, INDEX_DTYPE), len(branches))
    else:
        index = np.asarray(np.clip(int(index), 0, len(branches) - 1), INDEX_DTYPE)
    names = [f"branch {i}" for i in range(len(branches))]
    return _run(index, branches, names, operands, "switch", range(len(branches)))
