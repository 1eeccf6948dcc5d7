"""``clip_grad_norm_`` and ``clip_grad_value_``: rescale or clamp the ``.grad`` of
parameters in place (under ``no_grad``, bumping their versions as PyTorch does)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tracegrad.torch.grad_mode import no_grad
from tracegrad.torch.tensor import Tensor, wrap


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p._grad for p in params if p._grad is not None]


def _norm(v: np.ndarray[Any, Any], p: float) -> Any:
    a = np.abs(v.reshape(-1))
    if p == math.inf:
        return a.max(initial=0)
    if p == -math.inf:
        return a.min(initial=np.inf)
    if p == 0:
        return (a != 0).sum().astype(v.dtype)
    return (a**p).sum() ** (1 / p)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients so that their total ``norm_type``-norm (the norm of the
    per-parameter norms) is at most ``max_norm``; returns the total norm before clipping.

    >>> import tracegrad.torch as torch
    >>> w = torch.nn.Parameter(torch.ones(4))
    >>> w.grad = torch.full((4,), 2.0)
    >>> torch.nn.utils.clip_grad_norm_([w], 1.0)
    tensor(4.)
    >>> w.grad
    tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """
    p = float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return wrap(np.zeros((), np.float32))
    norms = np.array([_norm(g._value, p) for g in grads])
    total = np.asarray(_norm(norms, p), grads[0]._value.dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(coef)  # type: ignore[attr-defined]
    return wrap(total)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient to ``[-clip_value, clip_value]`` in place.

    >>> import tracegrad.torch as torch
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> w.grad = torch.tensor([-3.0, 0.5])
    >>> torch.nn.utils.clip_grad_value_(w, 1.0); w.grad
    tensor([-1.0000,  0.5000])
    """
    v = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-v, v)  # type: ignore[attr-defined]
