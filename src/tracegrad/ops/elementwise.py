"""Elementwise arithmetic primitives and complex parts, with NumPy broadcasting between
operands of one dtype; also ``sin``, ``cos``, ``exp`` and ``log``, on which the rest
(``elementwise_transcendental``) builds, and, re-exported, the comparisons and ``select_n``."""

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
    is_undefined_primal,
)
from tracegrad.core.dtypes import is_complex, real_dtype
from tracegrad.ops.combinators import (
    defbilinear,
    defbroadcasting,
    defjvp,
    defjvp_using_output,
)
from tracegrad.ops.elementwise_discrete import floor_divide, real_only, trunc

# Comparisons and select_n live in elementwise_select; they are part of this module's API.
from tracegrad.ops.elementwise_select import eq as eq
from tracegrad.ops.elementwise_select import eq_p as eq_p
from tracegrad.ops.elementwise_select import ge as ge
from tracegrad.ops.elementwise_select import ge_p as ge_p
from tracegrad.ops.elementwise_select import gt as gt
from tracegrad.ops.elementwise_select import gt_p as gt_p
from tracegrad.ops.elementwise_select import le as le
from tracegrad.ops.elementwise_select import le_p as le_p
from tracegrad.ops.elementwise_select import lt as lt
from tracegrad.ops.elementwise_select import lt_p as lt_p
from tracegrad.ops.elementwise_select import ne as ne
from tracegrad.ops.elementwise_select import ne_p as ne_p
from tracegrad.ops.elementwise_select import select_n as select_n
from tracegrad.ops.elementwise_select import select_n_p as select_n_p
from tracegrad.ops.rules import (
    broadcasting_abstract_eval,
    deflinear,
    defvectorized,
    emitter,
    inexact_unop_abstract_eval,
    same_aval,
    simplifier,
)
from tracegrad.ops.structural import convert_element_type, unbroadcast


def scalar_like(x: Any, value: complex) -> np.ndarray:
    """``value`` as a 0-d array of the dtype of ``x``: constants in rules must match dtypes."""
    return np.asarray(value, dtype=get_aval(x).dtype)


def _unop(name: str, impl: Any, *, inexact_only: bool = True) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(inexact_unop_abstract_eval(name) if inexact_only else same_aval)
    defvectorized(p)
    return p


def _binop(name: str, impl: Any, *, linear: bool = False, commutative: bool = False) -> Primitive:
    p = Primitive(name, linear=linear, commutative=commutative)
    p.def_impl(impl)
    p.def_abstract_eval(broadcasting_abstract_eval(name))
    defbroadcasting(p)
    return p


# ---- add --------------------------------------------------------------------
def add(x: Any, y: Any) -> Any:
    """Elementwise ``x + y``.

    >>> add(np.array([1.0, 2.0]), 0.5)
    array([1.5, 2.5])
    """
    return add_p.bind(x, y)


add_p = _binop("add", np.add, linear=True, commutative=True)
defjvp(add_p, lambda t, x, y: t, lambda t, x, y: t)


def _linear_ct(ct: Any, x: Any) -> Any:
    """The cotangent of operand ``x`` of a broadcasting linear op, if ``x`` is linear."""
    return unbroadcast(ct, x.aval) if is_undefined_primal(x) else None


add_p.def_transpose(lambda ct, x, y: [_linear_ct(ct, x), _linear_ct(ct, y)])
add_p.def_simplify(simplifier("add"))
add_p.grad_fn_name = "AddBackward0"


# ---- sub --------------------------------------------------------------------
def sub(x: Any, y: Any) -> Any:
    """Elementwise ``x - y``.

    >>> sub(np.array([1.0, 2.0]), 0.5)
    array([0.5, 1.5])
    """
    return sub_p.bind(x, y)


sub_p = _binop("sub", np.subtract, linear=True)
defjvp(sub_p, lambda t, x, y: t, lambda t, x, y: neg(t))
sub_p.def_transpose(lambda ct, x, y: [_linear_ct(ct, x), _linear_ct(neg(ct), y)])
sub_p.def_simplify(simplifier("sub"))
sub_p.grad_fn_name = "SubBackward0"


