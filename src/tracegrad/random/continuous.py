"""Samplers of continuous distributions built on uniform bits, as ``jax.random`` builds them:
``uniform``, ``normal``, ``truncated_normal``, ``exponential``, ``gumbel``, ``laplace``,
``logistic``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer, get_aval
from tracegrad.ops.elementwise_bits import nextafter
from tracegrad.ops.stop_gradient import stop_gradient
from tracegrad.random._erfinv import erfinv
from tracegrad.random._fma import fma
from tracegrad.random._xla_math import erf, log, log1p
from tracegrad.random.keys import canonical_shape, random_bits, split_data, unwrap

Shape = Sequence[int]


def float_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    """The sample dtype: float64 by default (tracegrad is 64-bit by default, as JAX under
    ``jax_enable_x64``), else ``dtype``, which must be floating."""
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dt}")
    return dt


def check_shape(name: str, shape: tuple[int, ...], *param_shapes: tuple[int, ...]) -> None:
    """JAX's check that parameters broadcast to exactly ``shape``."""
    if param_shapes:
        joined = tuple(np.broadcast_shapes(shape, *param_shapes))
        if joined != shape:
            raise ValueError(
                f"{name} parameter shapes must be broadcast-compatible with shape argument, "
                "and the result of broadcasting the shapes must equal the shape argument, "
                f"but got result {joined} for shape argument {shape}."
            )


def cast(x: Any, dtype: np.dtype[Any]) -> Any:
    """``x`` (a tracer, an array or a Python number) converted to ``dtype``."""
    return tnp.astype(x, dtype) if isinstance(x, Tracer) else np.asarray(x, dtype)


def _is_value(x: Any, value: float) -> bool:
    return not isinstance(x, Tracer) and np.shape(x) == () and bool(x == value)


def shape_of(x: Any) -> tuple[int, ...]:
    return tuple(get_aval(x).shape) if isinstance(x, Tracer) else np.shape(x)


