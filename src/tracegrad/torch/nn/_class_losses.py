"""``torch.nn.functional``'s losses over class scores: ``nll_loss`` and ``cross_entropy``
(class indices or class probabilities, weights, ``ignore_index``, label smoothing), one
node each named as PyTorch names it (which depends on how it reshapes spatial inputs)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.ops.indexing import gather
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._losses import check_reduction
from tracegrad.torch.nn._softmax import log_softmax
from tracegrad.torch.tensor import Tensor


def _reduce(losses: Any, weights: Any, reduction: str) -> Any:
    if reduction == "none":
        return losses
    total = tnp.sum(losses)
    return total if reduction == "sum" else tnp.true_divide(total, tnp.sum(weights))


def _class_terms(
    logp: Any, target: Any, weight: Any, ignore_index: int, checked: bool
) -> tuple[Any, Any]:
    """``(picked log-probabilities, per-sample weights)`` for class targets; ignored samples
    get weight 0. ``logp`` has classes on axis 1; ``checked``: the targets' values were
    checked in bounds."""
    keep = tnp.not_equal(target, ignore_index)
    safe = tnp.where(keep, target, 0)
    if logp.ndim == 2:  # (N, C): logp[i, safe[i]], one position per row
        mode = "promise_in_bounds" if checked else "clip"
        rows = np.arange(logp.shape[0])
        picked = gather(logp, rows, safe, mode=mode, unique_indices=True)
    else:
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
    checked: bool,
) -> Any:
    if not batched:  # (C,) input and a 0-d target
        logp, target = tnp.expand_dims(logp, 0), tnp.expand_dims(target, 0)
    cw = weight[0] if weight else None
    picked, w = _class_terms(logp, target, cw, ignore_index, checked)
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


def _check_class_target(input: Tensor, target: Tensor, ignore_index: int) -> tuple[bool, bool]:
    """Check class-index targets as PyTorch does; returns whether the input is batched and
    whether the targets' values were checked (not when traced)."""
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
        return batched, False
    # One pass for the usual targets: read as unsigned, a negative one is above every class.
    if t.size and (t.view(np.uint64) if t.dtype.kind == "i" else t).max() < n_classes:
        return batched, True
    bad = t[(t != ignore_index) & ((t < 0) | (t >= n_classes))]
    if bad.size:
        raise IndexError(f"Target {int(bad.reshape(-1)[0])} is out of bounds.")
    return batched, True


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
    batched, checked = _check_class_target(input, target, ignore_index)
    _check_weight(weight)
    args = (input, target) if weight is None else (input, target, weight)
    return apply(
        _nll_op(input._value.ndim, reduction),
        args,
        ignore_index=int(ignore_index),
        reduction=reduction,
        smoothing=0.0,
        batched=batched,
        checked=checked,
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
    batched, checked = _check_class_target(input, target, ignore_index)
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
        checked=checked,
    )
