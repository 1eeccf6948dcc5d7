"""NumPy's NaN-ignoring reductions (``nansum``, ``nanmean``, ``nanmax``, ...), composed from
``tracegrad.numpy``'s own: a NaN is replaced by the reduction's identity before reducing, so
its derivative is 0 there, as in JAX."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy._reductions import (
    Axis,
    _mean_dtypes,
    _sqrt_flat_at_zero,
    _unsupported,
    argmax,
    argmin,
    cumprod,
    cumsum,
    max,
    min,
    prod,
    sum,
)
from tracegrad.numpy._reductions import all as all_
from tracegrad.numpy._ufuncs import imag, real, where
from tracegrad.numpy._ufuncs_compare import isnan, logical_not
from tracegrad.numpy.frontend import normalize_axis_tuple, numpy_when_eager


def _replaced(a: Any, fill: Any) -> tuple[Any, Any]:
    """``a`` with its NaNs replaced by ``fill``, and the mask of the NaNs (None for
    integer and boolean arrays, which hold none)."""
    x = operand(a)
    if get_aval(x).dtype.kind not in "fc":
        return x, None
    nans = isnan(x)
    return where(nans, np.asarray(fill, get_aval(x).dtype), x), nans


@numpy_when_eager(np.nansum)
def nansum(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Sum over the given axes, NaNs counting as zero.

    >>> nansum(np.array([1.0, np.nan, 2.0]))
    np.float64(3.0)
    """
    _unsupported("nansum", out=out, where=where)
    x, _ = _replaced(a, 0)
    return sum(x, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


@numpy_when_eager(np.nanprod)
def nanprod(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Product over the given axes, NaNs counting as one.

    >>> nanprod(np.array([3.0, np.nan, 2.0]))
    np.float64(6.0)
    """
    _unsupported("nanprod", out=out, where=where)
    x, _ = _replaced(a, 1)
    return prod(x, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial)


def _nan_extremum(a: Any, axis: Axis, keepdims: bool, initial: Any, is_max: bool) -> Any:
    x, nans = _replaced(a, -np.inf if is_max else np.inf)
    fn = max if is_max else min
    out = fn(x, axis=axis, keepdims=keepdims, initial=initial)
    if nans is None:
        return out
    # A slice of NaNs only is NaN (NumPy warns "All-NaN slice encountered").
    return where(all_(nans, axis=axis, keepdims=keepdims), np.nan, out)


@numpy_when_eager(np.nanmax)
def nanmax(
    a: Any,
    axis: Axis = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Maximum over the given axes, ignoring NaNs (NaN where a slice is all NaN).

    >>> nanmax(np.array([1.0, np.nan, 2.0]))
    np.float64(2.0)
    """
    _unsupported("nanmax", out=out, where=where)
    return _nan_extremum(a, axis, keepdims, initial, True)


@numpy_when_eager(np.nanmin)
def nanmin(
    a: Any,
    axis: Axis = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
) -> Any:
    """Minimum over the given axes, ignoring NaNs (NaN where a slice is all NaN).

    >>> nanmin(np.array([[1.0, np.nan], [np.nan, np.nan]]), axis=1)
    array([ 1., nan])
    """
    _unsupported("nanmin", out=out, where=where)
    return _nan_extremum(a, axis, keepdims, initial, False)


def _nan_arg_extremum(a: Any, axis: int | None, keepdims: bool, is_max: bool) -> Any:
    x, nans = _replaced(a, -np.inf if is_max else np.inf)
    fn = argmax if is_max else argmin
    out = fn(x, axis=axis, keepdims=keepdims)
    if nans is None:
        return out
    empty = all_(nans, axis=axis, keepdims=keepdims)
    known = empty.to_concrete_value() if isinstance(empty, Tracer) else empty
    if known is not None and np.any(known):
        raise ValueError("All-NaN slice encountered")
    # NumPy raises for an all-NaN slice; an abstract value cannot, so it is -1 (as JAX).
    return where(empty, np.intp(-1), out)


@numpy_when_eager(np.nanargmax)
def nanargmax(a: Any, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Any:
    """Index of the first maximum ignoring NaNs (traced: -1 for an all-NaN slice, as JAX;
    NumPy raises ValueError).

    >>> nanargmax(np.array([1.0, np.nan, 2.0]))
    np.int64(2)
    """
    _unsupported("nanargmax", out=out)
    return _nan_arg_extremum(a, axis, keepdims, True)


@numpy_when_eager(np.nanargmin)
def nanargmin(a: Any, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Any:
    """Index of the first minimum ignoring NaNs (traced: -1 for an all-NaN slice, as JAX).

    >>> nanargmin(np.array([3.0, np.nan, 2.0]))
    np.int64(2)
    """
    _unsupported("nanargmin", out=out)
    return _nan_arg_extremum(a, axis, keepdims, False)


def _count(nans: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool, dtype: Any) -> Any:
    """The number of non-NaN entries per slice, as ``dtype``."""
    if nans is None:
        axes = normalize_axis_tuple(axis, len(shape))
        n = np.asarray(int(np.prod([shape[i] for i in axes], dtype=np.int64)), dtype)
        return n
    return sum(logical_not(nans), axis=axis, keepdims=keepdims, dtype=dtype)


@numpy_when_eager(np.nanmean)
def nanmean(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    *,
    where: Any = None,
) -> Any:
    """Mean over the given axes, ignoring NaNs (NaN where a slice is all NaN).

    >>> nanmean(np.array([1.0, np.nan, 2.0]))
    np.float64(1.5)
    """
    _unsupported("nanmean", out=out, where=where)
    x, nans = _replaced(a, 0)
    result_dtype, work = _mean_dtypes(get_aval(x).dtype, dtype)
    total = sum(x, axis=axis, dtype=work, keepdims=keepdims)
    count = _count(nans, get_aval(x).shape, axis, keepdims, work)
    return (total / count).astype(result_dtype)


def _nanvar(a: Any, axis: Axis, dtype: Any, ddof: float, keepdims: bool) -> Any:
    x, nans = _replaced(a, 0)
    shape = get_aval(x).shape
    work = np.dtype(dtype) if dtype is not None else _mean_dtypes(get_aval(x).dtype, None)[0]
    real_work = np.finfo(work).dtype
    x = x.astype(work)
    mean_ = sum(x, axis=axis, keepdims=True) / _count(nans, shape, axis, True, real_work)
    # NaN entries deviate by 0 (their stand-in is the mean), so their derivative is 0.
    dev = x - mean_ if nans is None else where(nans, mean_, x) - mean_
    dev2 = real(dev) ** 2 + imag(dev) ** 2 if work.kind == "c" else dev * dev
    total = sum(dev2, axis=axis, keepdims=keepdims)
    dof = _count(nans, shape, axis, keepdims, real_work) - ddof
    return where(dof > 0, total / where(dof > 0, dof, 1), np.nan)


@numpy_when_eager(np.nanvar)
def nanvar(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: None = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """Variance over the given axes, ignoring NaNs; NaN where fewer than ``ddof + 1``
    entries are not NaN.

    >>> nanvar(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    _unsupported("nanvar", out=out, where=where, mean=mean)
    return _nanvar(a, axis, dtype, correction if correction is not None else ddof, keepdims)


@numpy_when_eager(np.nanstd)
def nanstd(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: None = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Any:
    """Standard deviation over the given axes, ignoring NaNs.

    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    _unsupported("nanstd", out=out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    return _sqrt_flat_at_zero(_nanvar(a, axis, dtype, ddof, keepdims))


@numpy_when_eager(np.nancumsum)
def nancumsum(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Cumulative sum, NaNs counting as zero.

    >>> nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    _unsupported("nancumsum", out=out)
    return cumsum(_replaced(a, 0)[0], axis=axis, dtype=dtype)


@numpy_when_eager(np.nancumprod)
def nancumprod(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Cumulative product, NaNs counting as one.

    >>> nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    _unsupported("nancumprod", out=out)
    return cumprod(_replaced(a, 1)[0], axis=axis, dtype=dtype)
