"""``Tensor.index_put_`` / ``index_put``, ``torch.index_put`` and ``x[idx] = v`` against
PyTorch: values, ``grad_fn`` names, gradients to ``self`` and ``values`` with and without
``accumulate`` (repeated indices add up), the eager path, and the errors of bad arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_recorded_as_pytorch(accumulate: bool, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.arange(12.0).reshape(3, 4).requires_grad_()
        v = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        rows, cols = T.tensor([0, 0, 2]), T.tensor([1, 1, 3])
        y = x * 2
        same = y.index_put_((rows, cols), v, accumulate=accumulate)
        rec((same is y, y))
        (y * y).sum().backward()
        rec((x.grad, v.grad))
        z = x.index_put((T.tensor([1]),), T.tensor(5.0), accumulate=accumulate)
        rec(z)
        rec(T.autograd.grad(z.sum(), x)[0])

    conform(program)


def test_index_put_eager_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        a = T.zeros(5)
        rec(a.index_put_([T.tensor([1, 1])], T.tensor([2.0, 3.0]), accumulate=True))
        rec(a.index_put_((T.tensor([4]),), T.tensor(7.0)))
        rec((T.index_put(a, (T.tensor([0]),), T.tensor(1.0)), a))
        b = T.zeros(3, dtype=T.int64)
        rec(b.index_put_((T.tensor([0, 0]),), T.tensor([2, 3]), accumulate=True))
        m = T.zeros(2, 3)
        rec(m.index_put_((T.tensor([True, False]),), T.tensor(4.0)))
        rec(m.index_put_((T.tensor([1]), T.tensor([2])), T.tensor([9.0]), accumulate=True))

    conform(program)


BAD: dict[str, Callable[[Any], Any]] = {
    "indices not a tuple": lambda T: T.zeros(4).index_put_(T.tensor([1]), T.tensor(3.0)),
    "values a number": lambda T: T.zeros(4).index_put_((T.tensor([1]),), 3.0),
    "dtypes differ": lambda T: T.zeros(4).index_put_(
        (T.tensor([1]),), T.tensor(3.0, dtype=T.float64)
    ),
    "out of range": lambda T: T.zeros(4).index_put_((T.tensor([9]),), T.tensor(3.0)),
    "out of range, accumulate": lambda T: T.zeros(4).index_put_(
        (T.tensor([9]),), T.tensor(3.0), accumulate=True
    ),
    "a slice among the indices": lambda T: T.zeros(3, 2).index_put_(
        (T.tensor([0, 1]), slice(None)), T.tensor(3.0)
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_index_put_errors_as_pytorch(case: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        rec(BAD[case](T))

    conform(program)


def test_setitem_with_repeated_indices_as_pytorch(conform: Any) -> None:
    # PyTorch's backward reads the gradient at a repeated index for each of its values,
    # not only for the value written last.
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.zeros(4, requires_grad=True)
        v = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y[T.tensor([1, 1, 3])] = v
        (y * y).sum().backward()
        rec((y, x.grad, v.grad))

    conform(program)
