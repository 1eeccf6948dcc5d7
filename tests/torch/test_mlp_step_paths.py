"""The MLP step's cheaper backward routes give the values of the general ones:
``log_softmax`` with its shift under ``stop_gradient`` (the same forward bits as
``tracegrad.nn.log_softmax``, a backward without the maximum's derivative, the same
gradients to rounding, and PyTorch's)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.nn as tnn
import tracegrad.numpy as tnp
import tracegrad.torch as torch

F = torch.nn.functional
RNG = np.random.default_rng(7)
CASES = [((128, 10), 1), ((5, 7, 3), 0), ((5, 7, 3), 2), ((5, 7, 3), -1), ((4,), 0), ((), 0)]


def _logits(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    z = (RNG.standard_normal(shape) * 3).astype(dtype)
    if z.ndim == 3:  # rows with an infinity and an all -inf row
        z[0, 0, 0], z[1, 2, 1] = -np.inf, np.inf
        z[2, :, 1] = -np.inf
    return z


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the infinite rows
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "dim"), CASES)
def test_log_softmax_forward_bits_are_the_cores(
    shape: tuple[int, ...], dim: int, dtype: type
) -> None:
    z = _logits(shape, dtype)
    ref = np.asarray(tnn.log_softmax(z, axis=dim if z.ndim else None))
    for _ in range(3):  # eager, then the staged forward
        out = F.log_softmax(torch.tensor(z, requires_grad=True), dim).detach().numpy()
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize(("shape", "dim"), CASES[:4])
def test_log_softmax_gradient_is_the_cores(shape: tuple[int, ...], dim: int) -> None:
    z = RNG.standard_normal(shape)
    w = RNG.standard_normal(shape)
    for _ in range(2):
        zt = torch.tensor(z, requires_grad=True)
        (F.log_softmax(zt, dim) * torch.tensor(w)).sum().backward()
        assert zt.grad is not None
    ref = tg.grad(lambda x: tnp.sum(tnn.log_softmax(x, axis=dim) * w))(z)
    np.testing.assert_allclose(zt.grad.numpy(), ref, rtol=1e-12, atol=1e-14)


def test_log_softmax_backward_does_not_differentiate_the_maximum() -> None:
    zt = torch.tensor(RNG.standard_normal((8, 5)), requires_grad=True)
    node = F.log_softmax(zt, 1).grad_fn
    assert node.name() == "LogSoftmaxBackward0"
    prims = {e.primitive.name for e in node.plan.vjp_jaxpr.jaxpr.eqns}
    assert "eq" not in prims  # the maximum's derivative splits ties with an equality test
    assert "reduce_max" in prims  # the shift is recomputed, not differentiated


def test_cross_entropy_gradient_matches_pytorch() -> None:
    pt = pytest.importorskip("torch")
    z = (RNG.standard_normal((128, 10)) * 3).astype(np.float32)
    y = RNG.integers(0, 10, 128)
    grads = []
    for m in (torch, pt):
        zt = m.tensor(z, requires_grad=True)
        m.nn.functional.cross_entropy(zt, m.tensor(y)).backward()
        grads.append(zt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-8)


# ---- operations that save their result: the backward reads it -------------------------------

RESULT_OPS = {
    "exp": (torch.exp, tnp.exp),
    "tanh": (torch.tanh, tnp.tanh),
    "sigmoid": (torch.sigmoid, tnn.sigmoid),
    "expm1": (torch.expm1, tnp.expm1),
    "tan": (torch.tan, tnp.tan),
    "sqrt": (torch.sqrt, tnp.sqrt),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: tnn.softmax(x, axis=1)),
}


def _positive(dtype: type) -> np.ndarray:
    return (np.abs(RNG.standard_normal((6, 5))) + 0.5).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(RESULT_OPS))
def test_a_result_reading_backward_gives_the_cores_bits(name: str, dtype: type) -> None:
    shim_fn, core_fn = RESULT_OPS[name]
    x, w = _positive(dtype), RNG.standard_normal((6, 5)).astype(dtype)
    _, pull = tg.vjp(core_fn, x)
    (ref,) = pull(w)
    for _ in range(2):
        xt = torch.tensor(x, requires_grad=True)
        y = shim_fn(xt)
        node = y.grad_fn
        assert node.plan.reads_result
        assert node.saved[-1] is y._value  # the forward's array, not a recomputation
        y.backward(torch.tensor(w))
        assert xt.grad is not None
        np.testing.assert_array_equal(xt.grad.numpy(), ref)
    fwd = {"exp": "exp", "tanh": "tanh", "sigmoid": "logistic", "expm1": "expm1", "tan": "tan"}
    prims = {e.primitive.name for e in node.plan.vjp_jaxpr.jaxpr.eqns}
    assert fwd.get(name, "-") not in prims


def test_tanh_keeps_its_result_not_its_input() -> None:
    x = torch.tensor(_positive(np.float64), requires_grad=True)
    pre = x * 2.0
    y = torch.tanh(pre)
    assert all(s is not pre._value for s in y.grad_fn.saved)


@pytest.mark.parametrize("name", sorted(RESULT_OPS))
def test_double_backward_through_the_saved_result(name: str) -> None:
    shim_fn, core_fn = RESULT_OPS[name]
    x, w, v = _positive(np.float64), RNG.standard_normal((6, 5)), RNG.standard_normal((6, 5))
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad((shim_fn(xt) * torch.tensor(w)).sum(), xt, create_graph=True)
    (g2,) = torch.autograd.grad((g * torch.tensor(v)).sum(), xt)

    def first(z: np.ndarray) -> np.ndarray:
        return tg.grad(lambda u: tnp.sum(core_fn(u) * w))(z)

    ref = tg.grad(lambda z: tnp.sum(first(z) * v))(x)
    np.testing.assert_allclose(g2.numpy(), ref, rtol=1e-10, atol=1e-12)


def test_a_result_changed_in_place_still_raises() -> None:
    x = torch.tensor(_positive(np.float64), requires_grad=True)
    y = torch.tanh(x)
    loss = y.sum()
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_in_place_tanh_reads_its_result() -> None:
    a = _positive(np.float64)
    x = torch.tensor(a, requires_grad=True)
    y = x * 1.0
    y.tanh_()
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 1 - np.tanh(a) ** 2, rtol=1e-14)


# ---- a number on the left: self first, as PyTorch ----------------------------------------


@pytest.mark.parametrize("expr", [lambda t: 0.5 * t, lambda t: 2 + t, lambda t: np.float32(3) * t])
def test_a_number_on_the_left_records_the_tensor_first(expr: object) -> None:
    pt = pytest.importorskip("torch")
    names = []
    for m in (torch, pt):
        t = m.tensor([1.0, 2.0], requires_grad=True)
        y = expr(t)  # type: ignore[operator]
        names.append([None if f is None else type(f).__name__ for f, _ in y.grad_fn.next_functions])
        assert y.dtype == t.dtype
    assert names[0] == names[1] == ["AccumulateGrad", None]


def test_a_number_on_the_left_gives_the_right_sided_values() -> None:
    x = RNG.standard_normal(64).astype(np.float32)
    t = torch.tensor(x)
    np.testing.assert_array_equal((0.1 * t).numpy(), (t * 0.1).numpy())
    np.testing.assert_array_equal((0.1 + t).numpy(), (t + 0.1).numpy())
    np.testing.assert_array_equal((3 * torch.tensor([1, 2])).numpy(), [3, 6])


# ---- tensors of one dtype and different shapes: NumPy called directly --------------------


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize(
    ("op", "core"),
    [("__add__", tnp.add), ("__mul__", tnp.multiply), ("__truediv__", tnp.true_divide)],
)
def test_a_broadcast_of_one_dtype_gives_the_cores_bits(op: str, core: object, dtype: type) -> None:
    x = RNG.standard_normal((5, 4)).astype(dtype) + 2
    b = RNG.standard_normal(4).astype(dtype) + 2
    ct = RNG.standard_normal((5, 4)).astype(dtype)
    out, pull = tg.vjp(core, x, b)  # type: ignore[arg-type]
    gx, gb = pull(ct)
    for _ in range(2):
        xt, bt = torch.tensor(x, requires_grad=True), torch.tensor(b, requires_grad=True)
        y = getattr(xt, op)(bt)
        assert y.dtype == xt.dtype
        np.testing.assert_array_equal(y.detach().numpy(), out)
        y.backward(torch.tensor(ct))
        if dtype is np.float32:  # complex: PyTorch's convention conjugates (compared elsewhere)
            np.testing.assert_array_equal(xt.grad.numpy(), gx)
            np.testing.assert_allclose(bt.grad.numpy(), gb, rtol=1e-6)


def test_shapes_that_do_not_broadcast_raise_pytorchs_error() -> None:
    a = torch.ones(4, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor"):
        a + torch.ones(4, requires_grad=True)


# ---- class targets checked in one pass when all are in range -----------------------------


@pytest.mark.parametrize(
    ("target", "bad"), [([0, 10], 10), ([0, -1], -1), ([3, -5], -5), ([-101, 2], -101)]
)
def test_out_of_range_targets_raise_pytorchs_error(target: list[int], bad: int) -> None:
    with pytest.raises(IndexError, match=f"Target {bad} is out of bounds."):
        F.cross_entropy(torch.zeros(2, 10), torch.tensor(target))


def test_ignored_and_unsigned_targets_pass_the_check() -> None:
    assert float(F.cross_entropy(torch.zeros(2, 10), torch.tensor([-100, 3]))) == pytest.approx(
        np.log(10)
    )
    target = torch.tensor([1, 9], dtype=torch.uint8)
    assert float(F.nll_loss(torch.zeros(2, 10), target)) == 0.0


# ---- in-place arithmetic under no_grad with a tensor of its dtype -------------------------


def test_an_update_under_no_grad_writes_in_place_and_bumps_the_version() -> None:
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    view = p.detach()
    v0 = p._version
    with torch.no_grad():
        p -= 0.5 * torch.tensor([2.0, 2.0])
        p.add_(torch.tensor([0.25, 0.25]))
        p *= torch.tensor([2.0, 4.0])
    assert p._version == v0 + 3
    np.testing.assert_array_equal(view.numpy(), [0.5, 5.0])
    assert p.grad_fn is None and p.requires_grad


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (lambda: torch.ones(3), lambda: torch.ones(2), "must match the size"),
        (lambda: torch.ones(1).expand(3), lambda: torch.ones(3), "more than one element"),
        (lambda: torch.tensor([True]), lambda: torch.tensor([True]), "two bool tensors"),
    ],
)
def test_an_update_under_no_grad_raises_pytorchs_errors(a: Any, b: Any, message: str) -> None:
    x, y = a(), b()
    with torch.no_grad(), pytest.raises(RuntimeError, match=message):
        x.sub_(y)


# ---- the matrix product of two float matrices of one dtype: np.matmul directly ------------


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_a_matrix_product_gives_the_cores_bits_and_node(dtype: type) -> None:
    a = RNG.standard_normal((5, 7)).astype(dtype)
    b = RNG.standard_normal((7, 3)).astype(dtype)
    ct = RNG.standard_normal((5, 3)).astype(dtype)
    out, pull = tg.vjp(tnp.matmul, a, b)
    ga, gb = pull(ct)
    for _ in range(2):
        at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        y = at @ bt
        assert y.grad_fn.name() == "MmBackward0"
        np.testing.assert_array_equal(y.detach().numpy(), out)
        y.backward(torch.tensor(ct))
        if dtype is np.float32:
            np.testing.assert_array_equal(at.grad.numpy(), ga)
            np.testing.assert_array_equal(bt.grad.numpy(), gb)


def test_matrix_products_off_the_direct_path_keep_pytorchs_errors() -> None:
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(2x3 and 2x3\)"):
        torch.ones(2, 3) @ torch.ones(2, 3)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.float64)
    assert (torch.ones(2, 3, dtype=torch.int64) @ torch.ones(3, 2, dtype=torch.int64)).dtype == (
        torch.int64
    )


# ---- nll_loss on (N, C): a gather without the wrap of negative indices --------------------


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"ignore_index": 2}])
def test_nll_on_a_matrix_gives_the_bits_of_the_spatial_route(kw: dict[str, Any]) -> None:
    logp = np.log(RNG.random((16, 5)))
    target = RNG.integers(0, 5, 16)
    results = []
    for lp, t in ((logp, target), (logp[:, :, None], target[:, None])):
        x = torch.tensor(lp, requires_grad=True)
        loss = F.nll_loss(x, torch.tensor(t), **kw)
        loss.backward()
        assert x.grad is not None
        results.append((loss.detach().numpy(), x.grad.numpy().reshape(16, 5)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_nll_on_a_matrix_does_not_wrap_negative_targets() -> None:
    x = torch.tensor(np.log(RNG.random((6, 4))), requires_grad=True)
    node = F.nll_loss(x, torch.tensor(RNG.integers(0, 4, 6))).grad_fn
    assert "lt" not in {e.primitive.name for e in node.plan.vjp_jaxpr.jaxpr.eqns}


@pytest.mark.parametrize("name", ["tanh", "exp", "sigmoid"])
def test_a_result_written_through_data_changes_the_gradient_as_in_pytorch(name: str) -> None:
    pt = pytest.importorskip("torch")
    a = RNG.standard_normal(5)
    grads = []
    for m in (torch, pt):
        x = m.tensor(a, requires_grad=True)
        y = getattr(m, name)(x)
        y.data.mul_(0.5)  # no version counts a write through .data
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)
