"""``quantile``, ``percentile``, ``median`` and their NaN-ignoring forms, with NumPy's 13
methods: a stable sort along the reduced axes, then a gather of the two neighbouring order
statistics and NumPy's interpolation between them. The derivative flows through the sort
and the gather (to the order statistics used), and through the interpolation weight to a
traced ``q``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval, is_python_scalar
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy._indexing import take_along_axis
from tracegrad.numpy._manipulation import broadcast_to, expand_dims, moveaxis, reshape
from tracegrad.numpy._reductions import sum
from tracegrad.numpy._sorting import sort
from tracegrad.numpy._ufuncs import clip, where
from tracegrad.numpy._ufuncs_compare import floor, isnan, logical_not, rint
from tracegrad.numpy.frontend import asarray_or_tracer, normalize_axis_tuple, numpy_when_eager


def _virtual(alpha: float, beta: float) -> Callable[[Any, Any], Any]:
    """Hyndman and Fan's continuous index ``n q + alpha + q (1 - alpha - beta) - 1``."""
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _boundary(index: Any, take_previous: Any) -> Any:
    """An order statistic of a discrete method: ``floor(index)`` where ``take_previous``
    holds, the next one up elsewhere."""
    previous = floor(index)
    return where(take_previous(index - previous, previous), previous, previous + 1)


# method -> (virtual index of (n, q), gamma fix-up of (gamma, index) or None: discrete)
_METHODS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any] | None]] = {
    "inverted_cdf": (lambda n, q: _boundary(n * q - 1, lambda g, _: g == 0), None),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1, lambda g, _: where(g == 0, 0.5, 1.0)),
    "closest_observation": (
        lambda n, q: _boundary(n * q - 1.5, lambda g, p: (g == 0) & (p % 2 == 1)),
        None,
    ),
    "interpolated_inverted_cdf": (_virtual(0, 1), lambda g, _: g),
    "hazen": (_virtual(0.5, 0.5), lambda g, _: g),
    "weibull": (_virtual(0, 0), lambda g, _: g),
    "linear": (lambda n, q: (n - 1) * q, lambda g, _: g),
    "median_unbiased": (_virtual(1 / 3.0, 1 / 3.0), lambda g, _: g),
    "normal_unbiased": (_virtual(3 / 8.0, 3 / 8.0), lambda g, _: g),
    "lower": (lambda n, q: floor((n - 1) * q), None),
    "higher": (lambda n, q: -floor(-((n - 1) * q)), None),
    "midpoint": (
        lambda n, q: 0.5 * (floor((n - 1) * q) - floor(-((n - 1) * q))),
        lambda g, i: where(i % 1 == 0, 0.0, 0.5),
    ),
    "nearest": (lambda n, q: rint((n - 1) * q), None),
}


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's interpolation, exact at both ends: from ``a`` below t = 1/2, from ``b`` above."""
    d = b - a
    return where(t >= 0.5, b - d * (1 - t), a + d * t)


def _check_q(q: Any, top: float, name: str) -> None:
    if isinstance(q, Tracer):
        return  # traced fractions are not checked (as JAX)
    v = np.asarray(q)
    if v.size and not (np.all(v >= 0) and np.all(v <= top)):
        raise ValueError(f"{name} must be in the range [0, {top:g}]")


def _to_last(x: Any, axis: Any) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
    """``x`` with the reduced axes merged into one last axis; the input shape and the axes."""
    shape = get_aval(x).shape
    axes = normalize_axis_tuple(axis, len(shape))
    rest = [i for i in range(len(shape)) if i not in axes]
    moved = moveaxis(x, axes, tuple(range(len(rest), len(shape)))) if axes else x
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    return reshape(moved, (*(shape[i] for i in rest), n)), shape, axes


