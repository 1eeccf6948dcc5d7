"""``torch.optim.SGD``: stochastic gradient descent with momentum, dampening, Nesterov
momentum, weight decay and ``maximize``, with PyTorch's update arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracegrad.torch.optim._kernels import fma, fma_, mul_
from tracegrad.torch.optim.optimizer import Array, Optimizer, arr, bump, state_tensor
from tracegrad.torch.tensor import Tensor


def check_non_negative(**values: float) -> None:
    """PyTorch's checks of hyperparameters that must be >= 0, in PyTorch's words."""
    words = {"lr": "learning rate", "eps": "epsilon value"}
    for name, v in values.items():
        if not v >= 0.0:  # NaN too
            raise ValueError(f"Invalid {words.get(name, name + ' value')}: {v}")


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update rule and defaults.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> w, w.grad
    (tensor([0., 0.], requires_grad=True), None)
    >>> torch.optim.SGD([w], lr=-1)
    Traceback (most recent call last):
    ValueError: Invalid learning rate: -1
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }  # fmt: skip
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        pass  # the momentum buffer starts as the first gradient

    def _update(self, group: dict[str, Any], p: Tensor, grad: Array, state: dict[str, Any]) -> None:
        x, ws = arr(p), self._workspace
        if group["weight_decay"] != 0:
            grad = fma(grad, group["weight_decay"], x, ws)
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = state_tensor(grad)
            else:
                b = mul_(arr(buf), momentum)
                fma_(b, b, 1 - group["dampening"], grad, ws)
                bump(buf, buf)
            b = arr(buf)
            grad = fma(grad, momentum, b, ws) if group["nesterov"] else b
        fma_(x, x, -group["lr"], grad, ws)
        bump(p)