def unit_floats(data: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    """Uniform floats in [0, 1) from the top mantissa-many bits of one key's random bits.

    JAX sets the exponent bits of 1.0 and subtracts 1; an integer of ``nmant`` bits times
    ``2**-nmant`` is the same number, exactly, without reinterpreting bits.
    """
    info = np.finfo(dtype)
    nbits, nmant = info.bits, info.nmant
    rng_bits = 8 if nmant < 8 else nbits
    raw = random_bits(data, rng_bits, shape)
    uint = np.dtype(f"uint{nbits}")
    mantissa = tnp.astype(raw, uint) // uint.type(2 ** (rng_bits - nmant))
    return tnp.astype(mantissa, dtype) * dtype.type(2.0**-nmant)


def uniform_data(
    data: Any, shape: tuple[int, ...], dtype: np.dtype[Any], minval: Any = 0.0, maxval: Any = 1.0
) -> Any:
    """``uniform`` from one key's data (no argument checks): the samplers' common step."""
    floats = unit_floats(data, shape, dtype)
    if _is_value(minval, 0) and _is_value(maxval, 1):
        return floats  # floats * 1 + 0, exactly
    lo, hi = cast(minval, dtype), cast(maxval, dtype)
    return tnp.maximum(lo, fma(floats, hi - lo, lo, dtype))


def uniform(
    key: Any, shape: Shape = (), dtype: Any = None, minval: Any = 0.0, maxval: Any = 1.0
) -> Any:
    """Uniform samples in ``[minval, maxval)``, differentiable in ``minval`` and ``maxval``.

    >>> from tracegrad.random import PRNGKey
    >>> uniform(PRNGKey(0), (3,))
    array([0.41845711, 0.21629545, 0.96532146])
    """
    data, _ = unwrap(key, "uniform")
    dt, shp = float_dtype(dtype, "uniform"), canonical_shape(shape, "uniform")
    check_shape("uniform", shp, shape_of(minval), shape_of(maxval))
    return uniform_data(data, shp, dt, minval, maxval)


def normal_data(data: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    """``normal`` from one key's data: the inverse CDF of a uniform in (-1, 1)."""
    if dtype.kind == "c":
        real = np.finfo(dtype).dtype
        k_re, k_im = split_data(data, (2,))
        re = tnp.astype(normal_data(k_re, shape, real), dtype)
        im = tnp.astype(normal_data(k_im, shape, real), dtype)
        return (re + 1j * im) / dtype.type(np.sqrt(2))
    lo = np.nextafter(dtype.type(-1), dtype.type(0))
    u = uniform_data(data, shape, dtype, lo, dtype.type(1))
    return dtype.type(np.sqrt(2)) * erfinv(u)


def normal(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Standard normal samples (complex dtypes: independent real and imaginary parts,
    unit variance overall).

    >>> from tracegrad.random import PRNGKey
    >>> normal(PRNGKey(0), (3,))
    array([-0.20584214, -0.78476578,  1.81608667])
    """
    data, _ = unwrap(key, "normal")
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind not in "fc":
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got {dt}")
    return normal_data(data, canonical_shape(shape, "normal"), dt)


def truncated_normal(
    key: Any, lower: Any, upper: Any, shape: Shape | None = None, dtype: Any = None
) -> Any:
    """Standard normal samples conditioned on ``lower < x < upper``.

    >>> from tracegrad.random import PRNGKey
    >>> truncated_normal(PRNGKey(0), -1.0, 1.0, (3,))
    array([-0.13999612, -0.50631466,  0.90652156])
    """
    data, _ = unwrap(key, "truncated_normal")
    dt = float_dtype(dtype, "truncated_normal")
    if shape is None:
        shp = tuple(np.broadcast_shapes(shape_of(lower), shape_of(upper)))
    else:
        shp = canonical_shape(shape, "truncated_normal")
        check_shape("truncated_normal", shp, shape_of(lower), shape_of(upper))
    sqrt2 = dt.type(np.sqrt(2))
    lower, upper = cast(lower, dt), cast(upper, dt)
    # XLA divides by a constant as a product with its rounded reciprocal.
    inv_sqrt2 = dt.type(1) / sqrt2
    a, b = erf(lower * inv_sqrt2), erf(upper * inv_sqrt2)
    out = sqrt2 * erfinv(uniform_data(data, shp, dt, a, b))
    lo = nextafter(stop_gradient(lower), dt.type(np.inf))
    hi = nextafter(stop_gradient(upper), dt.type(-np.inf))
    return tnp.clip(out, lo, hi)


def exponential(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Samples of the exponential distribution with rate 1.

    >>> from tracegrad.random import PRNGKey
    >>> exponential(PRNGKey(0), (3,))
    array([0.54207056, 0.24372319, 3.36163426])
    """
    data, _ = unwrap(key, "exponential")
    dt = float_dtype(dtype, "exponential")
    return -log1p(-uniform_data(data, canonical_shape(shape, "exponential"), dt))


def gumbel(key: Any, shape: Shape = (), dtype: Any = None, mode: str | None = None) -> Any:
    """Samples of the standard Gumbel distribution (``mode``: JAX's "low", its default,
    "high" for more resolution in the far left tail, or "highest": in float32, from 64
    random bits, resolution in both tails).

    >>> from tracegrad.random import PRNGKey
    >>> gumbel(PRNGKey(0), (3,))
    array([ 0.13790566, -0.42599294,  3.34403911])
    """
    data, _ = unwrap(key, "gumbel")
    dt, shp = float_dtype(dtype, "gumbel"), canonical_shape(shape, "gumbel")
    mode = "low" if mode is None else mode
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    info = np.finfo(dt)
    if mode == "low":
        u = uniform_data(data, shp, dt, info.tiny, 1.0)
        return -log(-log(u))
    if mode == "highest" and dt == np.float32:
        return _gumbel_highest_f32(data, shp)
    high, low = uniform_data(data, (2, *shp), dt)
    x = tnp.where(high >= 0.5, high, high + dt.type(2.0**-info.nmant) * low + info.tiny)
    return -log(-log1p(-x))


def _leading_zeros_64(x: Any) -> tuple[Any, Any]:
    """The number of leading zero bits of each uint64 of ``x`` (64 for 0), and ``x``
    shifted left by that many (by halving search: shifts are multiplications here)."""
    u64 = np.dtype(np.uint64)
    count = tnp.zeros_like(x, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        short = x < u64.type(2 ** (64 - s))
        x = tnp.where(short, x * u64.type(2**s), x)
        count = count + tnp.where(short, np.int64(s), np.int64(0))
    return tnp.where(x == 0, np.int64(64), count), x


def _gumbel_highest_f32(data: Any, shape: tuple[int, ...]) -> Any:
    """JAX's float32 "highest" mode: 64 random bits as a fixed-point u in [0, 1), u or
    1 - u (whichever is below 1/2) truncated to float32 with its full exponent range, and
    the transform that keeps the precision of each side."""
    u64 = np.dtype(np.uint64)
    words = random_bits(data, 32, (2, *shape))
    fixed = tnp.astype(words[0], u64) * u64.type(2**32) + tnp.astype(words[1], u64)
    low_half = words[0] < np.uint32(2**31)
    x = tnp.where(low_half, fixed, u64.type(0) - fixed)  # 1 - u, modulo 2**64
    zeros, normalized = _leading_zeros_64(x)
    top = tnp.astype(normalized // u64.type(2**40), np.float64)  # 24 bits, leading one first
    scale = tnp.exp2(tnp.astype(-(zeros + 24), np.float64))
    value = tnp.astype(tnp.where(x == 0, 2.0**-65, top * scale), np.float32)
    return tnp.where(low_half, -log(-log1p(-value)), -log(-log(value)))


def laplace(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Samples of the standard Laplace distribution.

    >>> from tracegrad.random import PRNGKey
    >>> laplace(PRNGKey(0), (3,))
    array([ 0.17803369,  0.83796278, -2.66848708])
    """
    data, _ = unwrap(key, "laplace")
    dt = float_dtype(dtype, "laplace")
    lo = dt.type(-1) + np.finfo(dt).epsneg
    u = uniform_data(data, canonical_shape(shape, "laplace"), dt, lo, 1.0)
    return tnp.sign(u) * log1p(-tnp.abs(u))


def logistic(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Samples of the standard logistic distribution.

    >>> from tracegrad.random import PRNGKey
    >>> logistic(PRNGKey(0), (3,))
    array([-0.32911032, -1.28738678,  3.32634015])
    """
    data, _ = unwrap(key, "logistic")
    dt = float_dtype(dtype, "logistic")
    x = uniform_data(data, canonical_shape(shape, "logistic"), dt, np.finfo(dt).tiny, 1.0)
    return log(x) - log1p(-x)
