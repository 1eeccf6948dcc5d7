"""More of NumPy's array functions, composed from ``tracegrad.numpy``'s own: closeness tests,
complex predicates, ``nan_to_num``, ``diff``, ``cross`` and ``select``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._indexing import take
from tracegrad.numpy._joining import concatenate, stack
from tracegrad.numpy._manipulation import broadcast_arrays, moveaxis
from tracegrad.numpy._reductions import all as all_
from tracegrad.numpy._reductions import sum as sum_
from tracegrad.numpy._ufuncs import absolute, imag, real, subtract, where
from tracegrad.numpy._ufuncs_compare import (
    equal,
    isfinite,
    isinf,
    isnan,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    not_equal,
)
from tracegrad.numpy.frontend import (
    cast,
    normalize_axis_tuple,
    numpy_when_eager,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import structural as st

__all__ = [
    "isclose", "allclose", "array_equal", "iscomplex", "isreal", "real_if_close",
    "nan_to_num", "diff", "cross", "select", "isposinf", "isneginf", "count_nonzero",
    "searchsorted", "array_equiv", "gradient",
]  # fmt: skip


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


def _edge(value: Any, shape: tuple[int, ...], axis: int) -> Any:
    """A ``prepend``/``append`` value of ``diff``: a scalar broadcast to one slice."""
    v = operand(value)
    if get_aval(v).ndim == 0:
        return st.broadcast_to(v, (*shape[:axis], 1, *shape[axis + 1 :]))
    return v


@numpy_when_eager(np.diff)
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The ``n``-th discrete difference along ``axis`` (``not_equal`` for booleans).

    >>> diff(np.array([1, 4, 9, 16]), n=2)
    array([2, 2])
    """
    x = operand(a)
    n = int(concrete(n, "diff's n"))
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return x
    shape = get_aval(x).shape
    if not shape:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = st.canonical_axis(axis, len(shape))
    parts = [x]
    if prepend is not None:
        parts.insert(0, _edge(prepend, shape, axis))
    if append is not None:
        parts.append(_edge(append, shape, axis))
    if len(parts) > 1:
        x = concatenate(parts, axis=axis)
    for _ in range(n):
        length = get_aval(x).shape[axis]
        hi = st.slice_in_dim(x, 1, length, axis)
        lo = st.slice_in_dim(x, 0, builtins.max(length - 1, 0), axis)
        x = not_equal(hi, lo) if get_aval(x).dtype.kind == "b" else subtract(hi, lo)
    return x


def _component(v: Any, i: int) -> Any:
    shape = get_aval(v).shape
    return st.reshape(st.slice_in_dim(v, i, i + 1, len(shape) - 1), shape[:-1])


@numpy_when_eager(np.cross)
def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Any:
    """The cross product of (arrays of) 2- or 3-vectors; ``axis`` sets all three axes.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = promote_dtypes(operand(a), operand(b))
    x, y = moveaxis(x, axisa, -1), moveaxis(y, axisb, -1)
    nx, ny = get_aval(x).shape[-1], get_aval(y).shape[-1]
    if nx not in (2, 3) or ny not in (2, 3):
        raise ValueError(
            f"incompatible dimensions for cross product (dimension must be 2 or 3): "
            f"got vectors of {nx} and {ny} components."
        )
    x0, x1 = _component(x, 0), _component(x, 1)
    y0, y1 = _component(y, 0), _component(y, 1)
    z = x0 * y1 - x1 * y0
    if nx == 2 and ny == 2:
        return z
    # A 2-vector is a 3-vector with a zero third component (as NumPy takes it).
    x2: Any = _component(x, 2) if nx == 3 else 0
    y2: Any = _component(y, 2) if ny == 3 else 0
    cx = x1 * y2 - x2 * y1
    cy = x2 * y0 - x0 * y2
    cx, cy, z = broadcast_arrays(cx, cy, z)
    out = stack([cx, cy, z], axis=-1)
    return moveaxis(out, -1, axisc)


@numpy_when_eager(np.select)
def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Elementwise the choice of the first condition that holds, else ``default``.

    >>> select([np.array([True, False]), np.array([True, True])], [1.0, 2.0], default=0.0)
    array([1., 2.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    # NumPy makes every choice an array (strongly typed); a Python scalar default stays weak.
    choices = promote_dtypes(*(operand(c) for c in choicelist), default)
    out = choices[-1]
    for cond, choice in zip(reversed(condlist), reversed(choices[:-1]), strict=True):
        c = operand(cond)
        if get_aval(c).dtype.kind != "b":
            raise TypeError(
                f"invalid entry in condlist: should be boolean ndarray, got dtype "
                f"{get_aval(c).dtype!r}"
            )
        out = where(c, choice, out)
    return out


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


@numpy_when_eager(np.count_nonzero)
def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """The number of nonzero elements (along ``axis``), as ``intp``.

    >>> count_nonzero(np.array([[0, 1], [2, 0]]), axis=0)
    array([1, 1])
    """
    nonzero = not_equal(operand(a), 0)
    return sum_(nonzero, axis=axis, keepdims=keepdims, dtype=np.intp)


def _before(x: Any, y: Any, strict: bool) -> Any:
    """``x < y`` (or ``x <= y``) in NumPy's sort order, where nan comes after everything."""
    if get_aval(x).dtype.kind not in "fc":
        return x < y if strict else x <= y
    if strict:
        return logical_or(x < y, logical_and(logical_not(isnan(x)), isnan(y)))
    return logical_or(x <= y, isnan(y))


