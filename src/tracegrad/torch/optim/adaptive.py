"""``torch.optim.RMSprop`` and ``torch.optim.Adagrad``: per-entry step sizes from running
sums of squared gradients, in the arithmetic of PyTorch's single-tensor implementations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tracegrad.torch.optim._kernels import addcdiv_, addcmul_, fma, fma_, lerp_, mul_, scalar
from tracegrad.torch.optim.optimizer import (
    Array,
    Optimizer,
    arr,
    bump,
    count_step,
    state_tensor,
    step_tensor,
)
from tracegrad.torch.optim.sgd import check_non_negative
from tracegrad.torch.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop (Hinton), PyTorch's defaults ``lr=1e-2, alpha=0.99, eps=1e-8``; ``centered``
    divides by an estimate of the gradient's variance instead of its second moment.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_non_negative(
            lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha
        )
        defaults = {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
            "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        zeros = np.zeros_like(p._value)
        state["step"] = step_tensor()
        state["square_avg"] = state_tensor(zeros)
        if group["momentum"] > 0:
            state["momentum_buffer"] = state_tensor(zeros)
        if group["centered"]:
            state["grad_avg"] = state_tensor(zeros)

    def _update(self, group: dict[str, Any], p: Tensor, grad: Array, state: dict[str, Any]) -> None:
        x, ws = arr(p), self._workspace
        alpha, lr = group["alpha"], group["lr"]
        count_step(state["step"])
        if group["weight_decay"] != 0:
            grad = fma(grad, group["weight_decay"], x, ws)
        square_avg = state["square_avg"]
        sq = addcmul_(arr(square_avg), grad, grad, 1 - alpha, ws, decay=alpha)
        bump(square_avg, square_avg)
        if group["centered"]:
            g_avg = lerp_(arr(state["grad_avg"]), grad, 1 - alpha, ws)
            bump(state["grad_avg"])
            avg = np.sqrt(fma(sq, np.multiply(g_avg, scalar(-1, g_avg)), g_avg, ws))
        else:
            avg = np.sqrt(sq)
        np.add(avg, scalar(group["eps"], avg), out=avg)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            b = addcdiv_(mul_(arr(buf), group["momentum"]), grad, avg, 1, ws)
            bump(buf, buf)
            fma_(x, x, -lr, b, ws)
        else:
            addcdiv_(x, grad, avg, -lr, ws)
        bump(p)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's defaults ``lr=1e-2, lr_decay=0, eps=1e-10``; its
    state (``step`` and ``sum``) exists from construction on, as in PyTorch.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_non_negative(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(group, p, self.state[p])

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        init = group["initial_accumulator_value"]
        state["step"] = step_tensor()
        state["sum"] = state_tensor(
            np.full_like(p._value, complex(init, init) if p._value.dtype.kind == "c" else init)
        )

    def _update(self, group: dict[str, Any], p: Tensor, grad: Array, state: dict[str, Any]) -> None:
        x, ws = arr(p), self._workspace
        step = count_step(state["step"])
        if group["weight_decay"] != 0:
            grad = fma(grad, group["weight_decay"], x, ws)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = addcmul_(arr(state["sum"]), grad, grad, 1, ws)
        bump(state["sum"])
        std = np.sqrt(s)
        np.add(std, scalar(group["eps"], s), out=std)
        addcdiv_(x, grad, std, -clr, ws)
        bump(p)
