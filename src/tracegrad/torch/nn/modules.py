"""A minimal ``torch.nn``: ``Parameter``, ``Module`` (parameters, submodules, train/eval,
``zero_grad``, ``state_dict``), ``Linear``, ``Sequential``, activations and loss modules, so
that a typical PyTorch training loop runs unchanged."""

from __future__ import annotations

import math
from typing import Any

from tracegrad.torch import creation, dtypes
from tracegrad.torch._arith import sigmoid, tanh
from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn import init as nn_init
from tracegrad.torch.nn._activation_modules import ReLU
from tracegrad.torch.nn._containers import Sequential
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.tensor import Tensor

__all__ = [
    "CrossEntropyLoss", "Flatten", "Identity", "Linear", "MSELoss", "Module", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Tanh",
]  # fmt: skip


# ---- layers --------------------------------------------------------------------------------------


class Linear(Module):
    """``y = x @ weight.T + bias``, initialised as PyTorch's ``reset_parameters`` (weights
    and bias uniform in ``±1/sqrt(in_features)``, from the shim's generator).

    >>> import tracegrad.torch as torch
    >>> torch.nn.Linear(3, 2)
    Linear(in_features=3, out_features=2, bias=True)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None,
        device: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=d))
        if bias:
            self.bias: Parameter | None = Parameter(creation.empty(out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(a=sqrt(5))`` for the weight (bounds
        ``±1/sqrt(in_features)``), the bias uniform in the same bounds."""
        nn_init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn_init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn_init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Tanh(Module):
    """The hyperbolic tangent, as a module."""

    def forward(self, input: Tensor) -> Tensor:
        return tanh(input)


class Sigmoid(Module):
    """The logistic sigmoid, as a module."""

    def forward(self, input: Tensor) -> Tensor:
        return sigmoid(input)


class Identity(Module):
    """Returns its input (arguments are accepted and ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` (1 to -1 by default)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = input.flatten(self.start_dim, self.end_dim)  # type: ignore[attr-defined]
        return out

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` as a module."""

    def __init__(
        self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__()
        self.weight, self.ignore_index = weight, ignore_index
        self.reduction, self.label_smoothing = reduction, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input, target, weight=self.weight, ignore_index=self.ignore_index,
            reduction=self.reduction, label_smoothing=self.label_smoothing,
        )  # fmt: skip


class MSELoss(Module):
    """``F.mse_loss`` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)
