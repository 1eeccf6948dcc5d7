"""Ufuncs on integers and on the representation of floats: ``gcd``, ``lcm``, the shifts,
``bitwise_count``, ``nextafter``, ``spacing``, ``frexp``, ``ldexp`` and ``modf``.

The integer ones and ``nextafter`` are primitives with a zero derivative; ``spacing``,
``frexp``, ``ldexp`` and ``modf`` are composed, so ``ldexp(x, n)`` has the derivative
``2**n`` in ``x``, ``frexp``'s mantissa ``2**-e`` and ``modf``'s fraction 1."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import DTypeError, get_aval
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._manipulation import moveaxis
from tracegrad.numpy._reductions import sum as sum_
from tracegrad.numpy._ufuncs import absolute, copysign
from tracegrad.numpy._ufuncs import where as select
from tracegrad.numpy._ufuncs_compare import isinf, trunc
from tracegrad.numpy._ufuncs_math import exp2
from tracegrad.numpy.frontend import (
    check_ufunc_args,
    numpy_named,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import elementwise_bits as eb
from tracegrad.ops.stop_gradient import stop_gradient


def _integers(name: str, *args: Any) -> list[Any]:
    ops = promote_dtypes(*args)
    for o in ops:
        if get_aval(o).dtype.kind not in "iu":
            raise DTypeError(
                f"tracegrad.numpy.{name} is defined for integer arrays only, got dtype "
                f"{get_aval(o).dtype.name}. Convert with astype first."
            )
    return ops


@numpy_when_eager(np.gcd)
def gcd(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise greatest common divisor of integers (derivative: none, integers).

    >>> gcd(np.array([12, 20]), 8)
    array([4, 4])
    """
    check_ufunc_args("gcd", out, where, kwargs)
    return eb.gcd(*_integers("gcd", x1, x2))


