"""``torch.optim.Adam`` and ``AdamW`` (Adam with decoupled weight decay), with ``amsgrad``
and ``maximize``, in the arithmetic of PyTorch's single-tensor implementation (the one it
runs on CPU)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tracegrad.torch.optim._kernels import addcdiv_, addcmul_, fma, lerp_, mul_, scalar
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


class Adam(Optimizer):
    """Adam (Kingma and Ba), PyTorch's defaults ``lr=1e-3, betas=(0.9, 0.999), eps=1e-8``.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    >>> sorted(opt.state[w])
    ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps)
        for k in (0, 1):
            if not 0.0 <= betas[k] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {k}: {betas[k]}")
        check_non_negative(weight_decay=weight_decay)
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
            "capturable": capturable, "differentiable": differentiable, "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        zeros = np.zeros_like(p._value)
        state["step"] = step_tensor()
        state["exp_avg"] = state_tensor(zeros)
        state["exp_avg_sq"] = state_tensor(zeros)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = state_tensor(zeros)

    def _update(self, group: dict[str, Any], p: Tensor, grad: Array, state: dict[str, Any]) -> None:
        x, ws = arr(p), self._workspace
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
        step = count_step(step_t)
        if wd != 0:
            if group["decoupled_weight_decay"]:
                mul_(x, 1 - lr * wd)
                bump(p)
            else:
                grad = fma(grad, wd, x, ws)
        lerp_(arr(exp_avg), grad, 1 - beta1, ws)
        sq = addcmul_(arr(exp_avg_sq), grad, grad, 1 - beta2, ws, decay=beta2)
        bump(exp_avg, exp_avg_sq, exp_avg_sq)
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            top = state["max_exp_avg_sq"]
            sq = np.maximum(arr(top), sq, out=arr(top))
            bump(top)
        denom = np.sqrt(sq, out=ws.take("denom", sq.shape, sq.dtype))
        bias_correction2_sqrt = scalar(bias_correction2_sqrt, sq)
        # 1 in the dtype once beta2**step is below half its epsilon (float32: from step
        # 16,628 at beta2=0.999): a division by 1 changes no bit, so the pass is skipped.
        if bias_correction2_sqrt != 1:
            np.divide(denom, bias_correction2_sqrt, out=denom)
        np.add(denom, scalar(group["eps"], sq), out=denom)
        addcdiv_(x, arr(exp_avg), denom, -step_size, ws)
        bump(p)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): ``weight_decay=1e-2``
    multiplies the parameters by ``1 - lr * weight_decay`` before the Adam step.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0], requires_grad=True)
    >>> opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.sum().backward(); opt.step()
    >>> w
    tensor([0.8500], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=True,
        )  # fmt: skip
