"""Backward chains (torch/_fused.py): a run of single-use nodes runs as one staged vjp from
the second backward pass of its signature on. The gradients are the node-by-node walk's bit
for bit and PyTorch's; hooks, retained gradients, version counters and freed graphs behave
as without fusion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

import tracegrad.torch as torch
from tracegrad.torch._fused import ChainPlan
from tracegrad.torch.autograd import SECOND_BACKWARD
from tracegrad.transforms.staged_vjp import PLANS


def _block(T: Any, x: Any) -> Any:
    return T.log(T.exp(T.sin(x) * 0.9) + 1.0)


def _chain(T: Any, x: Any) -> Any:
    for _ in range(4):
        x = _block(T, x)
    return x.sum()


def _chains_compiled() -> int:
    return sum(isinstance(v, ChainPlan) for _, v in PLANS.items())


def _grads(fn: Callable[[Any, Any], Any], value: np.ndarray[Any, Any], times: int) -> list[Any]:
    out = []
    for _ in range(times):
        x = torch.tensor(value, requires_grad=True)
        fn(torch, x).backward()
        assert x.grad is not None
        out.append(x.grad.numpy())
    return out


def _fuses(fn: Callable[[Any, Any], Any], value: np.ndarray[Any, Any]) -> list[Any]:
    """Gradients of three passes: the first node by node, the later ones fused; checks a
    chain was compiled for them."""
    PLANS.clear()
    grads = _grads(fn, value, 3)
    assert _chains_compiled() >= 1
    return grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_fused_chain_gives_the_walks_bits(dtype: type) -> None:
    value = np.linspace(-1.0, 1.0, 10).astype(dtype)
    if np.dtype(dtype).kind == "c":
        value = value + 0.5j * value[::-1]

    def fn(T: Any, x: Any) -> Any:
        y = _chain(T, x)
        return y.real if y.dtype.is_complex else y

    first, *fused = _fuses(fn, value)
    for g in fused:
        assert g.dtype == first.dtype
        np.testing.assert_array_equal(g, first)


def test_fused_chain_matches_pytorch() -> None:
    pt = pytest.importorskip("torch")
    value = np.linspace(-1.0, 1.0, 10)
    ours = _fuses(_chain, value)[-1]
    x = pt.tensor(value, requires_grad=True)
    _chain(pt, x).backward()
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-12)


def test_chain_ends_at_a_node_with_two_differentiable_inputs() -> None:
    w = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64, requires_grad=True)

    def fn(T: Any, x: Any) -> Any:
        return T.tanh(T.exp(x * w)).sum()

    value = np.array([0.1, 0.2, 0.3])
    PLANS.clear()
    wgrads = []
    xgrads = _grads(lambda T, x: fn(T, x), value, 1)
    for _ in range(2):
        w.grad = None
        xgrads += _grads(lambda T, x: fn(T, x), value, 1)
        assert w.grad is not None
        wgrads.append(w.grad.numpy())
    assert _chains_compiled() == 1
    np.testing.assert_array_equal(xgrads[0], xgrads[2])
    np.testing.assert_array_equal(wgrads[0], wgrads[1])
    t = np.tanh(np.exp(value * w.detach().numpy()))
    e = np.exp(value * w.detach().numpy())
    np.testing.assert_allclose(wgrads[1], (1 - t * t) * e * value, rtol=1e-12)


def test_hooks_and_retained_gradients_inside_a_chain() -> None:
    seen: list[Any] = []
    value = np.array([0.3, -0.7])
    for _ in range(3):
        x = torch.tensor(value, requires_grad=True)
        a = torch.sin(x)
        b = a * 3.0
        b.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2.0)
        c = torch.exp(b)
        c.retain_grad()
        torch.log(c + 1.0).sum().backward()
        assert c.grad is not None and x.grad is not None
        e = np.exp(3 * np.sin(value))
        np.testing.assert_allclose(c.grad.numpy(), 1 / (e + 1), rtol=1e-12)
        np.testing.assert_allclose(seen[-1], e / (e + 1), rtol=1e-12)
        np.testing.assert_allclose(x.grad.numpy(), 6 * np.cos(value) * e / (e + 1), rtol=1e-12)
    assert len(seen) == 3


def test_intermediate_used_twice_is_not_fused_past() -> None:
    def fn(T: Any, x: Any) -> Any:
        a = T.sin(x)
        return (T.exp(a * 2.0) + a).sum()

    value = np.array([0.3, -0.7, 1.1])
    grads = _grads(fn, value, 3)
    expected = np.cos(value) * (2 * np.exp(2 * np.sin(value)) + 1)
    for g in grads:
        np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_fused_chain_frees_its_nodes_unless_retained() -> None:
    value = np.array([0.3, -0.7])
    for _ in range(2):
        x = torch.tensor(value, requires_grad=True)
        y = _chain(torch, x)
        y.backward(retain_graph=True)
        y.backward()
        with pytest.raises(RuntimeError) as info:
            y.backward()
        assert str(info.value) == SECOND_BACKWARD
    assert _chains_compiled() >= 1


def _modified_mid_chain(T: Any) -> None:
    x = T.tensor([0.3, -0.7], requires_grad=True)
    a = T.sin(x) * 2.0
    b = T.exp(a)
    c = T.log(b + 1.0) * 0.5
    b.add_(1.0)  # the exp's saved result, in place
    c.sum().backward()


def test_version_counter_error_inside_a_chain() -> None:
    for _ in range(3):  # the second sighting compiles the chain, the third reuses it
        same_error(_modified_mid_chain)


_STEPS: list[Callable[[Any, Any, float], Any]] = [
    lambda T, y, c: y * c,
    lambda T, y, c: y / c,
    lambda T, y, c: y + c,
    lambda T, y, c: y - c,
    lambda T, y, c: c * y,
    lambda T, y, c: -y,
    lambda T, y, c: T.sin(y),
    lambda T, y, c: T.exp(y * 0.01),
    lambda T, y, c: T.tanh(y),
    lambda T, y, c: T.sigmoid(y),
    lambda T, y, c: y**3,
    lambda T, y, c: T.sqrt(y * y + 1.0),  # y used twice: the chain stops there
]


@pytest.mark.parametrize("seed", range(8))
def test_random_chains_give_the_walks_bits(seed: int) -> None:
    """Chains of scalings, shifts and transcendental functions: the backend may not
    reassociate products or fold constants across the nodes it fuses."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, len(_STEPS), size=int(rng.integers(3, 25)))
    consts = rng.uniform(0.3, 3.0, size=len(steps))
    value = rng.normal(size=7).astype(np.float32 if seed % 2 else np.float64)

    def fn(T: Any, x: Any) -> Any:
        for k, c in zip(steps, consts, strict=True):
            x = _STEPS[k](T, x, float(c))
        return x.sum()

    first, *fused = _grads(fn, value, 3)
    for g in fused:
        np.testing.assert_array_equal(g, first)


def test_a_run_longer_than_one_chain_is_cut_the_same_way_each_pass() -> None:
    """130 single-use nodes make chains of MAX_CHAIN nodes from the head: the second
    pass compiles them (the first pass marked the same chains), the third compiles none."""
    value = np.array([0.3, -0.7])

    def fn(T: Any, x: Any) -> Any:
        for k in range(129):
            x = T.sin(x) if k % 2 else x * 1.01
        return x.sum()

    PLANS.clear()
    counts = []
    for _ in range(3):
        _grads(fn, value, 1)
        counts.append(_chains_compiled())
    assert counts == [0, 3, 3]
