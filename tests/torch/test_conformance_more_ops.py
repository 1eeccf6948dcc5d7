"""More operations against PyTorch (clamp, where, prod, cumsum, var/std, gather, split/chunk,
repeat, unary in-place methods): values, dtype, ``grad_fn`` names and input gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.test_conformance_ops import a32, p32, run_op, t32

pytest.importorskip("torch")

EDGE = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)  # hits the clamp bounds

CASES: dict[str, tuple[list[np.ndarray], Callable[..., Any]]] = {
    "clamp": ([EDGE], lambda T, x: x.clamp(2, 5)),
    "clamp_min": ([EDGE], lambda T, x: T.clamp(x, min=2.5)),
    "clamp_max_int": ([np.array([1, 5, 9])], lambda T, x: x.clamp(max=4)),
    "clamp_float_bound_on_int": ([np.array([1, 5, 9])], lambda T, x: x.clamp(2.5, 6)),
    "clamp_tensors": ([EDGE, np.full(3, 2.0, np.float32), np.full(3, 5.0, np.float32)],
                      lambda T, x, lo, hi: T.clamp(x, lo, hi)),
    "clip": ([EDGE], lambda T, x: T.clip(x, 2, 5)),
    "where": ([a32, p32], lambda T, x, y: T.where(x > 0, x, y)),
    "where_scalar": ([a32], lambda T, x: T.where(x > 0, x, 0.0)),
    "where_method": ([a32, p32], lambda T, x, y: x.where(x < 0, y)),
    "where_promote": ([a32, np.arange(3)], lambda T, x, i: T.where(x > 0, x, i)),
    "prod": ([p32], lambda T, x: x.prod()),
    "prod_dim": ([p32], lambda T, x: T.prod(x, 1)),
    "prod_keep": ([p32], lambda T, x: x.prod(0, keepdim=True)),
    "prod_int": ([np.array([[1, 2], [3, 4]], np.int32)], lambda T, x: x.prod()),
    "cumsum": ([a32], lambda T, x: x.cumsum(1)),
    "cumsum_neg": ([a32], lambda T, x: T.cumsum(x, dim=-2)),
    "cumsum_int": ([np.array([1, 2, 3], np.int32)], lambda T, x: x.cumsum(0)),
    "cumsum_0d": ([np.array(2.0, np.float32)], lambda T, x: x.cumsum(0)),
    "var": ([a32], lambda T, x: x.var()),
    "var_dim": ([a32], lambda T, x: T.var(x, 1)),
    "var_biased": ([a32], lambda T, x: x.var(0, unbiased=False, keepdim=True)),
    "var_correction": ([a32], lambda T, x: x.var(dim=1, correction=0)),
    "std": ([a32], lambda T, x: x.std()),
    "std_dim": ([a32], lambda T, x: T.std(x, dim=0)),
    "std_biased": ([a32], lambda T, x: x.std(unbiased=False)),
    "std_correction2": ([a32], lambda T, x: x.std(1, correction=2, keepdim=True)),
    "gather": ([a32], lambda T, x: x.gather(1, T.tensor([[0, 2, 2], [1, 1, 0]]))),
    "gather_smaller": ([a32], lambda T, x: T.gather(x, 0, T.tensor([[1], [0], [1]]))),
    "gather_dim0": ([a32], lambda T, x: x.gather(0, T.tensor([[1, 0, 1]]))),
    "gather_int32": ([a32], lambda T, x: x.gather(1, T.tensor([[2], [0]], dtype=T.int32))),
    "split": ([a32], lambda T, x: x.split(2, dim=1)),
    "split_sizes": ([a32], lambda T, x: T.split(x, [1, 2], dim=1)),
    "split_rows": ([a32], lambda T, x: x.split(1)),
    "chunk": ([t32], lambda T, x: x.chunk(2, 1)),
    "torch_chunk": ([a32], lambda T, x: T.chunk(x, 3, dim=0)),
    "repeat": ([a32], lambda T, x: x.repeat(2, 1)),
    "repeat_new_dims": ([a32[0]], lambda T, x: x.repeat(2, 3, 1)),
    "expand_new_dims": ([a32[0]], lambda T, x: x.expand(2, 2, 3)),
    "abs_": ([EDGE - 3], lambda T, x: (x * 1).abs_()),
    "exp_": ([a32], lambda T, x: (x * 1).exp_()),
    "tanh_": ([a32], lambda T, x: (x + 0).tanh_()),
    "clamp_": ([EDGE], lambda T, x: (x * 1).clamp_(2, 5)),
    "relu_": ([a32], lambda T, x: (x * 1).relu_()),
    "sigmoid_": ([a32], lambda T, x: (x * 1).sigmoid_()),
    "sqrt_": ([p32], lambda T, x: (x * 1).sqrt_()),
    "neg_": ([p32], lambda T, x: (x * 1).neg_()),
    "abs_neg_": ([a32], lambda T, x: (x * 1).abs_().neg_()),  # abs saves its input only
    "pow_": ([a32], lambda T, x: (x * 1).pow_(2)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_operation_same_as_pytorch(name: str, conform: Any) -> None:
    inputs, f = CASES[name]
    conform(run_op(inputs, f))


def inplace_program(T: Any, rec: Any) -> None:
    x = T.tensor([-1.0, 4.0])
    view = x.data
    x.abs_().sqrt_()  # outside the graph: written into the array, the view sees it
    rec([x, view])
    rec(T.ones(2, requires_grad=True).exp_())  # a leaf that requires grad: PyTorch's error


def test_unrecorded_inplace_and_leaf_error_same_as_pytorch(conform: Any) -> None:
    conform(inplace_program)


ERRORS: dict[str, Callable[[Any], Any]] = {
    "clamp_none": lambda T: T.ones(2).clamp(),
    "split_sizes_sum": lambda T: T.ones(4).split([1, 2]),
    "gather_float_index": lambda T: T.ones(2, 2).gather(0, T.tensor([[0.0]])),
    "gather_ndim": lambda T: T.ones(2, 2).gather(0, T.tensor([0])),
    "repeat_dims": lambda T: T.ones(2, 2).repeat(2),
    "var_int": lambda T: T.tensor([1, 2]).var(),
    "exp_int_": lambda T: T.tensor([1, 2]).exp_(),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_same_as_pytorch(name: str, conform: Any) -> None:
    record = conform(lambda T, rec: rec(ERRORS[name](T)))
    assert record[-1][0] == "raised"
