"""``repr`` of tensors, compared with PyTorch's exact strings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

VALUES: dict[str, Any] = {
    "ints_as_floats": [[2.0, 4.0, 6.0], [2.0, 7.0, 9.0]],
    "fixed": [1.5, -2.25, 3.0],
    "small": [1e-5, 1.0],
    "large": [1e9, 1.0],
    "wide_range": [0.001, 12345.678],
    "negative_ints": [[-1.0, 10.0], [100.0, -1000.0]],
    "zeros": [[0.0, 0.0], [0.0, 0.0]],
    "scalar": 3.25,
    "scalar_int_valued": 4.0,
    "nonfinite": [float("nan"), float("inf"), -float("inf"), 1.5],
    "nonfinite_ints": [float("nan"), 2.0],
    "three_d": np.arange(12.0).reshape(2, 3, 2) / 4,
    "long_row": np.linspace(-3, 3, 40),
    "summarized": np.arange(2000.0),
    "summarized_2d": np.arange(1200.0).reshape(40, 30),
    "empty": np.zeros((0,)),
    "empty_2d": np.zeros((0, 3)),
}


def printing_program(T: Any, rec: Any) -> None:
    for v in VALUES.values():
        rec(repr(T.tensor(v)))
        rec(repr(T.tensor(v, dtype=T.float64)))
    rec(repr(T.tensor([1, 2, 3])))
    rec(repr(T.tensor([[-5, 10], [200, 3]])))
    rec(repr(T.tensor([1, 2], dtype=T.int32)))
    rec(repr(T.tensor(7)))
    rec(repr(T.tensor([True, False])))
    rec(repr(T.tensor(True)))
    rec(repr(T.tensor([1 + 2j, -3.5j])))
    rec(repr(T.tensor([[1 + 1j, 2 - 1j]], dtype=T.complex128)))
    rec(repr(T.tensor([1.0, 2.0], dtype=T.float16)))
    rec(repr(T.arange(100)))
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rec(repr(x))
    rec(repr(x * 2))
    rec(repr((x * 2).sum()))
    rec(repr(T.tensor(2.0, dtype=T.float64, requires_grad=True)))
    rec(repr(T.tensor(np.linspace(0, 1, 30), requires_grad=True) * 3))
    rec(str(x.grad_fn is None))
    rec(repr(T.float32))
    rec(repr(x.shape))
    rec(str(T.zeros(2, 3).size()))


def test_reprs_match_pytorch(conform: Any) -> None:
    conform(printing_program)


def test_spec_example_print() -> None:
    import tracegrad.torch as torch

    X = torch.tensor([[2, 4, 6], [2, 7, 9], [2, 4, 5]], dtype=torch.float, requires_grad=True)
    for i in range(2):
        for j in range(3):
            (X[i, j] * X[i, j]).backward()
    assert repr(X.grad) == (
        "tensor([[ 4.,  8., 12.],\n        [ 4., 14., 18.],\n        [ 0.,  0.,  0.]])"
    )


def bfloat16_program(T: Any, rec: Any) -> None:
    a = T.tensor([1.5, 2.25, 3.0], dtype=T.bfloat16, requires_grad=True)
    c = a * T.tensor([0.1, 0.2, 0.3])
    rec(repr(a))
    rec(repr(c))
    rec([repr(d) for d in (c.dtype, (a + 1).dtype, (a * 2.5).dtype, (a + T.tensor([1])).dtype)])
    rec(repr((a + T.tensor([1.0], dtype=T.float16)).dtype))
    c.sum().backward()
    rec(repr(a.grad))
    rec(repr(T.zeros(2).to(T.bfloat16)))
    rec(repr(T.tensor(3.14159, dtype=T.bfloat16)))
    rec(repr(T.tensor([1.0, 2.0]).bfloat16()))
    rec(repr(T.tensor([1e10, 1e-3], dtype=T.bfloat16)))
    rec(repr(T.promote_types(T.bfloat16, T.float16)))


def test_bfloat16_reprs_and_promotion_match_pytorch(conform: Any) -> None:
    pytest.importorskip("ml_dtypes")
    conform(bfloat16_program)