# ---- neg --------------------------------------------------------------------
def neg(x: Any) -> Any:
    """Elementwise ``-x``.

    >>> neg(np.array([1.0, -2.0]))
    array([-1.,  2.])
    """
    return neg_p.bind(x)


neg_p = _unop("neg", np.negative, inexact_only=False)
deflinear(neg_p, lambda ct, x: [neg(ct)])
neg_p.def_simplify(simplifier("neg"))
neg_p.grad_fn_name = "NegBackward0"


# ---- mul --------------------------------------------------------------------
def mul(x: Any, y: Any) -> Any:
    """Elementwise ``x * y``.

    >>> mul(np.array([1.0, 2.0]), 3.0)
    array([3., 6.])
    """
    return mul_p.bind(x, y)


mul_p = _binop("mul", np.multiply, commutative=True)
defbilinear(
    mul_p,
    lambda ct, x, y: unbroadcast(mul(ct, y), x.aval),
    lambda ct, x, y: unbroadcast(mul(x, ct), y.aval),
)
mul_p.def_simplify(simplifier("mul"))
mul_p.grad_fn_name = "MulBackward0"


# ---- div --------------------------------------------------------------------
def div(x: Any, y: Any) -> Any:
    """Elementwise ``x / y`` (true division for inexact dtypes).

    >>> div(np.array([1.0, 3.0]), 2.0)
    array([0.5, 1.5])
    """
    return div_p.bind(x, y)


div_p = _binop("div", np.true_divide, linear=True)
defjvp_using_output(
    div_p,
    lambda t, out, x, y: div(t, y),
    lambda t, out, x, y: neg(mul(t, div(out, y))),
)
div_p.def_transpose(lambda ct, x, y: [_linear_ct(div(ct, y), x), None])
div_p.def_simplify(simplifier("div"))
div_p.grad_fn_name = "DivBackward0"


# ---- sin, cos ---------------------------------------------------------------
def sin(x: Any) -> Any:
    """Elementwise sine.

    >>> sin(np.array([0.0]))
    array([0.])
    """
    return sin_p.bind(x)


sin_p = _unop("sin", np.sin)
defjvp(sin_p, lambda t, x: mul(t, cos(x)))
sin_p.grad_fn_name = "SinBackward0"


def cos(x: Any) -> Any:
    """Elementwise cosine.

    >>> cos(np.array([0.0]))
    array([1.])
    """
    return cos_p.bind(x)


cos_p = _unop("cos", np.cos)
defjvp(cos_p, lambda t, x: neg(mul(t, sin(x))))
cos_p.grad_fn_name = "CosBackward0"


# ---- exp, log ---------------------------------------------------------------
def exp(x: Any) -> Any:
    """Elementwise exponential.

    >>> exp(np.array([0.0]))
    array([1.])
    """
    return exp_p.bind(x)


exp_p = _unop("exp", np.exp)
defjvp_using_output(exp_p, lambda t, out, x: mul(t, out))
exp_p.grad_fn_name = "ExpBackward0"


def log(x: Any) -> Any:
    """Elementwise natural logarithm.

    >>> log(np.array([1.0]))
    array([0.])
    """
    return log_p.bind(x)


log_p = _unop("log", np.log)
defjvp(log_p, lambda t, x: div(t, x))
log_p.grad_fn_name = "LogBackward0"


# ---- integer_pow ------------------------------------------------------------
def integer_pow(x: Any, y: int) -> Any:
    """Elementwise ``x ** y`` for a static Python integer ``y`` (``square`` is ``y=2``).

    Its derivative ``y * x ** (y - 1)`` is exact at ``x == 0``: 0 for ``y == 0`` and ``y >= 2``.

    >>> integer_pow(np.array([1.0, -3.0]), 3)
    array([  1., -27.])
    """
    return integer_pow_p.bind(x, y=int(y))


def _integer_pow_abstract_eval(x: ShapedArray, *, y: int) -> ShapedArray:
    if y < 0 and x.dtype.kind in "biu":
        raise ValueError(
            f"Integers to negative integer powers are not allowed: integer_pow with y={y} "
            f"on dtype {x.dtype.name}. Convert the base to a floating dtype first."
        )
    return x


