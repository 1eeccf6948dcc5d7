"""What user rules of custom_jvp and custom_vjp return, checked against the function's own
types (structure, shapes, dtypes) with JAX's errors, before any of it is used."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from tracegrad.core import ShapedArray, Zero, get_aval, pytree
from tracegrad.core.dtypes import float0
from tracegrad.transforms.arguments import as_value
from tracegrad.transforms.transpose import fit_to_aval


def _types(tree: pytree.PyTreeDef, avals: Sequence[ShapedArray]) -> str:
    return str(pytree.tree_unflatten(tree, [a.str_short() for a in avals])).replace("'", "")


def _rule_name(rule: Any) -> str:
    return getattr(rule, "__name__", type(rule).__name__)


def _first_element_error(
    kind: str, rule: Any, name: str, what: str, got: str, want: str
) -> TypeError:
    """JAX's error for a rule whose primal output differs from the function's."""
    particular = (
        "of the same container/pytree structure"
        if what == "container/pytree structure"
        else "with leaves of the same shape/dtype"
    )
    if kind == "JVP":
        first = (
            f"(equal in value to the output of the custom_jvp-decorated function {name}, "
            f"and in particular {particular})"
        )
    else:
        first = (
            f"(equal to the output of the custom_vjp-decorated function {name}, and in "
            f"particular {particular}) and the second element represents residuals (i.e. "
            "values stored from the forward pass for use on the backward pass)"
        )
    of = " of" if what == "shapes/dtypes" else ""
    return TypeError(
        f"Custom {kind} rule {_rule_name(rule)} for function {name} must produce a pair (list "
        f"or tuple of length two) where the first element represents the primal output "
        f"{first}, but instead the {kind.split()[-1]} rule output's first element had "
        f"{what}{of}:\n    {got}\nwhile the custom_{kind[:3].lower()}-decorated function "
        f"{name} had output {what}{of}:\n    {want}.\nReturn the function's own output (or "
        "one of the same types) as the first element."
    )


def _pair(out: Any, kind: str, rule: Any, name: str) -> tuple[Any, Any]:
    if not isinstance(out, list | tuple) or len(out) != 2:
        if kind == "JVP":
            raise TypeError(
                f"Custom JVP rule {_rule_name(rule)} for function {name} must produce a pair "
                "(list or tuple of length two) representing primal and tangent outputs, but "
                f"got {out!r}."
            )
        raise TypeError(
            f"Custom VJP fwd rule {_rule_name(rule)} for function {name} must produce a pair "
            "(list or tuple of length two) where the first element represents the primal "
            f"output (equal to those of the custom_vjp-decorated function {name}) and the "
            "second element represents residuals (i.e. values stored from the forward pass "
            "for use on the backward pass), but instead of a pair the fwd rule "
            f"{_rule_name(rule)} produced {out!r}."
        )
    return out[0], out[1]


def primal_outputs(
    out: Any,
    out_tree: pytree.PyTreeDef,
    out_avals: Sequence[ShapedArray],
    kind: str,
    rule: Any,
    name: str,
) -> list[Any]:
    """The leaves of a rule's primal output, which must have the function's types."""
    leaves, tree = pytree.tree_flatten(out)
    got_avals = [get_aval(as_value(x)) for x in leaves]
    if tree != out_tree:
        raise _first_element_error(
            kind,
            rule,
            name,
            "container/pytree structure",
            _types(tree, got_avals),
            _types(out_tree, out_avals),
        )
    fitted = [fit_to_aval(x, a) for x, a in zip(leaves, out_avals, strict=True)]
    if any(f is None for f in fitted):
        raise _first_element_error(
            kind,
            rule,
            name,
            "shapes/dtypes",
            _types(tree, got_avals),
            _types(out_tree, out_avals),
        )
    return fitted


def jvp_rule_outputs(
    pair: Any,
    out_tree: pytree.PyTreeDef,
    out_avals: Sequence[ShapedArray],
    rule: Any,
    name: str,
) -> tuple[list[Any], list[Any]]:
    """A custom_jvp rule's ``(primal_out, tangent_out)``, checked: both with the function's
    output structure, the primals of its shapes and dtypes, the tangents of theirs."""
    out, t_out = _pair(pair, "JVP", rule, name)
    o_tree, t_tree = pytree.tree_structure(out), pytree.tree_structure(t_out)
    if o_tree != t_tree:
        raise TypeError(
            f"Custom JVP rule {_rule_name(rule)} for function {name} must produce primal and "
            "tangent outputs with equal container (pytree) structures, but got "
            f"{o_tree} and {t_tree} respectively."
        )
    primals = primal_outputs(out, out_tree, out_avals, "JVP", rule, name)
    tangents = []
    for t, aval in zip(pytree.tree_leaves(t_out), out_avals, strict=True):
        want = Zero.like_primal(aval).aval
        if want.dtype == float0:  # an output without derivative: its tangent is unused
            tangents.append(as_value(t))
            continue
        fitted = fit_to_aval(t, want)
        if fitted is None:
            raise TypeError(
                "Custom JVP rule must produce primal and tangent outputs with corresponding "
                f"shapes and dtypes. Expected {want.str_short()} (tangent type of "
                f"{aval.str_short()}) but got {get_aval(as_value(t)).str_short()}, in "
                f"the rule {_rule_name(rule)} of {name}. Return tangents of the primal "
                "outputs' shapes and dtypes."
            )
        tangents.append(fitted)
    return primals, tangents


def fwd_rule_outputs(
    pair: Any,
    out_tree: pytree.PyTreeDef,
    out_avals: Sequence[ShapedArray],
    rule: Any,
    name: str,
) -> tuple[list[Any], Any]:
    """A custom_vjp fwd rule's ``(primal_out, residuals)``: the primal leaves, checked
    against the function's output types, and the residuals as given."""
    out, res = _pair(pair, "VJP fwd", rule, name)
    return primal_outputs(out, out_tree, out_avals, "VJP fwd", rule, name), res


