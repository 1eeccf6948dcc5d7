"""``torch.nn.functional``'s elementwise losses: ``mse_loss``, ``l1_loss``,
``smooth_l1_loss``, ``huber_loss``, ``kl_div`` and ``binary_cross_entropy`` (and
``_with_logits``), each one node named as PyTorch names it, its function written with
``tracegrad.numpy``; and the checks every loss shares (``check_reduction``, ...)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
import tracegrad.scipy.special as tsp
from tracegrad.torch import dtypes
from tracegrad.torch._arith import abs as _abs
from tracegrad.torch._common import cast, check_broadcast, result_dtype
from tracegrad.torch._reduce import mean as _mean
from tracegrad.torch._reduce import sum as _sum
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor


def check_reduction(reduction: str, size_average: Any, reduce: Any) -> str:
    """The ``reduction`` PyTorch's legacy ``size_average``/``reduce`` arguments stand for."""
    if size_average is not None or reduce is not None:
        sa = True if size_average is None else bool(size_average)
        rd = True if reduce is None else bool(reduce)
        reduction = "none" if not rd else ("mean" if sa else "sum")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduced(losses: Any, reduction: str) -> Any:
    if reduction == "none":
        return losses
    return tnp.sum(losses) if reduction == "sum" else tnp.mean(losses)


def size_warning(input: Tensor, target: Tensor) -> None:
    """PyTorch's warning for a target of another shape than the input (then its error if
    they do not broadcast)."""
    if input._value.shape != target._value.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
        check_broadcast(input._value.shape, target._value.shape)


# ---- binary cross-entropy ------------------------------------------------------------------


def _clamped_log(p: Any) -> Any:
    """``log(p)`` clamped at -100 as PyTorch's BCE clamps it; the inner ``where`` keeps the
    derivative at ``p = 0`` finite (0; PyTorch's own backward gives ``-1/1e-12`` there)."""
    floor = cast(np.asarray(-100.0), p.dtype)
    safe = tnp.where(p > 0, p, cast(np.asarray(1.0), p.dtype))
    return tnp.where(p > 0, tnp.maximum(tnp.log(safe), floor), floor)


def _bce_fn(p: Any, t: Any, *weight: Any, reduction: str) -> Any:
    one = cast(np.asarray(1.0), p.dtype)
    log_p, log_q = _clamped_log(p), _clamped_log(one - p)
    losses = tnp.negative(tnp.add(tnp.multiply(t, log_p), tnp.multiply(one - t, log_q)))
    if weight:
        losses = tnp.multiply(losses, weight[0])
    return _reduced(losses, reduction)


# The wrappers check the values; the forwards of these composites run staged.
BCE = Op("BinaryCrossEntropyBackward0", _bce_fn, staged=True)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """The binary cross-entropy of probabilities ``input`` against ``target`` in [0, 1].

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.binary_cross_entropy(torch.tensor([0.5, 0.9]), torch.tensor([1.0, 1.0]))
    tensor(0.3993)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    x, t = input._value, target._value
    if x.shape != t.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if x.dtype != t.dtype:
        raise RuntimeError(f"Found dtype {dtypes.scalar_name(target.dtype)} but expected "
                           f"{dtypes.scalar_name(input.dtype)}")  # fmt: skip
    if isinstance(x, np.ndarray) and x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if isinstance(t, np.ndarray) and t.size and (t.min() < 0 or t.max() > 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    args = (input, target) if weight is None else (input, target, weight)
    return apply(BCE, args, reduction=reduction)


def _bce_logits_fn(x: Any, t: Any, *ws: Any, reduction: str, has_weight: bool) -> Any:
    # -(pos_weight * t * log(sigmoid(x)) + (1 - t) * log(sigmoid(-x))), without overflow.
    one = cast(np.asarray(1.0), x.dtype)
    pos = tnp.multiply(t, tnn.log_sigmoid(x))
    if len(ws) > int(has_weight):
        pos = tnp.multiply(pos, ws[-1])
    losses = tnp.negative(tnp.add(pos, tnp.multiply(one - t, tnn.log_sigmoid(tnp.negative(x)))))
    if has_weight:
        losses = tnp.multiply(losses, ws[0])
    return _reduced(losses, reduction)


BCE_LOGITS = Op("BinaryCrossEntropyWithLogitsBackward0", _bce_logits_fn, staged=True)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean", pos_weight: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably; ``pos_weight``
    weighs the positive term (broadcast over the classes on the last dim).

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.binary_cross_entropy_with_logits(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 0.0]))
    tensor(1.4100)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    if input._value.shape != target._value.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    extra = [w for w in (weight, pos_weight) if w is not None]
    for w in extra:
        check_broadcast(w._value.shape, input._value.shape)
    return apply(
        BCE_LOGITS, (input, target, *extra), reduction=reduction, has_weight=weight is not None
    )


# ---- l1, smooth l1, huber ------------------------------------------------------------------


def l1_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """The mean (or sum, or elementwise) absolute difference; recorded as PyTorch records it
    (``abs(input - target)`` then ``mean``/``sum``).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.l1_loss(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))
    tensor(1.5000)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    size_warning(input, target)
    losses = _abs(input - target)  # type: ignore[operator]
    if reduction == "none":
        return losses
    return _sum(losses) if reduction == "sum" else _mean(losses)


