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


# ---- Adam through the ways its state can change under it -----------------------------------

SHAPES = [(3, 2), (2,), (4,)]


def _adam_program(T: Any, *, amsgrad: bool = False, maximize: bool = False) -> list[Any]:
    """Steps with gradients for all, then some, of the parameters (step counts that differ),
    a state_dict loaded back into the same optimizer mid-run, and weight decay."""
    rng = np.random.default_rng(4)
    ps = [T.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in SHAPES]
    opt = T.optim.Adam(ps, lr=0.05, weight_decay=0.1, amsgrad=amsgrad, maximize=maximize)
    out = []
    saved = None
    for k in range(8):
        for i, p in enumerate(ps):
            with_grad = not (k in (2, 3) and i == 2)  # the last one sits out two steps
            p.grad = (
                T.tensor(rng.standard_normal(p.shape).astype(np.float32)) if with_grad else None
            )
        opt.step()
        if k == 4:
            saved = {
                "state": {
                    i: {key: v.clone() for key, v in s.items()}
                    for i, s in opt.state_dict()["state"].items()
                },
                "param_groups": opt.state_dict()["param_groups"],
            }
        if k == 6:
            opt.load_state_dict(saved)
        out.append([p.detach().numpy().copy() for p in ps])
    state = opt.state_dict()["state"]
    out.append([state[i][key].numpy().copy() for i in state for key in sorted(state[i])])
    out.append([p._version for p in ps])
    return out


@pytest.mark.parametrize("flags", [{}, {"amsgrad": True}, {"maximize": True}])
def test_adam_through_state_changes_as_pytorch(flags: dict[str, bool]) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _adam_program(tt, **flags), _adam_program(torch, **flags)
    for a, b in zip(ours[:-1], theirs[:-1], strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)
    assert ours[-1] == theirs[-1]
