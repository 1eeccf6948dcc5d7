# ruff: noqa: E501  (one case a line reads best in the tables)
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


# ---- nn.functional losses and activations ---------------------------------------------------

PROB = np.array([[0.2, 0.9, 0.5], [0.7, 0.01, 0.999]], np.float32)
TGT = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 1.0]], np.float32)
LOGP = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], np.float32))
KINKS = np.array([[-2.0, -1.0, 0.0], [0.5, 1.0, 30.0]], np.float32)  # activation kinks
W3 = np.array([0.5, 1.0, 2.0], np.float32)


def _with_reductions(name: str, f: Callable[..., Any], inputs: list[np.ndarray]) -> dict[str, Any]:
    return {
        f"{name}_{r}": (inputs, lambda T, *xs, r=r: f(T, *xs, reduction=r))
        for r in ("mean", "sum", "none")
    }


def _fn(T: Any) -> Any:
    return T.nn.functional


LOSSES: dict[str, tuple[list[np.ndarray], Callable[..., Any]]] = {
    **_with_reductions("bce", lambda T, p, **k: _fn(T).binary_cross_entropy(p, T.tensor(TGT), **k), [PROB]),
    **_with_reductions("bce_logits", lambda T, x, **k: _fn(T).binary_cross_entropy_with_logits(x, T.tensor(TGT), **k), [KINKS]),
    **_with_reductions("l1", lambda T, x, y, **k: _fn(T).l1_loss(x, y, **k), [PROB, TGT]),
    **_with_reductions("smooth_l1", lambda T, x, y, **k: _fn(T).smooth_l1_loss(x, y, beta=0.5, **k), [KINKS, TGT]),
    **_with_reductions("smooth_l1_beta0", lambda T, x, y, **k: _fn(T).smooth_l1_loss(x, y, beta=0.0, **k), [KINKS, TGT]),
    **_with_reductions("huber", lambda T, x, y, **k: _fn(T).huber_loss(x, y, delta=2.0, **k), [KINKS, TGT]),
    **_with_reductions("kl", lambda T, x, **k: _fn(T).kl_div(x, T.tensor(TGT), **k), [LOGP]),
    **_with_reductions("kl_log_target", lambda T, x, **k: _fn(T).kl_div(x, T.tensor(LOGP[::-1].copy()), log_target=True, **k), [LOGP]),
    "kl_batchmean": ([LOGP], lambda T, x: _fn(T).kl_div(x, T.tensor(TGT), reduction="batchmean")),
    "kl_target_grad": ([LOGP, TGT + 0.1], lambda T, x, t: _fn(T).kl_div(x, t, reduction="sum")),
    "bce_weight": ([PROB], lambda T, p: _fn(T).binary_cross_entropy(p, T.tensor(TGT), weight=T.tensor(W3))),
    # values only: at p = 0 or 1 PyTorch's backward gives -1/1e-12, not a derivative
    "bce_saturated": ([], lambda T: _fn(T).binary_cross_entropy(T.tensor([0.0, 1.0, 0.5]), T.tensor([1.0, 0.0, 1.0]), reduction="none")),
    "bce_logits_weights": ([KINKS], lambda T, x: _fn(T).binary_cross_entropy_with_logits(x, T.tensor(TGT), weight=T.tensor(W3), pos_weight=T.tensor(W3[::-1].copy()))),
    "bce_logits_pos_weight": ([KINKS], lambda T, x: _fn(T).binary_cross_entropy_with_logits(x, T.tensor(TGT), pos_weight=T.tensor([3.0, 1.0, 0.5]), reduction="sum")),
    "ce_ignore_index": ([KINKS], lambda T, x: _fn(T).cross_entropy(x, T.tensor([2, -100]))),
    "ce_ignore_custom": ([KINKS], lambda T, x: _fn(T).cross_entropy(x, T.tensor([1, 0]), ignore_index=1)),
    "ce_smoothing": ([KINKS], lambda T, x: _fn(T).cross_entropy(x, T.tensor([2, 0]), label_smoothing=0.2)),
    "ce_module": ([KINKS], lambda T, x: T.nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)(x, T.tensor([2, 0]))),
    "nll_module": ([LOGP], lambda T, x: T.nn.NLLLoss(weight=T.tensor(W3))(x, T.tensor([2, 0]))),
    "bce_module": ([PROB], lambda T, p: T.nn.BCELoss(reduction="sum")(p, T.tensor(TGT))),
    "bce_logits_module": ([KINKS], lambda T, x: T.nn.BCEWithLogitsLoss(pos_weight=T.tensor(W3))(x, T.tensor(TGT))),
    "l1_module": ([PROB, TGT], lambda T, x, y: T.nn.L1Loss()(x, y)),
    "smooth_l1_module": ([KINKS, TGT], lambda T, x, y: T.nn.SmoothL1Loss(beta=2.0)(x, y)),
    "huber_module": ([KINKS, TGT], lambda T, x, y: T.nn.HuberLoss(reduction="sum", delta=0.5)(x, y)),
    "kl_module": ([LOGP], lambda T, x: T.nn.KLDivLoss(reduction="batchmean")(x, T.tensor(TGT))),
    "leaky_relu": ([KINKS], lambda T, x: _fn(T).leaky_relu(x)),
    "leaky_relu_slope": ([KINKS], lambda T, x: _fn(T).leaky_relu(x, 0.2)),
    "elu": ([KINKS], lambda T, x: _fn(T).elu(x)),
    "elu_alpha": ([KINKS], lambda T, x: _fn(T).elu(x, alpha=0.5)),
    "gelu": ([KINKS], lambda T, x: _fn(T).gelu(x)),
    "gelu_tanh": ([KINKS], lambda T, x: _fn(T).gelu(x, approximate="tanh")),
    "silu": ([KINKS], lambda T, x: _fn(T).silu(x)),
    "softplus": ([KINKS], lambda T, x: _fn(T).softplus(x)),
    "softplus_beta": ([KINKS], lambda T, x: _fn(T).softplus(x, beta=2, threshold=1)),
    "hardtanh": ([KINKS], lambda T, x: _fn(T).hardtanh(x)),
    "hardtanh_bounds": ([KINKS], lambda T, x: _fn(T).hardtanh(x, -1.0, 0.5)),
    "logsigmoid": ([KINKS], lambda T, x: _fn(T).logsigmoid(x)),
    "dropout_eval": ([KINKS], lambda T, x: _fn(T).dropout(x, 0.5, training=False) * 1),
    "dropout_p1": ([KINKS], lambda T, x: _fn(T).dropout(x, 1.0)),
    "dropout_p0": ([KINKS], lambda T, x: _fn(T).dropout(x, 0.0) * 1),
}  # fmt: skip


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_or_activation_same_as_pytorch(name: str, conform: Any) -> None:
    inputs, f = LOSSES[name]
    conform(run_op(inputs, f))


