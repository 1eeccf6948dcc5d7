"""``clamp_min``/``clamp_max``, ``movedim``/``moveaxis``, ``diag``, ``lerp``, ``nansum``,
``isinf``/``isposinf``/``isneginf``, ``count_nonzero``, ``nonzero``, ``bincount`` and
``true_divide`` against PyTorch: values, dtypes, ``grad_fn`` names and gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

INF, NAN = float("inf"), float("nan")
X = np.array([[1.0, -2.0, 0.0], [3.5, 0.25, -0.75]])

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "clamp_min": lambda T, x: x.clamp_min(0.0),
    "clamp_max tensor": lambda T, x: T.clamp_max(x, T.tensor([0.5, 0.0, 1.0])),
    "clamp_min int bound": lambda T, x: T.clamp_min(x, 1),
    "movedim": lambda T, x: x.movedim(0, 1),
    "moveaxis 3-d": lambda T, x: T.moveaxis(x.reshape(1, 2, 3), (0, 2), (2, 0)),
    "diag of a matrix": lambda T, x: T.diag(x),
    "diag of a vector, offset": lambda T, x: x[0].diag(1),
    "diag, negative offset": lambda T, x: T.diag(x, -1),
    "lerp scalar": lambda T, x: T.lerp(x, T.ones(2, 3), 0.25),
    "lerp above one half": lambda T, x: x.lerp(T.zeros(3), 0.75),
    "lerp tensor weight": lambda T, x: T.lerp(x, -x, T.tensor([0.1, 0.5, 0.9])),
    "nansum": lambda T, x: (x / x).nansum(),
    "nansum dim": lambda T, x: T.nansum(x.log(), dim=1, keepdim=True),
    "true_divide": lambda T, x: T.true_divide(x, 4),
    "lerp of another dtype": lambda T, x: T.lerp(x, T.ones(3, dtype=T.float64), 0.5),
}


@pytest.mark.parametrize("name", list(OPS))
def test_differentiable_ops_as_pytorch(name: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor(X, dtype=T.float32, requires_grad=True)
        out = OPS[name](T, x)
        rec(out)
        out.sum().backward()
        rec(x.grad)

    conform(program)


def test_predicates_and_indices_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        v = T.tensor([[1.0, INF], [-INF, NAN]])
        rec([v.isinf(), T.isposinf(v), T.isneginf(v), T.isinf(T.tensor([1, 2]))])
        rec([T.count_nonzero(T.tensor([[0, 1], [2, 0]])), T.tensor(X).count_nonzero(dim=1)])
        rec(T.count_nonzero(T.tensor([[0, 1], [2, 3]]), dim=(0, 1)))
        rec(T.tensor([[0, 3], [4, 0]]).nonzero())
        rec(T.nonzero(T.tensor([0.0, 1.0, 2.0]), as_tuple=True))
        rec([T.nonzero(T.tensor(3.0)), T.nonzero(T.tensor(0.0))])
        rec(T.tensor([1, 2, 3]).nansum())
        rec(T.tensor([[1, 2], [3, 4]]).diag())

    conform(program)


BINCOUNTS: dict[str, Callable[[Any], Any]] = {
    "counts": lambda T: T.bincount(T.tensor([0, 2, 2, 5])),
    "minlength": lambda T: T.tensor([1]).bincount(minlength=3),
    "empty": lambda T: T.bincount(T.tensor([], dtype=T.long)),
    "float32 weights": lambda T: T.bincount(T.tensor([0, 2, 2]), T.tensor([0.5, 1.0, 2.0])),
    "float16 weights": lambda T: T.bincount(T.tensor([0, 2]), T.tensor([1.0, 2.0]).half()),
    "weights that require grad": lambda T: T.bincount(
        T.tensor([1, 1]), T.tensor([1.0, 2.0], requires_grad=True)
    ),
    "negative": lambda T: T.bincount(T.tensor([-1, 2])),
    "float input": lambda T: T.bincount(T.tensor([1.0])),
    "2-d input": lambda T: T.bincount(T.tensor([[1]])),
}


@pytest.mark.parametrize("case", list(BINCOUNTS))
def test_bincount_as_pytorch(case: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        rec(BINCOUNTS[case](T))

    conform(program)