@numpy_when_eager(np.searchsorted)
def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """The indices at which ``v`` would be inserted into the sorted 1-d ``a`` to keep it
    sorted (before equal values for ``side='left'``, after them for ``'right'``).

    >>> searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.0, 5.0]), side="right")
    array([3, 0, 4])
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    x = operand(a)
    if get_aval(x).ndim != 1:
        raise ValueError(
            f"object too deep for desired array: a must be 1-d, got shape {get_aval(x).shape}"
        )
    if sorter is not None:
        x = take(x, operand(sorter))
    x, y = promote_dtypes(x, operand(v))
    n = get_aval(x).shape[0]
    y_shape = get_aval(y).shape
    xs = st.broadcast_in_dim(x, (*y_shape, n), (len(y_shape),))
    ys = st.broadcast_in_dim(y, (*y_shape, n), tuple(range(len(y_shape))))
    return sum_(_before(xs, ys, strict=side == "left"), axis=-1, dtype=np.intp)


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


def _edges(f: Any, axis: int, n: int, h: Any, edge_order: int) -> tuple[Any, Any, Any]:
    """One-sided differences at both ends and central differences inside, along ``axis``."""

    def at(lo: int, hi: int) -> Any:
        return st.slice_in_dim(f, lo, hi, axis)

    inside = (at(2, n) - at(0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (at(1, 2) - at(0, 1)) / h
        last = (at(n - 1, n) - at(n - 2, n - 1)) / h
    else:
        first = (-3 * at(0, 1) + 4 * at(1, 2) - at(2, 3)) / (2 * h)
        last = (3 * at(n - 1, n) - 4 * at(n - 2, n - 1) + at(n - 3, n - 2)) / (2 * h)
    return first, inside, last


@numpy_when_eager(np.gradient)
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """The gradient by central differences inside and one-sided differences (of order
    ``edge_order``, 1 or 2) at the ends, along each axis; spacings are scalars (default 1).

    >>> gradient(np.array([1.0, 2.0, 4.0, 7.0]))
    array([1. , 1.5, 2.5, 3. ])
    """
    x = operand(f)
    if get_aval(x).dtype.kind not in "fc":
        x = cast(x, np.dtype(np.float64))
    nd = get_aval(x).ndim
    if axis is None:
        axes_given = list(range(nd))
    else:
        normalize_axis_tuple(axis, nd)  # NumPy's checks: in range, no repeats
        given = [axis] if isinstance(axis, int | np.integer) else list(axis)
        axes_given = [st.canonical_axis(int(a), nd) for a in given]
    if len(varargs) == 0:
        spacings: list[Any] = [1.0] * len(axes_given)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = [varargs[0]] * len(axes_given)
    elif len(varargs) == len(axes_given) and all(np.ndim(v) == 0 for v in varargs):
        spacings = list(varargs)
    else:
        raise NotImplementedError(
            "tracegrad.numpy.gradient: only scalar spacings are supported on traced values "
            "(one for all axes, or one per axis), not coordinate arrays."
        )
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    outs = []
    for ax, h in zip(axes_given, spacings, strict=True):
        n = get_aval(x).shape[ax]
        if n < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, at least "
                "(edge_order + 1) elements are required."
            )
        first, inside, last = _edges(x, ax, n, h, edge_order)
        outs.append(concatenate([first, inside, last], axis=ax))
    return outs[0] if len(outs) == 1 else tuple(outs)
