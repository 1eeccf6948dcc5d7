"""Tutorial breadth against PyTorch: masked/sort/topk/scatter/index ops, einsum, logsumexp,
angle/conj, cumprod, flip/roll/tile, tril/triu, dist/cdist, outer, addmm/baddbmm, their
in-place forms, and the nn.functional losses and activations: values, dtypes, ``grad_fn``
names, input gradients and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.test_conformance_ops import a32, b32, p32, run_op

pytest.importorskip("torch")

RNG = np.random.default_rng(0)
M34 = RNG.standard_normal((3, 4)).astype(np.float32)
M45 = RNG.standard_normal((4, 5)).astype(np.float32)
B234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
B245 = RNG.standard_normal((2, 4, 5)).astype(np.float32)
V4 = RNG.standard_normal(4).astype(np.float32)
SQ = RNG.standard_normal((4, 4)).astype(np.float32)
Z2 = np.array([1 + 2j, -3 - 1j], np.complex64)
WITH_ZERO = np.array([[2.0, 0.0, 3.0], [1.0, -2.0, 0.5]], np.float32)
IDX = np.array([[0, 1, 2, 0]])
IDX2 = np.array([[0, 0], [1, 3], [2, 2]])
S14 = M34[:1] * 3  # PyTorch 2.13 rejects its own gradient for a src larger than the index

CASES: dict[str, tuple[list[np.ndarray], Callable[..., Any]]] = {
    "masked_fill": ([M34], lambda T, x: x.masked_fill(x > 0, -1.0)),
    "masked_fill_bcast": ([M34], lambda T, x: T.masked_fill(x, T.tensor([True, False] * 2), 2)),
    "masked_fill_0d_value": ([M34], lambda T, x: x.masked_fill(x < 0, T.tensor(3.0))),
    "masked_fill_": ([M34], lambda T, x: (x * 1).masked_fill_(x > 0, 0.5)),
    "masked_select": ([M34], lambda T, x: x.masked_select(x > 0)),
    "masked_select_bcast": ([M34], lambda T, x: T.masked_select(x, T.tensor([True, False] * 2))),
    "sort": ([M34], lambda T, x: tuple(x.sort())),
    "sort_desc_dim0": ([M34], lambda T, x: tuple(T.sort(x, 0, descending=True))),
    "argsort": ([M34], lambda T, x: x.argsort(dim=0)),
    "argsort_desc": ([M34], lambda T, x: T.argsort(x, descending=True)),
    "topk": ([M34], lambda T, x: tuple(x.topk(2))),
    "topk_smallest_dim0": ([M34], lambda T, x: tuple(T.topk(x, 2, dim=0, largest=False))),
    "einsum_mm": ([M34, M45], lambda T, x, y: T.einsum("ij,jk->ik", x, y)),
    "einsum_bmm": ([B234, B245], lambda T, x, y: T.einsum("bij,bjk->bik", x, y)),
    "einsum_dot": ([V4, V4], lambda T, x, y: T.einsum("i,i->", x, y)),
    "einsum_outer": ([V4, V4], lambda T, x, y: T.einsum("i,j->ij", x, y)),
    "einsum_diag": ([SQ], lambda T, x: T.einsum("ii->i", x)),
    "einsum_trace": ([SQ], lambda T, x: T.einsum("ii", x)),
    "einsum_t": ([M34], lambda T, x: T.einsum("ij->ji", x)),
    "einsum_colsum": ([M34], lambda T, x: T.einsum("ij->j", x)),
    "einsum_list": ([M34, V4], lambda T, x, v: T.einsum("ij,j->i", [x, v])),
    "einsum_ellipsis": ([B234, B245], lambda T, x, y: T.einsum("...ij,...jk->...ik", x, y)),
    "logsumexp": ([M34], lambda T, x: x.logsumexp(1)),
    "logsumexp_keep": ([M34], lambda T, x: T.logsumexp(x, dim=(0, 1), keepdim=True)),
    "logsumexp_int": ([np.array([1, 2, 3])], lambda T, x: T.logsumexp(x, 0)),
    "angle_real": ([M34], lambda T, x: x.angle()),
    "angle_complex": ([Z2], lambda T, z: T.angle(z)),
    "angle_int": ([np.array([-1, 2])], lambda T, x: x.angle()),
    "conj_complex": ([Z2], lambda T, z: T.conj(z) * 2),
    "conj_real": ([M34], lambda T, x: x.conj()),
    "cumprod": ([WITH_ZERO], lambda T, x: x.cumprod(1)),
    "cumprod_dim0": ([WITH_ZERO], lambda T, x: T.cumprod(x, dim=0)),
    "cumprod_int": ([np.array([1, 2, 3], np.int32)], lambda T, x: x.cumprod(0)),
    "flip": ([M34], lambda T, x: x.flip(0)),
    "flip_list": ([B234], lambda T, x: T.flip(x, [0, 2])),
    "flip_args": ([B234], lambda T, x: x.flip(1, -1)),
    "roll": ([M34], lambda T, x: x.roll(1, 0)),
    "roll_flat": ([M34], lambda T, x: T.roll(x, 5)),
    "roll_multi": ([M34], lambda T, x: x.roll((1, -1), (0, 1))),
    "repeat": ([M34], lambda T, x: x.repeat(1, 2)),
    "tile": ([M34], lambda T, x: x.tile(2)),
    "tile_more": ([V4], lambda T, x: T.tile(x, (2, 1, 2))),
    "tril": ([SQ], lambda T, x: x.tril()),
    "tril_k": ([M34], lambda T, x: T.tril(x, -1)),
    "triu": ([B234], lambda T, x: x.triu(1)),
    "norm": ([M34], lambda T, x: x.norm()),
    "norm_p1_dim": ([M34], lambda T, x: T.norm(x, 1, dim=1)),
    "dist": ([a32, b32], lambda T, x, y: x.dist(y)),
    "dist_p1": ([a32, b32], lambda T, x, y: T.dist(x, y, 1)),
    "dist_inf": ([a32, b32], lambda T, x, y: T.dist(x, y, float("inf"))),
    "cdist": ([M34, M34[:2] * 2], lambda T, x, y: T.cdist(x, y)),
    "cdist_p1": ([M34, M34[:2] * 2], lambda T, x, y: T.cdist(x, y, p=1.0)),
    "cdist_batch": ([B234, B234 + 1], lambda T, x, y: T.cdist(x, y)),
    "outer": ([V4, V4[:3]], lambda T, x, y: T.outer(x, y)),
    "outer_method": ([V4, V4[:3]], lambda T, x, y: x.outer(y)),
    "bmm": ([B234, B245], lambda T, x, y: T.bmm(x, y)),
    "addmm": ([M34[:, :1].ravel(), M34, M45], lambda T, c, x, y: T.addmm(c[:, None], x, y)),
    "addmm_scaled": ([M45[:1], M34, M45], lambda T, c, x, y: T.addmm(c, x, y, beta=0.5, alpha=2)),
    "addmm_method": ([M34[:, :1].ravel(), M34, M45], lambda T, c, x, y: c[:, None].addmm(x, y)),
    "baddbmm": ([B234[:, :, :1], B234, B245[:, :, :1]], lambda T, c, x, y: T.baddbmm(c, x, y)),
    "baddbmm_scaled": ([B234[:, :, :1], B234, B245[:, :, :1]],
                       lambda T, c, x, y: T.baddbmm(c, x, y, beta=2, alpha=0.5)),
    "index_select": ([M34], lambda T, x: x.index_select(1, T.tensor([0, 2, 2]))),
    "index_select_dim0": ([M34], lambda T, x: T.index_select(x, 0, T.tensor([2, 0]))),
    "scatter": ([M34, S14], lambda T, x, s: x.scatter(0, T.tensor(IDX), s)),
    "scatter_value": ([M34], lambda T, x: T.scatter(x, 1, T.tensor([[1], [0], [3]]), 2.0)),
    "scatter_add": ([M34, S14], lambda T, x, s: x.scatter_add(0, T.tensor(IDX), s)),
    "scatter_add_dim1": ([M34, M34[:, :2]],
                         lambda T, x, s: T.scatter_add(x, 1, T.tensor(IDX2), s)),
    "index_add": ([M34, M34[:2]], lambda T, x, s: x.index_add(0, T.tensor([0, 0]), s)),
    "index_add_alpha": ([M34, M34[:, :2]],
                        lambda T, x, s: T.index_add(x, 1, T.tensor([3, 1]), s, alpha=2)),
    "scatter_": ([M34, S14], lambda T, x, s: (x * 1).scatter_(0, T.tensor(IDX), s)),
    "scatter_add_": ([M34, S14], lambda T, x, s: (x * 1).scatter_add_(0, T.tensor(IDX), s)),
    "index_add_": ([M34, M34[:1]], lambda T, x, s: (x * 1).index_add_(0, T.tensor([2]), s)),
    "scatter_src_grad_only": ([S14], lambda T, s: T.zeros(3, 4).scatter_(0, T.tensor(IDX), s)),
    "flip_pos": ([p32], lambda T, x: x.flip(1)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_operation_same_as_pytorch(name: str, conform: Any) -> None:
    inputs, f = CASES[name]
    conform(run_op(inputs, f))


ERRORS: dict[str, Callable[[Any], Any]] = {
    "masked_fill_int_mask": lambda T: T.ones(2).masked_fill(T.tensor([1, 0]), 0.0),
    "masked_fill_1d_value": lambda T: T.ones(2).masked_fill(T.tensor([True, False]), T.ones(2)),
    "topk_k_too_big": lambda T: T.ones(3).topk(4),
    "index_select_2d": lambda T: T.ones(3).index_select(0, T.tensor([[0]])),
    "index_select_oob": lambda T: T.ones(3).index_select(0, T.tensor([3])),
    "scatter_dims": lambda T: T.ones(3, 2).scatter(0, T.tensor([0]), 1.0),
    "scatter_oob": lambda T: T.ones(3).scatter(0, T.tensor([5]), 1.0),
    "scatter_int32_index": lambda T: T.ones(3).scatter(0, T.tensor([0], dtype=T.int32), 1.0),
    "scatter_dtype": lambda T: T.ones(3).scatter(0, T.tensor([0]), T.ones(1, dtype=T.float64)),
    "index_add_dtype": lambda T: T.ones(3).index_add(0, T.tensor([0]), T.ones(1, dtype=T.int64)),
    "einsum_operands": lambda T: T.einsum("ij,jk->ik", T.ones(2, 2)),
    "tril_1d": lambda T: T.ones(3).tril(),
    "roll_align": lambda T: T.ones(3, 3).roll((1, 2), 0),
    "cdist_1d": lambda T: T.cdist(T.ones(3), T.ones(3)),
    "cdist_cols": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)),
    "outer_2d": lambda T: T.outer(T.ones(2, 2), T.ones(2)),
    "addmm_shapes": lambda T: T.addmm(T.ones(2, 3), T.ones(2, 2), T.ones(3, 2)),
    "addmm_input": lambda T: T.addmm(T.ones(3, 3), T.ones(2, 2), T.ones(2, 2)),
    "baddbmm_2d": lambda T: T.baddbmm(T.ones(2, 2, 2), T.ones(2, 2), T.ones(2, 2, 2)),
    "scatter_float_index": lambda T: T.ones(3).scatter(0, T.tensor([0.0]), 1.0),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_same_as_pytorch(name: str, conform: Any) -> None:
    conform(lambda T, rec: rec(ERRORS[name](T)))


def test_inplace_forms_bump_versions_and_guard_saved_tensors(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        w = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = w * 2
        z = y.exp()  # saves its result
        for step in (
            lambda: z.masked_fill_(z > 100, 0.0),
            lambda: z.scatter_(0, T.tensor([0]), 1.0),
            lambda: z.scatter_add_(0, T.tensor([1]), T.ones(1)),
            lambda: z.index_add_(0, T.tensor([2]), T.ones(1)),
        ):
            step()
            rec(z._version)
        rec([z, type(z.grad_fn).__name__])
        z.sum().backward()  # exp's result was changed: PyTorch's error

    conform(program)


def test_conj_grad_fn_name(conform: Any) -> None:
    conform(lambda T, rec: rec(type(T.tensor([1j], requires_grad=True).conj().grad_fn).__name__))
