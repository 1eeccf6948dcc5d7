"""The elementwise functions of ``jax.lax``: thin wrappers over the primitives of
``tracegrad.ops`` that, as ``jax.lax`` does, never promote. Operands must share one dtype
(a Python scalar counts as its default dtype, float64 / int64 / complex128) and one rank
(rank-0 operands and size-1 dimensions broadcast); ``tracegrad.numpy`` promotes instead."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, ShapeError, get_aval
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_bits as bits
from tracegrad.ops import elementwise_discrete as disc
from tracegrad.ops import elementwise_transcendental as tr
from tracegrad.ops import special
from tracegrad.ops.elementwise_bits import nextafter as _nextafter
from tracegrad.ops.special_ibeta import ibeta
from tracegrad.ops.special_igamma import igamma as _igamma
from tracegrad.ops.special_igamma import igammac as _igammac
from tracegrad.ops.stop_gradient import stop_gradient
from tracegrad.ops.structural import convert_element_type

_KIND_NAMES = {"b": "bool", "i": "integer", "u": "integer", "f": "floating", "c": "complexfloating"}
NUMBER, INEXACT, FLOAT, INTEGER, ANY = "iufc", "fc", "f", "biu", "biufc"


def check_operands(name: str, args: tuple[Any, ...], kinds: str = ANY) -> None:
    """Raise as ``jax.lax`` for operands of different dtypes, of different ranks, or of a
    dtype kind that ``name`` does not accept."""
    avals = [get_aval(a) for a in args]
    for i, a in enumerate(avals):
        if a.dtype.kind not in kinds:
            accepted = ", ".join(dict.fromkeys(_KIND_NAMES[k] for k in kinds))
            raise DTypeError(
                f"{name} does not accept dtype {a.dtype.name} at position {i}. Accepted "
                f"dtypes at position {i} are subtypes of {accepted}."
            )
    if len({a.dtype for a in avals}) > 1:
        listed = ", ".join(a.dtype.name for a in avals)
        raise DTypeError(
            f"lax.{name} requires arguments to have the same dtypes, got {listed}. (Tip: "
            "the tracegrad.numpy function of that name does automatic type promotion on "
            "inputs; or convert with lax.convert_element_type.)"
        )
    ranks = {a.ndim for a in avals if a.ndim}
    if len(ranks) > 1:
        raise ShapeError(
            f"{name}: arrays must have the same number of dimensions, got {ranks} (shapes "
            f"{[a.shape for a in avals]}); only rank-0 operands broadcast. Reshape first."
        )


def _lax(name: str, op: Callable[..., Any], kinds: str = NUMBER) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        check_operands(name, args, kinds)
        return op(*args)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``jax.lax.{name}``: elementwise, without promotion (dtypes: {kinds}).\n\n"
        f"The wrapped primitive is ``{getattr(op, '__module__', '')}.{op.__name__}``."
    )
    return fn


add = _lax("add", ew.add)
sub = _lax("sub", ew.sub)
mul = _lax("mul", ew.mul)
neg = _lax("neg", ew.neg)
sign = _lax("sign", ew.sign)
max = _lax("max", ew.max, ANY)
min = _lax("min", ew.min, ANY)
floor = _lax("floor", disc.floor, FLOAT)
ceil = _lax("ceil", disc.ceil, FLOAT)
is_finite = _lax("is_finite", disc.isfinite, FLOAT)
exp = _lax("exp", ew.exp, INEXACT)
exp2 = _lax("exp2", tr.exp2, INEXACT)
expm1 = _lax("expm1", tr.expm1, INEXACT)
log = _lax("log", ew.log, INEXACT)
log1p = _lax("log1p", tr.log1p, INEXACT)
sqrt = _lax("sqrt", tr.sqrt, INEXACT)
rsqrt = _lax("rsqrt", tr.rsqrt, INEXACT)
cbrt = _lax("cbrt", tr.cbrt, FLOAT)
sin = _lax("sin", ew.sin, INEXACT)
cos = _lax("cos", ew.cos, INEXACT)
tan = _lax("tan", tr.tan, INEXACT)
asin = _lax("asin", tr.asin, INEXACT)
acos = _lax("acos", tr.acos, INEXACT)
atan = _lax("atan", tr.atan, INEXACT)
sinh = _lax("sinh", tr.sinh, INEXACT)
cosh = _lax("cosh", tr.cosh, INEXACT)
tanh = _lax("tanh", tr.tanh, INEXACT)
asinh = _lax("asinh", tr.asinh, INEXACT)
acosh = _lax("acosh", tr.acosh, INEXACT)
atanh = _lax("atanh", tr.atanh, INEXACT)
atan2 = _lax("atan2", tr.atan2, FLOAT)
erf = _lax("erf", special.erf, FLOAT)
erfc = _lax("erfc", special.erfc, FLOAT)
erf_inv = _lax("erf_inv", special.erfinv, FLOAT)
lgamma = _lax("lgamma", special.lgamma, FLOAT)
digamma = _lax("digamma", special.digamma, FLOAT)
logistic = _lax("logistic", special.logistic, INEXACT)
igamma = _lax("igamma", _igamma, FLOAT)
igammac = _lax("igammac", _igammac, FLOAT)
betainc = _lax("betainc", ibeta, FLOAT)
nextafter = _lax("nextafter", _nextafter, FLOAT)
conj = _lax("conj", ew.conj, INEXACT)
real = _lax("real", ew.real, "c")
imag = _lax("imag", ew.imag, "c")
eq = _lax("eq", ew.eq, ANY)
ne = _lax("ne", ew.ne, ANY)
lt = _lax("lt", ew.lt, ANY)
le = _lax("le", ew.le, ANY)
gt = _lax("gt", ew.gt, ANY)
ge = _lax("ge", ew.ge, ANY)
bitwise_and = _lax("bitwise_and", disc.and_, INTEGER)
bitwise_or = _lax("bitwise_or", disc.or_, INTEGER)
bitwise_xor = _lax("bitwise_xor", disc.xor, INTEGER)
bitwise_not = _lax("bitwise_not", disc.not_, INTEGER)
shift_left = _lax("shift_left", bits.shift_left, "iu")
shift_right_logical = _lax("shift_right_logical", bits.shift_right_logical, "iu")
shift_right_arithmetic = _lax("shift_right_arithmetic", bits.shift_right_arithmetic, "iu")
population_count = _lax("population_count", bits.population_count, "iu")
clz = _lax("clz", bits.clz, "iu")


def abs(x: Any) -> Any:
    """``|x|`` elementwise (the modulus, real-valued, for complex ``x``), as ``jax.lax.abs``.

    >>> abs(np.array([-2, 3], np.int8))
    array([2, 3], dtype=int8)
    """
    check_operands("abs", (x,), NUMBER)
    return ew.abs(x)


def div(x: Any, y: Any) -> Any:
    """``x / y``: true division for inexact dtypes; for integers, rounding toward zero
    (C's ``/``) with XLA's ``x / 0 == -1`` (all bits set), as ``jax.lax.div``.

    >>> div(np.array([7, -7, 7], np.int32), np.array([2, 2, 0], np.int32))
    array([ 3, -3, -1], dtype=int32)
    """
    check_operands("div", (x, y), NUMBER)
    if get_aval(x).dtype.kind in "fc":
        return ew.div(x, y)
    zero, by_zero, y = _safe_divisor(x, y)
    q = disc.floor_divide(x, y)
    inexact = ew.ne(ew.rem(x, y), zero)
    signs_differ = ew.ne(ew.lt(x, zero), ew.lt(y, zero))
    toward_zero = ew.add(q, np.ones((), get_aval(q).dtype))
    q = ew.select_n(disc.and_(inexact, signs_differ), q, toward_zero)
    return ew.select_n(by_zero, q, np.array(-1).astype(get_aval(q).dtype))


def rem(x: Any, y: Any) -> Any:
    """The remainder of ``x / y`` with the sign of ``x`` (C's ``fmod``); for integers XLA's
    ``x % 0 == x``, as ``jax.lax.rem``.

    >>> rem(np.array([7, -7, 7], np.int32), np.array([3, 3, 0], np.int32))
    array([ 1, -1,  7], dtype=int32)
    """
    check_operands("rem", (x, y), "iuf")
    if get_aval(x).dtype.kind == "f":
        return ew.rem(x, y)
    _, by_zero, y = _safe_divisor(x, y)
    return ew.select_n(by_zero, ew.rem(x, y), x)


def _safe_divisor(x: Any, y: Any) -> tuple[np.ndarray, Any, Any]:
    """Zero of the dtype, where ``y == 0``, and ``y`` with its zeros replaced by ones (so
    that NumPy neither warns nor divides by zero)."""
    zero = _zero(x)
    by_zero = ew.eq(y, zero)
    return zero, by_zero, ew.select_n(by_zero, y, np.ones((), get_aval(y).dtype))


def _zero(x: Any) -> np.ndarray:
    return np.zeros((), get_aval(x).dtype)


def pow(x: Any, y: Any) -> Any:
    """``x ** y`` elementwise for an inexact ``x``; ``y`` of its dtype or an integer, as
    ``jax.lax.pow``.

    >>> pow(np.array([2.0, 3.0]), np.array([3, 2], np.int32))
    array([8., 9.])
    """
    check_operands("pow", (x,), INEXACT)
    y_dtype = get_aval(y).dtype
    if y_dtype.kind in "iu":
        y = convert_element_type(y, get_aval(x).dtype)
    else:
        check_operands("pow", (x, y), INEXACT)
    return ew.pow(x, y)


def integer_pow(x: Any, y: int) -> Any:
    """``x ** y`` for a static integer ``y``, as ``jax.lax.integer_pow``.

    >>> integer_pow(np.array([1.0, 2.0]), -2)
    array([1.  , 0.25])
    """
    check_operands("integer_pow", (x,), NUMBER)
    if int(y) < 0 and get_aval(x).dtype.kind in "iu":
        raise DTypeError(
            f"Integers cannot be raised to negative powers, got integer_pow({get_aval(x)}, "
            f"{y}). Convert to a floating dtype first."
        )
    return ew.integer_pow(x, y)


def square(x: Any) -> Any:
    """``x * x``, as ``jax.lax.square``.

    >>> square(np.array([3, -2]))
    array([9, 4])
    """
    return integer_pow(x, 2)


def reciprocal(x: Any) -> Any:
    """``1 / x``, as ``jax.lax.reciprocal``.

    >>> reciprocal(np.array([2.0, 4.0]))
    array([0.5 , 0.25])
    """
    check_operands("reciprocal", (x,), INEXACT)
    return ew.integer_pow(x, -1)


def complex(x: Any, y: Any) -> Any:
    """``x + 1j * y`` from two real arrays of one dtype, as ``jax.lax.complex``.

    >>> complex(np.float32(1.0), np.float32(2.0))
    np.complex64(1+2j)
    """
    check_operands("complex", (x, y), FLOAT)
    dtype = np.result_type(get_aval(x).dtype, np.complex64)
    re, im = convert_element_type(x, dtype), convert_element_type(y, dtype)
    return ew.add(re, ew.mul(im, np.asarray(1j, dtype)))


def clamp(min: Any, x: Any, max: Any) -> Any:
    """``x`` clipped to ``[min, max]``; the bounds are scalars or of the shape of ``x``, as
    ``jax.lax.clamp``.

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    check_operands("clamp", (min, x, max), ANY)
    shape = get_aval(x).shape
    for label, bound in (("min", min), ("max", max)):
        b_shape = get_aval(bound).shape
        if b_shape not in ((), shape):
            raise ShapeError(
                f"clamp requires {label}.shape == operand.shape or {label}.shape == (), got "
                f"{label}.shape={b_shape}, operand.shape={shape}."
            )
    # The value is XLA's min(max(x, min), max). The derivative goes to x strictly inside, to
    # a bound strictly beyond it, and nowhere at a bound (JAX's rule, and the minimum-norm
    # subgradient there); inverted bounds (min > max) give max, with no derivative.
    value = stop_gradient(ew.min(ew.max(x, min), max))
    ordered = ew.le(min, max)
    below, above = disc.and_(ew.lt(x, min), ordered), ew.gt(x, max)
    inside = disc.and_(ew.gt(x, min), ew.lt(x, max))
    beyond = ew.select_n(above, ew.select_n(below, value, min), max)
    return ew.select_n(inside, beyond, x)


class RoundingMethod(enum.IntEnum):
    """How ``round`` breaks ties, as ``jax.lax.RoundingMethod``."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x: Any, rounding_method: Any = RoundingMethod.AWAY_FROM_ZERO) -> Any:
    """``x`` rounded to the nearest integer; ties away from zero (the default) or to even,
    as ``jax.lax.round``.

    >>> round(np.array([0.5, 1.5, -2.5]))
    array([ 1.,  2., -3.])
    >>> round(np.array([0.5, 1.5, -2.5]), RoundingMethod.TO_NEAREST_EVEN)
    array([ 0.,  2., -2.])
    """
    check_operands("round", (x,), FLOAT)
    if RoundingMethod(rounding_method) is RoundingMethod.TO_NEAREST_EVEN:
        return disc.round(x, 0)
    whole = disc.trunc(x)
    half = np.asarray(0.5, get_aval(x).dtype)
    tie_or_above = ew.ge(ew.abs(ew.sub(x, whole)), half)
    return ew.select_n(tie_or_above, whole, ew.add(whole, ew.sign(x)))
