"""Elementwise primitives with a zero (or no) derivative: rounding, integer division,
floating-point predicates and bitwise logic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray
from tracegrad.core.dtypes import is_complex
from tracegrad.ops.combinators import defbroadcasting
from tracegrad.ops.rules import (
    broadcasting_abstract_eval,
    defjvp_zero,
    defvectorized,
    same_aval,
)

AbstractRule = Callable[..., ShapedArray]


def real_only(name: str, rule: AbstractRule) -> AbstractRule:
    """``rule``, refusing complex operands as NumPy does (``floor``, ``arctan2``, ...)."""

    def checked(*avals: ShapedArray, **params: Any) -> ShapedArray:
        for a in avals:
            if is_complex(a.dtype):
                raise DTypeError(
                    f"{name} is not defined for complex numbers, got dtype {a.dtype.name}. "
                    "Apply it to the real and imaginary parts (tracegrad.numpy.real / imag)."
                )
        return rule(*avals, **params)

    return checked


def integer_only(name: str, rule: AbstractRule) -> AbstractRule:
    """``rule``, accepting only boolean and integer operands (bitwise operations)."""

    def checked(*avals: ShapedArray, **params: Any) -> ShapedArray:
        for a in avals:
            if a.dtype.kind not in "biu":
                raise DTypeError(
                    f"{name} is only defined for boolean and integer dtypes, got "
                    f"{a.dtype.name}. Compare first (x != 0) or convert with astype."
                )
        return rule(*avals, **params)

    return checked


def _predicate(x: ShapedArray, **_: Any) -> ShapedArray:
    return ShapedArray(x.shape, np.dtype(np.bool_))


def _zero_derivative_unop(name: str, impl: Any, abstract_eval: AbstractRule) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(abstract_eval)
    defjvp_zero(p)
    defvectorized(p)
    return p


def _zero_derivative_binop(name: str, impl: Any, abstract_eval: AbstractRule) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)
    p.def_abstract_eval(abstract_eval)
    defjvp_zero(p)
    defbroadcasting(p)
    return p


# ---- rounding -----------------------------------------------------------------
# Piecewise constant: the derivative is 0 wherever it exists, and 0 is also the
# minimum-norm choice at the jumps.
def floor(x: Any) -> Any:
    """Elementwise floor.

    >>> floor(np.array([-1.5, 1.5]))
    array([-2.,  1.])
    """
    return floor_p.bind(x)


def ceil(x: Any) -> Any:
    """Elementwise ceiling.

    >>> ceil(np.array([-1.5, 1.5]))
    array([-1.,  2.])
    """
    return ceil_p.bind(x)


def trunc(x: Any) -> Any:
    """Elementwise rounding towards zero.

    >>> trunc(np.array([-1.5, 1.5]))
    array([-1.,  1.])
    """
    return trunc_p.bind(x)


def round(x: Any, decimals: int = 0) -> Any:
    """Round half to even to ``decimals`` decimal places, as ``numpy.round``.

    >>> round(np.array([0.5, 1.5, 0.25]), 1)
    array([0.5, 1.5, 0.2])
    """
    return round_p.bind(x, decimals=int(decimals))


floor_p = _zero_derivative_unop("floor", np.floor, real_only("floor", same_aval))
ceil_p = _zero_derivative_unop("ceil", np.ceil, real_only("ceil", same_aval))
trunc_p = _zero_derivative_unop("trunc", np.trunc, real_only("trunc", same_aval))
round_p = _zero_derivative_unop("round", lambda x, *, decimals: np.round(x, decimals), same_aval)


# ---- floor_divide ---------------------------------------------------------------
def floor_divide(x: Any, y: Any) -> Any:
    """Elementwise ``x // y`` (the floor of the quotient, as NumPy computes it).

    >>> floor_divide(np.array([7.0, -7.0]), 2.0)
    array([ 3., -4.])
    """
    return floor_divide_p.bind(x, y)


floor_divide_p = _zero_derivative_binop(
    "floor_divide",
    np.floor_divide,
    real_only("floor_divide", broadcasting_abstract_eval("floor_divide")),
)


# ---- floating-point predicates --------------------------------------------------
def isnan(x: Any) -> Any:
    """Elementwise test for NaN (boolean).

    >>> isnan(np.array([1.0, np.nan]))
    array([False,  True])
    """
    return isnan_p.bind(x)


def isinf(x: Any) -> Any:
    """Elementwise test for positive or negative infinity (boolean).

    >>> isinf(np.array([1.0, -np.inf]))
    array([False,  True])
    """
    return isinf_p.bind(x)


def isfinite(x: Any) -> Any:
    """Elementwise test for finiteness: neither infinite nor NaN (boolean).

    >>> isfinite(np.array([1.0, np.inf, np.nan]))
    array([ True, False, False])
    """
    return isfinite_p.bind(x)


def signbit(x: Any) -> Any:
    """Elementwise test of the sign bit (True for negative numbers and -0.0).

    >>> signbit(np.array([-0.0, 0.0, -2.0]))
    array([ True, False,  True])
    """
    return signbit_p.bind(x)


isnan_p = _zero_derivative_unop("isnan", np.isnan, _predicate)
isinf_p = _zero_derivative_unop("isinf", np.isinf, _predicate)
isfinite_p = _zero_derivative_unop("isfinite", np.isfinite, _predicate)
signbit_p = _zero_derivative_unop("signbit", np.signbit, real_only("signbit", _predicate))


# ---- bitwise logic ---------------------------------------------------------------
def and_(x: Any, y: Any) -> Any:
    """Elementwise bitwise (for booleans: logical) and.

    >>> and_(np.array([True, True]), np.array([True, False]))
    array([ True, False])
    """
    return and_p.bind(x, y)


def or_(x: Any, y: Any) -> Any:
    """Elementwise bitwise (for booleans: logical) or.

    >>> or_(np.array([6]), np.array([3]))
    array([7])
    """
    return or_p.bind(x, y)


def xor(x: Any, y: Any) -> Any:
    """Elementwise bitwise (for booleans: logical) exclusive or.

    >>> xor(np.array([6]), np.array([3]))
    array([5])
    """
    return xor_p.bind(x, y)


def not_(x: Any) -> Any:
    """Elementwise bitwise (for booleans: logical) negation.

    >>> not_(np.array([True, False]))
    array([False,  True])
    """
    return not_p.bind(x)


and_p = _zero_derivative_binop(
    "and", np.bitwise_and, integer_only("and", broadcasting_abstract_eval("and"))
)
or_p = _zero_derivative_binop(
    "or", np.bitwise_or, integer_only("or", broadcasting_abstract_eval("or"))
)
xor_p = _zero_derivative_binop(
    "xor", np.bitwise_xor, integer_only("xor", broadcasting_abstract_eval("xor"))
)
and_p.commutative = or_p.commutative = xor_p.commutative = True
not_p = _zero_derivative_unop("not", np.invert, integer_only("not", same_aval))
