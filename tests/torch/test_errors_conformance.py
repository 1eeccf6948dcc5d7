"""Bad input against PyTorch, table-driven: each program runs on ``tracegrad.torch`` and on
PyTorch, and must raise the same exception class with the same first line of message
(shape mismatches in matmul/add/cat/view, dtype mismatches in index/scatter/matmul, backward
on a non-scalar, twice, or through a tensor changed in place, in-place on a leaf, ...). A
backward that fails leaves every ``.grad`` as it was (checked on tracegrad.torch; PyTorch
may have accumulated into some leaves before the failure, docs/torch_shim.md)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")


def _grad_twice(T):
    x = T.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _modified(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with T.no_grad():
        w.mul_(10)
    loss.backward()


def _nonleaf_grad(T):
    x = T.ones(2, requires_grad=True)
    y = x * 2
    return y.grad


CASES = {
    "matmul 2-D shapes": lambda T: T.ones(2, 3) @ T.ones(2, 3),
    "matmul 1-D sizes": lambda T: T.ones(3) @ T.ones(4),
    "matmul matrix-vector": lambda T: T.ones(2, 3) @ T.ones(4),
    "matmul vector-matrix": lambda T: T.ones(4) @ T.ones(3, 2),
    "bmm batches": lambda T: T.bmm(T.ones(2, 3, 4), T.ones(3, 4, 5)),
    "mm of 1-D": lambda T: T.mm(T.ones(3), T.ones(3, 2)),
    "matmul dtypes": lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64),
    "matmul 0-d": lambda T: T.tensor(1.0) @ T.ones(2),
    "add shapes": lambda T: T.ones(3) + T.ones(4),
    "mul shapes 2-D": lambda T: T.ones(2, 3) * T.ones(3, 2),
    "add_ broadcast into smaller": lambda T: T.ones(2).add_(T.ones(2, 2)),
    "add_ float into long": lambda T: T.ones(2, dtype=T.long).add_(0.5),
    "sub bools": lambda T: T.tensor([True]) - T.tensor([False]),
    "cat sizes": lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]),
    "cat empty": lambda T: T.cat([]),
    "cat dim": lambda T: T.cat([T.ones(2), T.ones(2)], dim=1),
    "stack shapes": lambda T: T.stack([T.ones(2), T.ones(3)]),
    "view size": lambda T: T.ones(2, 3).view(4),
    "view stride": lambda T: T.ones(2, 3).t().view(6),
    "reshape two -1": lambda T: T.ones(2, 3).reshape(-1, -1),
    "expand size": lambda T: T.ones(2).expand(3),
    "permute length": lambda T: T.ones(2, 3).permute(0),
    "chunk zero": lambda T: T.ones(4).chunk(0),
    "index out of bounds": lambda T: T.ones(3)[5],
    "too many indices": lambda T: T.ones(3)[0, 0],
    "float index": lambda T: T.ones(3)[T.tensor([0.5])],
    "sum dim": lambda T: T.ones(3).sum(dim=2),
    "unsqueeze dim": lambda T: T.ones(2).unsqueeze(3),
    "transpose dim": lambda T: T.ones(2, 3).transpose(0, 2),
    "index_select float index": lambda T: T.index_select(T.ones(3), 0, T.tensor([0.0])),
    "gather float index": lambda T: T.gather(T.ones(3), 0, T.tensor([0.0])),
    "scatter src dtype": lambda T: T.zeros(3).scatter(0, T.tensor([0]), T.ones(1, dtype=T.float64)),
    "scatter float index": lambda T: T.zeros(3).scatter(0, T.tensor([0.0]), T.ones(1)),
    "masked_fill float mask": lambda T: T.ones(2).masked_fill(T.ones(2), 0.0),
    "zeros negative": lambda T: T.zeros(-1),
    "rand negative": lambda T: T.rand(2, -1),
    "randn negative keyword": lambda T: T.randn(size=(-2,)),
    "backward non-scalar": lambda T: (T.ones(2, requires_grad=True) * 2).backward(),
    "backward twice": _grad_twice,
    "backward without grad": lambda T: T.ones(2).sum().backward(),
    "backward gradient shape": lambda T: (T.ones(2, requires_grad=True) * 2).backward(T.ones(3)),
    "modified in place": _modified,
    "in-place on leaf": lambda T: T.ones(2, requires_grad=True).add_(1),
    "int requires grad": lambda T: T.ones(2, dtype=T.long).requires_grad_(),
    "tensor int requires grad": lambda T: T.tensor([1, 2], requires_grad=True),
    "numpy of grad tensor": lambda T: T.ones(2, requires_grad=True).numpy(),
    "item of many": lambda T: T.ones(2).item(),
    "grad of unused": lambda T: T.autograd.grad(
        (T.ones(2, requires_grad=True) * 2).sum(), [T.ones(2, requires_grad=True)]
    ),
    "grad of no-grad input": lambda T: T.autograd.grad(
        T.ones(2, requires_grad=True).sum(), [T.ones(2)]
    ),
    "retain_grad without grad": lambda T: T.ones(2).retain_grad(),
    "hook without grad": lambda T: T.ones(2).register_hook(lambda g: g),
    "requires_grad False on non-leaf": lambda T: (T.ones(2, requires_grad=True) * 2).requires_grad_(
        False
    ),
    "cross_entropy target range": lambda T: T.nn.functional.cross_entropy(
        T.ones(2, 3), T.tensor([0, 5])
    ),
    "cross_entropy target dtype": lambda T: T.nn.functional.cross_entropy(
        T.ones(2, 3), T.tensor([0.0, 1.0])
    ),
    "nll_loss batch": lambda T: T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([0, 1, 2])),
    "linear shapes": lambda T: T.nn.functional.linear(T.ones(2, 3), T.ones(4, 5)),
    "optimizer non-leaf": lambda T: T.optim.SGD([T.ones(2, requires_grad=True) * 2], lr=0.1),
    "optimizer lr": lambda T: T.optim.Adam([T.ones(2, requires_grad=True)], lr=-1.0),
}


def outcome(program: Callable[[Any], Any], T: Any) -> tuple[str, str]:
    """The exception class and the first line of its message (warnings count as errors)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            program(T)
    except Exception as e:
        return type(e).__name__, str(e).split("\n")[0]
    return "no error", ""


