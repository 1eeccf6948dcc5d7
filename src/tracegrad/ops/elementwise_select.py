"""Comparisons and selection: the elementwise primitives that decide (``eq`` ... ``ge``, with
boolean results and no derivative) and the one that routes values and derivatives by a
decision (``select_n``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    Zero,
    get_aval,
    instantiate,
    is_undefined_primal,
)
from tracegrad.ops.combinators import defbroadcasting
from tracegrad.ops.rules import (
    broadcast_shapes,
    defjvp_zero,
    emitter,
    predicate_abstract_eval,
    same_dtype,
    simplifier,
)
from tracegrad.ops.structural import unbroadcast


# ---- comparisons ------------------------------------------------------------
def _comparison(name: str, impl: Any) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(predicate_abstract_eval(name))
    defjvp_zero(p)
    defbroadcasting(p)
    return p


eq_p = _comparison("eq", np.equal)
ne_p = _comparison("ne", np.not_equal)
eq_p.commutative = ne_p.commutative = True
lt_p = _comparison("lt", np.less)
le_p = _comparison("le", np.less_equal)
gt_p = _comparison("gt", np.greater)
ge_p = _comparison("ge", np.greater_equal)


def eq(x: Any, y: Any) -> Any:
    """Elementwise ``x == y`` (boolean).

    >>> eq(np.array([1.0, 2.0]), 2.0)
    array([False,  True])
    """
    return eq_p.bind(x, y)


def ne(x: Any, y: Any) -> Any:
    """Elementwise ``x != y`` (boolean).

    >>> ne(np.array([1.0, 2.0]), 2.0)
    array([ True, False])
    """
    return ne_p.bind(x, y)


def lt(x: Any, y: Any) -> Any:
    """Elementwise ``x < y`` (boolean).

    >>> lt(np.array([1.0, 2.0]), 2.0)
    array([ True, False])
    """
    return lt_p.bind(x, y)


def le(x: Any, y: Any) -> Any:
    """Elementwise ``x <= y`` (boolean).

    >>> le(np.array([1.0, 3.0]), 2.0)
    array([ True, False])
    """
    return le_p.bind(x, y)


def gt(x: Any, y: Any) -> Any:
    """Elementwise ``x > y`` (boolean).

    >>> gt(np.array([1.0, 3.0]), 2.0)
    array([False,  True])
    """
    return gt_p.bind(x, y)


def ge(x: Any, y: Any) -> Any:
    """Elementwise ``x >= y`` (boolean).

    >>> ge(np.array([1.0, 2.0]), 2.0)
    array([False,  True])
    """
    return ge_p.bind(x, y)


# ---- select_n ---------------------------------------------------------------
def select_n(which: Any, *cases: Any) -> Any:
    """Elementwise choice: ``cases[which]``; ``which`` is boolean (two cases) or integer.

    ``select_n(pred, on_false, on_true)`` is ``numpy.where(pred, on_true, on_false)``.

    >>> select_n(np.array([True, False]), np.zeros(2), np.ones(2))
    array([1., 0.])
    """
    return select_n_p.bind(which, *cases)


def _select_n_impl(which: Any, *cases: Any) -> Any:
    if len(cases) == 2 and np.asarray(which).dtype == np.bool_:
        return np.where(which, cases[1], cases[0])
    return np.choose(np.asarray(which).astype(np.intp), np.broadcast_arrays(*cases))


def _select_n_abstract_eval(which: ShapedArray, *cases: ShapedArray) -> ShapedArray:
    if which.dtype.kind not in "biu":
        raise DTypeError(
            f"select_n: the selector must be boolean or integer, got {which.dtype.name}."
        )
    dtype = same_dtype("select_n", *cases)
    shape = broadcast_shapes("select_n", which.shape, *(c.shape for c in cases))
    return ShapedArray(shape, dtype, all(c.weak_type for c in cases))


def _select_n_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    which, *cases = primals
    out = select_n(which, *cases)
    case_tangents = tangents[1:]
    if all(type(t) is Zero for t in case_tangents):
        return out, Zero.like_primal(get_aval(out))
    filled = [instantiate(t) for t in case_tangents]
    return out, select_n(which, *filled)


def _select_n_transpose(ct: Any, which: Any, *cases: Any) -> list[Any]:
    if is_undefined_primal(which):
        raise TypeError("select_n is not linear in its selector.")
    zero = np.zeros((), get_aval(ct).dtype)
    outs: list[Any] = [None]
    for i, c in enumerate(cases):
        if not is_undefined_primal(c):
            outs.append(None)
            continue
        picks = [zero] * len(cases)
        picks[i] = ct
        outs.append(unbroadcast(select_n(which, *picks), c.aval))
    return outs


select_n_p = Primitive("select_n", linear=True)
select_n_p.def_impl(_select_n_impl)
select_n_p.def_abstract_eval(_select_n_abstract_eval)
select_n_p.def_jvp(_select_n_jvp)
select_n_p.def_transpose(_select_n_transpose)
defbroadcasting(select_n_p)
select_n_p.def_emit(emitter("select_n"))
select_n_p.def_simplify(simplifier("select_n"))
select_n_p.grad_fn_name = "WhereBackward0"
