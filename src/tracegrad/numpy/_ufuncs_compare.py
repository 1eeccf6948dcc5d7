"""Elementwise functions of ``tracegrad.numpy`` without a useful derivative: rounding,
floating-point predicates, comparisons, logic and bitwise operations (derivative 0, or none
for boolean and integer results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, get_aval
from tracegrad.numpy._ufuncs_math import require_real
from tracegrad.numpy.frontend import (
    cast,
    check_ufunc_args,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_discrete as ed


def as_bool(x: Any) -> Any:
    """The truth value of each element (``x != 0``), as NumPy's logical functions take it."""
    (x,) = promote_dtypes(x)
    return x if get_aval(x).dtype.kind == "b" else ew.ne(x, ew.scalar_like(x, 0))


def _require_integer(name: str, *args: Any) -> None:
    for a in args:
        dtype = get_aval(a).dtype
        if dtype.kind not in "biu":
            raise DTypeError(
                f"ufunc {name!r} not supported for the input types: got dtype {dtype.name}; "
                "it takes boolean and integer arrays. Use a comparison or astype first."
            )


# ---- rounding ---------------------------------------------------------------
# NumPy >= 2.1 keeps integers integral in floor, ceil and trunc; older versions give floats.
_ROUNDING_KEEPS_INTEGERS = np.floor(np.ones(1, np.int8)).dtype == np.int8


def _rounding(name: str, prim: Callable[[Any], Any], x: Any) -> Any:
    (x,) = promote_dtypes(x)
    if get_aval(x).dtype.kind in "biu":
        if _ROUNDING_KEEPS_INTEGERS:
            return x
        (x,) = promote_inexact(x)
    require_real(name, x)
    return prim(x)