@pytest.mark.parametrize("name", CASES)
def test_error_as_pytorch(name: str) -> None:
    ours, theirs = outcome(CASES[name], tt), outcome(CASES[name], torch)
    assert theirs[0] != "no error", "the table should hold bad input only"
    assert ours == theirs


def test_nonleaf_grad_access_warns_as_pytorch() -> None:
    def program(T: Any) -> list[str]:
        x = T.ones(2, requires_grad=True)
        y = x * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
            y.retain_grad()
            assert y.grad is None  # retained: no warning
        return [f"{w.category.__name__}: {str(w.message)[:60]}" for w in caught]

    assert program(tt) == program(torch) != []


# ---- a failed backward changes no .grad ----------------------------------------------------


def _leaves(T: Any) -> tuple[Any, Any]:
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward()  # both have a gradient already
    return a, b


def changed_in_place(T: Any) -> tuple[Any, ...]:
    a, b = _leaves(T)
    loss = (a * 3).sum() + (b * b).sum()
    with T.no_grad():
        b.mul_(2)
    return (a, b), loss.backward


def twice(T: Any) -> tuple[Any, ...]:
    a, b = _leaves(T)
    loss = (a * b).sum() + (a.exp() * 2).sum()
    loss.backward()
    return (a, b), loss.backward


def raising_hook(T: Any) -> tuple[Any, ...]:
    a, b = _leaves(T)
    h = b * 2
    h.register_hook(lambda g: 1 / 0)
    return (a, b), (a * 5 + h).sum().backward


def bad_gradient_shape(T: Any) -> tuple[Any, ...]:
    a, b = _leaves(T)
    return (a, b), lambda: (a * b).backward(T.ones(3))


def no_derivative(T: Any) -> tuple[Any, ...]:
    a, b = _leaves(T)
    return (a, b), lambda: ((a * 2).sum() + T.floor_divide(b, 2.0).sum()).backward()


def failing_function(T: Any) -> tuple[Any, ...]:
    class Fails(T.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            raise ValueError("no backward here")

    a, b = _leaves(T)
    return (a, b), lambda: ((a * 3).sum() + Fails.apply(b).sum()).backward()


FAILING_BACKWARDS = [
    changed_in_place,
    twice,
    raising_hook,
    bad_gradient_shape,
    no_derivative,
    failing_function,
]


@pytest.mark.parametrize("make", FAILING_BACKWARDS)
def test_failed_backward_changes_no_grad(make: Callable[[Any], tuple[Any, ...]]) -> None:
    leaves, run = make(tt)
    before = [leaf.grad.numpy().copy() for leaf in leaves]
    with pytest.raises(Exception) as ours:
        run()
    for leaf, grad in zip(leaves, before, strict=True):
        np.testing.assert_array_equal(leaf.grad.numpy(), grad)
    _, run_theirs = make(torch)
    with pytest.raises(Exception) as theirs:
        run_theirs()
    assert type(ours.value).__name__ == type(theirs.value).__name__
