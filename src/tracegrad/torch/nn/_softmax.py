"""``torch.nn.functional``'s ``softmax``, ``softmin`` and ``log_softmax`` along a dim, each
one node named as PyTorch names it (the implicit dim of a call without one, with PyTorch's
warning)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import tracegrad.lax as lax
import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.numpy.frontend import finite_max
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast, value_dtype
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap_dim

SOFTMAX = Op(
    "SoftmaxBackward0",
    lambda x, axis, dtype: tnn.softmax(cast(x, dtype), axis=axis),
    saves_result=True,
    staged=True,
)
SOFTMIN = Op(
    "SoftmaxBackward0",
    lambda x, axis, dtype: tnn.softmax(tnp.negative(cast(x, dtype)), axis=axis),
    saves_result=True,
)


def _log_softmax(x: Any, axis: int | None, dtype: np.dtype[Any]) -> Any:
    """``tnn.log_softmax`` with its shift under ``stop_gradient`` (as JAX's): the same
    values, and a backward that does not differentiate the maximum (whose derivative
    cancels: the equal/count passes it takes only add rounding), and ``log`` taken before
    the broadcast."""
    x = cast(x, dtype)
    if axis is None:  # a 0-d tensor
        return tnn.log_softmax(x, axis=axis)
    shifted = tnp.subtract(x, tnp.expand_dims(lax.stop_gradient(finite_max(x, (axis,))), axis))
    return tnp.subtract(shifted, tnp.log(tnp.sum(tnp.exp(shifted), axis=axis, keepdims=True)))


LOG_SOFTMAX = Op(
    "LogSoftmaxBackward0",
    _log_softmax,
    saves_result=True,
    staged=True,
)


def _softmax_dim(name: str, ndim: int, dim: Any) -> int:
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=4,
        )
        dim = 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim)


def _float_dtype(input: Tensor, dtype: Any) -> np.dtype[Any]:
    if dtype is not None:
        return dtypes.as_dtype(dtype).np
    d = value_dtype(input)
    if d.category < dtypes.FLOAT:
        raise RuntimeError(
            f"\"softmax_lastdim_kernel_impl\" not implemented for '{dtypes.scalar_name(d)}'"
        )
    return d.np


def _along(op: Op, name: str, input: Tensor, dim: Any, dtype: Any) -> Tensor:
    axis: int | None = _softmax_dim(name, input._value.ndim, dim)
    return apply(
        op, (input,), axis=axis if input._value.ndim else None, dtype=_float_dtype(input, dtype)
    )


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``.

    >>> import tracegrad.torch as torch
    >>> softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return _along(SOFTMAX, "softmax", input, dim, dtype)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    >>> import tracegrad.torch as torch
    >>> softmin(torch.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return _along(SOFTMIN, "softmin", input, dim, dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, computed stably.

    >>> import tracegrad.torch as torch
    >>> log_softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    return _along(LOG_SOFTMAX, "log_softmax", input, dim, dtype)