@numpy_when_eager(np.floor)
def floor(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise floor (derivative 0).

    >>> floor(np.array([-1.5, 1.5]))
    array([-2.,  1.])
    """
    check_ufunc_args("floor", out, where, kwargs)
    return _rounding("floor", ed.floor, x)


@numpy_when_eager(np.ceil)
def ceil(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ceiling (derivative 0).

    >>> ceil(np.array([-1.5, 1.5]))
    array([-1.,  2.])
    """
    check_ufunc_args("ceil", out, where, kwargs)
    return _rounding("ceil", ed.ceil, x)


@numpy_when_eager(np.trunc)
def trunc(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise rounding towards zero (derivative 0).

    >>> trunc(np.array([-1.5, 1.5]))
    array([-1.,  1.])
    """
    check_ufunc_args("trunc", out, where, kwargs)
    return _rounding("trunc", ed.trunc, x)


@numpy_when_eager(np.fix)
def fix(x: Any, out: Any = None) -> Any:
    """Round towards zero (``trunc``).

    >>> fix(np.array([-2.5, 2.5]))
    array([-2.,  2.])
    """
    check_ufunc_args("fix", out, True, {})
    return _rounding("fix", ed.trunc, x)


@numpy_when_eager(np.rint)
def rint(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Round to the nearest integer, halves to even (derivative 0).

    >>> rint(np.array([0.5, 1.5, 2.5]))
    array([0., 2., 2.])
    """
    check_ufunc_args("rint", out, where, kwargs)
    (x,) = promote_inexact(x)
    return ed.round(x, 0)


@numpy_when_eager(np.round)
def round(a: Any, decimals: int = 0, out: Any = None) -> Any:
    """Round to ``decimals`` decimal places, halves to even (derivative 0).

    >>> round(np.array([1.25, 2.5]), 1)
    array([1.2, 2.5])
    """
    check_ufunc_args("round", out, True, {})
    (x,) = promote_dtypes(a)
    if get_aval(x).dtype.kind == "b":
        x = cast(x, np.dtype(np.float16))  # as NumPy rounds booleans
    return ed.round(x, decimals)


around = round


# ---- predicates -------------------------------------------------------------
@numpy_when_eager(np.isfinite)
def isfinite(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise test for finiteness (boolean).

    >>> isfinite(np.array([1.0, np.inf, np.nan]))
    array([ True, False, False])
    """
    check_ufunc_args("isfinite", out, where, kwargs)
    return ed.isfinite(*promote_dtypes(x))


@numpy_when_eager(np.isnan)
def isnan(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise test for NaN (boolean).

    >>> isnan(np.array([1.0, np.nan]))
    array([False,  True])
    """
    check_ufunc_args("isnan", out, where, kwargs)
    return ed.isnan(*promote_dtypes(x))


@numpy_when_eager(np.isinf)
def isinf(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise test for infinity (boolean).

    >>> isinf(np.array([1.0, -np.inf]))
    array([False,  True])
    """
    check_ufunc_args("isinf", out, where, kwargs)
    return ed.isinf(*promote_dtypes(x))


@numpy_when_eager(np.signbit)
def signbit(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise test of the sign bit (boolean; True for -0.0).

    >>> signbit(np.array([-0.0, 1.0]))
    array([ True, False])
    """
    check_ufunc_args("signbit", out, where, kwargs)
    (x,) = promote_dtypes(x)
    require_real("signbit", x)
    return ed.signbit(x)


# ---- comparisons ------------------------------------------------------------
@numpy_when_eager(np.equal)
def equal(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 == x2`` (boolean).

    >>> equal(np.array([1.0, 2.0]), 2)
    array([False,  True])
    """
    check_ufunc_args("equal", out, where, kwargs)
    return ew.eq(*promote_dtypes(x1, x2))


@numpy_when_eager(np.not_equal)
def not_equal(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 != x2`` (boolean).

    >>> not_equal(np.array([1.0, 2.0]), 2)
    array([ True, False])
    """
    check_ufunc_args("not_equal", out, where, kwargs)
    return ew.ne(*promote_dtypes(x1, x2))


@numpy_when_eager(np.less)
def less(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 < x2`` (boolean).

    >>> less(np.array([1.0, 2.0]), 2)
    array([ True, False])
    """
    check_ufunc_args("less", out, where, kwargs)
    return ew.lt(*promote_dtypes(x1, x2))


@numpy_when_eager(np.less_equal)
def less_equal(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 <= x2`` (boolean).

    >>> less_equal(np.array([1.0, 3.0]), 2)
    array([ True, False])
    """
    check_ufunc_args("less_equal", out, where, kwargs)
    return ew.le(*promote_dtypes(x1, x2))


@numpy_when_eager(np.greater)
def greater(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 > x2`` (boolean).

    >>> greater(np.array([1.0, 3.0]), 2)
    array([False,  True])
    """
    check_ufunc_args("greater", out, where, kwargs)
    return ew.gt(*promote_dtypes(x1, x2))


@numpy_when_eager(np.greater_equal)
def greater_equal(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 >= x2`` (boolean).

    >>> greater_equal(np.array([1.0, 2.0]), 2)
    array([False,  True])
    """
    check_ufunc_args("greater_equal", out, where, kwargs)
    return ew.ge(*promote_dtypes(x1, x2))


# ---- logic ------------------------------------------------------------------
@numpy_when_eager(np.logical_and)
def logical_and(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise truth of ``x1 and x2`` (boolean).

    >>> logical_and(np.array([1, 0]), True)
    array([ True, False])
    """
    check_ufunc_args("logical_and", out, where, kwargs)
    return ed.and_(as_bool(x1), as_bool(x2))


@numpy_when_eager(np.logical_or)
def logical_or(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise truth of ``x1 or x2`` (boolean).

    >>> logical_or(np.array([1.0, 0.0]), 0)
    array([ True, False])
    """
    check_ufunc_args("logical_or", out, where, kwargs)
    return ed.or_(as_bool(x1), as_bool(x2))


@numpy_when_eager(np.logical_xor)
def logical_xor(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise truth of ``x1 xor x2`` (boolean).

    >>> logical_xor(np.array([1, 0]), 1)
    array([False,  True])
    """
    check_ufunc_args("logical_xor", out, where, kwargs)
    return ed.xor(as_bool(x1), as_bool(x2))


@numpy_when_eager(np.logical_not)
def logical_not(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise truth of ``not x`` (boolean).

    >>> logical_not(np.array([2.0, 0.0]))
    array([False,  True])
    """
    check_ufunc_args("logical_not", out, where, kwargs)
    return ed.not_(as_bool(x))


@numpy_when_eager(np.bitwise_and)
def bitwise_and(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise bitwise and of booleans or integers (``&``).

    >>> bitwise_and(np.array([12]), 10)
    array([8])
    """
    check_ufunc_args("bitwise_and", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    _require_integer("bitwise_and", x1)
    return ed.and_(x1, x2)


@numpy_when_eager(np.bitwise_or)
def bitwise_or(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise bitwise or of booleans or integers (``|``).

    >>> bitwise_or(np.array([12]), 10)
    array([14])
    """
    check_ufunc_args("bitwise_or", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    _require_integer("bitwise_or", x1)
    return ed.or_(x1, x2)


@numpy_when_eager(np.bitwise_xor)
def bitwise_xor(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise bitwise exclusive or of booleans or integers (``^``).

    >>> bitwise_xor(np.array([12]), 10)
    array([6])
    """
    check_ufunc_args("bitwise_xor", out, where, kwargs)
    x1, x2 = promote_dtypes(x1, x2)
    _require_integer("bitwise_xor", x1)
    return ed.xor(x1, x2)


@numpy_when_eager(np.invert)
def invert(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise bitwise not of booleans or integers (``~``).

    >>> invert(np.array([True, False]))
    array([False,  True])
    """
    check_ufunc_args("invert", out, where, kwargs)
    (x,) = promote_dtypes(x)
    _require_integer("invert", x)
    return ed.not_(x)


bitwise_not = bitwise_invert = invert
