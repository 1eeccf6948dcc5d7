"""``tracegrad.nn.initializers``: JAX's weight initializers, each a function
``init(key, shape, dtype=float64)`` drawing from ``tg.random``, with JAX's algorithms (so
the same key gives JAX's numbers under x64, to the ulps of ``tg.random``'s samplers).

>>> import tracegrad as tg
>>> init = tg.nn.initializers.glorot_uniform()
>>> init(tg.random.PRNGKey(0), (2, 3)).shape
(2, 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
import tracegrad.random as random

__all__ = [
    "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal", "lecun_uniform",
    "normal", "ones", "orthogonal", "truncated_normal", "uniform", "variance_scaling",
    "xavier_normal", "xavier_uniform", "zeros",
]  # fmt: skip

Initializer = Callable[..., Any]
Axes = int | Sequence[int]
_FLOAT = np.dtype(np.float64)
# The standard deviation of a standard normal truncated to (-2, 2).
_TRUNCATED_STD = 0.87962566103423978


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)


def zeros(key: Any, shape: Any, dtype: Any = _FLOAT) -> Any:
    """An array of zeros (the key is unused).

    >>> zeros(None, (2,))
    array([0., 0.])
    """
    return tnp.zeros(_shape(shape), dtype)


def ones(key: Any, shape: Any, dtype: Any = _FLOAT) -> Any:
    """An array of ones (the key is unused).

    >>> ones(None, 2)
    array([1., 1.])
    """
    return tnp.ones(_shape(shape), dtype)


def constant(value: Any, dtype: Any = _FLOAT) -> Initializer:
    """An initializer filling with ``value``.

    >>> constant(-7)(None, (2,))
    array([-7., -7.])
    """

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        return tnp.full(_shape(shape), value, dtype)

    return init


def uniform(scale: Any = 1e-2, dtype: Any = _FLOAT) -> Initializer:
    """Samples uniform in ``[0, scale)``."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        return random.uniform(key, _shape(shape), dtype) * tnp.asarray(scale, dtype)

    return init


def normal(stddev: Any = 1e-2, dtype: Any = _FLOAT) -> Initializer:
    """Normal samples with standard deviation ``stddev``."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        return random.normal(key, _shape(shape), dtype) * tnp.asarray(stddev, dtype)

    return init


def truncated_normal(
    stddev: Any = 1e-2, dtype: Any = _FLOAT, lower: Any = -2.0, upper: Any = 2.0
) -> Initializer:
    """Normal samples truncated to ``(lower, upper)`` standard deviations, times ``stddev``."""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        samples = random.truncated_normal(key, lower, upper, _shape(shape), dtype)
        return samples * tnp.asarray(stddev, dtype)

    return init


def _size(shape: tuple[int, ...], axes: Axes) -> int:
    if isinstance(axes, int):
        return shape[axes]
    return math.prod(shape[a] for a in axes)


def _fans(
    shape: tuple[int, ...], in_axis: Axes, out_axis: Axes, batch_axis: Axes
) -> tuple[float, float]:
    """``(fan_in, fan_out)`` of a weight of ``shape``: the input and output sizes, each
    times the receptive field (every axis that is neither input, output nor batch)."""
    if len(shape) <= 1:
        raise ValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional weights "
            "tensor. Must be at least 2D."
        )
    in_size, out_size = _size(shape, in_axis), _size(shape, out_axis)
    batch = _size(shape, batch_axis) if batch_axis != () else 1
    receptive = math.prod(shape) / in_size / out_size / batch
    return in_size * receptive, out_size * receptive


def variance_scaling(
    scale: Any,
    mode: str,
    distribution: str,
    in_axis: Axes = -2,
    out_axis: Axes = -1,
    batch_axis: Axes = (),
    dtype: Any = _FLOAT,
) -> Initializer:
    """Samples with variance ``scale / n``, ``n`` the fan in, the fan out or their average
    (``mode``), from a truncated normal, a normal or a uniform ``distribution``.

    >>> import tracegrad as tg
    >>> w = variance_scaling(2.0, "fan_in", "normal")(tg.random.PRNGKey(1), (400, 300))
    >>> round(float(w.std() ** 2 * 400), 1)
    2.0
    """
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape = _shape(shape)
        dtype = np.dtype(dtype)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = tnp.asarray(scale / n, dtype)
        if distribution == "truncated_normal":
            stddev = tnp.sqrt(variance) / tnp.asarray(_TRUNCATED_STD, dtype)
            return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * tnp.sqrt(variance)
        return random.uniform(key, shape, dtype, -1) * tnp.sqrt(3 * variance)

    return init


def _scaling(scale: float, mode: str, distribution: str, doc: str) -> Callable[..., Initializer]:
    def make(
        in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = _FLOAT
    ) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype)

    make.__doc__ = doc
    return make


glorot_uniform = xavier_uniform = _scaling(
    1.0, "fan_avg", "uniform", "Glorot (Xavier) uniform: variance 2 / (fan_in + fan_out)."
)
glorot_normal = xavier_normal = _scaling(
    1.0, "fan_avg", "truncated_normal", "Glorot (Xavier) truncated normal."
)
lecun_uniform = _scaling(1.0, "fan_in", "uniform", "LeCun uniform: variance 1 / fan_in.")
lecun_normal = _scaling(1.0, "fan_in", "truncated_normal", "LeCun truncated normal.")
he_uniform = kaiming_uniform = _scaling(
    2.0, "fan_in", "uniform", "He (Kaiming) uniform: variance 2 / fan_in."
)
he_normal = kaiming_normal = _scaling(
    2.0, "fan_in", "truncated_normal", "He (Kaiming) truncated normal."
)


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = _FLOAT) -> Initializer:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, reshaped to
    ``shape`` with the columns along ``column_axis``, times ``scale``.

    >>> import tracegrad as tg
    >>> q = orthogonal()(tg.random.PRNGKey(0), (3, 3))
    >>> np.allclose(q @ q.T, np.eye(3))
    True
    """

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        n_cols = shape[column_axis]
        n_rows = math.prod(shape) // n_cols
        matrix_shape = (n_cols, n_rows) if n_rows < n_cols else (n_rows, n_cols)
        a = random.normal(key, matrix_shape, dtype)
        q, r = tnp.linalg.qr(a)
        q = q * tnp.sign(tnp.diagonal(r))  # makes the distribution uniform (Haar)
        if n_rows < n_cols:
            q = q.T
        rest = tuple(s for i, s in enumerate(shape) if i != column_axis % len(shape))
        q = tnp.reshape(q, (*rest, n_cols))
        return tnp.moveaxis(q, -1, column_axis) * tnp.asarray(scale, dtype)

    return init


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = _FLOAT) -> Initializer:
    """An orthogonal matrix at the centre of a 3-, 4- or 5-D convolution kernel, zeros
    elsewhere (Xiao et al., 2018).

    >>> import tracegrad as tg
    >>> k = delta_orthogonal()(tg.random.PRNGKey(0), (3, 3, 4, 4))
    >>> float(abs(k[0, 0]).sum()), np.allclose(k[1, 1] @ k[1, 1].T, np.eye(4))
    (0.0, True)
    """

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape = _shape(shape)
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError(
                "`fan_in` must be less or equal than `fan_out`. "
                f"Consider transposing the kernel (got shape {shape})."
            )
        ortho = orthogonal(scale, column_axis, dtype)(key, shape[-2:], dtype)
        kernel = tnp.zeros(shape, dtype)
        centre = tuple(s // 2 for s in shape[:-2])
        return tnp.at(kernel)[centre].set(ortho)

    return init
