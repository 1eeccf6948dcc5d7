"""Array creation in ``tracegrad.numpy``: concrete arrays where no value is traced, and
differentiable ones built from tracers (``array`` of tracers, ``full`` with a traced fill,
``arange`` / ``linspace`` / ``logspace`` with traced ends)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.core.dtypes import canonical_dtype, is_inexact, result_type
from tracegrad.numpy._arraylike import concrete, concrete_int, operand, strong
from tracegrad.numpy.frontend import (
    asarray_or_tracer,
    cast,
    contains_tracer,
    numpy_when_eager,
    promote_dtypes,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import structural as st
from tracegrad.ops.elementwise_discrete import floor

Shape = tuple[int, ...]


def _shape(shape: Any) -> Shape:
    shape = concrete(shape, "the shape of a new array")
    if np.ndim(shape) == 0:
        return (concrete_int(shape, "the shape of a new array"),)
    return tuple(concrete_int(s, "the shape of a new array") for s in shape)


def _traced_array(obj: Any, dtype: Any, ndmin: int) -> Any:
    x = operand(obj)
    if dtype is not None:
        x = cast(x, canonical_dtype(dtype))
    ndim = get_aval(x).ndim
    return st.reshape(x, (1,) * (ndmin - ndim) + get_aval(x).shape) if ndmin > ndim else x


@numpy_when_eager(np.array)
def array(
    object: Any,
    dtype: Any = None,
    *,
    copy: bool | None = True,
    order: str = "K",
    subok: bool = False,
    ndmin: int = 0,
    ndmax: int = 0,
    like: Any = None,
) -> Any:
    """An array from an array-like; nested sequences holding tracers are stacked into one
    traced array, with NumPy's dtype (``array([x_f32, 1.0])`` is float64, as in NumPy).

    >>> array([[1, 2], [3, 4]], dtype=np.float32)
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    if contains_tracer(object):
        if ndmax:
            raise NotImplementedError(
                "tracegrad.numpy.array: ndmax is not supported on traced values."
            )
        return _traced_array(object, dtype, ndmin)
    extra = {"ndmax": ndmax} if ndmax else {}
    return np.array(
        object,
        dtype=dtype,
        copy=copy,
        order=order,
        subok=subok,  # type: ignore
        ndmin=ndmin,
        **extra,
    )


@numpy_when_eager(np.asarray)
def asarray(
    a: Any,
    dtype: Any = None,
    order: str | None = None,
    *,
    device: Any = None,
    copy: bool | None = None,
    like: Any = None,
) -> Any:
    """``a`` as an array (a tracer stays a tracer, cast to ``dtype`` if given).

    >>> asarray([1, 2], dtype=np.float64)
    array([1., 2.])
    """
    if contains_tracer(a):
        return _traced_array(a, dtype, 0)
    return np.asarray(a, dtype=dtype, order=order, copy=copy)  # type: ignore[arg-type]


@numpy_when_eager(np.zeros)
def zeros(
    shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None
) -> Any:
    """A new array of zeros (float64 by default).

    >>> zeros((2,), dtype=np.int32)
    array([0, 0], dtype=int32)
    """
    return np.zeros(_shape(shape), dtype=dtype, order=order)  # type: ignore[call-overload]


@numpy_when_eager(np.ones)
def ones(
    shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None
) -> Any:
    """A new array of ones (float64 by default).

    >>> ones(2)
    array([1., 1.])
    """
    return np.ones(_shape(shape), dtype=dtype, order=order)  # type: ignore[call-overload]


@numpy_when_eager(np.empty)
def empty(
    shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None
) -> Any:
    """A new array of the given shape and dtype (zeros when traced; NumPy leaves the values
    undefined).

    >>> empty((2, 0)).shape
    (2, 0)
    """
    return np.zeros(_shape(shape), dtype=dtype, order=order)  # type: ignore[call-overload]


def _filled(shape: Shape, fill_value: Any, dtype: Any) -> Any:
    """``fill_value`` broadcast to ``shape``: traced when the fill value is."""
    if not contains_tracer(fill_value):
        return np.full(shape, concrete(fill_value, "fill_value"), dtype=dtype)
    value = operand(fill_value)
    value = cast(value, canonical_dtype(dtype) if dtype is not None else get_aval(value).dtype)
    old = get_aval(value).shape
    if np.broadcast_shapes(old, shape) != shape:
        raise ValueError(f"could not broadcast input array from shape {old} into shape {shape}")
    return st.broadcast_to(value, shape)


@numpy_when_eager(np.full)
def full(
    shape: Any,
    fill_value: Any,
    dtype: Any = None,
    order: str = "C",
    *,
    device: Any = None,
    like: Any = None,
) -> Any:
    """A new array filled with ``fill_value`` (which may be traced, and broadcasts).

    >>> full((2,), 7)
    array([7, 7])
    """
    return _filled(_shape(shape), fill_value, dtype)


