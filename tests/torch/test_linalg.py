"""``torch.linalg`` (``inv det slogdet solve cholesky norm vector_norm matrix_norm``) and
``torch.det`` / ``torch.inverse`` against PyTorch: values, ``grad_fn`` names, first and
second derivatives, batches, and the errors of singular, non-square, integer and
not positive-definite input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
B = np.array([[1.0, 0.0], [2.0, 1.0], [0.0, -1.0]])

UNARY: dict[str, Callable[[Any, Any], Any]] = {
    "inv": lambda T, a: T.linalg.inv(a),
    "det": lambda T, a: T.linalg.det(a),
    "slogdet.logabsdet": lambda T, a: T.linalg.slogdet(a).logabsdet,
    "cholesky": lambda T, a: T.linalg.cholesky(a),
    "cholesky upper": lambda T, a: T.linalg.cholesky(a, upper=True),
    "norm": lambda T, a: T.linalg.norm(a),
    "norm fro dim": lambda T, a: T.linalg.norm(a, "fro", dim=(0, 1)),
    "vector_norm ord=3 dim=1": lambda T, a: T.linalg.vector_norm(a, ord=3, dim=1),
    "norm of a vector, ord=inf": lambda T, a: T.linalg.norm(a[0], ord=float("inf")),
    "matrix_norm": lambda T, a: T.linalg.matrix_norm(a),
    "torch.det": lambda T, a: T.det(a),
    "torch.inverse": lambda T, a: T.inverse(a),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linalg_as_pytorch(name: str, dtype: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        a = T.tensor(A, dtype=getattr(T, dtype), requires_grad=True)
        out = UNARY[name](T, a)
        rec(out)
        (g,) = T.autograd.grad((out * out).sum(), a, create_graph=True)
        rec(g.detach())
        rec(T.autograd.grad(g.sum(), a, allow_unused=True)[0])

    conform(program)


def test_solve_and_batches_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        a = T.tensor(A, requires_grad=True)
        b = T.tensor(B, requires_grad=True)
        x = T.linalg.solve(a, b)
        rec(x)
        x.sum().backward()
        rec((a.grad, b.grad))
        rec(T.linalg.solve(a, T.tensor([1.0, 2.0, 3.0], dtype=T.float64)))
        rec(T.linalg.slogdet(-a)[0])
        batch = T.tensor(np.stack([A, 2 * A]), dtype=T.float64)
        rec(T.linalg.inv(batch))
        rec(T.linalg.det(batch))
        rec(T.linalg.solve(batch, T.ones(2, 3, 1, dtype=T.float64)))
        rec(repr(T.linalg.slogdet(T.tensor([[0.0, 2.0], [1.0, 0.0]]))))

    conform(program)


BAD: dict[str, Callable[[Any], Any]] = {
    "singular inv": lambda T: T.linalg.inv(T.zeros(2, 2)),
    "singular inv, second pivot": lambda T: T.linalg.inv(T.tensor([[1.0, 2.0], [2.0, 4.0]])),
    "singular solve": lambda T: T.linalg.solve(T.zeros(2, 2), T.ones(2)),
    "not positive-definite": lambda T: T.linalg.cholesky(T.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "not square": lambda T: T.linalg.inv(T.ones(2, 3)),
    "shapes of solve": lambda T: T.linalg.solve(T.eye(2), T.ones(3)),
    "integer input": lambda T: T.linalg.det(T.eye(2, dtype=T.long)),
    "dtypes of solve": lambda T: T.linalg.solve(T.eye(2, dtype=T.float64), T.ones(2)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_linalg_errors_as_pytorch(case: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        try:
            BAD[case](T)
        except T.linalg.LinAlgError as e:
            rec(("LinAlgError", isinstance(e, RuntimeError)))
            raise

    conform(program)


def test_slogdet_real_sign_passes_no_gradient_as_pytorch(conform: Any) -> None:
    # PyTorch's sign has LinalgSlogdetBackward0 as grad_fn but no derivative for real
    # input: backward through it alone leaves the input's grad None.
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        a = T.tensor(A, requires_grad=True)
        r = T.linalg.slogdet(a)
        rec((r.sign, r.sign.requires_grad, type(r.sign.grad_fn).__name__))
        rec(len(r.sign.grad_fn.next_functions))
        r.sign.backward()
        rec(a.grad)
        r = T.linalg.slogdet(a)
        (r.sign * 3 + r.logabsdet).backward()
        rec(a.grad)
        rec(T.autograd.grad(T.linalg.slogdet(a).sign, a, allow_unused=True))
        c = T.tensor(A * (1 + 1j), requires_grad=True)  # a complex sign has a derivative
        (g,) = T.autograd.grad(T.linalg.slogdet(c).sign.real.sum(), c)
        rec(g)

    conform(program)


def test_autograd_grad_of_slogdet_sign_alone_raises_as_pytorch() -> None:
    def program(T: Any) -> None:
        a = T.tensor(A, requires_grad=True)
        T.autograd.grad(T.linalg.slogdet(a).sign, a)

    same_error(program)