def _integer_pow_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, y: int) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = integer_pow(x, y)
    if type(t) is Zero or y == 0:
        return out, Zero.like_primal(get_aval(out))
    if y == 1:
        return out, t
    power = x if y == 2 else integer_pow(x, y - 1)
    return out, mul(t, mul(scalar_like(x, y), power))


def integer_power(x: Any, y: int) -> Any:
    """``x ** y`` on NumPy values by binary exponentiation in JAX's order (``x * x * x``
    for 3, ``1 / (x * x)`` for -2), so the bits are JAX's, and PyTorch's for its
    special-cased exponents -2, -1, 2 and 3 (NumPy's ``power`` calls ``powf``, which
    rounds differently).

    >>> x = np.float32(1.1)
    >>> bool(integer_power(x, 3) == x * x * x)
    True
    """
    if np.result_type(x).kind in "biu" or y == 1:
        return np.power(x, y)
    acc = power_by_squaring(x, abs(y))
    out = np.ones_like(x) if acc is None else acc
    return np.reciprocal(out) if y < 0 else out


def power_by_squaring(x: Any, n: int) -> Any:
    """``x ** n`` for ``n >= 1`` with ``*`` only, in JAX's order; None for ``n == 0``. Any
    array type with ``*`` will do (the array-API backend uses it too).

    >>> power_by_squaring(3, 5), power_by_squaring(3, 0)
    (243, None)
    """
    acc = None
    while n:
        if n & 1:
            acc = x if acc is None else acc * x
        n >>= 1
        if n:
            x = x * x
    return acc


integer_pow_p = Primitive("integer_pow")
integer_pow_p.def_impl(lambda x, *, y: integer_power(x, y))
integer_pow_p.def_abstract_eval(_integer_pow_abstract_eval)
integer_pow_p.def_jvp(_integer_pow_jvp)
defvectorized(integer_pow_p)
integer_pow_p.def_emit(emitter("integer_pow"))
integer_pow_p.def_simplify(simplifier("integer_pow"))
integer_pow_p.grad_fn_name = "PowBackward0"


# ---- pow --------------------------------------------------------------------
def pow(x: Any, y: Any) -> Any:
    """Elementwise ``x ** y`` for array exponents (see ``integer_pow`` for static ones).

    >>> pow(np.array([4.0, 9.0]), np.array([0.5, 0.5]))
    array([2., 3.])
    """
    return pow_p.bind(x, y)


def _pow_jvp_x(t: Any, out: Any, x: Any, y: Any) -> Any:
    # y * x ** (y - 1), with the true derivative 0 where y == 0 (also at x == 0). The
    # exponent is made safe (1) there too, so that no inf or nan from the unused branch
    # reaches higher derivatives.
    y_is_0 = eq(y, scalar_like(y, 0))
    y_safe = select_n(y_is_0, y, scalar_like(y, 1))
    slope = mul(y_safe, pow(x, sub(y_safe, scalar_like(y, 1))))
    return mul(t, select_n(y_is_0, slope, scalar_like(y, 0)))


def _pow_jvp_y(t: Any, out: Any, x: Any, y: Any) -> Any:
    # log(x) * x ** y; at x == 0 the power is constant (0 for y > 0) and we return 0
    # rather than log(0) * 0 = nan.
    zero = scalar_like(x, 0)
    x_is_0 = eq(x, zero)
    x_safe = select_n(x_is_0, x, scalar_like(x, 1))
    out_safe = select_n(x_is_0, out, zero)  # 0 ** -1 is inf, and log(1) * inf is nan
    return mul(t, select_n(x_is_0, mul(log(x_safe), out_safe), zero))


pow_p = _binop("pow", np.power)
defjvp_using_output(pow_p, _pow_jvp_x, _pow_jvp_y)
pow_p.grad_fn_name = "PowBackward1"


# ---- abs, sign --------------------------------------------------------------
def abs(x: Any) -> Any:
    """Elementwise absolute value; the modulus (a real array) for complex ``x``.

    >>> abs(np.array([-1.5, 3 + 4j]))
    array([1.5, 5. ])
    """
    return abs_p.bind(x)


def _abs_abstract_eval(x: ShapedArray) -> ShapedArray:
    return ShapedArray(x.shape, real_dtype(x.dtype), x.weak_type)