def _smooth_fn(
    x: Any, y: Any, dtype: np.dtype[Any], beta: float, huber: bool, reduction: str
) -> Any:
    d = tnp.subtract(cast(x, dtype), cast(y, dtype))
    a = tnp.abs(d)
    quad = tnp.multiply(tnp.multiply(d, d), 0.5 if huber else 0.5 / beta)
    lin = tnp.multiply(a - 0.5 * beta, beta) if huber else a - 0.5 * beta
    return _reduced(tnp.where(a < beta, quad, lin), reduction)


SMOOTH_L1 = Op("SmoothL1LossBackward0", _smooth_fn, staged=True)
HUBER = Op("HuberLossBackward0", _smooth_fn, staged=True)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean", beta: float = 1.0,
) -> Tensor:  # fmt: skip
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input -
    target``); ``beta=0`` is ``l1_loss``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.smooth_l1_loss(torch.tensor([0.0, 0.0]), torch.tensor([0.5, 3.0]))
    tensor(1.3125)
    """
    reduction = check_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    size_warning(input, target)
    d = result_dtype(input, target)
    return apply(
        SMOOTH_L1, (input, target), dtype=d.np, beta=float(beta), huber=False, reduction=reduction
    )


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
    weight: Any = None,
) -> Tensor:  # fmt: skip
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.huber_loss(torch.tensor([0.0]), torch.tensor([3.0]), delta=2.0)
    tensor(4.)
    """
    reduction = check_reduction(reduction, None, None)
    if weight is not None:
        raise NotImplementedError("tracegrad.torch.nn.functional.huber_loss: weight=")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    size_warning(input, target)
    d = result_dtype(input, target)
    return apply(
        HUBER, (input, target), dtype=d.np, beta=float(delta), huber=True, reduction=reduction
    )


# ---- kl_div --------------------------------------------------------------------------------


def _kl_fn(x: Any, t: Any, dtype: np.dtype[Any], log_target: bool, reduction: str) -> Any:
    x, t = cast(x, dtype), cast(t, dtype)
    if log_target:
        pointwise = tnp.multiply(tnp.exp(t), tnp.subtract(t, x))
    else:  # target * (log(target) - input), 0 where target is 0
        pointwise = tnp.subtract(tsp.xlogy(t, t), tnp.multiply(t, x))
    if reduction == "batchmean":
        total = tnp.sum(pointwise)
        return tnp.true_divide(total, x.shape[0]) if x.ndim else total
    return _reduced(pointwise, reduction)


_KL_OPS = {
    ("none", False): Op("SubBackward0", _kl_fn, staged=True),
    ("none", True): Op("MulBackward0", _kl_fn, staged=True),
    "mean": Op("MeanBackward0", _kl_fn, staged=True),
    "sum": Op("SumBackward0", _kl_fn, staged=True),
    "batchmean": Op("DivBackward0", _kl_fn, staged=True),
}


def kl_div(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean", log_target: bool = False,
) -> Tensor:  # fmt: skip
    """The Kullback-Leibler divergence of ``target`` from log-probabilities ``input``
    (``target`` as log-probabilities too with ``log_target=True``); ``"batchmean"`` divides
    the sum by the batch size, the mathematical definition.

    >>> import tracegrad.torch as torch
    >>> logp = torch.tensor([[0.5, 0.5]]).log()
    >>> torch.nn.functional.kl_div(logp, torch.tensor([[0.25, 0.75]]), reduction="batchmean")
    tensor(0.1308)
    """
    if reduction == "batchmean":
        if size_average is not None or reduce is not None:
            reduction = check_reduction(reduction, size_average, reduce)
    else:
        reduction = check_reduction(reduction, size_average, reduce)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    check_broadcast(input._value.shape, target._value.shape)
    d = result_dtype(input, target)
    op = _KL_OPS[("none", bool(log_target)) if reduction == "none" else reduction]
    return apply(op, (input, target), dtype=d.np, log_target=bool(log_target), reduction=reduction)


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