def _like(a: Any, dtype: Any, shape: Any) -> tuple[Shape, np.dtype[Any]]:
    aval = get_aval(operand(a))
    new_shape = aval.shape if shape is None else _shape(shape)
    return new_shape, canonical_dtype(dtype) if dtype is not None else aval.dtype


@numpy_when_eager(np.zeros_like)
def zeros_like(
    a: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    *,
    device: Any = None,
) -> Any:
    """Zeros with the shape and dtype of ``a``: a concrete array, even for a traced ``a``.

    >>> zeros_like(np.ones((2,), np.float32))
    array([0., 0.], dtype=float32)
    """
    new_shape, new_dtype = _like(a, dtype, shape)
    return np.zeros(new_shape, new_dtype)


@numpy_when_eager(np.ones_like)
def ones_like(
    a: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    *,
    device: Any = None,
) -> Any:
    """Ones with the shape and dtype of ``a`` (concrete).

    >>> ones_like(np.zeros(2, int))
    array([1, 1])
    """
    new_shape, new_dtype = _like(a, dtype, shape)
    return np.ones(new_shape, new_dtype)


@numpy_when_eager(np.empty_like)
def empty_like(
    prototype: Any,
    /,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    *,
    device: Any = None,
) -> Any:
    """A new array with the shape and dtype of ``prototype`` (zeros when traced).

    >>> empty_like(np.zeros((2, 3))).shape
    (2, 3)
    """
    new_shape, new_dtype = _like(prototype, dtype, shape)
    return np.zeros(new_shape, new_dtype)


@numpy_when_eager(np.full_like)
def full_like(
    a: Any,
    fill_value: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    *,
    device: Any = None,
) -> Any:
    """``fill_value`` (cast to the dtype of ``a``) in the shape of ``a``; traced only when
    the fill value is.

    >>> full_like(np.zeros(2, np.float32), 1.5)
    array([1.5, 1.5], dtype=float32)
    """
    new_shape, new_dtype = _like(a, dtype, shape)
    return _filled(new_shape, fill_value, new_dtype)


def _arange_traced(start: Any, stop: Any, step: Any, dtype: Any) -> Any:
    """``start + step * i``: differentiable in ``start`` and ``step``; the length comes from
    their concrete values (under ``grad``; under ``jit`` it cannot be known)."""
    values = [concrete(v, "the arguments of arange") for v in (start, stop, step)]
    ref = np.arange(*values, dtype=dtype)
    if not is_inexact(ref.dtype):
        return ref
    start_, step_ = (cast(asarray_or_tracer(v), ref.dtype) for v in (start, step))
    counts = np.arange(ref.size, dtype=ref.dtype)
    return ew.add(st.broadcast_to(start_, ref.shape), ew.mul(step_, counts))


@numpy_when_eager(np.arange)
def arange(
    start_or_stop: Any,
    /,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    like: Any = None,
) -> Any:
    """Evenly spaced values in ``[start, stop)``.

    >>> arange(1, 7, 2)
    array([1, 3, 5])
    """
    start, stop_ = (0, start_or_stop) if stop is None else (start_or_stop, stop)
    if contains_tracer([start, stop_, step]):
        return _arange_traced(start, stop_, step, dtype)
    return np.arange(start, stop_, step, dtype=dtype)


def _linspace_traced(
    start: Any, stop: Any, num: int, endpoint: bool, retstep: bool, dtype: Any, axis: int
) -> Any:
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = num - 1 if endpoint else num
    lo, hi = asarray_or_tracer(start), asarray_or_tracer(stop)
    avals = [get_aval(lo), get_aval(hi)]
    # As NumPy: the promoted dtype of the ends, at least floating (Python scalars are weak).
    dt = result_type(*((a.dtype, a.weak_type) for a in avals), (np.dtype(np.float64), True))
    lo, hi = cast(lo, dt), cast(hi, dt)
    delta = ew.sub(hi, lo)
    shape = get_aval(delta).shape
    y = np.arange(num, dtype=dt).reshape((-1,) + (1,) * len(shape))
    if div > 0:
        step: Any = ew.div(delta, np.asarray(div, dt))
        y = ew.mul(y, step)
    else:
        step = np.nan
        y = ew.mul(y, delta)
    y = ew.add(y, lo)
    if endpoint and num > 1:
        last = st.reshape(st.broadcast_to(hi, shape), (1, *shape))
        y = st.concatenate([st.slice_in_dim(y, 0, num - 1, 0), last], 0)
    y = st.moveaxis(y, 0, st.canonical_axis(axis, get_aval(y).ndim))
    if dtype is not None:
        if canonical_dtype(dtype).kind in "iu":
            y = floor(y)
        y = cast(y, canonical_dtype(dtype))
    return (y, step) if retstep else y