@numpy_when_eager(np.lcm)
def lcm(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise least common multiple of integers.

    >>> lcm(np.array([4, 3]), 6)
    array([12,  6])
    """
    check_ufunc_args("lcm", out, where, kwargs)
    return eb.lcm(*_integers("lcm", x1, x2))


def _shifts(x1: Any, x2: Any) -> list[Any]:
    ops = promote_dtypes(x1, x2)
    if get_aval(ops[0]).dtype == np.bool_:
        ops = [o.astype(np.int8) for o in ops]  # as NumPy: booleans shift as int8
    return _integers("left_shift", *ops)


@numpy_when_eager(np.left_shift)
def left_shift(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 << x2``.

    >>> left_shift(np.array([1, 5]), 2)
    array([ 4, 20])
    """
    check_ufunc_args("left_shift", out, where, kwargs)
    return eb.shift_left(*_shifts(x1, x2))


@numpy_when_eager(np.right_shift)
def right_shift(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 >> x2`` (arithmetic for signed integers).

    >>> right_shift(np.array([-8, 20]), 2)
    array([-2,  5])
    """
    check_ufunc_args("right_shift", out, where, kwargs)
    a, b = _shifts(x1, x2)
    if get_aval(a).dtype.kind == "u":
        return eb.shift_right_logical(a, b)
    return eb.shift_right_arithmetic(a, b)


bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


@numpy_when_eager(numpy_named("bitwise_count"))
def bitwise_count(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise number of 1 bits of ``|x|`` (uint8).

    >>> bitwise_count(np.array([7, -1]))
    array([3, 1], dtype=uint8)
    """
    check_ufunc_args("bitwise_count", out, where, kwargs)
    (v,) = promote_dtypes(x)
    if get_aval(v).dtype == np.bool_:
        v = v.astype(np.uint8)
    (v,) = _integers("bitwise_count", v)
    return eb.population_count(absolute(v)).astype(np.uint8)


@numpy_when_eager(np.nextafter)
def nextafter(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise the next float after ``x1`` towards ``x2`` (derivative 0).

    >>> nextafter(np.float32(1.0), 2.0) - np.float32(1.0)
    np.float32(1.1920929e-07)
    """
    check_ufunc_args("nextafter", out, where, kwargs)
    return eb.nextafter(*promote_inexact(x1, x2))


@numpy_when_eager(np.spacing)
def spacing(x: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise the distance from ``x`` to the next float away from zero (negative for
    negative ``x``); derivative 0.

    >>> spacing(np.array([1.0, -1.0]))
    array([ 2.22044605e-16, -2.22044605e-16])
    """
    check_ufunc_args("spacing", out, where, kwargs)
    (v,) = promote_inexact(x)
    away = select(v < 0, -np.inf, np.inf).astype(get_aval(v).dtype)
    return eb.nextafter(v, away) - stop_gradient(v)


def _scale(x: Any, e: Any) -> Any:
    """``x * 2**e`` for integer ``e``, in two exact steps (``2**e`` alone may overflow or
    underflow where the product does not)."""
    half = e // 2
    dtype = get_aval(x).dtype
    return x * exp2(half.astype(dtype)) * exp2((e - half).astype(dtype))


@numpy_when_eager(np.frexp)
def frexp(x: Any, /, *out: Any, where: Any = True, **kwargs: Any) -> tuple[Any, Any]:
    """Mantissa and exponent: ``x = m * 2**e`` with ``0.5 <= |m| < 1`` (``e`` int32).

    >>> frexp(np.array([8.0, 0.75]))
    (array([0.5 , 0.75]), array([4, 0], dtype=int32))
    """
    check_ufunc_args("frexp", out or None, where, kwargs)
    (v,) = promote_inexact(x)
    e = eb.frexp_exponent(v)
    finite = select(isinf(v), 0, e)
    return _scale(v, -finite), e


@numpy_when_eager(np.ldexp)
def ldexp(x1: Any, x2: Any, /, out: Any = None, *, where: Any = True, **kwargs: Any) -> Any:
    """Elementwise ``x1 * 2**x2`` for integer ``x2``, exact.

    >>> ldexp(np.array([0.5, 3.0]), np.array([4, -1]))
    array([8. , 1.5])
    """
    check_ufunc_args("ldexp", out, where, kwargs)
    (m,) = promote_inexact(x1)
    (e,) = promote_dtypes(x2)
    if get_aval(e).dtype.kind not in "biu":
        raise TypeError(
            "ufunc 'ldexp' not supported for the input types: the exponent must be an "
            f"integer, got dtype {get_aval(e).dtype.name}"
        )
    return _scale(m, e.astype(np.int64))


@numpy_when_eager(np.modf)
def modf(x: Any, /, *out: Any, where: Any = True, **kwargs: Any) -> tuple[Any, Any]:
    """Fractional and integral parts, both with the sign of ``x``.

    >>> modf(np.array([2.5, -3.25]))
    (array([ 0.5 , -0.25]), array([ 2., -3.]))
    """
    check_ufunc_args("modf", out or None, where, kwargs)
    (v,) = promote_inexact(x)
    whole = trunc(v)
    frac = select(isinf(v), 0.0, copysign(v - whole, v))
    return copysign(frac, v), whole


def _bit_weights(bitorder: str) -> np.ndarray:
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    w = 1 << np.arange(8, dtype=np.uint8)
    return w[::-1] if bitorder == "big" else w


@numpy_when_eager(np.packbits)
def packbits(a: Any, /, axis: int | None = None, bitorder: str = "big") -> Any:
    """The truth values of ``a``'s elements packed 8 to a uint8 along ``axis`` (flattened
    if None), zero-padded at the end.

    >>> packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1]))
    array([176, 128], dtype=uint8)
    """
    (v,) = promote_dtypes(a)
    if get_aval(v).dtype.kind not in "biu":
        raise TypeError("Expected an input array of integer or boolean data type")
    if axis is None:
        v, axis = v.ravel(), 0
    v = moveaxis((v != 0).astype(np.uint8), axis, -1)
    n = get_aval(v).shape[-1]
    pad = -n % 8
    if pad:
        v = concatenate([v, np.zeros((*get_aval(v).shape[:-1], pad), np.uint8)], axis=-1)
    groups = v.reshape((*get_aval(v).shape[:-1], (n + pad) // 8, 8))
    packed = sum_(groups * _bit_weights(bitorder), axis=-1, dtype=np.uint8)
    return moveaxis(packed, -1, axis)


@numpy_when_eager(np.unpackbits)
def unpackbits(
    a: Any, /, axis: int | None = None, count: int | None = None, bitorder: str = "big"
) -> Any:
    """The bits of the uint8 array ``a`` along ``axis`` (flattened if None), ``count`` of
    them if given (negative: that many fewer; more: zero-padded).

    >>> unpackbits(np.array([176], dtype=np.uint8), count=4)
    array([1, 0, 1, 1], dtype=uint8)
    """
    (v,) = promote_dtypes(a)
    if get_aval(v).dtype != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if axis is None:
        v, axis = v.ravel(), 0
    v = moveaxis(v, axis, -1)
    bits = (v[..., None] // _bit_weights(bitorder)) % np.uint8(2)
    bits = bits.reshape((*get_aval(v).shape[:-1], get_aval(v).shape[-1] * 8))
    total = get_aval(bits).shape[-1]
    if count is not None:
        keep = count if count >= 0 else max(total + count, 0)
        if keep <= total:
            bits = bits[..., :keep]
        else:
            zeros = np.zeros((*get_aval(bits).shape[:-1], keep - total), np.uint8)
            bits = concatenate([bits, zeros], axis=-1)
    return moveaxis(bits, -1, axis)
