"""``torch.nn.functional`` normalisations: ``layer_norm``, ``rms_norm``, ``group_norm``,
``batch_norm`` and ``instance_norm``. Each is one node named as PyTorch names it, its
function written with ``tracegrad.numpy``; running statistics are updated in place (not
recorded, their version unchanged) with the unbiased variance, as PyTorch updates them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch._views import check_writable
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor


def _normalize(x: Any, axes: tuple[int, ...], eps: float, rms: bool = False) -> Any:
    """``x`` minus its mean (unless ``rms``) over ``axes``, over the root of the (biased)
    variance (or mean square) plus ``eps``."""
    if not rms:
        x = tnp.subtract(x, tnp.mean(x, axis=axes, keepdims=True))
    sq = tnp.mean(tnp.multiply(x, x), axis=axes, keepdims=True)
    rstd = tnp.true_divide(1.0, tnp.sqrt(tnp.add(sq, np.asarray(eps, sq.dtype))))
    return tnp.multiply(x, rstd)


def _affine(y: Any, wb: tuple[Any, ...], has_w: bool, shape: tuple[int, ...]) -> Any:
    """``y * weight + bias`` (either may be absent), both reshaped to ``shape``."""
    rest = list(wb)
    if has_w:
        y = tnp.multiply(y, tnp.reshape(rest.pop(0), shape))
    if rest:
        y = tnp.add(y, tnp.reshape(rest[0], shape))
    return y


def _wb(weight: Tensor | None, bias: Tensor | None) -> tuple[Tensor, ...]:
    return tuple(t for t in (weight, bias) if t is not None)


# ---- layer_norm, rms_norm ------------------------------------------------------------------


def _layer_fn(x: Any, *wb: Any, k: int, eps: float, has_w: bool, rms: bool) -> Any:
    axes = tuple(range(x.ndim - k, x.ndim))
    return _affine(_normalize(x, axes, eps, rms), wb, has_w, tuple(x.shape[x.ndim - k :]))


LAYER_NORM = Op("NativeLayerNormBackward0", _layer_fn)
RMS_NORM = Op("MulBackward0", _layer_fn)


def _check_normalized(
    input: Tensor, shape: tuple[int, ...], weight: Tensor | None, sep: str
) -> None:
    x = input._value.shape
    if x[len(x) - len(shape) :] != shape or len(x) < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{sep}{', '.join(map(str, shape))}], but got input of size{list(x)}"
        )
    if weight is not None and weight._value.shape != shape:
        raise RuntimeError(
            "Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight._value.shape)} and normalized_shape = {list(shape)}"
        )


def _shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.layer_norm(torch.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    shape = _shape(normalized_shape)
    _check_normalized(input, shape, weight, ", ")
    return apply(
        LAYER_NORM,
        (input, *_wb(weight, bias)),
        k=len(shape),
        eps=float(eps),
        has_w=weight is not None,
        rms=False,
    )


def rms_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last dims (``eps`` defaults to the
    dtype's machine epsilon).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.rms_norm(torch.tensor([[3.0, 4.0]]), (2,))
    tensor([[0.8485, 1.1314]])
    """
    shape = _shape(normalized_shape)
    _check_normalized(input, shape, weight, "")
    if eps is None:
        eps = float(np.finfo(input._value.dtype).eps)
    return apply(
        RMS_NORM,
        (input, *_wb(weight, None)),
        k=len(shape),
        eps=float(eps),
        has_w=weight is not None,
        rms=True,
    )


# ---- group_norm ----------------------------------------------------------------------------


def _group_fn(x: Any, *wb: Any, groups: int, eps: float, has_w: bool) -> Any:
    n, c = x.shape[0], x.shape[1]
    y = _normalize(tnp.reshape(x, (n, groups, -1)), (2,), eps)
    y = tnp.reshape(y, x.shape)
    return _affine(y, wb, has_w, (1, c) + (1,) * (x.ndim - 2))