@numpy_when_eager(np.linspace)
def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    device: Any = None,
) -> Any:
    """``num`` evenly spaced samples from ``start`` to ``stop`` (included if ``endpoint``);
    differentiable in traced ``start`` and ``stop``.

    >>> linspace(0.0, 1.0, 5)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    num = concrete_int(num, "linspace's num")
    if contains_tracer([start, stop]):
        return _linspace_traced(start, stop, num, endpoint, retstep, dtype, axis)
    return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore


@numpy_when_eager(np.logspace)
def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: Any = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``base ** linspace(start, stop)``, differentiable in traced ``start``, ``stop`` and
    ``base``.

    >>> logspace(0, 2, 3)
    array([  1.,  10., 100.])
    """
    num = concrete_int(num, "logspace's num")
    if not contains_tracer([start, stop, base]):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    base_ = operand(base) if contains_tracer(base) else base
    if (
        not isinstance(base_, float | int) and np.ndim(base_)
        if not isinstance(base_, Tracer)
        else get_aval(base_).ndim
    ):
        # As NumPy: an array base broadcasts with the ends, all converted to arrays.
        ends = [operand(strong(v)) for v in (start, stop, base_)]
        ndmax = len(np.broadcast_shapes(*(get_aval(v).shape for v in ends)))
        start, stop, base_ = (
            st.reshape(v, (1,) * (ndmax - get_aval(v).ndim) + get_aval(v).shape) for v in ends
        )
        b_shape = list(get_aval(base_).shape)
        b_shape.insert(st.canonical_axis(axis, len(b_shape) + 1), 1)
        base_ = st.reshape(base_, tuple(b_shape))
    y = _linspace_traced(start, stop, num, endpoint, False, None, axis)
    out = ew.pow(*promote_dtypes(base_, y))
    return out if dtype is None else cast(out, canonical_dtype(dtype))


@numpy_when_eager(np.eye)
def eye(
    N: int,
    M: int | None = None,
    k: int = 0,
    dtype: Any = float,
    order: str = "C",
    *,
    device: Any = None,
    like: Any = None,
) -> Any:
    """A 2-d array with ones on the ``k``-th diagonal (concrete).

    >>> eye(2, 3, k=1)
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    m = None if M is None else concrete_int(M, "eye's M")
    return np.eye(
        concrete_int(N, "eye's N"),
        m,
        concrete_int(k, "eye's k"),  # type: ignore
        dtype=dtype,
        order=order,
    )


@numpy_when_eager(np.identity)
def identity(n: int, dtype: Any = None, *, like: Any = None) -> Any:
    """The ``n`` x ``n`` identity matrix (concrete).

    >>> identity(2, dtype=int)
    array([[1, 0],
           [0, 1]])
    """
    return np.identity(concrete_int(n, "identity's n"), dtype=dtype)


@numpy_when_eager(np.tri)
def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float, *, like: Any = None) -> Any:
    """Ones at and below the ``k``-th diagonal, zeros elsewhere (concrete).

    >>> tri(2, 3)
    array([[1., 0., 0.],
           [1., 1., 0.]])
    """
    m = None if M is None else concrete_int(M, "tri's M")
    return np.tri(concrete_int(N, "tri's N"), m, concrete_int(k, "tri's k"), dtype=dtype)


@numpy_when_eager(np.meshgrid)
def meshgrid(
    *xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy"
) -> tuple[Any, ...]:
    """Coordinate arrays from coordinate vectors (``indexing='xy'``: Cartesian, the first
    two axes swapped; ``'ij'``: matrix indexing).

    >>> [g.shape for g in meshgrid(np.arange(3), np.arange(2))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij', got {indexing!r}.")
    xs = [operand(x) for x in xi]
    ndim = len(xs)
    outs = []
    for i, x in enumerate(xs):
        where = i
        if indexing == "xy" and ndim > 1 and i < 2:
            where = 1 - i
        shape = [1] * ndim
        shape[where] = get_aval(x).size
        outs.append(st.reshape(x, tuple(shape)))
    if sparse:
        return tuple(outs)
    full_shape = tuple(max(get_aval(o).shape[d] for o in outs) for d in range(ndim))
    return tuple(st.broadcast_to(o, full_shape) for o in outs)


def _np_astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    # Not np.astype, which refuses Python scalars (jnp.astype takes them).
    return np.asarray(x).astype(dtype, copy=copy)


@numpy_when_eager(_np_astype)
def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``x`` cast to ``dtype`` (complex to real keeps the real part).

    >>> astype(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    >>> astype(1.5, np.float32)
    array(1.5, dtype=float32)
    """
    return cast(operand(x), canonical_dtype(dtype))


def _astype_method(
    self: Any,
    dtype: Any,
    order: str = "K",
    casting: str = "unsafe",
    subok: bool = True,
    copy: bool = True,
) -> Any:
    dtype = canonical_dtype(dtype)
    if not np.can_cast(self.dtype, dtype, casting=casting):  # type: ignore[arg-type]
        raise TypeError(
            f"Cannot cast array data from {self.dtype!r} to {dtype!r} according "
            f"to the rule {casting!r}."
        )
    return cast(self, dtype)


def _copy_method(self: Tracer, order: str = "C") -> Tracer:
    # Traced values are immutable, so a copy is the value itself.
    return self


TRACER_METHODS: dict[str, Any] = {
    "astype": _astype_method,
    "copy": _copy_method,
}
