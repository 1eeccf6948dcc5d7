"""``torch.nn.functional``: the functions of ``torch.nn``, each recorded as PyTorch records
it (``cross_entropy`` is ``nll_loss(log_softmax(x))``, so its ``grad_fn`` is
``NllLossBackward0``). ``relu``, ``sigmoid``, ``tanh`` and ``linear`` are here; the rest
is re-exported from the private module of its family (``_activations``, ``_softmax``,
``_losses``, ``_class_losses``, ``_composed_losses``, ``_conv``, ``_pooling``, ``_pad``,
``_similarity``, ...)."""

from __future__ import annotations

import math
from typing import Any as _Any

import tracegrad.numpy as tnp
from tracegrad.core.exports import public_names as _public_names
from tracegrad.torch._arith import relu as _relu
from tracegrad.torch._arith import sigmoid as _sigmoid
from tracegrad.torch._arith import tanh as _tanh
from tracegrad.torch.graph import Op as _Op
from tracegrad.torch.graph import apply as _apply
from tracegrad.torch.nn._activations import celu as celu
from tracegrad.torch.nn._activations import celu_ as celu_
from tracegrad.torch.nn._activations import elu as elu
from tracegrad.torch.nn._activations import elu_ as elu_
from tracegrad.torch.nn._activations import gelu as gelu
from tracegrad.torch.nn._activations import glu as glu
from tracegrad.torch.nn._activations import hardshrink as hardshrink
from tracegrad.torch.nn._activations import hardsigmoid as hardsigmoid
from tracegrad.torch.nn._activations import hardswish as hardswish
from tracegrad.torch.nn._activations import hardtanh as hardtanh
from tracegrad.torch.nn._activations import hardtanh_ as hardtanh_
from tracegrad.torch.nn._activations import leaky_relu as leaky_relu
from tracegrad.torch.nn._activations import leaky_relu_ as leaky_relu_
from tracegrad.torch.nn._activations import logsigmoid as logsigmoid
from tracegrad.torch.nn._activations import mish as mish
from tracegrad.torch.nn._activations import prelu as prelu
from tracegrad.torch.nn._activations import relu6 as relu6
from tracegrad.torch.nn._activations import selu as selu
from tracegrad.torch.nn._activations import selu_ as selu_
from tracegrad.torch.nn._activations import silu as silu
from tracegrad.torch.nn._activations import softplus as softplus
from tracegrad.torch.nn._activations import softshrink as softshrink
from tracegrad.torch.nn._activations import softsign as softsign
from tracegrad.torch.nn._activations import tanhshrink as tanhshrink
from tracegrad.torch.nn._activations import threshold as threshold
from tracegrad.torch.nn._activations import threshold_ as threshold_
from tracegrad.torch.nn._class_losses import cross_entropy as cross_entropy
from tracegrad.torch.nn._class_losses import nll_loss as nll_loss
from tracegrad.torch.nn._composed_losses import cosine_embedding_loss as cosine_embedding_loss
from tracegrad.torch.nn._composed_losses import gaussian_nll_loss as gaussian_nll_loss
from tracegrad.torch.nn._composed_losses import hinge_embedding_loss as hinge_embedding_loss
from tracegrad.torch.nn._composed_losses import margin_ranking_loss as margin_ranking_loss
from tracegrad.torch.nn._composed_losses import (
    multilabel_soft_margin_loss as multilabel_soft_margin_loss,
)
from tracegrad.torch.nn._composed_losses import poisson_nll_loss as poisson_nll_loss
from tracegrad.torch.nn._composed_losses import soft_margin_loss as soft_margin_loss
from tracegrad.torch.nn._composed_losses import triplet_margin_loss as triplet_margin_loss
from tracegrad.torch.nn._conv import conv1d as conv1d
from tracegrad.torch.nn._conv import conv2d as conv2d
from tracegrad.torch.nn._conv import conv3d as conv3d
from tracegrad.torch.nn._conv import conv_transpose1d as conv_transpose1d
from tracegrad.torch.nn._conv import conv_transpose2d as conv_transpose2d
from tracegrad.torch.nn._dropout import alpha_dropout as alpha_dropout
from tracegrad.torch.nn._dropout import dropout as dropout
from tracegrad.torch.nn._dropout import dropout1d as dropout1d
from tracegrad.torch.nn._dropout import dropout2d as dropout2d
from tracegrad.torch.nn._dropout import dropout3d as dropout3d
from tracegrad.torch.nn._dropout import feature_alpha_dropout as feature_alpha_dropout
from tracegrad.torch.nn._embedding import bilinear as bilinear
from tracegrad.torch.nn._embedding import embedding as embedding
from tracegrad.torch.nn._embedding import one_hot as one_hot
from tracegrad.torch.nn._losses import binary_cross_entropy as binary_cross_entropy
from tracegrad.torch.nn._losses import (
    binary_cross_entropy_with_logits as binary_cross_entropy_with_logits,
)
from tracegrad.torch.nn._losses import huber_loss as huber_loss
from tracegrad.torch.nn._losses import kl_div as kl_div
from tracegrad.torch.nn._losses import l1_loss as l1_loss
from tracegrad.torch.nn._losses import mse_loss as mse_loss
from tracegrad.torch.nn._losses import smooth_l1_loss as smooth_l1_loss
from tracegrad.torch.nn._norm_functional import batch_norm as batch_norm
from tracegrad.torch.nn._norm_functional import group_norm as group_norm
from tracegrad.torch.nn._norm_functional import instance_norm as instance_norm
from tracegrad.torch.nn._norm_functional import layer_norm as layer_norm
from tracegrad.torch.nn._norm_functional import rms_norm as rms_norm
from tracegrad.torch.nn._pad import pad as pad
from tracegrad.torch.nn._pooling import adaptive_avg_pool1d as adaptive_avg_pool1d
from tracegrad.torch.nn._pooling import adaptive_avg_pool2d as adaptive_avg_pool2d
from tracegrad.torch.nn._pooling import adaptive_max_pool1d as adaptive_max_pool1d
from tracegrad.torch.nn._pooling import adaptive_max_pool2d as adaptive_max_pool2d
from tracegrad.torch.nn._pooling import avg_pool1d as avg_pool1d
from tracegrad.torch.nn._pooling import avg_pool2d as avg_pool2d
from tracegrad.torch.nn._pooling import max_pool1d as max_pool1d
from tracegrad.torch.nn._pooling import max_pool2d as max_pool2d
from tracegrad.torch.nn._similarity import cosine_similarity as cosine_similarity
from tracegrad.torch.nn._similarity import normalize as normalize
from tracegrad.torch.nn._similarity import pairwise_distance as pairwise_distance
from tracegrad.torch.nn._similarity import (
    scaled_dot_product_attention as scaled_dot_product_attention,
)
from tracegrad.torch.nn._softmax import log_softmax as log_softmax
from tracegrad.torch.nn._softmax import softmax as softmax
from tracegrad.torch.nn._softmax import softmin as softmin
from tracegrad.torch.tensor import Tensor as _Tensor


