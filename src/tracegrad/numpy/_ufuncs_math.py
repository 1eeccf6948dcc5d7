"""Transcendental elementwise functions of ``tracegrad.numpy`` (exponentials, logarithms,
trigonometry, roots, ``hypot``, ``logaddexp``, ``sinc``, ``angle``), with NumPy's names,
promotion (integers become floating, as ``np.sin`` does) and broadcasting."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, get_aval
from tracegrad.core.dtypes import is_complex, is_inexact
from tracegrad.numpy.frontend import (
    asarray_or_tracer,
    cast,
    check_ufunc_args,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_transcendental as et


def require_real(name: str, *args: Any) -> None:
    """NumPy's functions of real numbers refuse complex input with a TypeError."""
    for a in args:
        dtype = get_aval(a).dtype
        if is_complex(dtype):
            raise DTypeError(
                f"tracegrad.numpy.{name} is not defined for complex input (got dtype "
                f"{dtype.name}), as in NumPy. Apply it to the real and imaginary parts."
            )


# ---- roots, exponentials, logarithms ----------------------------------------
@numpy_when_eager(np.sqrt, binds=et.sqrt_p)
def sqrt(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise non-negative square root.

    >>> sqrt(np.array([4, 9]))
    array([2., 3.])
    """
    check_ufunc_args("sqrt", out, where, kwargs)
    return et.sqrt(*promote_inexact(x))


@numpy_when_eager(np.cbrt)
def cbrt(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise cube root.

    >>> cbrt(np.array([-8.0, 27.0]))
    array([-2.,  3.])
    """
    check_ufunc_args("cbrt", out, where, kwargs)
    (x,) = promote_inexact(x)
    require_real("cbrt", x)
    return et.cbrt(x)


@numpy_when_eager(np.exp, binds=ew.exp_p)
def exp(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise exponential.

    >>> exp(0)
    np.float64(1.0)
    """
    check_ufunc_args("exp", out, where, kwargs)
    return ew.exp(*promote_inexact(x))


@numpy_when_eager(np.exp2, binds=et.exp2_p)
def exp2(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``2 ** x``.

    >>> exp2(np.array([3.0, -1.0]))
    array([8. , 0.5])
    """
    check_ufunc_args("exp2", out, where, kwargs)
    return et.exp2(*promote_inexact(x))


@numpy_when_eager(np.expm1, binds=et.expm1_p)
def expm1(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``exp(x) - 1``, accurate for small ``x``.

    >>> expm1(1e-10)
    np.float64(1.00000000005e-10)
    """
    check_ufunc_args("expm1", out, where, kwargs)
    return et.expm1(*promote_inexact(x))


@numpy_when_eager(np.log, binds=ew.log_p)
def log(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise natural logarithm.

    >>> log(1)
    np.float64(0.0)
    """
    check_ufunc_args("log", out, where, kwargs)
    return ew.log(*promote_inexact(x))


@numpy_when_eager(np.log2, binds=et.log2_p)
def log2(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise base-2 logarithm.

    >>> log2(np.array([8, 1]))
    array([3., 0.])
    """
    check_ufunc_args("log2", out, where, kwargs)
    return et.log2(*promote_inexact(x))


@numpy_when_eager(np.log10, binds=et.log10_p)
def log10(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise base-10 logarithm.

    >>> log10(1000.0)
    np.float64(3.0)
    """
    check_ufunc_args("log10", out, where, kwargs)
    return et.log10(*promote_inexact(x))


@numpy_when_eager(np.log1p, binds=et.log1p_p)
def log1p(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``log(1 + x)``, accurate for small ``x``.

    >>> log1p(1e-10) == 1e-10 - 5e-21
    np.True_
    """
    check_ufunc_args("log1p", out, where, kwargs)
    return et.log1p(*promote_inexact(x))


# ---- trigonometric ----------------------------------------------------------
@numpy_when_eager(np.sin, binds=ew.sin_p)
def sin(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise sine.

    >>> sin(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("sin", out, where, kwargs)
    return ew.sin(*promote_inexact(x))


@numpy_when_eager(np.cos, binds=ew.cos_p)
def cos(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise cosine.

    >>> cos(0.0)
    np.float64(1.0)
    """
    check_ufunc_args("cos", out, where, kwargs)
    return ew.cos(*promote_inexact(x))


@numpy_when_eager(np.tan, binds=et.tan_p)
def tan(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise tangent.

    >>> tan(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("tan", out, where, kwargs)
    return et.tan(*promote_inexact(x))


@numpy_when_eager(np.arcsin, binds=et.asin_p)
def arcsin(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse sine, in ``[-pi/2, pi/2]``.

    >>> arcsin(1.0)
    np.float64(1.5707963267948966)
    """
    check_ufunc_args("arcsin", out, where, kwargs)
    return et.asin(*promote_inexact(x))


@numpy_when_eager(np.arccos, binds=et.acos_p)
def arccos(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse cosine, in ``[0, pi]``.

    >>> arccos(1.0)
    np.float64(0.0)
    """
    check_ufunc_args("arccos", out, where, kwargs)
    return et.acos(*promote_inexact(x))


@numpy_when_eager(np.arctan, binds=et.atan_p)
def arctan(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse tangent, in ``(-pi/2, pi/2)``.

    >>> arctan(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("arctan", out, where, kwargs)
    return et.atan(*promote_inexact(x))


@numpy_when_eager(np.arctan2)
def arctan2(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise angle of the point ``(x2, x1)`` in ``[-pi, pi]``. Its derivative at the
    origin, where the angle jumps, is taken as 0.

    >>> arctan2(1.0, -1.0)
    np.float64(2.356194490192345)
    """
    check_ufunc_args("arctan2", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("arctan2", x1)
    return et.atan2(x1, x2)


# ---- hyperbolic -------------------------------------------------------------
@numpy_when_eager(np.sinh, binds=et.sinh_p)
def sinh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise hyperbolic sine.

    >>> sinh(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("sinh", out, where, kwargs)
    return et.sinh(*promote_inexact(x))


@numpy_when_eager(np.cosh, binds=et.cosh_p)
def cosh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise hyperbolic cosine.

    >>> cosh(0.0)
    np.float64(1.0)
    """
    check_ufunc_args("cosh", out, where, kwargs)
    return et.cosh(*promote_inexact(x))


@numpy_when_eager(np.tanh, binds=et.tanh_p)
def tanh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise hyperbolic tangent.

    >>> tanh(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("tanh", out, where, kwargs)
    return et.tanh(*promote_inexact(x))


@numpy_when_eager(np.arcsinh, binds=et.asinh_p)
def arcsinh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse hyperbolic sine.

    >>> arcsinh(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("arcsinh", out, where, kwargs)
    return et.asinh(*promote_inexact(x))


@numpy_when_eager(np.arccosh, binds=et.acosh_p)
def arccosh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse hyperbolic cosine.

    >>> arccosh(1.0)
    np.float64(0.0)
    """
    check_ufunc_args("arccosh", out, where, kwargs)
    return et.acosh(*promote_inexact(x))


@numpy_when_eager(np.arctanh, binds=et.atanh_p)
def arctanh(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise inverse hyperbolic tangent.

    >>> arctanh(0.0)
    np.float64(0.0)
    """
    check_ufunc_args("arctanh", out, where, kwargs)
    return et.atanh(*promote_inexact(x))


# NumPy 2's array-API names for the inverse functions.
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh


# ---- hypot, logaddexp -------------------------------------------------------
@numpy_when_eager(np.hypot)
def hypot(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``sqrt(x1**2 + x2**2)`` without overflow. Its gradient is 0 at the
    origin (the minimum-norm subgradient) and ``sign`` of an infinite argument.

    >>> hypot(3, 4)
    np.float64(5.0)
    """
    check_ufunc_args("hypot", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("hypot", x1)
    return et.hypot(x1, x2)


@numpy_when_eager(np.logaddexp)
def logaddexp(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``log(exp(x1) + exp(x2))`` without overflow. Its derivatives stay
    finite at infinite arguments (1/2 each where ``x1 == x2 == -inf``).

    >>> logaddexp(0.0, 0.0)
    np.float64(0.6931471805599453)
    """
    check_ufunc_args("logaddexp", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("logaddexp", x1)
    return et.logaddexp(x1, x2)


@numpy_when_eager(np.logaddexp2)
def logaddexp2(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``log2(2**x1 + 2**x2)`` without overflow.

    >>> logaddexp2(1.0, 1.0)
    np.float64(2.0)
    """
    check_ufunc_args("logaddexp2", out, where, kwargs)
    x1, x2 = promote_inexact(x1, x2)
    require_real("logaddexp2", x1)
    ln2 = ew.scalar_like(x1, math.log(2))
    return ew.div(et.logaddexp(ew.mul(x1, ln2), ew.mul(x2, ln2)), ln2)


# ---- sinc -------------------------------------------------------------------
@numpy_when_eager(np.sinc)
def sinc(x: Any) -> Any:
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0, with the right
    derivatives at 0 to every order.

    >>> sinc(np.array([0.0, 0.5]))
    array([1.        , 0.63661977])
    """
    (x,) = promote_dtypes(x)
    if not is_inexact(get_aval(x).dtype):
        x = cast(x, np.dtype(np.float64))  # np.sinc computes integers in float64
    is_0 = ew.eq(x, ew.scalar_like(x, 0))
    u = ew.mul(x, ew.scalar_like(x, math.pi))
    safe_u = ew.select_n(is_0, u, ew.scalar_like(x, 1))
    # Where x == 0 the Taylor primitive gives the value 1 and, through its jvp, every
    # derivative; the quotient sees a safe argument there so no nan reaches a gradient.
    return ew.select_n(is_0, ew.div(ew.sin(safe_u), safe_u), et.sinc_taylor(u, 0))


# ---- angles -----------------------------------------------------------------
def _scale(name: str, x: Any, factor: float) -> Any:
    (x,) = promote_inexact(x)
    require_real(name, x)
    return ew.mul(x, ew.scalar_like(x, factor))


@numpy_when_eager(np.deg2rad)
def deg2rad(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Convert angles from degrees to radians.

    >>> deg2rad(180)
    np.float64(3.141592653589793)
    """
    check_ufunc_args("deg2rad", out, where, kwargs)
    return _scale("deg2rad", x, math.pi / 180)


@numpy_when_eager(np.rad2deg)
def rad2deg(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Convert angles from radians to degrees.

    >>> rad2deg(np.pi)
    np.float64(180.0)
    """
    check_ufunc_args("rad2deg", out, where, kwargs)
    return _scale("rad2deg", x, 180 / math.pi)


@numpy_when_eager(np.radians)
def radians(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Convert angles from degrees to radians (``deg2rad``).

    >>> radians(90.0)
    np.float64(1.5707963267948966)
    """
    check_ufunc_args("radians", out, where, kwargs)
    return _scale("radians", x, math.pi / 180)


@numpy_when_eager(np.degrees)
def degrees(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Convert angles from radians to degrees (``rad2deg``).

    >>> degrees(np.pi / 2)
    np.float64(90.0)
    """
    check_ufunc_args("degrees", out, where, kwargs)
    return _scale("degrees", x, 180 / math.pi)


@numpy_when_eager(np.angle)
def angle(z: Any, deg: bool = False) -> Any:
    """The counterclockwise angle from the positive real axis, in ``(-pi, pi]``.

    >>> angle(np.array([1j, -1.0]))
    array([1.57079633, 3.14159265])
    """
    z = asarray_or_tracer(z)
    if is_complex(get_aval(z).dtype):
        out = et.atan2(ew.imag(z), ew.real(z))
    else:
        zero, z = promote_inexact(0, z)  # as np.angle: arctan2(0, z)
        out = et.atan2(zero, z)  # pi for negative numbers (and -0.0)
    return ew.mul(out, ew.scalar_like(out, 180 / math.pi)) if deg else out