def _abs_jvp(t: Any, out: Any, x: Any) -> Any:
    if not is_complex(get_aval(x).dtype):
        return mul(t, sign(x))  # sign(0) == 0: the minimum-norm subgradient at the kink
    # d|z| = re(conj(z) dz) / |z|, and 0 at z == 0 (JAX's convention).
    out_c = convert_element_type(out, get_aval(x).dtype)
    safe = select_n(eq(out_c, scalar_like(out_c, 0)), out_c, scalar_like(out_c, 1))
    return real(mul(t, div(conj(x), safe)))


abs_p = Primitive("abs")
abs_p.def_impl(np.abs)
abs_p.def_abstract_eval(_abs_abstract_eval)
defjvp_using_output(abs_p, _abs_jvp)
defvectorized(abs_p)


def sign(x: Any) -> Any:
    """Elementwise sign: -1, 0 or 1 (``x / |x|`` for complex ``x``, 0 at 0).

    >>> sign(np.array([-2.0, 0.0, 3.0]))
    array([-1.,  0.,  1.])
    """
    return sign_p.bind(x)


def _sign_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    out = sign(x)
    dtype = get_aval(x).dtype
    if type(t) is Zero or not is_complex(dtype):
        return out, Zero.like_primal(get_aval(out))  # piecewise constant on the reals
    # d(z/|z|) = (dz - s re(conj(s) dz)) / |z| with s = z/|z|; 0 at z == 0.
    modulus = abs(x)
    is_0 = eq(modulus, scalar_like(modulus, 0))
    safe = convert_element_type(select_n(is_0, modulus, scalar_like(modulus, 1)), dtype)
    radial = convert_element_type(real(mul(conj(out), t)), dtype)
    slope = div(sub(t, mul(out, radial)), safe)
    return out, select_n(is_0, slope, scalar_like(x, 0))


sign_p = _unop("sign", np.sign, inexact_only=False)
sign_p.def_jvp(_sign_jvp)


# ---- max, min, fmax, fmin ---------------------------------------------------
def max(x: Any, y: Any) -> Any:
    """Elementwise maximum, propagating NaN (``numpy.maximum``).

    >>> max(np.array([1.0, 5.0]), np.array([3.0, 2.0]))
    array([3., 5.])
    """
    return max_p.bind(x, y)


def min(x: Any, y: Any) -> Any:
    """Elementwise minimum, propagating NaN (``numpy.minimum``).

    >>> min(np.array([1.0, 5.0]), np.array([3.0, 2.0]))
    array([1., 2.])
    """
    return min_p.bind(x, y)


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum, ignoring NaN (``numpy.fmax``).

    >>> fmax(np.array([np.nan, 5.0]), np.array([3.0, np.nan]))
    array([3., 5.])
    """
    return fmax_p.bind(x, y)


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum, ignoring NaN (``numpy.fmin``).

    >>> fmin(np.array([np.nan, 5.0]), np.array([3.0, np.nan]))
    array([3., 5.])
    """
    return fmin_p.bind(x, y)


def _selection_weight(a: Any, b: Any, out: Any) -> Any:
    """How much of the output is ``a``: 1 if only ``a`` was chosen, 1/2 on a tie (the
    minimum-norm subgradient), 0 if ``a`` was not chosen (NaN outputs included)."""
    is_b = select_n(eq(b, out), scalar_like(out, 1), scalar_like(out, 0.5))
    return select_n(eq(a, out), scalar_like(out, 0), is_b)


def _defselection(prim: Primitive) -> None:
    defjvp_using_output(
        prim,
        lambda t, out, x, y: mul(t, _selection_weight(x, y, out)),
        lambda t, out, x, y: mul(t, _selection_weight(y, x, out)),
    )


max_p = _binop("max", np.maximum)
min_p = _binop("min", np.minimum)
fmax_p = _binop("fmax", np.fmax)
fmin_p = _binop("fmin", np.fmin)
for _p in (max_p, min_p, fmax_p, fmin_p):
    _defselection(_p)


# ---- rem, mod ---------------------------------------------------------------
def rem(x: Any, y: Any) -> Any:
    """Elementwise remainder with the sign of ``x`` (C's fmod, ``numpy.fmod``).

    >>> rem(np.array([5.5, -5.5]), 2.0)
    array([ 1.5, -1.5])
    """
    return rem_p.bind(x, y)


