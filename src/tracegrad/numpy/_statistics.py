"""``cov``, ``corrcoef``, ``bincount``, ``digitize`` and the histograms, composed from
``tracegrad.numpy``'s own functions. Dtypes are NumPy's: ``cov`` and ``corrcoef`` compute in
at least float64, counts are ``intp`` and weighted ``bincount`` is float64 (JAX keeps the
input's dtype)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete, concrete_int, operand
from tracegrad.numpy._creation import linspace, zeros
from tracegrad.numpy._function_base import diff
from tracegrad.numpy._index_update import at
from tracegrad.numpy._joining import concatenate, stack
from tracegrad.numpy._manipulation import expand_dims, squeeze, transpose
from tracegrad.numpy._products import diagonal, dot
from tracegrad.numpy._reductions import average, max, min, sum
from tracegrad.numpy._sorting import searchsorted
from tracegrad.numpy._ufuncs import clip, conj, imag, real, where
from tracegrad.numpy._ufuncs_math import sqrt
from tracegrad.numpy.frontend import numpy_unless, numpy_when_eager


def _rows(x: Any, rowvar: bool, dtype: Any) -> Any:
    x = operand(x)
    if get_aval(x).ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    x = x.reshape((1, -1)) if get_aval(x).ndim < 2 else x
    if not rowvar and get_aval(x).shape[0] != 1:
        x = transpose(x)
    return x.astype(dtype)


def _cov_weights(fweights: Any, aweights: Any, n: int) -> Any:
    w = None
    for name, v in (("fweights", fweights), ("aweights", aweights)):
        if v is None:
            continue
        v = operand(v).astype(np.float64)
        if get_aval(v).ndim > 1:
            raise RuntimeError(f"cannot handle multidimensional {name}")
        if get_aval(v).shape[0] != n:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
        w = v if w is None else w * v
    return w


@numpy_when_eager(np.cov)
def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
    *,
    dtype: Any = None,
) -> Any:
    """The covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``
    (and ``y``), computed in at least float64 as NumPy computes it.

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    if dtype is None:
        dtype = np.result_type(get_aval(operand(m)).dtype, np.float64)
        if y is not None:
            dtype = np.result_type(dtype, get_aval(operand(y)).dtype)
    x = _rows(m, rowvar, dtype)
    if y is not None:
        x = concatenate([x, _rows(y, rowvar, dtype)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    n = get_aval(x).shape[1]
    w = _cov_weights(fweights, aweights, n)
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        fact: Any = n - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * sum(w * operand(aweights)) / w_sum
    x = x - expand_dims(avg, 1)
    xt = transpose(x) if w is None else transpose(x * w)
    if isinstance(fact, Tracer):
        f: Any = fact
        scale = where(f <= 0, np.inf, 1 / where(f <= 0, 1.0, f))
    else:
        with np.errstate(divide="ignore"):
            scale = np.true_divide(1, np.float64(builtins.max(fact, 0)))
    c = dot(x, conj(xt)) * scale
    return squeeze(c.astype(dtype))


@numpy_when_eager(np.corrcoef)
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """Pearson correlation coefficients, ``cov`` normalised by the standard deviations and
    clipped to [-1, 1] (real and imaginary parts separately).

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]])).round(3)
    array([[ 1.   , -0.982],
           [-0.982,  1.   ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if get_aval(operand(c)).ndim == 0:
        return c / c
    sd = sqrt(real(diagonal(c)))
    c = c / expand_dims(sd, 1) / expand_dims(sd, 0)
    if get_aval(c).dtype.kind == "c":
        return clip(real(c), -1, 1) + 1j * clip(imag(c), -1, 1)
    return clip(c, -1, 1)


@numpy_unless(np.bincount, "length")
def bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: int | None = None) -> Any:
    """The number of occurrences of each value in the non-negative integer array ``x``
    (the sum of their ``weights``, as float64). The result has ``max(x) + 1`` entries, at
    least ``minlength``: a traced ``x`` needs a known value, or JAX's ``length=``.

    >>> bincount(np.array([0, 2, 2]), weights=np.array([0.5, 1.0, 2.0]))
    array([0.5, 0. , 3. ])
    """
    xs = operand(x)
    if get_aval(xs).dtype.kind not in "biu":
        raise TypeError(
            f"bincount: x must be an integer array, got dtype {get_aval(xs).dtype.name}. "
            "Convert with astype first."
        )
    if get_aval(xs).ndim != 1:
        deep = get_aval(xs).ndim > 1
        raise ValueError(f"object {'too deep' if deep else 'of too small depth'} for desired array")
    if length is None:
        values = np.asarray(concrete(xs, "bincount's length (pass length=)"))
        if values.size and values.min() < 0:
            raise ValueError("'list' argument must have no negative elements")
        length = builtins.max(int(values.max(initial=-1)) + 1, concrete_int(minlength, "length"))
    if weights is None:
        return at(zeros(length, np.intp))[xs].add(1, mode="drop")
    w = operand(weights).astype(np.float64)
    return at(zeros(length, np.float64))[xs].add(w, mode="drop")


@numpy_when_eager(np.digitize)
def digitize(x: Any, bins: Any, right: bool = False) -> Any:
    """The index of the bin of each ``x`` in the monotonic ``bins`` (increasing or
    decreasing): ``bins[i-1] <= x < bins[i]``, or ``bins[i-1] < x <= bins[i]`` if ``right``.

    >>> digitize(np.array([0.5, 1.0, 3.0]), np.array([0.0, 1.0, 2.0]))
    array([1, 2, 3])
    """
    b = operand(bins)
    if get_aval(b).ndim != 1:
        raise ValueError("bins must be one-dimensional")
    side = "left" if right else "right"
    up = searchsorted(b, x, side=side)
    n = get_aval(b).shape[0]
    if n == 0:
        return up
    down = n - searchsorted(b[::-1], x, side=side)
    return where(b[-1] >= b[0], up, down)


def _edges(a: Any, bins: Any, range: Any, weights: Any) -> Any:
    """The bin edges NumPy's ``histogram`` uses for the flat sample ``a``."""
    if isinstance(bins, str):
        values = concrete(a, f"histogram bins={bins!r} (edges depend on the values)")
        w = None if weights is None else concrete(weights, "histogram weights")
        return np.histogram_bin_edges(np.asarray(values), bins, range, w)
    if np.ndim(bins) == 1 or isinstance(bins, Tracer):
        e = operand(bins)
        if get_aval(e).ndim != 1:
            raise ValueError("`bins` must be 1d, when an array")
        return e
    nbins = concrete_int(bins, "the number of bins")
    if nbins < 1:
        raise ValueError("`bins` must be positive, when an integer")
    if range is None:
        lo, hi = (min(a), max(a)) if get_aval(a).size else (0.0, 1.0)
    else:
        lo, hi = range
        if not isinstance(lo, Tracer) and not isinstance(hi, Tracer) and lo > hi:
            raise ValueError("max must be larger than min in range parameter.")
    dtype = get_aval(a).dtype if get_aval(a).dtype.kind in "fc" else np.dtype(np.float64)
    lo, hi = operand(lo).astype(dtype), operand(hi).astype(dtype)
    same = lo == hi
    return linspace(where(same, lo - 0.5, lo), where(same, hi + 0.5, hi), nbins + 1)


def _bin_index(a: Any, edges: Any) -> Any:
    """The bin of each sample (``len(edges) - 1`` for the samples outside): ``edges[i] <= a
    < edges[i + 1]``, the last bin closed on the right."""
    n = get_aval(edges).shape[0] - 1
    i = searchsorted(edges, a, side="right") - 1
    i = where(a == edges[-1], n - 1, i)
    return where((i < 0) | (i >= n), n, i)


@numpy_when_eager(np.histogram_bin_edges)
def histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:
    """The edges ``histogram`` would use: ``bins + 1`` equally spaced over ``range`` (or the
    data's), the given edges, or those of a named estimator (values needed).

    >>> histogram_bin_edges(np.array([0.0, 1.0, 4.0]), bins=4)
    array([0., 1., 2., 3., 4.])
    """
    x = operand(a).ravel()
    return _edges(x, bins, range, weights)


@numpy_when_eager(np.histogram)
def histogram(
    a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> tuple[Any, Any]:
    """The counts (``intp``; the sums of ``weights``; densities if ``density``) of the
    samples in each bin, and the bin edges. Differentiable in the weights, and for
    ``density`` in the edges.

    >>> histogram(np.array([0.0, 0.5, 1.0, 4.0]), bins=2)
    (array([3, 1]), array([0., 2., 4.]))
    """
    x = operand(a).ravel()
    edges = _edges(x, bins, range, weights)
    hist = _counts([_bin_index(x, edges)], (get_aval(edges).shape[0] - 1,), weights)
    if density:
        return hist / sum(hist) / diff(edges), edges
    return hist, edges


def _counts(indices: Sequence[Any], nbins: tuple[int, ...], weights: Any) -> Any:
    """The histogram of the samples whose bin along each dimension is ``indices[d]``
    (``nbins[d]`` for outside)."""
    flat: Any = 0
    inside: Any = True
    for i, n in zip(indices, nbins, strict=True):
        flat = flat * n + where(i < n, i, 0)
        inside = inside & (i < n)
    size = int(np.prod(nbins, dtype=np.int64))
    flat = where(inside, flat, size)
    if weights is None:
        out = at(zeros(size, np.intp))[flat].add(1, mode="drop")
    else:
        w = operand(weights).ravel()
        out = at(zeros(size, get_aval(w).dtype))[flat].add(w, mode="drop")
    return out.reshape(nbins)


@numpy_when_eager(np.histogramdd)
def histogramdd(
    sample: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> tuple[Any, list[Any]]:
    """The multidimensional histogram of ``sample`` (N points of D coordinates, or D
    arrays), and the list of the D edge arrays.

    >>> h, _ = histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> h
    array([[1., 0.],
           [1., 1.]])
    """
    if isinstance(sample, list | tuple):
        pts = stack([operand(s).ravel() for s in sample], axis=-1)
    else:
        pts = operand(sample)
        pts = pts.reshape((-1, 1)) if get_aval(pts).ndim == 1 else pts
    d = get_aval(pts).shape[1]
    per_bins = list(bins) if isinstance(bins, list | tuple) else [bins] * d
    if len(per_bins) != d:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample x.")
    ranges = list(range) if range is not None else [None] * d
    edges = [_edges(pts[:, k], per_bins[k], ranges[k], None) for k in builtins.range(d)]
    nb = tuple(get_aval(e).shape[0] - 1 for e in edges)
    idx = [_bin_index(pts[:, k], e) for k, e in enumerate(edges)]
    w = None if weights is None else operand(weights)
    hist = _counts(idx, nb, w if w is not None else None)
    if w is None:
        hist = hist.astype(np.float64)  # NumPy's histogramdd counts in float64
    if density:
        hist = hist / sum(hist)
        for k, e in enumerate(edges):
            shape = [1] * d
            shape[k] = nb[k]
            hist = hist / diff(e).reshape(tuple(shape))
    return hist, edges


@numpy_when_eager(np.histogram2d)
def histogram2d(
    x: Any, y: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None
) -> tuple[Any, Any, Any]:
    """The 2-d histogram of the points ``(x, y)``, and the x and y edges.

    >>> histogram2d(np.array([0.0, 1.0]), np.array([0.0, 1.0]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    if not isinstance(bins, str) and np.ndim(bins) == 1 and len(bins) != 2:
        bins = [bins, bins]  # one edge array for both axes
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]