def relu(input: _Tensor, inplace: bool = False) -> _Tensor:
    """``max(x, 0)``; its derivative at 0 is 0, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if inplace:
        out: _Tensor = input.relu_()  # type: ignore[attr-defined]
        return out
    return _relu(input)


def relu_(input: _Tensor) -> _Tensor:
    """``relu(input, inplace=True)``.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([-1.0, 2.0])
    >>> relu_(x) is x, x
    (True, tensor([0., 2.]))
    """
    return relu(input, inplace=True)


def sigmoid(input: _Tensor) -> _Tensor:
    """The logistic sigmoid.

    >>> import tracegrad.torch as torch
    >>> sigmoid(torch.tensor([0.0]))
    tensor([0.5000])
    """
    return _sigmoid(input)


def tanh(input: _Tensor) -> _Tensor:
    """The hyperbolic tangent.

    >>> import tracegrad.torch as torch
    >>> tanh(torch.tensor([0.0]))
    tensor([0.])
    """
    return _tanh(input)


# ---- linear ------------------------------------------------------------------------------------


def _linear_fn(x: _Any, w: _Any, *b: _Any) -> _Any:
    out = tnp.matmul(x, tnp.transpose(w))
    return tnp.add(out, b[0]) if b else out


_LINEAR_OPS: dict[str, _Op] = {}


def _linear_name(ndim: int, bias: bool) -> str:
    """The grad_fn PyTorch's linear leaves for an input of ``ndim`` dims."""
    if ndim == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if ndim == 1:
        return "ViewBackward0" if bias else "SqueezeBackward4"
    return "ViewBackward0" if bias else "UnsafeViewBackward0"


def linear(input: _Tensor, weight: _Tensor, bias: _Tensor | None = None) -> _Tensor:
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
        op = _LINEAR_OPS[name] = _Op(name, _linear_fn)
    args = (input, weight) if bias is None else (input, weight, bias)
    return _apply(op, args)


__all__ = _public_names(globals())
