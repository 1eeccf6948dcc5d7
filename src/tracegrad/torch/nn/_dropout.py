"""Dropout: ``F.dropout1d/2d/3d`` (whole channels), ``F.alpha_dropout`` and
``F.feature_alpha_dropout`` (keeping SELU's mean and variance), and the modules ``Dropout``,
``Dropout1d/2d/3d``, ``AlphaDropout``, ``FeatureAlphaDropout``. The masks come from the
shim's generator; the kept values are scaled as PyTorch scales them."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import creation
from tracegrad.torch._common import cast
from tracegrad.torch._inplace import _unary_inplace
from tracegrad.torch._random_ops import bernoulli_
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._module import Module
from tracegrad.torch.tensor import Tensor

_SELU_NEG = 1.7580993408473766  # scale * alpha of SELU: its value at -infinity, negated

DROPOUT = Op("MulBackward0", lambda x, keep: tnp.multiply(x, cast(keep, x.dtype)))
ALPHA_DROPOUT = Op("AddBackward0", lambda x, mul, add: tnp.add(tnp.multiply(x, mul), add))


def check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def keep_mask(input: Tensor, p: float, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """1 where kept (probability ``1 - p``), 0 where dropped, of ``shape`` and the input's
    dtype."""
    v = input._value
    if p == 1.0:
        return np.zeros(shape, v.dtype)
    # PyTorch's kernel draws the mask with bernoulli_(1 - p): the same numbers after a seed
    mask: np.ndarray[Any, Any] = bernoulli_(
        creation.empty(*shape, dtype=input.dtype), 1.0 - p
    )._value
    return mask


def masked(input: Tensor, keep: np.ndarray[Any, Any], p: float, inplace: bool) -> Tensor:
    """``input * keep / (1 - p)`` (``MulBackward0``), in place if asked."""
    v = input._value
    scale = keep if p == 1.0 else keep / np.asarray(1.0 - p, v.dtype)
    if inplace:
        return _unary_inplace(lambda t: apply(DROPOUT, (t, scale)))(input)
    return apply(DROPOUT, (input, scale))


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
    check_p(p)
    if not training or p == 0.0:
        return input
    return masked(input, keep_mask(input, p, input._value.shape), p, inplace)


def _feature_shape(input: Tensor) -> tuple[int, ...]:
    shape: tuple[int, ...] = input._value.shape
    return shape[:2] + (1,) * (len(shape) - 2)


def _feature_dropout(
    input: Tensor, p: float, training: bool, inplace: bool, batched: bool
) -> Tensor:
    check_p(p)
    if not training or p == 0.0:
        return input
    if not batched:  # as PyTorch: through a batch of one (SqueezeBackward1)
        one: Any = input.unsqueeze(0)  # type: ignore[attr-defined]
        return _feature_dropout(one, p, training, False, True).squeeze(0)  # type: ignore[attr-defined, no-any-return]
    return masked(input, keep_mask(input, p, _feature_shape(input)), p, inplace)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.dropout1d(torch.ones(2, 3, 4), 0.5, training=False).shape
    torch.Size([2, 3, 4])
    """
    n = input._value.ndim
    if n not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {n}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout(input, p, training, inplace, n == 3)


def _deprecated_dims(name: str, n: int, spatial: int) -> None:
    warnings.warn(
        f"{name}: Received a {n}-D input to {name}, which is deprecated and will result in an "
        f"error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {name} exists to provide channel-wise dropout on "
        f"inputs with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
        UserWarning,
        stacklevel=3,
    )


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` input with probability ``p`` (a 3-D input
    is taken as ``(N, C, L)``, with PyTorch's warning)."""
    n = input._value.ndim
    if n not in (3, 4):
        _deprecated_dims("dropout2d", n, 2)
    if n == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace, True)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with
    probability ``p``."""
    n = input._value.ndim
    if n not in (4, 5):
        _deprecated_dims("dropout3d", n, 3)
    return _feature_dropout(input, p, training, inplace, n == 5)


def _alpha(input: Tensor, p: float, training: bool, shape: tuple[int, ...]) -> Tensor:
    check_p(p)
    if not training or p == 0.0:
        return input
    v = input._value
    if p == 1.0:
        return apply(DROPOUT, (input, np.zeros((), v.dtype)))
    noise = keep_mask(input, p, shape)
    a = 1.0 / math.sqrt((_SELU_NEG * _SELU_NEG * p + 1) * (1 - p))
    add = ((noise - 1) * (_SELU_NEG * a) + _SELU_NEG * a * p).astype(v.dtype)
    return apply(ALPHA_DROPOUT, (input, (noise * a).astype(v.dtype), add))


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: dropped values go to SELU's negative saturation, then an
    affine map keeps the mean and variance (``training`` is False by default, as in PyTorch).

    >>> import tracegrad.torch as torch
    >>> x = torch.zeros(3)
    >>> torch.nn.functional.alpha_dropout(x, 0.2) is x
    True
    """
    return _alpha(input, p, training, input._value.shape)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """``alpha_dropout`` of whole channels (dim 1)."""
    return _alpha(input, p, training, _feature_shape(input))


class _DropoutNd(Module):
    _fn: Any = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_p(p)
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(input, self.p, self.training, self.inplace)
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """``F.dropout`` in training, the identity in eval.

    >>> import tracegrad.torch as torch
    >>> m = torch.nn.Dropout(0.2)
    >>> m
    Dropout(p=0.2, inplace=False)
    >>> x = torch.ones(3)
    >>> m.eval()(x) is x
    True
    """

    _fn = staticmethod(dropout)


class Dropout1d(_DropoutNd):
    """``F.dropout1d`` in training, the identity in eval."""

    _fn = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """``F.dropout2d`` in training, the identity in eval."""

    _fn = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    """``F.dropout3d`` in training, the identity in eval."""

    _fn = staticmethod(dropout3d)


class AlphaDropout(_DropoutNd):
    """``F.alpha_dropout`` in training, the identity in eval."""

    _fn = staticmethod(alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """``F.feature_alpha_dropout`` in training, the identity in eval."""

    _fn = staticmethod(feature_alpha_dropout)