GROUP_NORM = Op("NativeGroupNormBackward0", _group_fn)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of ``C // num_groups`` channels (with the dims after them) per
    sample, then scale and shift per channel.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.group_norm(torch.tensor([[1.0, 3.0]]), 1)
    tensor([[-1.0000,  1.0000]])
    """
    shape = input._value.shape
    if len(shape) < 2 or shape[1] % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(shape)} and num_groups={num_groups}"
        )
    return apply(
        GROUP_NORM,
        (input, *_wb(weight, bias)),
        groups=int(num_groups),
        eps=float(eps),
        has_w=weight is not None,
    )


# ---- batch_norm, instance_norm -------------------------------------------------------------


def _batch_fn(x: Any, *rest: Any, eps: float, has_w: bool, stats: bool) -> Any:
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if stats:  # normalise with the running statistics
        mean, var, *wb = rest
        rstd = tnp.true_divide(1.0, tnp.sqrt(tnp.add(var, np.asarray(eps, var.dtype))))
        y = tnp.multiply(tnp.subtract(x, tnp.reshape(mean, shape)), tnp.reshape(rstd, shape))
    else:
        wb = list(rest)
        y = _normalize(x, (0, *range(2, x.ndim)), eps)
    return _affine(y, tuple(wb), has_w, shape)


BATCH_NORM = Op("NativeBatchNormBackward0", _batch_fn)


def _update_stats(
    running_mean: Tensor | None,
    running_var: Tensor | None,
    value: np.ndarray[Any, Any],
    axes: tuple[int, ...],
    momentum: float,
) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, the batch variance
    unbiased; ``value`` is reduced over ``axes`` (then over what remains before dim 1)."""
    n = math.prod(value.shape[a] for a in axes)
    mean = value.mean(axis=axes)
    var = value.var(axis=axes) * (n / max(n - 1, 1))
    while mean.ndim > 1:  # instance_norm: average the per-sample statistics
        mean, var = mean.mean(axis=0), var.mean(axis=0)
    for run, batch in ((running_mean, mean), (running_var, var)):
        if run is not None:  # written as PyTorch's kernel writes it: the version stays
            r = run._value
            check_writable(run)
            r[...] = (1 - momentum) * r + momentum * batch.astype(r.dtype)


def _check_stats(name: str, t: Tensor | None, c: int) -> None:
    if t is not None and t._value.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._value.size}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) with the batch statistics (``training``, which also
    updates the running ones) or with the running statistics, then scale and shift.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> rm, rv = torch.zeros(1), torch.ones(1)
    >>> torch.nn.functional.batch_norm(x, rm, rv, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> rm, rv
    (tensor([0.2000]), tensor([1.1000]))
    """
    shape = input._value.shape
    c = shape[1] if len(shape) > 1 else 0
    _check_stats("running_mean", running_mean, c)
    _check_stats("running_var", running_var, c)
    if training:
        if math.prod(shape) // max(c, 1) <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{input.shape}"
            )
        axes = (0, *range(2, len(shape)))
        _update_stats(running_mean, running_var, input._value, axes, momentum)
        args: tuple[Tensor, ...] = (input,)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        args = (input, running_mean, running_var)
    return apply(
        BATCH_NORM,
        (*args, *_wb(weight, bias)),
        eps=float(eps),
        has_w=weight is not None,
        stats=not training,
    )


def _instance_fn(x: Any, *wb: Any, eps: float, has_w: bool) -> Any:
    y = _normalize(x, tuple(range(2, x.ndim)), eps)
    return _affine(y, wb, has_w, (1, x.shape[1]) + (1,) * (x.ndim - 2))


INSTANCE_NORM = Op("ViewBackward0", _instance_fn)
INSTANCE_NORM_STATS = Op("ViewBackward0", _batch_fn)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims (``use_input_stats``),
    or with the running statistics; then scale and shift per channel.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.instance_norm(torch.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    shape = input._value.shape
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        return apply(
            INSTANCE_NORM_STATS,
            (input, running_mean, running_var, *_wb(weight, bias)),
            eps=float(eps),
            has_w=weight is not None,
            stats=True,
        )
    if math.prod(shape[2:]) <= 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {input.shape}"
        )
    axes = tuple(range(2, len(shape)))
    _update_stats(running_mean, running_var, input._value, axes, momentum)
    return apply(
        INSTANCE_NORM, (input, *_wb(weight, bias)), eps=float(eps), has_w=weight is not None
    )
