"""More of NumPy's function base, composed from ``tracegrad.numpy``'s own: ``interp``,
``trapezoid``, ``ediff1d``, ``unwrap``, ``cumulative_sum``/``cumulative_prod``,
``trim_zeros``, ``lexsort``, ``sort_complex``, ``diff``, ``gradient`` and ``select``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval, is_python_scalar
from tracegrad.numpy._arraylike import concrete, operand, operands
from tracegrad.numpy._indexing import take, take_along_axis
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._manipulation import moveaxis
from tracegrad.numpy._reductions import cumprod, cumsum, sum
from tracegrad.numpy._sorting import argsort, searchsorted
from tracegrad.numpy._ufuncs import absolute, clip, imag, mod, real, subtract, where
from tracegrad.numpy._ufuncs_compare import (
    not_equal,
)
from tracegrad.numpy.frontend import (
    cast,
    normalize_axis_tuple,
    numpy_named,
    numpy_when_eager,
    promote_dtypes,
)
from tracegrad.ops import structural as st


def _periodic(x: Any, xp: Any, fp: Any, period: Any) -> tuple[Any, Any, Any]:
    """The samples of a ``period``-periodic function, sorted within one period and extended
    by one sample at each end."""
    if not isinstance(period, Tracer) and period == 0:
        raise ValueError("period must be a non-zero value")
    period = absolute(period)
    x, xp = mod(x, period), mod(xp, period)
    order = argsort(xp)
    xp, fp = take(xp, order), take(fp, order)
    xp = concatenate([xp[-1:] - period, xp, xp[0:1] + period])
    fp = concatenate([fp[-1:], fp, fp[0:1]])
    return x, xp, fp


@numpy_when_eager(np.interp)
def interp(
    x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None
) -> Any:
    """Piecewise-linear interpolation of the samples ``(xp, fp)`` (``xp`` increasing) at
    ``x``; ``left``/``right`` (default ``fp[0]``/``fp[-1]``) outside. float64 (complex128
    for complex ``fp``), as NumPy. Differentiable in ``x``, ``xp`` and ``fp``.

    >>> interp(np.array([0.5, 2.0, 9.0]), np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0]))
    array([1. , 2.5, 3. ])
    """
    fpv = operand(fp)
    dtype = np.dtype(np.complex128 if get_aval(fpv).dtype.kind == "c" else np.float64)
    xv, xpv, fpv = operand(x).astype(np.float64), operand(xp).astype(np.float64), fpv.astype(dtype)
    if get_aval(xpv).ndim != 1 or get_aval(fpv).ndim != 1:
        raise ValueError("Data points must be 1-D sequences")
    if get_aval(xpv).shape[0] != get_aval(fpv).shape[0]:
        raise ValueError("fp and xp are not of the same length.")
    if get_aval(xpv).shape[0] == 0:
        raise ValueError("array of sample points is empty")
    if period is not None:
        xv, xpv, fpv = _periodic(xv, xpv, fpv, period)
        left = right = None
    n = get_aval(xpv).shape[0]
    if n == 1:
        val = fpv[0] + 0 * xv
    else:
        j = clip(searchsorted(xpv, xv, side="right") - 1, 0, n - 2)
        x0, x1, f0, f1 = take(xpv, j), take(xpv, j + 1), take(fpv, j), take(fpv, j + 1)
        slope = (f1 - f0) / (x1 - x0)
        # From the right end where x is there, so interp(xp[-1]) is fp[-1] exactly.
        val = where(xv >= x1, slope * (xv - x1) + f1, slope * (xv - x0) + f0)
    lo = fpv[0] if left is None else operand(left).astype(dtype)
    hi = fpv[-1] if right is None else operand(right).astype(dtype)
    return where(xv < xpv[0], lo, where(xv > xpv[-1], hi, val))


@numpy_when_eager(numpy_named("trapezoid"))
def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """The integral of the samples ``y`` along ``axis`` by the trapezoidal rule, at the
    points ``x`` (or a spacing ``dx``).

    >>> trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0]))
    np.float64(6.5)
    """
    yv = operand(y)
    nd = get_aval(yv).ndim
    ax = axis % nd
    if x is None:
        d: Any = dx
    else:
        xv = operand(x)
        if get_aval(xv).ndim == 1:
            shape = [1] * nd
            shape[ax] = get_aval(xv).shape[0] - 1
            d = diff(xv).reshape(tuple(shape))
        else:
            d = diff(xv, axis=ax)
    n = get_aval(yv).shape[ax]
    hi = moveaxis(moveaxis(yv, ax, 0)[1:], 0, ax)
    lo = moveaxis(moveaxis(yv, ax, 0)[: n - 1 if n else 0], 0, ax)
    return sum(d * (hi + lo) / 2.0, axis=ax)


@numpy_when_eager(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """The differences of consecutive elements of the flattened array, with ``to_begin``
    and ``to_end`` (cast to its dtype) before and after.

    >>> ediff1d(np.array([1, 4, 9]), to_begin=-1)
    array([-1,  3,  5])
    """
    a = operand(ary).ravel()
    dtype = get_aval(a).dtype
    parts = [a[1:] - a[:-1]]
    for name, extra, at_end in (("to_begin", to_begin, False), ("to_end", to_end, True)):
        if extra is None:
            continue
        e = operand(extra)
        if not np.can_cast(get_aval(e).dtype, dtype, casting="same_kind"):
            raise TypeError(
                f"dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule."
            )
        e = e.astype(dtype).ravel()
        parts = [*parts, e] if at_end else [e, *parts]
    return concatenate(parts) if len(parts) > 1 else parts[0]


@numpy_when_eager(np.unwrap)
def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: Any = 2 * np.pi) -> Any:
    """``p`` with the jumps between neighbours along ``axis`` larger than ``discont``
    (default ``period / 2``) replaced by their complement modulo ``period``.

    >>> unwrap(np.array([0.0, 3.0, 6.5, 0.2])).round(3)
    array([0.   , 3.   , 0.217, 0.2  ])
    """
    x = operand(p)
    dd = diff(x, axis=axis)
    if discont is None:
        discont = period / 2
    pdt = get_aval(operand(period)).dtype if not is_python_scalar(period) else period
    dtype = np.result_type(get_aval(dd).dtype, pdt)
    if dtype.kind in "iu":
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = mod(dd - low, period) + low
    if ambiguous:
        ddmod = where((ddmod == low) & (dd > 0), high, ddmod)
    correction = where(absolute(dd) < discont, 0, ddmod - dd)
    x = x.astype(dtype)
    ax = axis % get_aval(x).ndim
    head = moveaxis(moveaxis(x, ax, 0)[:1], 0, ax)
    tail = moveaxis(moveaxis(x, ax, 0)[1:], 0, ax)
    return concatenate([head, tail + cumsum(correction, axis=ax).astype(dtype)], axis=ax)


def _cumulative(name: str, fn: Any, x: Any, axis: Any, dtype: Any, include_initial: bool) -> Any:
    a = operand(x)
    nd = get_aval(a).ndim
    if axis is None:
        if nd > 1:
            raise ValueError(
                "For arrays which have more than one dimension ``axis`` argument is required."
            )
        axis = 0
    if nd == 0:
        raise ValueError(f"{name}: the input must have at least one dimension, got a 0-d array")
    out = fn(a, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    ax = axis % nd
    shape = list(get_aval(out).shape)
    shape[ax] = 1
    first = np.full(tuple(shape), 0 if name == "cumulative_sum" else 1, get_aval(out).dtype)
    return concatenate([first, out], axis=ax)


@numpy_when_eager(numpy_named("cumulative_sum"))
def cumulative_sum(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Any:
    """The running sum along ``axis`` (needed beyond 1-d), starting with 0 if
    ``include_initial`` (the array API's ``cumsum``).

    >>> cumulative_sum(np.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """
    return _cumulative("cumulative_sum", cumsum, x, axis, dtype, include_initial)


@numpy_when_eager(numpy_named("cumulative_prod"))
def cumulative_prod(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False
) -> Any:
    """The running product along ``axis``, starting with 1 if ``include_initial``.

    >>> cumulative_prod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    return _cumulative("cumulative_prod", cumprod, x, axis, dtype, include_initial)


@numpy_when_eager(np.trim_zeros)
def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``filt`` without its leading (``'f'``) and trailing (``'b'``) zeros (the values are
    needed: the result's size depends on them).

    >>> trim_zeros(np.array([0, 0, 1, 2, 0]))
    array([1, 2])
    """
    a = operand(filt)
    values = np.asarray(concrete(a, "trim_zeros (its result's size depends on the values)"))
    if values.ndim != 1 or axis is not None:
        raise NotImplementedError(
            "tracegrad.numpy.trim_zeros: only 1-d arrays (axis=None) on traced values."
        )
    nz = np.flatnonzero(values)
    if not nz.size:
        return a[:0]
    start = int(nz[0]) if "f" in trim.lower() else 0
    stop = int(nz[-1]) + 1 if "b" in trim.lower() else values.size
    return a[start:stop]


@numpy_when_eager(np.lexsort)
def lexsort(keys: Any, axis: int = -1) -> Any:
    """The indices that sort by several keys along ``axis``: by the last key, ties broken
    by the one before, and so on (stable).

    >>> lexsort([np.array([2, 1, 3]), np.array([0, 1, 0])])
    array([0, 2, 1])
    """
    ks = operands(keys)
    if not ks:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    idx = argsort(ks[0], axis=axis)
    for k in ks[1:]:
        idx = take_along_axis(idx, argsort(take_along_axis(k, idx, axis=axis), axis=axis), axis)
    return idx


@numpy_when_eager(np.sort_complex)
def sort_complex(a: Any) -> Any:
    """The elements sorted by real part, then imaginary part, as a complex array.

    >>> sort_complex(np.array([1 + 2j, 1 - 1j, 0 + 5j]))
    array([0.+5.j, 1.-1.j, 1.+2.j])
    """
    x = operand(a)
    dtype = np.sort_complex(np.zeros(1, get_aval(x).dtype)).dtype
    x = x.astype(dtype)
    order = lexsort([imag(x), real(x)])
    return take_along_axis(x, order, axis=-1)


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