def _match_up_to(
    ct_def: pytree.PyTreeDef, cts: Iterator[Any], primal: pytree.PyTreeDef, path: str
) -> list[tuple[str, Any]] | None:
    """The cotangent leaves matched to the primal leaves, with their paths; a None in the
    cotangent stands for every leaf of the primal subtree it replaces. None on mismatch."""
    if ct_def.node_type is None:
        leaf = next(cts)
        if leaf is None:
            return [(path, None)] * primal.num_leaves
        return [(path, leaf)] if primal.node_type is None else None
    if (ct_def.node_type, ct_def.aux) != (primal.node_type, primal.aux) or len(
        ct_def.subtrees
    ) != len(primal.subtrees):
        return None
    keys: Sequence[Any] = (
        primal.aux  # type: ignore[assignment]
        if primal.node_type is dict
        else range(len(primal.subtrees))
    )
    out: list[tuple[str, Any]] = []
    for key, c, p in zip(keys, ct_def.subtrees, primal.subtrees, strict=True):
        sub = _match_up_to(c, cts, p, f"{path}[{key!r}]")
        if sub is None:
            return None
        out.extend(sub)
    return out


def bwd_rule_outputs(
    cts_in: Any, in_tree: pytree.PyTreeDef, in_avals: Sequence[ShapedArray], name: str
) -> list[Any]:
    """A custom_vjp bwd rule's cotangents, one per leaf of the primal arguments (a tuple,
    one entry per argument; None for no cotangent), each of its primal's tangent type;
    a symbolic Zero where the rule gave None or the primal has no derivative."""
    n_args = len(in_tree.subtrees)
    if isinstance(cts_in, list) and len(cts_in) == n_args:
        cts_in = tuple(cts_in)
    matched = None
    if isinstance(cts_in, tuple):
        ct_leaves, ct_def = pytree.tree_flatten(cts_in, is_leaf=lambda x: x is None)
        matched = _match_up_to(ct_def, iter(ct_leaves), in_tree, "output")
    if matched is None:
        raise TypeError(
            "Custom VJP bwd rule must produce an output with the same container (pytree) "
            "structure as the args tuple of the primal function, and in particular must "
            "produce a tuple of length equal to the number of arguments to the primal "
            f"function, but got bwd output structure {pytree.tree_structure(cts_in)} for "
            f"primal input structure {in_tree} (in the bwd rule of {name}). Return one "
            "cotangent (or None) per argument."
        )
    flat: list[Any] = []
    for (path, ct), aval in zip(matched, in_avals, strict=True):
        want = Zero.like_primal(aval).aval
        if ct is None or want.dtype == float0:
            flat.append(Zero(want))
            continue
        fitted = fit_to_aval(ct, want)
        if fitted is None:
            got = get_aval(as_value(ct))
            which = "shapes" if got.shape != want.shape else "dtypes"
            raise ValueError(
                "Custom VJP bwd rule must produce an output with the same type as the args "
                f"tuple of the primal function, but at {path} the bwd rule produced an output "
                f"of type {got.str_short()} corresponding to an input of type "
                f"{aval.str_short()}, so the {which} do not match (in the bwd rule of "
                f"{name}). Return a cotangent of the shape and dtype of its input."
            )
        flat.append(fitted)
    return flat
