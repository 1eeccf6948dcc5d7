"""Normalisation layers: ``LayerNorm``, ``RMSNorm``, ``GroupNorm``, ``BatchNorm1d/2d/3d``
and ``InstanceNorm1d/2d/3d``, with PyTorch's parameters, buffers, defaults and printout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracegrad.torch import creation, dtypes
from tracegrad.torch.nn import _norm_functional as NF
from tracegrad.torch.nn import init
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.tensor import Tensor


def _dtype(dtype: Any) -> dtypes.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def _affine_params(m: Module, shape: tuple[int, ...], weight: bool, bias: bool, d: Any) -> None:
    if weight:
        m.weight = Parameter(creation.ones(*shape, dtype=d))
    else:
        m.register_parameter("weight", None)
    if weight and bias:
        m.bias = Parameter(creation.zeros(*shape, dtype=d))
    else:
        m.register_parameter("bias", None)


class LayerNorm(Module):
    """``F.layer_norm`` over the last dims, with a learnable scale (ones) and shift (zeros).

    >>> import tracegrad.torch as torch
    >>> torch.nn.LayerNorm(4)
    LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
        elementwise_affine: bool = True, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.normalized_shape = NF._shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_params(self, self.normalized_shape, elementwise_affine, bias, _dtype(dtype))

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return NF.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """``F.rms_norm`` over the last dims, with a learnable scale (ones).

    >>> import tracegrad.torch as torch
    >>> torch.nn.RMSNorm([4])
    RMSNorm((4,), eps=None, elementwise_affine=True)
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float | None = None,
        elementwise_affine: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.normalized_shape = NF._shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_params(self, self.normalized_shape, elementwise_affine, False, _dtype(dtype))

    def forward(self, input: Tensor) -> Tensor:
        return NF.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """``F.group_norm`` with a learnable per-channel scale and shift.

    >>> import tracegrad.torch as torch
    >>> torch.nn.GroupNorm(2, 4)
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
        bias: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_params(self, (num_channels,), affine, bias, _dtype(dtype))

    def forward(self, input: Tensor) -> Tensor:
        return NF.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _NormBase(Module):
    """Batch and instance norm: per-channel affine parameters and running statistics."""

    _dims: tuple[int, ...] = ()
    _track_default = True

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
        affine: bool = True, track_running_stats: bool | None = None, device: Any = None,
        dtype: Any = None, bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        if track_running_stats is None:
            track_running_stats = self._track_default
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        d = _dtype(dtype)
        _affine_params(self, (num_features,), affine, bias, d)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=d))
            self.register_buffer("running_var", creation.ones(num_features, dtype=d))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=dtypes.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        n = input._value.ndim
        if n not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {want} input (got {n}D input)")

    def _momentum(self) -> float:
        """The factor of this batch: ``momentum``, or ``1/num_batches_tracked`` (a
        cumulative average) when it is None; counts the batch when training."""
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                return 1.0 / float(self.num_batches_tracked.item())
        return 0.0 if self.momentum is None else self.momentum

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = self._momentum()
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return NF.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs; in training the batch
    statistics normalise and update ``running_mean``/``running_var`` (unbiased), in eval the
    running ones normalise.

    >>> import tracegrad.torch as torch
    >>> torch.nn.BatchNorm1d(3)
    BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` inputs (see ``BatchNorm1d``)."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` inputs (see ``BatchNorm1d``)."""

    _dims = (5,)


class _InstanceNorm(_NormBase):
    _track_default = False

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
        affine: bool = False, track_running_stats: bool = False, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        n = input._value.ndim
        if n not in self._dims:
            raise ValueError(
                f"expected {self._dims[0]}D or {self._dims[1]}D input (got {n}D input)"
            )
        if n == self._dims[0]:  # no batch dim
            out: Tensor = self.forward(input.unsqueeze(0))  # type: ignore[attr-defined]
            return out.squeeze(0)  # type: ignore[attr-defined, no-any-return]
        factor = 0.0 if self.momentum is None else self.momentum
        return NF.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            factor,
            self.eps,
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` (or ``(C, L)``) inputs.

    >>> import tracegrad.torch as torch
    >>> torch.nn.InstanceNorm1d(3)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` (or ``(C, H, W)``) inputs."""

    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) inputs."""

    _dims = (4, 5)
