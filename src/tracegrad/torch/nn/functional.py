"""``torch.nn.functional``: activations, ``softmax``/``log_softmax``, dropout and the losses
(``nll_loss``, ``cross_entropy`` and ``mse_loss`` here; BCE, L1, smooth L1, Huber and KL
divergence in ``_losses``), each recorded as PyTorch records it
(``cross_entropy`` is ``nll_loss(log_softmax(x))``, so its ``grad_fn`` is
``NllLossBackward0``)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._arith import relu as _relu
from tracegrad.torch._arith import sigmoid as _sigmoid
from tracegrad.torch._arith import tanh as _tanh
from tracegrad.torch._common import cast, result_dtype, value_dtype
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
    check_reduction,
    huber_loss,
    kl_div,
    l1_loss,
    size_warning,
    smooth_l1_loss,
)
from tracegrad.torch.nn._losses_more import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from tracegrad.torch.nn._misc_functional import (
    cosine_similarity,
    normalize,
    pad,
    pairwise_distance,
    scaled_dot_product_attention,
)
from tracegrad.torch.nn._norm_functional import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    rms_norm,
)
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
from tracegrad.torch.tensor import Tensor, wrap_dim

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


# ---- softmax -------------------------------------------------------------------------------

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
LOG_SOFTMAX = Op(
    "LogSoftmaxBackward0",
    lambda x, axis, dtype: tnn.log_softmax(cast(x, dtype), axis=axis),
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


# ---- nll_loss and cross_entropy ------------------------------------------------------------


def _reduce(losses: Any, weights: Any, reduction: str) -> Any:
    if reduction == "none":
        return losses
    total = tnp.sum(losses)
    return total if reduction == "sum" else tnp.true_divide(total, tnp.sum(weights))


def _class_terms(logp: Any, target: Any, weight: Any, ignore_index: int) -> tuple[Any, Any]:
    """``(picked log-probabilities, per-sample weights)`` for class targets; ignored samples
    get weight 0. ``logp`` has classes on axis 1."""
    keep = tnp.not_equal(target, ignore_index)
    safe = tnp.where(keep, target, 0)
    picked = tnp.squeeze(tnp.take_along_axis(logp, tnp.expand_dims(safe, 1), axis=1), axis=1)
    mask = cast(keep, logp.dtype)
    w = mask if weight is None else tnp.multiply(tnp.take(weight, safe), mask)
    return picked, w


def _nll_fn(
    logp: Any,
    target: Any,
    *weight: Any,
    ignore_index: int,
    reduction: str,
    smoothing: float,
    batched: bool,
) -> Any:
    if not batched:  # (C,) input and a 0-d target
        logp, target = tnp.expand_dims(logp, 0), tnp.expand_dims(target, 0)
    cw = weight[0] if weight else None
    picked, w = _class_terms(logp, target, cw, ignore_index)
    losses = tnp.negative(tnp.multiply(picked, w))
    out = _reduce(losses, w, reduction)
    if smoothing:
        n_classes = logp.shape[1]
        per_class = (
            logp
            if cw is None
            else tnp.multiply(logp, tnp.reshape(cw, (1, n_classes) + (1,) * (logp.ndim - 2)))
        )
        mask = cast(tnp.not_equal(target, ignore_index), logp.dtype)
        smooth = tnp.negative(tnp.multiply(tnp.sum(per_class, axis=1), mask))
        smooth_out = _reduce(smooth, w, reduction)
        out = tnp.add(
            tnp.multiply(out, 1.0 - smoothing), tnp.multiply(smooth_out, smoothing / n_classes)
        )
    if not batched and reduction == "none":
        out = tnp.squeeze(out, axis=0)
    return out


# The wrapper checks the targets, so the staged forward may index with them.
NLL_LOSS = Op("NllLossBackward0", _nll_fn, staged=True)
NLL_LOSS_2D = Op("NllLoss2DBackward0", _nll_fn, staged=True)
NLL_LOSS_VIEW = Op("ViewBackward0", _nll_fn, staged=True)
SMOOTHED_NLL_LOSS = Op("AddBackward0", _nll_fn, staged=True)


def _nll_op(ndim: int, reduction: str) -> Op:
    """PyTorch's node for nll_loss, which depends on how it reshapes spatial inputs."""
    if ndim < 3:
        return NLL_LOSS
    return NLL_LOSS_VIEW if reduction == "none" and ndim != 4 else NLL_LOSS_2D


def _check_weight(weight: Tensor | None) -> None:
    if weight is not None and weight.requires_grad:
        raise RuntimeError(
            "The function 'nll_loss_forward' is not differentiable with respect to argument "
            "'weight'. This input cannot have requires_grad True."
        )