def _quantile(
    a: Any, q: Any, axis: Any, method: str, keepdims: bool, skip_nans: bool, name: str
) -> Any:
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {list(_METHODS)}")
    get_index, fix_gamma = _METHODS[method]
    x = operand(a)
    q = asarray_or_tracer(q)
    dtype = get_aval(x).dtype
    if fix_gamma is not None:
        qdt = get_aval(q).dtype if isinstance(q, Tracer | np.ndarray) else q
        out_dtype = np.result_type(dtype, qdt)
        out_dtype = out_dtype if out_dtype.kind in "fc" else np.dtype(np.float64)
    else:
        out_dtype = dtype
    flat, shape, axes = _to_last(x, axis)
    batch = get_aval(flat).shape[:-1]
    sorted_ = sort(flat, axis=-1)  # NaNs last
    size = get_aval(flat).shape[-1]
    nans = isnan(sorted_) if dtype.kind in "fc" else None
    if skip_nans and nans is not None:
        n: Any = sum(logical_not(nans), axis=-1).astype(np.float64)
    else:
        n = np.float64(size)
    qv = q if isinstance(q, Tracer) else np.asarray(q, np.float64)
    qshape = get_aval(qv).shape
    qb = reshape(qv, qshape + (1,) * len(batch))
    index = get_index(n, qb.astype(np.float64) if fix_gamma is not None else qb)
    last = n - 1
    if fix_gamma is None:
        lo = hi = clip(index, 0, last)
        gamma = None
    else:
        lo = where(index >= last, last, where(index < 0, 0, floor(index)))
        hi = where(index >= last, last, where(index < 0, 0, floor(index) + 1))
        gamma = fix_gamma(index - lo, index)
    full = broadcast_to(sorted_, qshape + batch + (size,))

    def pick(i: Any) -> Any:
        i = clip(i, 0, max(size - 1, 0)).astype(np.intp)
        i = broadcast_to(i, qshape + batch)
        return take_along_axis(full, expand_dims(i, -1), axis=-1)[..., 0]

    if gamma is None:
        result = pick(lo).astype(out_dtype)
    else:
        result = _lerp(pick(lo).astype(out_dtype), pick(hi).astype(out_dtype), gamma)
        result = result.astype(out_dtype)
    if nans is not None:
        bad = (n == 0) if skip_nans else nans[..., -1]
        result = where(bad, np.nan, result)
    if keepdims:
        kept = tuple(1 if i in axes else s for i, s in enumerate(shape))
        result = reshape(result, qshape + kept)
    return result


def _quantile_args(
    name: str, out: Any, overwrite_input: bool, weights: Any, interpolation: Any
) -> None:
    if out is not None or weights is not None:
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: out= and weights= are not supported on traced values. "
            "Use the result; weigh outside the transformation."
        )
    if interpolation is not None:
        raise TypeError(f"{name}() got an unexpected keyword argument 'interpolation'")


@numpy_when_eager(np.quantile)
def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th quantiles (``q`` in [0, 1]) over the given axes, by NumPy's ``method``;
    NaN where a slice holds a NaN. The result's first axes are ``q``'s.

    >>> quantile(np.array([[1.0, 2.0, 4.0, 8.0]]), [0.25, 0.5], axis=1)
    array([[1.75],
           [3.  ]])
    """
    _quantile_args("quantile", out, overwrite_input, weights, interpolation)
    _check_q(q, 1, "Quantiles")
    return _quantile(a, q, axis, method, keepdims, False, "quantile")


@numpy_when_eager(np.percentile)
def percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th percentiles (``q`` in [0, 100]), as ``quantile(a, q / 100)``.

    >>> percentile(np.array([1.0, 2.0, 4.0, 8.0]), 50, method="lower")
    np.float64(2.0)
    """
    _quantile_args("percentile", out, overwrite_input, weights, interpolation)
    _check_q(q, 100, "Percentiles")
    return _quantile(a, _hundredth(q), axis, method, keepdims, False, "percentile")


def _hundredth(q: Any) -> Any:
    if is_python_scalar(q) or isinstance(q, Tracer):
        return q / 100
    return np.true_divide(q, 100)


@numpy_when_eager(np.median)
def median(
    a: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Any:
    """The median over the given axes (the mean of the two middle values for an even count);
    NaN where a slice holds a NaN.

    >>> median(np.array([[3, 1, 2, 10]]), axis=1)
    array([2.5])
    """
    _quantile_args("median", out, overwrite_input, None, None)
    return _quantile(a, 0.5, axis, "midpoint", keepdims, False, "median")


@numpy_when_eager(np.nanquantile)
def nanquantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """As ``quantile``, ignoring NaNs (NaN where a slice is all NaN).

    >>> nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
    np.float64(2.0)
    """
    _quantile_args("nanquantile", out, overwrite_input, weights, interpolation)
    _check_q(q, 1, "Quantiles")
    return _quantile(a, q, axis, method, keepdims, True, "nanquantile")


@numpy_when_eager(np.nanpercentile)
def nanpercentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """As ``percentile``, ignoring NaNs.

    >>> nanpercentile(np.array([1.0, np.nan, 3.0]), 100)
    np.float64(3.0)
    """
    _quantile_args("nanpercentile", out, overwrite_input, weights, interpolation)
    _check_q(q, 100, "Percentiles")
    return _quantile(a, _hundredth(q), axis, method, keepdims, True, "nanpercentile")


@numpy_when_eager(np.nanmedian)
def nanmedian(
    a: Any,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Any:
    """As ``median``, ignoring NaNs.

    >>> nanmedian(np.array([1.0, np.nan, 3.0, 4.0]))
    np.float64(3.0)
    """
    _quantile_args("nanmedian", out, overwrite_input, None, None)
    return _quantile(a, 0.5, axis, "midpoint", keepdims, True, "nanmedian")
