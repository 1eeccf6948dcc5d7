"""Elementwise arithmetic primitives, with NumPy broadcasting between operands of one dtype."""

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
from tracegrad.ops.combinators import (
    defbilinear,
    defbroadcasting,
    defjvp,
    defjvp_using_output,
)
from tracegrad.ops.rules import (
    broadcast_shapes,
    broadcasting_abstract_eval,
    defjvp_zero,
    deflinear,
    defvectorized,
    inexact_unop_abstract_eval,
    predicate_abstract_eval,
    same_aval,
    same_dtype,
)
from tracegrad.ops.structural import unbroadcast


def _unop(name: str, impl: Any, *, inexact_only: bool = True) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(inexact_unop_abstract_eval(name) if inexact_only else same_aval)
    defvectorized(p)
    return p


def _binop(name: str, impl: Any) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(broadcasting_abstract_eval(name))
    defbroadcasting(p)
    return p


# ---- add --------------------------------------------------------------------
def add(x: Any, y: Any) -> Any:
    """Elementwise ``x + y``."""
    return add_p.bind(x, y)


add_p = _binop("add", np.add)
defjvp(add_p, lambda t, x, y: t, lambda t, x, y: t)


def _linear_ct(ct: Any, x: Any) -> Any:
    """The cotangent of operand ``x`` of a broadcasting linear op, if ``x`` is linear."""
    return unbroadcast(ct, x.aval) if is_undefined_primal(x) else None


add_p.def_transpose(lambda ct, x, y: [_linear_ct(ct, x), _linear_ct(ct, y)])


# ---- sub --------------------------------------------------------------------
def sub(x: Any, y: Any) -> Any:
    """Elementwise ``x - y``."""
    return sub_p.bind(x, y)


sub_p = _binop("sub", np.subtract)
defjvp(sub_p, lambda t, x, y: t, lambda t, x, y: neg(t))
sub_p.def_transpose(lambda ct, x, y: [_linear_ct(ct, x), _linear_ct(neg(ct), y)])


# ---- neg --------------------------------------------------------------------
def neg(x: Any) -> Any:
    """Elementwise ``-x``."""
    return neg_p.bind(x)


neg_p = _unop("neg", np.negative, inexact_only=False)
deflinear(neg_p, lambda ct, x: [neg(ct)])


# ---- mul --------------------------------------------------------------------
def mul(x: Any, y: Any) -> Any:
    """Elementwise ``x * y``."""
    return mul_p.bind(x, y)


mul_p = _binop("mul", np.multiply)
defbilinear(
    mul_p,
    lambda ct, x, y: unbroadcast(mul(ct, y), x.aval),
    lambda ct, x, y: unbroadcast(mul(x, ct), y.aval),
)


# ---- div --------------------------------------------------------------------
def div(x: Any, y: Any) -> Any:
    """Elementwise ``x / y`` (true division for inexact dtypes)."""
    return div_p.bind(x, y)


div_p = _binop("div", np.true_divide)
defjvp_using_output(
    div_p,
    lambda t, out, x, y: div(t, y),
    lambda t, out, x, y: neg(mul(t, div(out, y))),
)
div_p.def_transpose(lambda ct, x, y: [_linear_ct(div(ct, y), x), None])


# ---- sin, cos ---------------------------------------------------------------
def sin(x: Any) -> Any:
    """Elementwise sine."""
    return sin_p.bind(x)


sin_p = _unop("sin", np.sin)
defjvp(sin_p, lambda t, x: mul(t, cos(x)))


def cos(x: Any) -> Any:
    """Elementwise cosine."""
    return cos_p.bind(x)


cos_p = _unop("cos", np.cos)
defjvp(cos_p, lambda t, x: neg(mul(t, sin(x))))


# ---- exp, log ---------------------------------------------------------------
def exp(x: Any) -> Any:
    """Elementwise exponential."""
    return exp_p.bind(x)


exp_p = _unop("exp", np.exp)
defjvp_using_output(exp_p, lambda t, out, x: mul(t, out))


def log(x: Any) -> Any:
    """Elementwise natural logarithm."""
    return log_p.bind(x)


log_p = _unop("log", np.log)
defjvp(log_p, lambda t, x: div(t, x))


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
lt_p = _comparison("lt", np.less)
le_p = _comparison("le", np.less_equal)
gt_p = _comparison("gt", np.greater)
ge_p = _comparison("ge", np.greater_equal)


def eq(x: Any, y: Any) -> Any:
    """Elementwise ``x == y`` (boolean)."""
    return eq_p.bind(x, y)


def ne(x: Any, y: Any) -> Any:
    """Elementwise ``x != y`` (boolean)."""
    return ne_p.bind(x, y)


def lt(x: Any, y: Any) -> Any:
    """Elementwise ``x < y`` (boolean)."""
    return lt_p.bind(x, y)


def le(x: Any, y: Any) -> Any:
    """Elementwise ``x <= y`` (boolean)."""
    return le_p.bind(x, y)


def gt(x: Any, y: Any) -> Any:
    """Elementwise ``x > y`` (boolean)."""
    return gt_p.bind(x, y)


def ge(x: Any, y: Any) -> Any:
    """Elementwise ``x >= y`` (boolean)."""
    return ge_p.bind(x, y)


# ---- select_n ---------------------------------------------------------------
def select_n(which: Any, *cases: Any) -> Any:
    """Elementwise choice: ``cases[which]``; ``which`` is boolean (two cases) or integer.

    ``select_n(pred, on_false, on_true)`` is ``numpy.where(pred, on_true, on_false)``.
    """
    return select_n_p.bind(which, *cases)


def _select_n_impl(which: Any, *cases: Any) -> Any:
    if len(cases) == 2 and np.asarray(which).dtype == np.bool_:
        return np.where(which, cases[1], cases[0])
    return np.choose(np.asarray(which).astype(np.intp), np.broadcast_arrays(*cases))


def _select_n_abstract_eval(which: ShapedArray, *cases: ShapedArray) -> ShapedArray:
    if which.dtype.kind not in "biu":
        raise DTypeError(f"select_n: the selector must be boolean or integer, got "
                         f"{which.dtype.name}.")
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


select_n_p = Primitive("select_n")
select_n_p.def_impl(_select_n_impl)
select_n_p.def_abstract_eval(_select_n_abstract_eval)
select_n_p.def_jvp(_select_n_jvp)
select_n_p.def_transpose(_select_n_transpose)
defbroadcasting(select_n_p)
