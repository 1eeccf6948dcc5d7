"""Operations against PyTorch: for each, the output (values, dtype, ``grad_fn`` name) and
the gradient of every input after a backward with fixed weights; plus dtype promotion,
creation functions and the operations' errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def W(T: Any) -> Any:
    """Class weights that do not require grad."""
    return T.tensor([1.0, 2.0, 0.5])


A23 = RNG.standard_normal((2, 3))
B23 = RNG.standard_normal((2, 3))
B3 = RNG.standard_normal(3)
POS23 = RNG.uniform(0.5, 2.0, (2, 3))
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])


def run_op(inputs: list[np.ndarray], f: Callable[..., Any]) -> Callable[[Any, Any], None]:
    """A program: ``f`` on leaves made from ``inputs``, then a weighted backward."""

    def program(T: Any, rec: Any) -> None:
        leaves = [T.tensor(a, requires_grad=a.dtype.kind in "fc") for a in inputs]
        out = f(T, *leaves)
        outs = out if isinstance(out, tuple) else (out,)
        rec(list(outs))
        loss = None
        for o in outs:
            if o.requires_grad:
                w = T.tensor(np.linspace(-1.0, 2.0, o.numel()).reshape(tuple(o.shape)))
                term = (o * w.to(o.dtype)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        rec([leaf.grad for leaf in leaves])

    return program


F32 = [a.astype(np.float32) for a in (A23, B23, B3, POS23, TIES)]
a32, b32, c32, p32, t32 = F32

CASES: dict[str, tuple[list[np.ndarray], Callable[..., Any]]] = {
    # arithmetic, with broadcasting and scalars
    "add": ([a32, c32], lambda T, x, y: x + y),
    "add_alpha": ([a32, b32], lambda T, x, y: T.add(x, y, alpha=2.5)),
    "radd": ([a32], lambda T, x: 1.5 + x),
    "sub": ([a32, c32], lambda T, x, y: x - y),
    "rsub": ([a32], lambda T, x: 1 - x),
    "mul": ([a32, b32], lambda T, x, y: x * y),
    "mul_scalar": ([a32], lambda T, x: x * 2.5),
    "rmul": ([a32], lambda T, x: 3 * x),
    "div": ([a32, p32], lambda T, x, y: x / y),
    "rdiv": ([p32], lambda T, x: 2 / x),
    "div_scalar": ([a32], lambda T, x: x / 4),
    "pow2": ([a32], lambda T, x: x ** 2),
    "pow_half": ([p32], lambda T, x: x ** 0.5),
    "pow_float_int": ([a32], lambda T, x: x ** 3.0),
    "pow_tensor": ([p32, a32], lambda T, x, y: x ** y),
    "rpow": ([a32], lambda T, x: 2 ** x),
    "pow_zero_at_zero": ([np.array([0.0, 1.0], np.float32)], lambda T, x: x ** 0),
    "square_at_zero": ([np.array([0.0, -1.0], np.float32)], lambda T, x: x ** 2),
    "neg": ([a32], lambda T, x: -x),
    "abs": ([np.array([-1.0, 0.0, 2.0], np.float32)], lambda T, x: x.abs()),
    "exp": ([a32], lambda T, x: T.exp(x)),
    "log": ([p32], lambda T, x: x.log()),
    "sin": ([a32], lambda T, x: T.sin(x)),
    "cos": ([a32], lambda T, x: x.cos()),
    "tanh": ([a32], lambda T, x: T.tanh(x)),
    "sigmoid": ([a32], lambda T, x: x.sigmoid()),
    "relu": ([np.array([-1.0, 0.0, 2.0], np.float32)], lambda T, x: T.relu(x)),
    "sqrt": ([p32], lambda T, x: T.sqrt(x)),
    "sqrt_at_zero": ([np.array([0.0, 4.0], np.float32)], lambda T, x: T.sqrt(x)),
    "square": ([a32], lambda T, x: x.square()),
    "maximum": ([t32, t32[::-1].copy()], lambda T, x, y: T.maximum(x, y)),
    "remainder": ([p32 * 3, p32], lambda T, x, y: x % y),
    "float64_mix": ([a32, B23], lambda T, x, y: x * y),
    "int_times_float": ([np.array([1, 2, 3]), c32], lambda T, i, y: i * y),
    "zero_dim_promotion": ([a32, np.array(2.0)], lambda T, x, y: x * y),
    # reductions
    "sum": ([a32], lambda T, x: x.sum()),
    "sum_dim": ([a32], lambda T, x: x.sum(0)),
    "sum_dims_keep": ([a32], lambda T, x: T.sum(x, dim=(0, 1), keepdim=True)),
    "sum_neg_dim_keep": ([a32], lambda T, x: x.sum(dim=-1, keepdim=True)),
    "sum_int": ([np.array([[1, 2], [3, 4]], np.int32)], lambda T, x: x.sum()),
    "mean": ([a32], lambda T, x: x.mean()),
    "mean_dim": ([a32], lambda T, x: T.mean(x, 1)),
    "max_ties": ([t32], lambda T, x: x.max()),
    "min_all": ([t32], lambda T, x: T.min(x)),
    "max_dim_ties": ([t32], lambda T, x: tuple(x.max(dim=1))),
    "min_dim_keep": ([t32], lambda T, x: tuple(T.min(x, 0, keepdim=True))),
    "max_binary": ([a32, b32], lambda T, x, y: T.max(x, y)),
    "amax": ([t32], lambda T, x: x.amax(1)),
    "amin_all": ([t32], lambda T, x: T.amin(x)),
    "argmax": ([t32], lambda T, x: x.argmax(1)),
    "norm": ([a32], lambda T, x: x.norm()),
    "norm_dim": ([a32], lambda T, x: x.norm(dim=1, keepdim=True)),
    "norm_p1": ([a32], lambda T, x: T.norm(x, p=1, dim=0)),
    "norm_inf": ([a32], lambda T, x: x.norm(float("inf"))),
    "norm_at_zero": ([np.zeros(3, np.float32)], lambda T, x: x.norm()),
    "all_any": ([t32], lambda T, x: ((x > 1).all(dim=1), (x > 2).any())),
    "unbind": ([a32], lambda T, x: T.unbind(x, 1)),
    "iterate": ([a32], lambda T, x: tuple(x)),
    # matrix products
    "mm": ([a32, RNG.standard_normal((3, 4)).astype(np.float32)], lambda T, x, y: x @ y),
    "mv": ([a32, c32], lambda T, x, y: x @ y),
    "vm": ([c32, a32.T.copy()], lambda T, x, y: x @ y),
    "dot": ([c32, c32 * 2], lambda T, x, y: T.dot(x, y)),
    "bmm": ([RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 2))],
            lambda T, x, y: T.bmm(x, y)),
    "matmul_batched": ([RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 2))],
                       lambda T, x, y: x @ y),
    "torch_mm": ([a32, a32.T.copy()], lambda T, x, y: T.mm(x, y)),
    "matmul_method": ([a32, a32.T.copy()], lambda T, x, y: x.matmul(y)),
    # indexing
    "select": ([a32], lambda T, x: x[1]),
    "select2": ([a32], lambda T, x: x[1, 2]),
    "select_neg": ([a32], lambda T, x: x[-1, -3]),
    "select_col": ([a32], lambda T, x: x[:, 1]),
    "slice": ([a32], lambda T, x: x[:, 1:]),
    "slice_step": ([a32], lambda T, x: x[:, ::2]),
    "slice_row_then_int": ([a32], lambda T, x: x[1:, 0]),
    "unsqueeze_index": ([a32], lambda T, x: x[None]),
    "ellipsis": ([a32], lambda T, x: x[..., 1]),
    "list_index": ([a32], lambda T, x: x[[1, 0, 1]]),
    "tensor_index": ([a32], lambda T, x: x[T.tensor([1, 0])]),
    "mask": ([a32], lambda T, x: x[x > 0]),
    "mixed_advanced": ([a32], lambda T, x: x[1, [0, 2, 2]]),
    "two_arrays": ([a32], lambda T, x: x[[0, 1], [2, 0]]),
    "zero_dim_index": ([a32], lambda T, x: x[T.tensor(1)]),
    # shapes
    "reshape": ([a32], lambda T, x: x.reshape(3, 2)),
    "reshape_infer": ([a32], lambda T, x: T.reshape(x, (-1,))),
    "reshape_transposed": ([a32], lambda T, x: x.t().reshape(6)),
    "view": ([a32], lambda T, x: x.view(3, -1)),
    "flatten": ([RNG.standard_normal((2, 3, 2))], lambda T, x: x.flatten(1)),
    "flatten_0d": ([np.array(2.0)], lambda T, x: x.flatten()),
    "permute": ([RNG.standard_normal((2, 3, 2))], lambda T, x: x.permute(2, 0, 1)),
    "transpose": ([a32], lambda T, x: x.transpose(0, 1)),
    "T": ([a32], lambda T, x: x.T),
    "t": ([a32], lambda T, x: x.t()),
    "mT": ([a32], lambda T, x: x.mT),
    "squeeze": ([a32.reshape(1, 2, 1, 3)], lambda T, x: x.squeeze()),
    "squeeze_dim": ([a32.reshape(1, 2, 3)], lambda T, x: x.squeeze(0)),
    "squeeze_dims": ([a32.reshape(1, 2, 1, 3)], lambda T, x: x.squeeze((0, 2))),
    "unsqueeze": ([a32], lambda T, x: x.unsqueeze(-1)),
    "expand": ([c32], lambda T, x: x.expand(2, 3)),
    "cat": ([a32, b32], lambda T, x, y: T.cat([x, y], dim=1)),
    "cat_promote": ([a32, B23], lambda T, x, y: T.cat([x, y])),
    "stack": ([a32, b32], lambda T, x, y: T.stack([x, y], dim=1)),
    "clone": ([a32], lambda T, x: x.clone()),
    "contiguous": ([a32], lambda T, x: x.t().contiguous()),
    "to_double": ([a32], lambda T, x: x.to(T.float64)),
    "double": ([a32], lambda T, x: x.double()),
    # nn.functional
    "F_relu": ([a32], lambda T, x: T.nn.functional.relu(x)),
    "F_sigmoid": ([a32], lambda T, x: T.nn.functional.sigmoid(x)),
    "F_tanh": ([a32], lambda T, x: T.nn.functional.tanh(x)),
    "softmax": ([a32], lambda T, x: T.softmax(x, dim=1)),
    "F_softmax0": ([a32], lambda T, x: T.nn.functional.softmax(x, dim=0)),
    "log_softmax": ([a32], lambda T, x: x.log_softmax(-1)),
    "cross_entropy": ([a32, np.array([2, 0])],
                      lambda T, x, t: T.nn.functional.cross_entropy(x, t)),
    "cross_entropy_sum": ([a32, np.array([2, 0])],
                          lambda T, x, t: T.nn.functional.cross_entropy(x, t, reduction="sum")),
    "cross_entropy_none": ([a32, np.array([2, 0])],
                           lambda T, x, t: T.nn.functional.cross_entropy(x, t, reduction="none")),
    "cross_entropy_weight": ([a32, np.array([2, 0])],
                             lambda T, x, t: T.nn.functional.cross_entropy(x, t, weight=W(T))),
    "cross_entropy_weight_requires_grad": (
        [a32, np.array([2, 0]), np.array([1.0, 2.0, 0.5], np.float32)],
        lambda T, x, t, w: T.nn.functional.cross_entropy(x, t, weight=w),
    ),
    "cross_entropy_ignore": ([a32, np.array([2, 0])],
                             lambda T, x, t: T.nn.functional.cross_entropy(x, t, ignore_index=0)),
    "cross_entropy_smooth": ([a32, np.array([2, 0])],
                             lambda T, x, t: T.nn.functional.cross_entropy(
                                 x, t, label_smoothing=0.2)),
    "cross_entropy_smooth_w": ([a32, np.array([2, 0])],
                               lambda T, x, t: T.nn.functional.cross_entropy(
                                   x, t, weight=W(T), label_smoothing=0.1, reduction="sum")),
    "cross_entropy_smooth_w_mean": ([a32, np.array([2, 0])],
                                    lambda T, x, t: T.nn.functional.cross_entropy(
                                        x, t, weight=W(T), label_smoothing=0.3)),
    "cross_entropy_probs": ([a32, np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], np.float32)],
                            lambda T, x, p: T.nn.functional.cross_entropy(x, p)),
    "cross_entropy_1d": ([c32, np.array(1)],
                         lambda T, x, t: T.nn.functional.cross_entropy(x, t)),
    "cross_entropy_spatial": ([RNG.standard_normal((2, 3, 4)), np.array([[0, 1, 2, 1],
                                                                          [2, 2, 0, 1]])],
                              lambda T, x, t: T.nn.functional.cross_entropy(x, t)),
    "nll_spatial_none": ([RNG.standard_normal((2, 3, 4)), np.array([[0, 1, 2, 1], [2, 2, 0, 1]])],
                         lambda T, x, t: T.nn.functional.nll_loss(x, t, reduction="none")),
    "nll_4d_none": ([RNG.standard_normal((2, 3, 2, 2)), np.array([[[0, 1], [2, 1]],
                                                                 [[2, 2], [0, 1]]])],
                    lambda T, x, t: T.nn.functional.nll_loss(x, t, reduction="none")),
    "nll_loss": ([a32, np.array([1, 2])], lambda T, x, t: T.nn.functional.nll_loss(x, t)),
    "mse_loss": ([a32, b32], lambda T, x, y: T.nn.functional.mse_loss(x, y)),
    "mse_loss_sum": ([a32, b32],
                     lambda T, x, y: T.nn.functional.mse_loss(x, y, reduction="sum")),
    "mse_loss_none": ([a32, b32],
                      lambda T, x, y: T.nn.functional.mse_loss(x, y, reduction="none")),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_operation_same_as_pytorch(name: str, conform: Any) -> None:
    inputs, f = CASES[name]
    conform(run_op(inputs, f))


# ---- dtypes and promotion --------------------------------------------------------------------

OPERANDS: list[Callable[[Any], Any]] = [
    lambda T: T.tensor([1.0, 2.0]),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float64),
    lambda T: T.tensor([1.0, 2.0], dtype=T.float16),
    lambda T: T.tensor([1, 2]),
    lambda T: T.tensor([1, 2], dtype=T.int32),
    lambda T: T.tensor([1, 0], dtype=T.uint8),
    lambda T: T.tensor([True, False]),
    lambda T: T.tensor([1 + 1j, 2j]),
    lambda T: T.tensor(2.0, dtype=T.float64),
    lambda T: T.tensor(3),
    lambda T: T.tensor(1j, dtype=T.complex128),
    lambda T: 2.5,
    lambda T: 3,
    lambda T: True,
    lambda T: 1j,
]


def _is_half_and_complex(T: Any, a: Any, b: Any) -> bool:
    # PyTorch's complex32 has no NumPy counterpart: tracegrad gives complex64 there.
    def kind(x: Any) -> str:
        if isinstance(x, T.Tensor):
            return "half" if x.dtype == T.float16 else ("complex" if x.is_complex() else "")
        return "complex" if isinstance(x, complex) else ""

    return {kind(a), kind(b)} == {"half", "complex"}


def promotion_program(T: Any, rec: Any) -> None:
    for f in OPERANDS:
        for g in OPERANDS:
            a, b = f(T), g(T)
            if not (isinstance(a, T.Tensor) or isinstance(b, T.Tensor)):
                continue
            if _is_half_and_complex(T, a, b):
                continue
            if isinstance(a, T.Tensor):
                rec((a * b).dtype)
                rec((a + b).dtype)
            else:
                rec((b * a).dtype)
            rec((a / b).dtype if isinstance(a, T.Tensor) else (b / a).dtype)


def test_type_promotion_same_as_pytorch(conform: Any) -> None:
    conform(promotion_program)


def creation_program(T: Any, rec: Any) -> None:
    rec(T.tensor([1, 2]))
    rec(T.tensor([1.0, 2]))
    rec(T.tensor([[True], [False]]))
    rec(T.tensor(np.array([1.0, 2.0])))
    rec(T.tensor(np.array([1, 2], np.int32)))
    rec(T.tensor(np.float64(2.0)))
    rec(T.tensor([1 + 2j]))
    rec(T.tensor([]))
    rec(T.tensor([T.tensor(1.0), T.tensor(2.0)]))
    rec(T.tensor(3, dtype=T.float64))
    rec(T.tensor(0.3, dtype=T.float64))  # not rounded through float32
    rec(T.tensor([[0.1, 1e-9]], dtype=T.float64))
    rec(T.tensor([1.7, -2.2], dtype=T.int64))
    rec(T.tensor([1, 0], dtype=T.bool))
    rec(T.zeros(2, 3))
    rec(T.ones((2,), dtype=T.int32))
    rec(T.full((2, 2), 7))
    rec(T.full((2,), 1.5))
    rec(T.full((1,), True))
    rec(T.arange(5))
    rec(T.arange(1, 2, 0.25))
    rec(T.arange(0.0, 3))
    rec(T.eye(2, 3))
    rec(T.linspace(0, 1, 5))
    rec(T.zeros_like(T.tensor([1, 2])))
    rec(T.ones_like(T.tensor([1.0]), dtype=T.float64))
    rec(T.full_like(T.tensor([1.0, 2.0]), 3))
    rec(T.empty(0, 2).shape)
    rec(T.rand(3, 2).shape)
    rec(T.randn(2, dtype=T.float64).dtype)
    rec(T.zeros(2, requires_grad=True))
    rec([T.float, T.double, T.long, T.int, T.cfloat, T.cdouble, T.half, T.bool])
    rec([str(T.Size([2, 3])), T.zeros(2, 3).size(), T.zeros(2, 3).size(-1), T.zeros(4).dim()])
    rec([T.get_default_dtype(), T.tensor([1, 2]).tolist(), T.tensor(2.5).item()])


def test_creation_same_as_pytorch(conform: Any) -> None:
    conform(creation_program)


# ---- errors of operations ------------------------------------------------------------------

ERRORS: dict[str, Callable[[Any], Any]] = {
    "broadcast": lambda T: T.tensor([[1.0, 2, 3]]) + T.tensor([1.0, 2]),
    "mm_shapes": lambda T: T.ones(2, 3) @ T.ones(2, 4),
    "dot_sizes": lambda T: T.ones(3) @ T.ones(2),
    "mv_sizes": lambda T: T.ones(1, 3) @ T.ones(2),
    "mm_not_matrix": lambda T: T.mm(T.ones(3), T.ones(3, 2)),
    "bmm_not_3d": lambda T: T.bmm(T.ones(3, 2), T.ones(3, 2)),
    "matmul_dtypes": lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64),
    "matmul_dtypes_long": lambda T: T.ones(2, 2, dtype=T.int64) @ T.ones(2, 2, dtype=T.float64),
    "bmm_dtypes": lambda T: T.bmm(T.ones(2, 2, 2), T.ones(2, 2, 2, dtype=T.float64)),
    "dot_dtypes": lambda T: T.ones(2) @ T.ones(2, dtype=T.float64),
    "permute": lambda T: T.ones(2, 3).permute(1, 0, 2),
    "reshape": lambda T: T.ones(2, 3).reshape(4),
    "view_strides": lambda T: T.ones(2, 3).t().view(6),
    "t_3d": lambda T: T.ones(2, 3, 4).t(),
    "unsqueeze_dim": lambda T: T.ones(2, 3).unsqueeze(4),
    "cat_sizes": lambda T: T.cat([T.ones(2, 3), T.ones(3, 2)]),
    "stack_sizes": lambda T: T.stack([T.ones(2, 3), T.ones(3, 2)]),
    "expand": lambda T: T.ones(2, 3).expand(3, 3),
    "sum_repeated_dim": lambda T: T.ones(2, 3).sum(dim=(0, 0)),
    "max_dim": lambda T: T.ones(2, 3).max(dim=5),
    "mean_int": lambda T: T.tensor([1, 2]).mean(),
    "index_bounds": lambda T: T.tensor([1.0, 2, 3])[5],
    "index_float": lambda T: T.tensor([1.0, 2])[T.tensor(1.0)],
    "sub_bools": lambda T: T.tensor([True]) - T.tensor([True]),
    "neg_bool": lambda T: -T.tensor([True]),
    "inplace_cast": lambda T: T.tensor([1, 2]).add_(0.5),
    "leaf_inplace": lambda T: T.ones(2, requires_grad=True).add_(1),
    "leaf_zero_": lambda T: T.ones(2, requires_grad=True).zero_(),
    "target_bounds": lambda T: T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 5])),
    "target_dtype": lambda T: T.nn.functional.cross_entropy(
        T.ones(2, 3), T.tensor([0, 1], dtype=T.int32)
    ),
    "bool_ambiguous": lambda T: bool(T.tensor([1.0, 2.0])),
    "float_of_many": lambda T: float(T.tensor([1.0, 2.0])),
    "len_0d": lambda T: len(T.tensor(1.0)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_same_as_pytorch(name: str, conform: Any) -> None:
    record = conform(lambda T, rec: rec(ERRORS[name](T)))
    assert record[-1][0] == "raised"