def mod(x: Any, y: Any) -> Any:
    """Elementwise remainder with the sign of ``y`` (Python's ``%``, ``numpy.remainder``).

    >>> mod(np.array([5.5, -5.5]), 2.0)
    array([1.5, 0.5])
    """
    return mod_p.bind(x, y)


rem_p = Primitive("rem")
rem_p.def_impl(np.fmod)
rem_p.def_abstract_eval(real_only("rem", broadcasting_abstract_eval("rem")))
# x - trunc(x / y) * y: the quotient is piecewise constant.
defjvp(rem_p, lambda t, x, y: t, lambda t, x, y: neg(mul(t, trunc(div(x, y)))))
defbroadcasting(rem_p)

mod_p = Primitive("mod")
mod_p.def_impl(np.remainder)
mod_p.def_abstract_eval(real_only("mod", broadcasting_abstract_eval("mod")))
# x - floor_divide(x, y) * y, with NumPy's own quotient so that the two agree.
defjvp(mod_p, lambda t, x, y: t, lambda t, x, y: neg(mul(t, floor_divide(x, y))))
defbroadcasting(mod_p)


# ---- copysign ---------------------------------------------------------------
def copysign(x: Any, y: Any) -> Any:
    """Elementwise ``|x|`` with the sign (bit) of ``y``.

    >>> copysign(np.array([1.0, -2.0]), np.array([-0.0, 3.0]))
    array([-1.,  2.])
    """
    return copysign_p.bind(x, y)


copysign_p = Primitive("copysign")
copysign_p.def_impl(np.copysign)
copysign_p.def_abstract_eval(real_only("copysign", broadcasting_abstract_eval("copysign")))
# +-1 away from x == 0; at x == 0 the function of x is +-|x|, whose minimum-norm
# subgradient is 0 = sign(0). The sign of y contributes nothing.
defjvp_using_output(copysign_p, lambda t, out, x, y: mul(t, mul(sign(x), sign(out))), None)
defbroadcasting(copysign_p)


# ---- real, imag, conj (linear; complex operands) ----------------------------
def real(x: Any) -> Any:
    """The real part of a complex array.

    >>> real(np.array([1 + 2j]))
    array([1.])
    """
    return real_p.bind(x)


def imag(x: Any) -> Any:
    """The imaginary part of a complex array.

    >>> imag(np.array([1 + 2j]))
    array([2.])
    """
    return imag_p.bind(x)


def conj(x: Any) -> Any:
    """The complex conjugate of a complex array.

    >>> conj(np.array([1 + 2j]))
    array([1.-2.j])
    """
    return conj_p.bind(x)


def _complex_part_abstract_eval(name: str) -> Any:
    def rule(x: ShapedArray) -> ShapedArray:
        _require_complex(name, x)
        return ShapedArray(x.shape, real_dtype(x.dtype), x.weak_type)

    return rule


def _require_complex(name: str, x: ShapedArray) -> ShapedArray:
    if not is_complex(x.dtype):
        raise DTypeError(
            f"{name} takes a complex array, got dtype {x.dtype.name} "
            "(tracegrad.numpy handles real arrays)."
        )
    return x


# Transposes follow JAX: a cotangent is the transpose (not the adjoint) of the jvp, so
# real's is ct + 0j and imag's is -1j * ct.
real_p = Primitive("real")
real_p.def_impl(np.real)
real_p.def_abstract_eval(_complex_part_abstract_eval("real"))
deflinear(real_p, lambda ct, x: [convert_element_type(ct, x.aval.dtype)])
defvectorized(real_p)

imag_p = Primitive("imag")
imag_p.def_impl(np.imag)
imag_p.def_abstract_eval(_complex_part_abstract_eval("imag"))
deflinear(
    imag_p,
    lambda ct, x: [mul(convert_element_type(ct, x.aval.dtype), np.asarray(-1j, x.aval.dtype))],
)
defvectorized(imag_p)

conj_p = Primitive("conj")
conj_p.def_impl(np.conj)
conj_p.def_abstract_eval(lambda x: _require_complex("conj", x))
deflinear(conj_p, lambda ct, x: [conj(ct)])
defvectorized(conj_p)
conj_p.grad_fn_name = "ConjBackward0"
