"""Elementwise transcendental primitives: trigonometric, hyperbolic, exponential and
logarithmic functions, roots (``sqrt``, ``rsqrt``, ``cbrt``), ``atan2``, ``hypot`` and
``logaddexp``.

``sin``, ``cos``, ``exp`` and ``log`` live in ``tracegrad.ops.elementwise``, which the
rules here build on. Every jvp rule is written with primitives, so it is itself
differentiable to any order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray
from tracegrad.ops.combinators import defbroadcasting, defjvp, defjvp_using_output
from tracegrad.ops.elementwise import (
    add,
    cos,
    div,
    eq,
    exp,
    integer_pow,
    log,
    mul,
    neg,
    scalar_like,
    select_n,
    sign,
    sin,
    sub,
)
from tracegrad.ops.elementwise_discrete import and_, isinf, real_only
from tracegrad.ops.rules import (
    broadcasting_abstract_eval,
    defvectorized,
    inexact_unop_abstract_eval,
    same_aval,
)


def _unop(name: str, impl: Any, *, complex_ok: bool = True) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    rule = inexact_unop_abstract_eval(name)
    p.def_abstract_eval(rule if complex_ok else real_only(name, rule))
    defvectorized(p)
    return p


def _binop(name: str, impl: Any) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(real_only(name, broadcasting_abstract_eval(name)))
    defbroadcasting(p)
    return p


def _one_minus_square(x: Any) -> Any:
    return sub(scalar_like(x, 1), integer_pow(x, 2))


def _one_plus_square(x: Any) -> Any:
    return add(scalar_like(x, 1), integer_pow(x, 2))


# ---- sqrt, rsqrt, cbrt ------------------------------------------------------
def sqrt(x: Any) -> Any:
    """Elementwise square root (its derivative is ``inf`` at 0).

    >>> sqrt(np.array([4.0, 9.0]))
    array([2., 3.])
    """
    return sqrt_p.bind(x)


def rsqrt(x: Any) -> Any:
    """Elementwise ``1 / sqrt(x)``, as ``jax.lax.rsqrt`` (``inf`` at 0; complex too).

    >>> rsqrt(np.array([4.0, 0.25]))
    array([0.5, 2. ])
    """
    return rsqrt_p.bind(x)


def cbrt(x: Any) -> Any:
    """Elementwise real cube root (its derivative is ``inf`` at 0).

    >>> cbrt(np.array([-8.0, 27.0]))
    array([-2.,  3.])
    """
    return cbrt_p.bind(x)


sqrt_p = _unop("sqrt", np.sqrt)
defjvp_using_output(sqrt_p, lambda t, out, x: div(t, mul(scalar_like(x, 2), out)))
sqrt_p.grad_fn_name = "SqrtBackward0"
# The reciprocal of NumPy's square root (no NumPy function computes 1 / sqrt at once); its
# derivative -x ** -1.5 / 2 is -out / (2 x), from the output: -inf at 0, as JAX's.
rsqrt_p = _unop("rsqrt", lambda x: np.reciprocal(np.sqrt(x)))
defjvp_using_output(rsqrt_p, lambda t, out, x: mul(t, div(out, mul(scalar_like(x, -2), x))))
rsqrt_p.grad_fn_name = "RsqrtBackward0"
cbrt_p = _unop("cbrt", np.cbrt, complex_ok=False)
defjvp_using_output(cbrt_p, lambda t, out, x: div(t, mul(scalar_like(x, 3), integer_pow(out, 2))))


# ---- exp2, expm1, log2, log10, log1p ----------------------------------------
# exp2, log2 and log10 are primitives rather than exp/log times a constant: NumPy's
# functions are exact at powers of the base (log10(1000.0) == 3.0), the products not.
def exp2(x: Any) -> Any:
    """Elementwise ``2 ** x``.

    >>> exp2(np.array([3.0, -1.0]))
    array([8. , 0.5])
    """
    return exp2_p.bind(x)


def expm1(x: Any) -> Any:
    """Elementwise ``exp(x) - 1``, accurate for small ``x``.

    >>> expm1(np.array([0.0]))
    array([0.])
    """
    return expm1_p.bind(x)


def log2(x: Any) -> Any:
    """Elementwise base-2 logarithm.

    >>> log2(np.array([8.0, 0.5]))
    array([ 3., -1.])
    """
    return log2_p.bind(x)


def log10(x: Any) -> Any:
    """Elementwise base-10 logarithm.

    >>> log10(np.array([1000.0]))
    array([3.])
    """
    return log10_p.bind(x)


def log1p(x: Any) -> Any:
    """Elementwise ``log(1 + x)``, accurate for small ``x``.

    >>> log1p(np.array([0.0]))
    array([0.])
    """
    return log1p_p.bind(x)


exp2_p = _unop("exp2", np.exp2)
defjvp_using_output(exp2_p, lambda t, out, x: mul(t, mul(out, scalar_like(x, math.log(2)))))
expm1_p = _unop("expm1", np.expm1)
defjvp_using_output(expm1_p, lambda t, out, x: mul(t, add(out, scalar_like(x, 1))))
log2_p = _unop("log2", np.log2)
defjvp(log2_p, lambda t, x: div(t, mul(x, scalar_like(x, math.log(2)))))
log10_p = _unop("log10", np.log10)
defjvp(log10_p, lambda t, x: div(t, mul(x, scalar_like(x, math.log(10)))))
log1p_p = _unop("log1p", np.log1p)
defjvp(log1p_p, lambda t, x: div(t, add(x, scalar_like(x, 1))))


# ---- tan, asin, acos, atan --------------------------------------------------
def tan(x: Any) -> Any:
    """Elementwise tangent.

    >>> tan(np.array([0.0]))
    array([0.])
    """
    return tan_p.bind(x)


def asin(x: Any) -> Any:
    """Elementwise inverse sine.

    >>> asin(np.array([0.0, 1.0]))
    array([0.        , 1.57079633])
    """
    return asin_p.bind(x)


def acos(x: Any) -> Any:
    """Elementwise inverse cosine.

    >>> acos(np.array([1.0]))
    array([0.])
    """
    return acos_p.bind(x)


def atan(x: Any) -> Any:
    """Elementwise inverse tangent.

    >>> atan(np.array([0.0]))
    array([0.])
    """
    return atan_p.bind(x)


tan_p = _unop("tan", np.tan)
defjvp_using_output(tan_p, lambda t, out, x: mul(t, _one_plus_square(out)))
asin_p = _unop("asin", np.arcsin)
defjvp(asin_p, lambda t, x: div(t, sqrt(_one_minus_square(x))))
acos_p = _unop("acos", np.arccos)
defjvp(acos_p, lambda t, x: neg(div(t, sqrt(_one_minus_square(x)))))
atan_p = _unop("atan", np.arctan)
defjvp(atan_p, lambda t, x: div(t, _one_plus_square(x)))


# ---- sinh, cosh, tanh, asinh, acosh, atanh ----------------------------------
def sinh(x: Any) -> Any:
    """Elementwise hyperbolic sine.

    >>> sinh(np.array([0.0]))
    array([0.])
    """
    return sinh_p.bind(x)


def cosh(x: Any) -> Any:
    """Elementwise hyperbolic cosine.

    >>> cosh(np.array([0.0]))
    array([1.])
    """
    return cosh_p.bind(x)


def tanh(x: Any) -> Any:
    """Elementwise hyperbolic tangent.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return tanh_p.bind(x)