def _check_class_target(input: Tensor, target: Tensor, ignore_index: int) -> bool:
    """Check class-index targets as PyTorch does; returns whether the input is batched."""
    t = target._value
    if t.dtype.kind not in "iu" or t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {dtypes.scalar_name(target.dtype)}"
        )
    shape = input._value.shape
    batched = len(shape) >= 2
    expected = (shape[0], *shape[2:]) if batched else ()
    if t.shape != expected:
        raise ValueError(
            f"Expected input batch_size ({shape[0] if batched else 1}) to match target "
            f"batch_size ({t.shape[0] if t.ndim else 1})."
            if batched
            else f"Expected 0-dim target for 1-dim input, got shape {tuple(t.shape)}"
        )
    n_classes = shape[1] if batched else shape[0]
    if not isinstance(t, np.ndarray):  # traced (torch.func): the values are not known here
        return batched
    bad = t[(t != ignore_index) & ((t < 0) | (t >= n_classes))]
    if bad.size:
        raise IndexError(f"Target {int(bad.reshape(-1)[0])} is out of bounds.")
    return batched


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood of class indices ``target`` under log-probabilities
    ``input`` (classes on dim 1), weighted by ``weight``, skipping ``ignore_index``.

    >>> import tracegrad.torch as torch
    >>> nll_loss(torch.tensor([[-1.0, -2.0], [-3.0, -0.5]]), torch.tensor([0, 1]))
    tensor(0.7500)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    batched = _check_class_target(input, target, ignore_index)
    _check_weight(weight)
    args = (input, target) if weight is None else (input, target, weight)
    return apply(
        _nll_op(input._value.ndim, reduction),
        args,
        ignore_index=int(ignore_index),
        reduction=reduction,
        smoothing=0.0,
        batched=batched,
    )


def _prob_fn(logp: Any, target: Any, *weight: Any, reduction: str, smoothing: float) -> Any:
    n_classes = logp.shape[1] if logp.ndim > 1 else logp.shape[0]
    axis = 1 if logp.ndim > 1 else 0
    target = cast(target, logp.dtype)
    if smoothing:
        target = tnp.add(tnp.multiply(target, 1.0 - smoothing), smoothing / n_classes)
    terms = tnp.multiply(logp, target)
    if weight:
        shape = (1, n_classes) + (1,) * (logp.ndim - 2) if logp.ndim > 1 else (n_classes,)
        terms = tnp.multiply(terms, tnp.reshape(weight[0], shape))
    losses = tnp.negative(tnp.sum(terms, axis=axis))
    if reduction == "none":
        return losses
    total = tnp.sum(losses)
    if reduction == "sum":
        return total
    return tnp.true_divide(total, max(1, int(np.prod(losses.shape))))


_PROB_OPS = {
    "mean": Op("DivBackward1", _prob_fn, staged=True),
    "sum": Op("NegBackward0", _prob_fn, staged=True),
    "none": Op("NegBackward0", _prob_fn, staged=True),
}


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The cross-entropy of logits ``input`` (classes on dim 1) against class indices or
    class probabilities ``target``.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> cross_entropy(x, torch.tensor([2]))
    tensor(0.4076, grad_fn=<NllLossBackward0>)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    dim = 1 if input._value.ndim >= 2 else 0
    logp = log_softmax(input, dim)
    if target._value.shape == input._value.shape:  # class probabilities, as PyTorch decides
        if target._value.dtype.kind != "f":
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{dtypes.scalar_name(target.dtype)}"
            )
        args = (logp, target) if weight is None else (logp, target, weight)
        return apply(
            _PROB_OPS[reduction], args, reduction=reduction, smoothing=float(label_smoothing)
        )
    batched = _check_class_target(input, target, ignore_index)
    _check_weight(weight)
    args = (logp, target) if weight is None else (logp, target, weight)
    op = SMOOTHED_NLL_LOSS if label_smoothing else _nll_op(input._value.ndim, reduction)
    return apply(
        op,
        args,
        ignore_index=int(ignore_index),
        reduction=reduction,
        smoothing=float(label_smoothing),
        batched=batched,
    )


# ---- mse_loss ------------------------------------------------------------------------------


def _mse_fn(x: Any, y: Any, dtype: np.dtype[Any], reduction: str) -> Any:
    d = tnp.subtract(cast(x, dtype), cast(y, dtype))
    sq = tnp.multiply(d, d)
    if reduction == "none":
        return sq
    return tnp.sum(sq) if reduction == "sum" else tnp.mean(sq)


MSE_LOSS = Op("MseLossBackward0", _mse_fn)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """The mean (or sum, or elementwise) squared difference of ``input`` and ``target``.

    >>> import tracegrad.torch as torch
    >>> mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    if weight is not None:
        raise NotImplementedError("tracegrad.torch.nn.functional.mse_loss: weight=")
    size_warning(input, target)
    d = result_dtype(input, target)
    return apply(MSE_LOSS, (input, target), dtype=d.np, reduction=reduction)


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
