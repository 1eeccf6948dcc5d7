"""``nan_to_num`` / ``nan_to_num_``, ``unique`` and ``Tensor.stride`` against PyTorch:
values, dtypes, ``grad_fn`` names, gradients, and the error of backward through ``unique``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.torch.conftest import same_error

INF, NAN = float("inf"), float("nan")


def test_nan_to_num_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor([3.0, NAN, INF, -INF, -1.5], requires_grad=True)
        y = T.nan_to_num(x)
        rec(y)
        (y * 2).sum().backward()  # (y * y would overflow: PyTorch's grad * mask gives nan)
        rec(x.grad)
        rec(x.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0))
        rec(T.nan_to_num(T.tensor([NAN, INF], dtype=T.float16)))
        rec(T.nan_to_num(T.tensor([NAN, -INF], dtype=T.float64), 7.0))
        rec(T.tensor([1, 2]).nan_to_num())
        z = T.tensor([NAN, 1.0])
        rec((z.nan_to_num_(5.0) is z, z))

    conform(program)


def test_nan_to_num_gradient_multiplies_by_the_mask_as_pytorch(conform: Any) -> None:
    # PyTorch's rule is grad * isfinite(x): an infinite or NaN incoming gradient gives NaN at
    # a replaced element (a select would give 0), and stays as it is at a finite one.
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        for g in (INF, NAN, -2.0):
            x = T.tensor([INF, NAN, -INF, 1.5], requires_grad=True)
            x.nan_to_num(posinf=3.0).backward(T.full((4,), g))
            rec(x.grad)
        x = T.tensor([INF, 2.0], requires_grad=True)
        (x.nan_to_num() ** 2).sum().backward()
        rec(x.grad)
        x = T.tensor([INF, 2.0], dtype=T.float32, requires_grad=True)
        (gx,) = T.autograd.grad(x.nan_to_num().sum(), x)
        rec(gx)

    conform(program)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"return_inverse": True},
        {"return_counts": True},
        {"return_inverse": True, "return_counts": True, "sorted": False},
        {"dim": 0, "return_inverse": True, "return_counts": True},
        {"dim": -1},
    ],
)
def test_unique_as_pytorch(kwargs: dict[str, Any], conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor([[3, 1], [3, 1], [0, 5]])
        rec(T.unique(x, **kwargs))
        rec(x.unique(**kwargs))
        rec(T.unique(T.tensor([2.5, -1.0, 2.5, INF]), **kwargs) if "dim" not in kwargs else None)

    conform(program)


def test_unique_has_no_derivative_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor([3.0, 1.0, 3.0], requires_grad=True)
        rec(T.unique(x))
        rec(T.unique(x.reshape(3, 1), dim=0))

    conform(program)


@pytest.mark.parametrize("dim", [None, 0])
def test_backward_through_unique_raises_as_pytorch(dim: int | None) -> None:
    # PyTorch's NotImplementedError of a node whose formula is not_implemented("_unique2"),
    # not the RuntimeError of a ``NotImplemented`` node (floor_divide's).
    def program(T: Any) -> None:
        x = T.tensor([[3.0], [1.0], [3.0]], requires_grad=True)
        T.unique(x, dim=dim).sum().backward()

    same_error(program)


def test_backward_through_floor_divide_keeps_its_runtime_error() -> None:
    same_error(lambda T: T.floor_divide(T.tensor([3.0], requires_grad=True), 2.0).backward())


def test_stride_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        a = T.zeros(3, 4)
        rec([a.stride(), a.t().stride(), a[:, 1].stride(), a.stride(1), a.stride(-2)])
        rec([T.zeros(2).expand(3, 2).stride(), T.tensor(1.0).stride(), a[::2].stride()])
        rec([a.permute(1, 0).contiguous().stride(), a.unsqueeze(1).stride()])

    conform(program)