def asinh(x: Any) -> Any:
    """Elementwise inverse hyperbolic sine.

    >>> asinh(np.array([0.0]))
    array([0.])
    """
    return asinh_p.bind(x)


def acosh(x: Any) -> Any:
    """Elementwise inverse hyperbolic cosine.

    >>> acosh(np.array([1.0]))
    array([0.])
    """
    return acosh_p.bind(x)


def atanh(x: Any) -> Any:
    """Elementwise inverse hyperbolic tangent.

    >>> atanh(np.array([0.0]))
    array([0.])
    """
    return atanh_p.bind(x)


sinh_p = _unop("sinh", np.sinh)
defjvp(sinh_p, lambda t, x: mul(t, cosh(x)))
cosh_p = _unop("cosh", np.cosh)
defjvp(cosh_p, lambda t, x: mul(t, sinh(x)))
tanh_p = _unop("tanh", np.tanh)
defjvp_using_output(tanh_p, lambda t, out, x: mul(t, _one_minus_square(out)))
tanh_p.grad_fn_name = "TanhBackward0"
asinh_p = _unop("asinh", np.arcsinh)
defjvp(asinh_p, lambda t, x: div(t, sqrt(_one_plus_square(x))))
acosh_p = _unop("acosh", np.arccosh)
# sqrt(x - 1) * sqrt(x + 1) rather than sqrt(x**2 - 1): the same on the reals, and the
# right branch for complex x.
defjvp(
    acosh_p,
    lambda t, x: div(t, mul(sqrt(sub(x, scalar_like(x, 1))), sqrt(add(x, scalar_like(x, 1))))),
)
atanh_p = _unop("atanh", np.arctanh)
defjvp(atanh_p, lambda t, x: div(t, _one_minus_square(x)))


# ---- atan2 ------------------------------------------------------------------
def atan2(x: Any, y: Any) -> Any:
    """Elementwise angle of the point ``(y, x)``: ``arctan(x / y)`` in the right quadrant
    (``numpy.arctan2(x, y)``).

    >>> atan2(np.array([1.0]), np.array([-1.0]))
    array([2.35619449])
    """
    return atan2_p.bind(x, y)


def _atan2_scale(x: Any, y: Any) -> Any:
    # 1 / (x**2 + y**2), with 1 at the origin: the derivative does not exist there (the
    # angle jumps), and the rule returns 0 rather than nan.
    r2 = add(integer_pow(x, 2), integer_pow(y, 2))
    return div(scalar_like(r2, 1), select_n(eq(r2, scalar_like(r2, 0)), r2, scalar_like(r2, 1)))


