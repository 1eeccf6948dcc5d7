"""``torch.optim``: ``Optimizer`` and ``SGD`` (momentum, dampening, Nesterov, weight decay,
maximize), updating parameters in place under ``no_grad`` as PyTorch does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tracegrad.torch.grad_mode import no_grad
from tracegrad.torch.tensor import Tensor

__all__ = ["SGD", "Optimizer"]


class Optimizer:
    """Base class: ``param_groups`` (a list of dicts with ``params`` and hyperparameters),
    ``zero_grad`` and per-parameter ``state``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        self.param_groups.append({**self.defaults, **group, "params": params})

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (set them to None by default)."""
        for g in self.param_groups:
            for p in g["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    p._grad._value[...] = 0

    def step(self, closure: Any = None) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for k, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {k}")
            lines += [f"    {key}: {g[key]}" for key in sorted(g) if key != "params"]
        return "\n".join([*lines, ")"])


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update rule and defaults.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> w, w.grad
    (tensor([0., 0.], requires_grad=True), None)
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
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }  # fmt: skip
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()`` if
        given (called with grad enabled)."""
        loss = None
        if closure is not None:
            loss = closure()
        with no_grad():
            for g in self.param_groups:
                lr, mom, damp = g["lr"], g["momentum"], g["dampening"]
                for p in g["params"]:
                    if p._grad is None:
                        continue
                    d = p._grad._value
                    if g["weight_decay"]:
                        d = d + g["weight_decay"] * p._value
                    if mom:
                        buf = self.state.setdefault(p, {}).get("momentum_buffer")
                        if buf is None:
                            buf = np.array(d, copy=True)
                            self.state[p]["momentum_buffer"] = buf
                        else:
                            buf *= mom
                            buf += (1 - damp) * d
                        d = d + mom * buf if g["nesterov"] else buf
                    # In place, as PyTorch: views and .data of the parameter see the update.
                    step = np.asarray(d * lr, dtype=p._value.dtype)
                    if g["maximize"]:
                        p._value += step
                    else:
                        p._value -= step
                    p._vc[0] += 1
        return loss