LOSS_ERRORS: dict[str, Callable[[Any], Any]] = {
    "dropout_p": lambda T: _fn(T).dropout(T.ones(2), 1.5),
    "bce_shape": lambda T: _fn(T).binary_cross_entropy(T.rand(3), T.rand(2)),
    "bce_input_range": lambda T: _fn(T).binary_cross_entropy(T.ones(3) * 2, T.ones(3)),
    "bce_target_range": lambda T: _fn(T).binary_cross_entropy(T.ones(3) / 2, T.ones(3) * 2),
    "bce_dtype": lambda T: _fn(T).binary_cross_entropy(T.ones(3) / 2, T.ones(3).double()),
    "bce_logits_shape": lambda T: _fn(T).binary_cross_entropy_with_logits(T.ones(3), T.ones(2)),
    "l1_broadcast": lambda T: _fn(T).l1_loss(T.ones(3), T.ones(2)),
    "kl_reduction": lambda T: _fn(T).kl_div(T.ones(3), T.ones(3), reduction="bad"),
    "gelu_approximate": lambda T: _fn(T).gelu(T.ones(3), approximate="x"),
    "huber_delta": lambda T: _fn(T).huber_loss(T.ones(3), T.ones(3), delta=-1),
    "smooth_l1_beta": lambda T: _fn(T).smooth_l1_loss(T.ones(3), T.ones(3), beta=-1),
    "ce_smoothing_range": lambda T: _fn(T).cross_entropy(T.ones(2, 3), T.tensor([0, 1]), label_smoothing=1.5),
    "l1_module_reduction": lambda T: T.nn.L1Loss(reduction="avg")(T.ones(1), T.ones(1)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(LOSS_ERRORS))
def test_loss_error_same_as_pytorch(name: str, conform: Any) -> None:
    conform(lambda T, rec: rec(LOSS_ERRORS[name](T)))


def test_dropout_in_training_zeroes_and_scales() -> None:
    import tracegrad.torch as tt

    tt.manual_seed(0)
    x = tt.ones(2000, requires_grad=True)
    y = tt.nn.functional.dropout(x, 0.25)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    values = set(y.tolist())
    assert values == {0.0, float(np.float32(1 / 0.75))}
    kept = (y > 0).float().mean().item()
    assert 0.7 < kept < 0.8
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    tt.manual_seed(0)
    assert tt.nn.functional.dropout(x, 0.25).tolist() == y.tolist()
