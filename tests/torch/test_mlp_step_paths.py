"""The MLP step's cheaper backward routes give the values of the general ones:
``log_softmax`` with its shift under ``stop_gradient`` (the same forward bits as
``tracegrad.nn.log_softmax``, a backward without the maximum's derivative, the same
gradients to rounding, and PyTorch's)."""

from __future__ import annotations

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
