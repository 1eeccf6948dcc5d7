"""NumPy's logic functions that compare or classify whole values, composed from
``tracegrad.numpy``'s own: the closeness and equality tests (``isclose``, ``allclose``,
``array_equal``, ``array_equiv``), the complex and infinity predicates, and the clean-ups
``real_if_close`` and ``nan_to_num``."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._reductions import all as all_
from tracegrad.numpy._ufuncs import absolute, imag, real, subtract, where
from tracegrad.numpy._ufuncs_compare import (
    equal,
    isfinite,
    isinf,
    isnan,
    less_equal,
    logical_and,
    logical_or,
    not_equal,
)
from tracegrad.numpy.frontend import (
    cast,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)


@numpy_when_eager(np.isclose)
def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|``; infinities are close to themselves only.

    >>> isclose(np.array([1.0, 1.1, np.inf]), np.array([1.0 + 1e-9, 1.0, np.inf]))
    array([ True, False,  True])
    """
    x, y = promote_inexact(a, b)
    finite = logical_and(isfinite(x), isfinite(y))
    # Differences of infinities are nan; compare finite stand-ins there and use x == y.
    xf, yf = where(finite, x, 0), where(finite, y, 0)
    near = less_equal(absolute(subtract(xf, yf)), atol + rtol * absolute(yf))
    out = where(finite, near, equal(x, y))
    if equal_nan:
        out = logical_or(out, logical_and(isnan(x), isnan(y)))
    return out


@numpy_when_eager(np.allclose)
def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """Whether all elements are close (``isclose``); traced, a 0-d boolean (as in JAX),
    which ``bool()`` or ``assert`` read wherever the value is known (as under ``grad``).

    >>> allclose([1.0, 2.0], [1.0, 2.0 + 1e-9])
    True
    """
    return all_(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@numpy_when_eager(np.array_equal)
def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """Whether two arrays have the same shape and elements (a 0-d boolean when traced).

    >>> array_equal([1, 2], np.array([1, 2])), array_equal([1, 2], [1, 2, 3])
    (True, False)
    """
    x, y = operand(a1), operand(a2)
    if get_aval(x).shape != get_aval(y).shape:
        return np.bool_(False)
    same = equal(x, y)
    if equal_nan and get_aval(x).dtype.kind in "fc":
        same = logical_or(same, logical_and(isnan(x), isnan(y)))
    return all_(same)


@numpy_when_eager(np.iscomplex)
def iscomplex(x: Any) -> Any:
    """Elementwise: whether the imaginary part is nonzero (all False for real input).

    >>> iscomplex(np.array([1 + 1j, 2 + 0j]))
    array([ True, False])
    """
    return not_equal(imag(operand(x)), 0)


@numpy_when_eager(np.isreal)
def isreal(x: Any) -> Any:
    """Elementwise: whether the imaginary part is zero.

    >>> isreal(np.array([1 + 1j, 2 + 0j]))
    array([False,  True])
    """
    return equal(imag(operand(x)), 0)


@numpy_when_eager(np.real_if_close)
def real_if_close(a: Any, tol: float = 100) -> Any:
    """The real part if every imaginary part is within ``tol`` machine epsilons of zero,
    else the input. The result's dtype depends on the values, so a complex traced input
    needs a known value (as under ``grad``; not under ``jit``).

    >>> real_if_close(np.array([1 + 1e-16j, 2 + 0j]))
    array([1., 2.])
    """
    x = operand(a)
    dtype = get_aval(x).dtype
    if dtype.kind != "c":
        return x
    eps = np.finfo(dtype).eps
    limit = tol * eps if tol > 1 else tol
    small = all_(less_equal(absolute(imag(x)), limit))
    if not builtins.bool(concrete(small, "real_if_close's test of the imaginary parts")):
        return x
    return real(x)


def _replacement(value: Any, default: float, dtype: np.dtype[Any]) -> Any:
    return np.asarray(default if value is None else value, dtype)


def _nan_to_num_real(x: Any, nan: float, posinf: float | None, neginf: float | None) -> Any:
    dtype = get_aval(x).dtype
    info = np.finfo(dtype)
    x = where(isnan(x), _replacement(nan, 0.0, dtype), x)
    x = where(logical_and(isinf(x), x > 0), _replacement(posinf, float(info.max), dtype), x)
    return where(logical_and(isinf(x), x < 0), _replacement(neginf, float(info.min), dtype), x)


@numpy_when_eager(np.nan_to_num)
def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
    neginf: float | None = None,
) -> Any:  # fmt: skip
    """NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (by default the
    largest finite values); derivative 1 at finite elements, 0 at replaced ones.

    >>> nan_to_num(np.array([np.nan, -np.inf, 1.0]))
    array([ 0.00000000e+000, -1.79769313e+308,  1.00000000e+000])
    """
    (v,) = promote_dtypes(operand(x))
    kind = get_aval(v).dtype.kind
    if kind not in "fc":
        return v
    if kind == "f":
        return _nan_to_num_real(v, nan, posinf, neginf)
    re = _nan_to_num_real(real(v), nan, posinf, neginf)
    im = _nan_to_num_real(imag(v), nan, posinf, neginf)
    return re + cast(im, get_aval(v).dtype) * 1j


@numpy_when_eager(np.isposinf)
def isposinf(x: Any, out: Any = None) -> Any:
    """Elementwise: whether the value is +inf.

    >>> isposinf(np.array([np.inf, -np.inf, 1.0]))
    array([ True, False, False])
    """
    v = operand(x)
    return logical_and(isinf(v), v > 0)


@numpy_when_eager(np.isneginf)
def isneginf(x: Any, out: Any = None) -> Any:
    """Elementwise: whether the value is -inf.

    >>> isneginf(np.array([np.inf, -np.inf, 1.0]))
    array([False,  True, False])
    """
    v = operand(x)
    return logical_and(isinf(v), v < 0)


@numpy_when_eager(np.array_equiv)
def array_equiv(a1: Any, a2: Any) -> Any:
    """Whether two arrays are equal after broadcasting (False if they do not broadcast).

    >>> array_equiv([1, 2], [[1, 2], [1, 2]]), array_equiv([1, 2], [1, 2, 3])
    (True, False)
    """
    x, y = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(get_aval(x).shape, get_aval(y).shape)
    except ValueError:
        return np.bool_(False)
    return all_(equal(x, y))
