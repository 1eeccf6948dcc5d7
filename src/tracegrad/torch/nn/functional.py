"""``torch.nn.functional``: activations, ``softmax``/``log_softmax``, dropout and the losses
(``nll_loss``, ``cross_entropy`` and ``mse_loss`` here; BCE, L1, smooth L1, Huber and KL
divergence in ``_losses``), each recorded as PyTorch records it
(``cross_entropy`` is ``nll_loss(log_softmax(x))``, so its ``grad_fn`` is
``NllLossBackward0``)."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as tnp
from tracegrad.torch._arith import relu as _relu
from tracegrad.torch._arith import sigmoid as _sigmoid
from tracegrad.torch._arith import tanh as _tanh
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._activations import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    selu_,
    silu,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from tracegrad.torch.nn._class_losses import cross_entropy, nll_loss
from tracegrad.torch.nn._composed_losses import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from tracegrad.torch.nn._conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
)
from tracegrad.torch.nn._dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from tracegrad.torch.nn._embedding import bilinear, embedding, one_hot
from tracegrad.torch.nn._losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from tracegrad.torch.nn._norm_functional import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    rms_norm,
)
from tracegrad.torch.nn._pad import pad
from tracegrad.torch.nn._pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from tracegrad.torch.nn._similarity import (
    cosine_similarity,
    normalize,
    pairwise_distance,
    scaled_dot_product_attention,
)
from tracegrad.torch.nn._softmax import log_softmax, softmax, softmin
from tracegrad.torch.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "elu_",
    "embedding",
    "feature_alpha_dropout",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "group_norm",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "hinge_embedding_loss",
    "huber_loss",
    "instance_norm",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "log_softmax",
    "logsigmoid",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool2d",
    "mish",
    "mse_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "poisson_nll_loss",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rms_norm",
    "scaled_dot_product_attention",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``; its derivative at 0 is 0, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if inplace:
        out: Tensor = input.relu_()  # type: ignore[attr-defined]
        return out
    return _relu(input)


def relu_(input: Tensor) -> Tensor:
    """``relu(input, inplace=True)``.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([-1.0, 2.0])
    >>> relu_(x) is x, x
    (True, tensor([0., 2.]))
    """
    return relu(input, inplace=True)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic sigmoid.

    >>> import tracegrad.torch as torch
    >>> sigmoid(torch.tensor([0.0]))
    tensor([0.5000])
    """
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent.

    >>> import tracegrad.torch as torch
    >>> tanh(torch.tensor([0.0]))
    tensor([0.])
    """
    return _tanh(input)


# ---- linear ------------------------------------------------------------------------------------


def _linear_fn(x: Any, w: Any, *b: Any) -> Any:
    out = tnp.matmul(x, tnp.transpose(w))
    return tnp.add(out, b[0]) if b else out


_LINEAR_OPS: dict[str, Op] = {}


def _linear_name(ndim: int, bias: bool) -> str:
    """The grad_fn PyTorch's linear leaves for an input of ``ndim`` dims."""
    if ndim == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if ndim == 1:
        return "ViewBackward0" if bias else "SqueezeBackward4"
    return "ViewBackward0" if bias else "UnsafeViewBackward0"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, recorded as one node (``AddmmBackward0`` for a batch).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.linear(torch.ones(1, 2), torch.ones(3, 2), torch.zeros(3))
    tensor([[2., 2., 2.]])
    """
    x, w = input._value, weight._value
    if x.shape[-1] != w.shape[-1]:
        rows = math.prod(x.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
            f"{w.shape[1]}x{w.shape[0]})"
        )
    name = _linear_name(x.ndim, bias is not None)
    op = _LINEAR_OPS.get(name)
    if op is None:
        op = _LINEAR_OPS[name] = Op(name, _linear_fn)
    args = (input, weight) if bias is None else (input, weight, bias)
    return apply(op, args)
