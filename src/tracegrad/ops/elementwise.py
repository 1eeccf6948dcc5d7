"""Elementwise arithmetic primitives, with NumPy broadcasting between operands of one dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive, is_undefined_primal
from tracegrad.ops.combinators import (
    defbilinear,
    defbroadcasting,
    defjvp,
    defjvp_using_output,
)
from tracegrad.ops.rules import (
    broadcasting_abstract_eval,
    deflinear,
    defvectorized,
    inexact_unop_abstract_eval,
    same_aval,
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
