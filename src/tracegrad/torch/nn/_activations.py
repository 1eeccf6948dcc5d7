"""More ``torch.nn.functional`` activations: ``leaky_relu``, ``elu``, ``gelu``, ``silu``,
``softplus``, ``hardtanh``, ``logsigmoid`` and ``dropout``, each one node named as PyTorch
names it; the derivative at a kink is PyTorch's (the functions pick it with ``where``)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch import creation
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor


def _const(v: Any, like: Any) -> Any:
    return cast(np.asarray(v), like.dtype)


LEAKY_RELU = Op(
    "LeakyReluBackward0",
    lambda x, slope: tnp.where(x > 0, x, tnp.multiply(x, _const(slope, x))),
)
ELU = Op(
    "EluBackward0",
    lambda x, alpha: tnp.where(x > 0, x, tnp.multiply(tnp.expm1(x), _const(alpha, x))),
    staged=True,
)
# Composites of several primitives: their forwards run staged (graph.staged_forward).
GELU = Op("GeluBackward0", lambda x, tanh: tnn.gelu(x, approximate=tanh), staged=True)
SILU = Op("SiluBackward0", lambda x: tnn.silu(x), staged=True)
LOG_SIGMOID = Op("LogSigmoidBackward0", lambda x: tnn.log_sigmoid(x), staged=True)


def _softplus_fn(x: Any, beta: float, threshold: float) -> Any:
    bx = tnp.multiply(x, _const(beta, x))
    soft = tnp.true_divide(tnn.softplus(bx), _const(beta, x))
    return tnp.where(bx > threshold, x, soft)


def _hardtanh_fn(x: Any, lo: float, hi: float) -> Any:
    # Constant on and beyond the bounds: PyTorch's derivative is 0 at x == min or max.
    return tnp.where(x <= lo, _const(lo, x), tnp.where(x >= hi, _const(hi, x), x))


SOFTPLUS = Op("SoftplusBackward0", _softplus_fn, staged=True)
HARDTANH = Op("HardtanhBackward0", _hardtanh_fn)
DROPOUT = Op("MulBackward0", lambda x, keep: tnp.multiply(x, cast(keep, x.dtype)))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` above 0, ``negative_slope * x`` at or below.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.leaky_relu(torch.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return apply(LEAKY_RELU, (input,), slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` above 0, ``alpha * (exp(x) - 1)`` at or below.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.elu(torch.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    return apply(ELU, (input,), alpha=float(alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit: exact (``erf``) by default, or its ``"tanh"``
    approximation.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.gelu(torch.tensor([1.0]))
    tensor([0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(GELU, (input,), tanh=approximate == "tanh")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.silu(torch.tensor([0.0]))
    tensor([0.])
    """
    return apply(SILU, (input,))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.softplus(torch.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return apply(SOFTPLUS, (input,), beta=float(beta), threshold=float(threshold))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.hardtanh(torch.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return apply(HARDTANH, (input,), lo=float(min_val), hi=float(max_val))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.logsigmoid(torch.tensor([0.0]))
    tensor([-0.6931])
    """
    return apply(LOG_SIGMOID, (input,))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` (random numbers from the shim's generator); the input itself in eval.

    >>> import tracegrad.torch as torch
    >>> x = torch.ones(4)
    >>> torch.nn.functional.dropout(x, 0.5, training=False) is x
    True
    >>> set(torch.nn.functional.dropout(x, 0.5).tolist()) <= {0.0, 2.0}
    True
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        keep = np.zeros(input._value.shape, input._value.dtype)
    else:
        u = creation.rand(*input._value.shape, dtype=input.dtype)._value
        keep = (u < 1.0 - p).astype(input._value.dtype) / np.asarray(1.0 - p, input._value.dtype)
    return apply(DROPOUT, (input, keep))
