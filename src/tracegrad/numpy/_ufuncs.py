"""Elementwise functions of ``tracegrad.numpy``, with NumPy's names, promotion and broadcasting:
arithmetic, powers, remainders, selection and complex parts here, transcendental functions
in ``_ufuncs_math``, rounding, comparisons and logic in ``_ufuncs_compare``; and the
operators and methods they give ``Tracer``."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.core.dtypes import is_complex, is_inexact
from tracegrad.numpy._operators import is_operand as _is_operand
from tracegrad.numpy._operators import operator_method as _method
from tracegrad.numpy._operators import reflected_method as _reflected
from tracegrad.numpy._ufuncs_compare import (
    as_bool,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    equal,
    greater,
    greater_equal,
    invert,
    less,
    less_equal,
    not_equal,
    round,
)
from tracegrad.numpy._ufuncs_math import require_real
from tracegrad.numpy.frontend import (
    cast,
    check_ufunc_args,
    numpy_unless,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_discrete as ed

_INT8 = np.dtype(np.int8)


def _no_bool_loop(*args: Any) -> list[Any]:
    """NumPy computes booleans in int8 where a function has no boolean loop (power, %, //)."""
    return [cast(a, _INT8) if get_aval(a).dtype.kind == "b" else a for a in args]


def _refuse_bool(name: str, x: Any, hint: str) -> None:
    if get_aval(x).dtype.kind == "b":
        raise TypeError(f"The numpy boolean {name} is not supported (got a boolean array); {hint}")


# ---- add, subtract, multiply, divide ----------------------------------------
@numpy_when_eager(np.add)
def add(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 + x2``.

    >>> add(np.float32(1), 2.0)
    np.float32(3.0)
    """
    check_ufunc_args("add", out, where, kwargs)
    return ew.add(*promote_dtypes(x1, x2))


@numpy_when_eager(np.subtract)
def subtract(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 - x2``.

    >>> subtract(np.array([3, 4]), 1)
    array([2, 3])
    """
    check_ufunc_args("subtract", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    _refuse_bool("subtract", x1, "use bitwise_xor, the ^ operator, or logical_xor instead.")
    return ew.sub(x1, x2)


@numpy_when_eager(np.multiply)
def multiply(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 * x2``.

    >>> multiply(np.array([1.0, 2.0], np.float32), 2).dtype
    dtype('float32')
    """
    check_ufunc_args("multiply", out, where, kwargs)
    return ew.mul(*promote_dtypes(x1, x2))


@numpy_when_eager(np.true_divide)
def divide(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise true division ``x1 / x2`` (integers divide in float64, as in NumPy).

    >>> divide(np.array([1, 2]), 4)
    array([0.25, 0.5 ])
    """
    check_ufunc_args("divide", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    if not is_inexact(get_aval(x1).dtype):
        if get_aval(x1).weak_type and get_aval(x2).weak_type:  # float64 and weak, as in JAX
            x1, x2 = promote_inexact(x1, x2)
        else:
            x1, x2 = cast(x1, np.dtype(np.float64)), cast(x2, np.dtype(np.float64))
    return ew.div(x1, x2)


true_divide = divide


@numpy_when_eager(np.floor_divide)
def floor_divide(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 // x2``, the floor of the quotient (derivative 0).

    >>> floor_divide(np.array([7, -7]), 2)
    array([ 3, -4])
    """
    check_ufunc_args("floor_divide", out, where, kwargs)
    return ed.floor_divide(*_no_bool_loop(*promote_dtypes(x1, x2)))


# ---- powers -----------------------------------------------------------------
def _static_integer(y: Any) -> int | None:
    """The exponent as a Python int if it is a concrete integer-valued scalar, else None.

    Such exponents use ``integer_pow``, whose derivative is exact at 0 (``x**2`` has
    derivative 0 there, ``x**0`` too), as NumPy itself treats them specially."""
    if isinstance(y, Tracer) or get_aval(y).shape != ():
        return None
    value = np.asarray(y)
    if value.dtype.kind in "iu":
        return int(value)
    if value.dtype.kind == "f" and math.isfinite(float(value)):
        v = float(value)
        if v == int(v) and builtins.abs(v) <= 2**31:
            return int(v)
    return None


def _power(x1: Any, x2: Any) -> Any:
    # The exponent as given, before promotion makes ``2`` into ``2+0j`` for a complex base
    # (JAX, too, takes integer_pow for a Python integer whatever the base).
    exponent = _static_integer(x2)
    x1, x2 = _no_bool_loop(*promote_dtypes(x1, x2))
    if exponent is not None:
        return ew.integer_pow(x1, exponent)
    return ew.pow(x1, x2)


def _eager_power(x1: Any, x2: Any, /, *args: Any, **kwargs: Any) -> Any:
    # A Python integer exponent multiplies as integer_pow does (JAX's bits, and the same
    # bits eagerly as traced); NumPy's power calls powf, which rounds otherwise.
    if (
        not args
        and not kwargs
        and isinstance(x1, np.ndarray | np.floating | np.complexfloating)
        and x1.dtype.kind in "fc"
        and type(x2) in (int, float)
        and float(x2).is_integer()
        and builtins.abs(x2) <= 2**31
    ):
        return ew.integer_power(x1, int(x2))
    return np.power(x1, x2, *args, **kwargs)


@numpy_when_eager(_eager_power)
def power(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 ** x2``. A concrete integer-valued exponent uses ``integer_pow``
    (``x**2`` has derivative 0 at 0); a traced exponent has derivative ``log(x1) * out``,
    taken as 0 where ``x1 == 0``.

    >>> power(np.array([2.0, 3.0], np.float32), 2)
    array([4., 9.], dtype=float32)
    """
    check_ufunc_args("power", out, where, kwargs)
    return _power(x1, x2)


pow = power


@numpy_when_eager(np.float_power)
def float_power(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 ** x2`` computed in at least float64 (or complex128).

    >>> float_power(np.float32(2), 3)
    np.float64(8.0)
    """
    check_ufunc_args("float_power", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    wide = np.dtype(np.complex128 if is_complex(get_aval(x1).dtype) else np.float64)
    return _power(cast(x1, wide), cast(x2, wide))


@numpy_when_eager(np.square)
def square(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x ** 2``.

    >>> square(np.array([-3, 2]))
    array([9, 4])
    """
    check_ufunc_args("square", out, where, kwargs)
    (x,) = _no_bool_loop(*promote_dtypes(x))
    return ew.integer_pow(x, 2)


@numpy_when_eager(np.reciprocal)
def reciprocal(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``1 / x`` (for integers, NumPy's truncated integer division).

    >>> reciprocal(np.array([2.0, 0.5]))
    array([0.5, 2. ])
    """
    check_ufunc_args("reciprocal", out, where, kwargs)
    (x,) = _no_bool_loop(*promote_dtypes(x))
    if get_aval(x).dtype.kind in "iu":
        # 1 // x truncated towards zero: x itself for x == +-1, else 0.
        return ew.select_n(ew.eq(ew.abs(x), ew.scalar_like(x, 1)), ew.scalar_like(x, 0), x)
    return ew.integer_pow(x, -1)


# ---- negative, positive, abs, sign ------------------------------------------
@numpy_when_eager(np.negative)
def negative(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``-x``.

    >>> negative(np.array([1.0, -2.0]))
    array([-1.,  2.])
    """
    check_ufunc_args("negative", out, where, kwargs)
    (x,) = promote_dtypes(x)
    _refuse_bool(
        "negative, the `-` operator,",
        x,
        "use the `~` operator or the logical_not function instead.",
    )
    return ew.neg(x)


@numpy_when_eager(np.positive)
def positive(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``+x`` (the value itself).

    >>> positive(np.array([-1.0]))
    array([-1.])
    """
    check_ufunc_args("positive", out, where, kwargs)
    (x,) = promote_dtypes(x)
    _refuse_bool("positive, the unary `+` operator,", x, "it has no boolean loop in NumPy.")
    return x


@numpy_when_eager(np.absolute)
def absolute(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise absolute value (the modulus for complex input). Derivative 0 at 0.

    >>> absolute(np.array([-1.5, 3 + 4j]))
    array([1.5, 5. ])
    """
    check_ufunc_args("absolute", out, where, kwargs)
    return ew.abs(*promote_dtypes(x))


abs = absolute


@numpy_when_eager(np.fabs)
def fabs(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise absolute value of real numbers, as floating point.

    >>> fabs(np.array([-2]))
    array([2.])
    """
    check_ufunc_args("fabs", out, where, kwargs)
    (x,) = promote_inexact(x)
    require_real("fabs", x)
    return ew.abs(x)


@numpy_when_eager(np.sign)
def sign(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise sign (``x / |x|`` for complex ``x``); 0 at 0, derivative 0 on the reals.

    >>> sign(np.array([-2.0, 0.0, 3.0]))
    array([-1.,  0.,  1.])
    """
    check_ufunc_args("sign", out, where, kwargs)
    (x,) = promote_dtypes(x)
    _refuse_bool("sign", x, "it has no boolean loop in NumPy.")
    return ew.sign(x)


# ---- maximum, minimum, clip, where ------------------------------------------
@numpy_when_eager(np.maximum)
def maximum(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise maximum, propagating NaN; ties split the derivative evenly.

    >>> maximum(np.array([1.0, 5.0]), 3)
    array([3., 5.])
    """
    check_ufunc_args("maximum", out, where, kwargs)
    return ew.max(*promote_dtypes(x1, x2))


@numpy_when_eager(np.minimum)
def minimum(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise minimum, propagating NaN; ties split the derivative evenly.

    >>> minimum(np.array([1.0, 5.0]), 3)
    array([1., 3.])
    """
    check_ufunc_args("minimum", out, where, kwargs)
    return ew.min(*promote_dtypes(x1, x2))


@numpy_when_eager(np.fmax)
def fmax(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise maximum ignoring NaN (the derivative goes to the number chosen).

    >>> fmax(np.array([np.nan, 1.0]), 0.0)
    array([0., 1.])
    """
    check_ufunc_args("fmax", out, where, kwargs)
    return ew.fmax(*promote_dtypes(x1, x2))


@numpy_when_eager(np.fmin)
def fmin(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise minimum ignoring NaN (the derivative goes to the number chosen).

    >>> fmin(np.array([np.nan, 1.0]), 0.0)
    array([0., 0.])
    """
    check_ufunc_args("fmin", out, where, kwargs)
    return ew.fmin(*promote_dtypes(x1, x2))


@numpy_when_eager(np.clip)
def clip(
    a: Any,
    a_min: Any = None,
    a_max: Any = None,
    out: Any = None,
    *,
    min: Any = None,
    max: Any = None,
    **kwargs: Any,
) -> Any:
    """Limit values to ``[a_min, a_max]``: ``minimum(maximum(a, a_min), a_max)``.

    At a bound the derivative is split evenly between ``a`` and the bound (1/2 each), as
    ``jax.numpy.clip`` does: it is the tie rule of ``maximum`` and ``minimum``.

    >>> clip(np.array([-1.0, 0.5, 2.0]), 0, 1)
    array([0. , 0.5, 1. ])
    """
    check_ufunc_args("clip", out, kwargs.pop("where", True), kwargs)
    if a_min is not None and min is not None:
        raise ValueError("Passed a_min and min, which is not allowed. Use only one of them.")
    if a_max is not None and max is not None:
        raise ValueError("Passed a_max and max, which is not allowed. Use only one of them.")
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    bounds = [b for b in (lo, hi) if b is not None]
    x, *promoted = promote_dtypes(a, *bounds)
    if lo is not None:
        x = ew.max(x, promoted.pop(0))
    if hi is not None:
        x = ew.min(x, promoted.pop(0))
    return x


@numpy_unless(np.where, "size", "fill_value")
def where(
    condition: Any, x: Any = None, y: Any = None, /, *, size: int | None = None,
    fill_value: Any = None,
) -> Any:  # fmt: skip
    """Elementwise ``x`` where ``condition`` holds, else ``y``; the derivative flows to the
    chosen operand only. With ``condition`` alone, ``nonzero(condition)`` (JAX's ``size=``
    and ``fill_value=`` included).

    >>> where(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
    array([1., 6.])
    """
    if x is None and y is None:
        from tracegrad.numpy._nonzero import nonzero  # the indices build on this module

        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    x, y = promote_dtypes(x, y)
    return ew.select_n(as_bool(condition), y, x)


# ---- real, imag, conj -------------------------------------------------------
@numpy_when_eager(np.real)
def real(val: Any) -> Any:
    """The real part (the array itself for real input).

    >>> real(np.array([1 + 2j, 3]))
    array([1., 3.])
    """
    (x,) = promote_dtypes(val)
    if is_complex(get_aval(x).dtype):
        return ew.real(x)
    return x


@numpy_when_eager(np.imag)
def imag(val: Any) -> Any:
    """The imaginary part (zeros for real input).

    >>> imag(np.array([1 + 2j, 3]))
    array([2., 0.])
    """
    (x,) = promote_dtypes(val)
    aval = get_aval(x)
    if is_complex(aval.dtype):
        return ew.imag(x)
    return np.zeros(aval.shape, aval.dtype)


@numpy_when_eager(np.conjugate)
def conjugate(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise complex conjugate (the value itself for real input).

    >>> conjugate(np.array([1 + 2j]))
    array([1.-2.j])
    """
    check_ufunc_args("conjugate", out, where, kwargs)
    (x,) = _no_bool_loop(*promote_dtypes(x))
    return ew.conj(x) if is_complex(get_aval(x).dtype) else x


conj = conjugate


# ---- remainders -------------------------------------------------------------
@numpy_when_eager(np.remainder)
def remainder(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise remainder with the sign of the divisor (Python's ``%``). Its derivative
    in ``x2`` is ``-floor_divide(x1, x2)``.

    >>> remainder(np.array([5, -5]), 3)
    array([2, 1])
    """
    check_ufunc_args("remainder", out, where, kwargs)
    return ew.mod(*_no_bool_loop(*promote_dtypes(x1, x2)))


mod = remainder


@numpy_when_eager(np.fmod)
def fmod(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise remainder with the sign of the dividend (C's ``fmod``).

    >>> fmod(np.array([5, -5]), 3)
    array([ 2, -2])
    """
    check_ufunc_args("fmod", out, where, kwargs)
    return ew.rem(*_no_bool_loop(*promote_dtypes(x1, x2)))


@numpy_when_eager(np.divmod)
def divmod(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """``(floor_divide(x1, x2), remainder(x1, x2))``.

    >>> divmod(np.array([7.0]), 2)
    (array([3.]), array([1.]))
    """
    check_ufunc_args("divmod", out, where, kwargs)
    x1, x2 = _no_bool_loop(*promote_dtypes(x1, x2))
    return ed.floor_divide(x1, x2), ew.mod(x1, x2)


@numpy_when_eager(np.copysign)
def copysign(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``|x1|`` with the sign of ``x2``. Derivative in ``x1``: +-1, and 0 at
    ``x1 == 0`` (a kink); none in ``x2``.

    >>> copysign(np.array([1.0, -2.0]), -1)
    array([-1., -2.])
    """
    check_ufunc_args("copysign", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("copysign", x1)
    return ew.copysign(x1, x2)


@numpy_when_eager(np.heaviside)
def heaviside(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """The Heaviside step: 0 for ``x1 < 0``, ``x2`` at ``x1 == 0``, 1 for ``x1 > 0``.

    >>> heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """
    check_ufunc_args("heaviside", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("heaviside", x1)
    zero, one = ew.scalar_like(x1, 0), ew.scalar_like(x1, 1)
    below = ew.select_n(ew.lt(x1, zero), x1, zero)  # keeps NaN as NaN
    at_or_below = ew.select_n(ew.eq(x1, zero), below, x2)
    return ew.select_n(ew.gt(x1, zero), at_or_below, one)


# ---- Tracer operators and methods -------------------------------------------
# ``+`` and ``*`` on tracers: add and multiply without the checks of keyword arguments
# (an operator passes none), the commonest operations of traced code.
def _add_operands(x1: Any, x2: Any) -> Any:
    return ew.add(*promote_dtypes(x1, x2))


def _multiply_operands(x1: Any, x2: Any) -> Any:
    return ew.mul(*promote_dtypes(x1, x2))


def _pow_method(self: Any, other: Any, modulo: Any = None) -> Any:
    if modulo is not None:
        raise NotImplementedError(
            "pow(x, y, modulo) is not supported on traced values; "
            "use tracegrad.numpy.remainder(x ** y, modulo)."
        )
    return power(self, other) if _is_operand(other) else NotImplemented


def _clip_method(
    self: Any, min: Any = None, max: Any = None, out: Any = None, **kwargs: Any
) -> Any:
    return clip(self, min, max, out, **kwargs)


def _round_method(self: Any, decimals: int = 0, out: Any = None) -> Any:
    return round(self, decimals, out)


TRACER_METHODS: dict[str, Any] = {
    "__add__": _method(add, _add_operands, binds=ew.add_p),
    "__radd__": _reflected(add, _add_operands, ew.add_p),
    "__sub__": _method(subtract, binds=ew.sub_p), "__rsub__": _reflected(subtract, None, ew.sub_p),
    "__mul__": _method(multiply, _multiply_operands, binds=ew.mul_p),
    "__rmul__": _reflected(multiply, _multiply_operands, ew.mul_p),
    "__truediv__": _method(divide, binds=ew.div_p),
    "__rtruediv__": _reflected(divide, None, ew.div_p),
    "__floordiv__": _method(floor_divide), "__rfloordiv__": _reflected(floor_divide),
    "__mod__": _method(remainder), "__rmod__": _reflected(remainder),
    "__divmod__": _method(divmod), "__rdivmod__": _reflected(divmod),
    "__pow__": _pow_method, "__rpow__": _reflected(power),
    "__neg__": negative, "__pos__": positive, "__abs__": absolute, "__invert__": invert,
    "__eq__": _method(equal), "__ne__": _method(not_equal),
    "__lt__": _method(less), "__le__": _method(less_equal),
    "__gt__": _method(greater), "__ge__": _method(greater_equal),
    "__and__": _method(bitwise_and), "__rand__": _reflected(bitwise_and),
    "__or__": _method(bitwise_or), "__ror__": _reflected(bitwise_or),
    "__xor__": _method(bitwise_xor), "__rxor__": _reflected(bitwise_xor),
    "conj": conjugate, "conjugate": conjugate,
    "clip": _clip_method, "round": _round_method,
    # Own docstrings: the functions' doctests would run in the namespace of Tracer's module.
    "real": property(real, doc="The real part (``tracegrad.numpy.real``)."),
    "imag": property(imag, doc="The imaginary part (``tracegrad.numpy.imag``)."),
}  # fmt: skip
