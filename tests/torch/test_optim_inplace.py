"""Optimizer steps update in place, as PyTorch's: the parameters' and the state's storage
is written (views taken before the step see the update, no array is replaced), and each
tensor's version counter counts the in-place operations PyTorch's update runs on it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("RMSprop", {"weight_decay": 0.1}),
    ("Adagrad", {"lr_decay": 0.1}),
]


def versions(T: Any, name: str, kwargs: dict[str, Any]) -> list[Any]:
    w = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = getattr(T.optim, name)([w], **kwargs)
    start = w._version
    out = []
    for k in range(3):
        w.grad = T.tensor([0.5, 0.25, -1.0]) * (k + 1)
        opt.step()
        state = {key: v._version for key, v in opt.state[w].items() if isinstance(v, T.Tensor)}
        out.append((w._version - start, state))
    return out


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_version_counts_as_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    assert versions(tt, name, kwargs) == versions(torch, name, kwargs)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_steps_write_into_the_storage(name: str, kwargs: dict[str, Any]) -> None:
    w = tt.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    opt = getattr(tt.optim, name)([w], **kwargs)
    w.grad = tt.tensor([[0.5, 0.25], [-1.0, 2.0]])
    opt.step()  # creates the state
    arrays = [w._value, *(v._value for v in opt.state[w].values() if isinstance(v, tt.Tensor))]
    row = w.detach()[1]
    before = w.detach().clone()
    opt.step()
    after = [w._value, *(v._value for v in opt.state[w].values() if isinstance(v, tt.Tensor))]
    assert all(a is b for a, b in zip(arrays, after, strict=True))
    assert not np.array_equal(before.numpy(), w.detach().numpy())
    np.testing.assert_array_equal(row.numpy(), w.detach().numpy()[1])


def test_gradient_layout_follows_the_parameter() -> None:
    # PyTorch's layout contract: .grad has its tensor's strides, whatever layout the
    # backward computed (a matmul's weight gradient comes out transposed).
    w = tt.randn(5, 3, requires_grad=True)
    (tt.randn(4, 5) @ w).sum().backward()
    assert w.grad is not None and w.grad._value.strides == w._value.strides
    t = tt.randn(3, 5).t().detach().requires_grad_()
    (tt.randn(4, 5) @ t).sum().backward()
    assert t.grad is not None and t.grad._value.strides == t._value.strides