atan2_p = _binop("atan2", np.arctan2)
defjvp(
    atan2_p,
    lambda t, x, y: mul(t, mul(y, _atan2_scale(x, y))),
    lambda t, x, y: neg(mul(t, mul(x, _atan2_scale(x, y)))),
)


# ---- hypot ------------------------------------------------------------------
def hypot(x: Any, y: Any) -> Any:
    """Elementwise ``sqrt(x**2 + y**2)``, without overflow or underflow.

    >>> hypot(np.array([3.0]), np.array([4.0]))
    array([5.])
    """
    return hypot_p.bind(x, y)


def _hypot_partial(a: Any, b: Any, out: Any) -> Any:
    """``d hypot(a, b) / da = a / hypot(a, b)``, made finite where that is 0/0 or inf/inf.

    At the origin, 0 (the minimum-norm subgradient). Where ``a`` is infinite, the limit
    ``sign(a)`` (``sign(a) / sqrt(2)`` if ``b`` is infinite too). Unused branches get safe
    inputs, so that no nan reaches higher derivatives.
    """
    zero, one = scalar_like(a, 0), scalar_like(a, 1)
    a_inf = isinf(a)
    safe_a = select_n(a_inf, a, zero)
    safe_out = select_n(eq(out, zero), out, one)
    at_inf = select_n(isinf(b), sign(a), mul(sign(a), scalar_like(a, math.sqrt(0.5))))
    return select_n(a_inf, div(safe_a, safe_out), at_inf)


hypot_p = _binop("hypot", np.hypot)
defjvp_using_output(
    hypot_p,
    lambda t, out, x, y: mul(t, _hypot_partial(x, y, out)),
    lambda t, out, x, y: mul(t, _hypot_partial(y, x, out)),
)


# ---- logaddexp --------------------------------------------------------------
def logaddexp(x: Any, y: Any) -> Any:
    """Elementwise ``log(exp(x) + exp(y))``, without overflow.

    >>> logaddexp(np.array([0.0]), np.array([0.0]))
    array([0.69314718])
    """
    return logaddexp_p.bind(x, y)


def _logaddexp_weight(a: Any, b: Any, out: Any) -> Any:
    """``d logaddexp(a, b) / da = exp(a - out)``, finite at infinities: 1 where ``a``
    alone is the output (``a == +inf``), 1/2 where ``a == b == +-inf``."""
    zero = scalar_like(a, 0)
    a_is_out = eq(a, out)
    # a - out, computed from inputs made 0 where a == out: no inf - inf even in the branch
    # that is not used, so no nan (or warning) reaches any derivative.
    gap = sub(select_n(a_is_out, a, zero), select_n(a_is_out, out, zero))
    tie = and_(a_is_out, eq(b, out))
    return select_n(tie, exp(gap), scalar_like(a, 0.5))


logaddexp_p = _binop("logaddexp", np.logaddexp)
defjvp_using_output(
    logaddexp_p,
    lambda t, out, x, y: mul(t, _logaddexp_weight(x, y, out)),
    lambda t, out, x, y: mul(t, _logaddexp_weight(y, x, out)),
)


# ---- sinc_taylor ------------------------------------------------------------
def sinc_taylor(x: Any, k: int) -> Any:
    """The ``k``-th derivative of ``sin(u) / u`` at ``u = 0``, as an array shaped like ``x``.

    ``tracegrad.numpy.sinc`` selects it where its argument is 0; its jvp moves to
    ``k + 1``, so ``sinc`` has the right derivatives at 0 to every order.

    >>> sinc_taylor(np.zeros(2), 2)
    array([-0.33333333, -0.33333333])
    """
    return sinc_taylor_p.bind(x, k=int(k))


def _sinc_taylor_value(k: int) -> float:
    # sin(u)/u = sum_j (-1)^j u^(2j) / (2j+1)!, so the 2j-th derivative at 0 is
    # (-1)^j / (2j + 1) and the odd ones are 0.
    return 0.0 if k % 2 else (-1.0) ** (k // 2) / (k + 1)


def _sinc_taylor_impl(x: Any, *, k: int) -> Any:
    x = np.asarray(x)
    return np.full(x.shape, _sinc_taylor_value(k), dtype=x.dtype)


def _sinc_taylor_abstract_eval(x: ShapedArray, *, k: int) -> ShapedArray:
    return inexact_unop_abstract_eval("sinc_taylor")(same_aval(x))


sinc_taylor_p = Primitive("sinc_taylor")
sinc_taylor_p.def_impl(_sinc_taylor_impl)
sinc_taylor_p.def_abstract_eval(_sinc_taylor_abstract_eval)
defjvp(sinc_taylor_p, lambda t, x, *, k: mul(t, sinc_taylor(x, k + 1)))
defvectorized(sinc_taylor_p)


__all__ = [
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "cos", "cosh",
    "exp", "exp2", "expm1", "hypot", "log", "log10", "log1p", "log2", "logaddexp", "sin",
    "sinc_taylor", "sinh", "sqrt", "tan", "tanh",
]  # fmt: skip
