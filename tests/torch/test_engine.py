"""The backward engine beyond what PyTorch comparisons show: deep graphs, all-or-nothing
accumulation, vjp plans staged once per signature, per-thread grad mode, memory sharing."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np
import pytest

import tracegrad.numpy as tnp
import tracegrad.torch as torch
from tracegrad.core.cache import PlanCache
from tracegrad.torch import graph
from tracegrad.transforms.vjp import grad


def test_chain_of_100000_operations() -> None:
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.item(), 1.00001**100_000, rtol=1e-9)
    del y  # freeing the deep graph must not recurse either


def test_deep_create_graph_chain() -> None:
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(2_000):
        y = torch.sin(y)
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)

    def f(v: Any) -> Any:
        for _ in range(2_000):
            v = tnp.sin(v)
        return v

    np.testing.assert_allclose(g.item(), grad(f)(0.3), rtol=1e-9)
    np.testing.assert_allclose(h.item(), grad(grad(f))(0.3), rtol=1e-8)


# ---- all or nothing --------------------------------------------------------------------------


def test_backward_that_raises_in_a_hook_adds_nothing() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    a.grad = torch.tensor([10.0, 10.0])

    def failing(g: Any) -> Any:
        raise ValueError("hook failed")

    handle = b.register_hook(failing)
    y = (a * b).sum() + (a * 2).sum()
    with pytest.raises(ValueError, match="hook failed"):
        y.backward(retain_graph=True)
    assert a.grad.tolist() == [10.0, 10.0] and b.grad is None
    handle.remove()
    y.backward()  # the next call works
    assert a.grad.tolist() == [15.0, 16.0] and b.grad.tolist() == [1.0, 2.0]


def test_backward_that_raises_in_a_node_adds_nothing() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.5], requires_grad=True)
    y = (a * 3).sum() + (b // 2).sum()
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
        y.backward()
    assert a.grad is None and b.grad is None
    (a * 3).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_second_backward_raises_before_any_work() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    y.backward()
    first = a.grad.tolist()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    assert a.grad.tolist() == first


# ---- plans: each vjp staged once per signature -------------------------------------------------


def test_vjp_staged_once_per_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = graph._stage_vjp

    def counting(op: Any, *args: Any) -> Any:
        calls.append(op.name)
        return real(op, *args)

    monkeypatch.setattr(graph, "_stage_vjp", counting)
    monkeypatch.setattr(graph, "PLANS", PlanCache(8192))
    X = torch.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    plans = set()
    for i in range(3):
        for j in range(3):
            x = X[i, j]
            plans.add(x.grad_fn.plan)
            (x * x).backward()
    # Basic indexing runs its transpose: staged only if a backward pass is recorded.
    assert calls == ["MulBackward0"] and len(plans) == 1
    np.testing.assert_array_equal(X.grad.numpy(), 2 * np.arange(9.0).reshape(3, 3))
    calls.clear()
    (X[0, 0] * 2.0).backward()  # another signature: the scalar operand is an input
    (X[1, 1] * 3.0).backward()
    assert calls == ["MulBackward0"]


def test_freed_graph_drops_saved_arrays() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tanh(x)
    node = y.grad_fn
    assert node.saved and all(v is not None for v in node.saved)
    y.sum().backward()
    assert all(v is None for v in node.saved)


# ---- accumulation and storage ----------------------------------------------------------------


def test_grad_accumulates_into_the_same_array() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    g, arr = x.grad, x.grad.numpy()
    (x * 3).sum().backward()
    assert x.grad is g and x.grad.numpy() is arr
    assert arr.tolist() == [5.0, 5.0]


def test_leaf_grads_never_share_memory() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    g = torch.tensor([1.0, 1.0])
    (a + b).backward(g)
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), g.numpy())
    a.grad.add_(1.0)
    assert b.grad.tolist() == [1.0, 1.0] and g.tolist() == [1.0, 1.0]
    c = torch.tensor([5.0], requires_grad=True)
    c.backward(g[:1])
    assert not np.shares_memory(c.grad.numpy(), g.numpy())


def test_data_detach_numpy_share_storage() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.detach().numpy()[0] = 9.0
    assert x.tolist() == [9.0, 2.0]
    x.data.zero_()
    assert x.tolist() == [0.0, 0.0]


def test_non_leaf_grad_access_warns() -> None:
    y = torch.tensor([1.0], requires_grad=True) * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


def test_complex_convention_is_conjugate_of_jax() -> None:
    z0 = np.array([1.0 + 2.0j, -0.5 + 0.25j])
    z = torch.tensor(z0, requires_grad=True)
    (torch.tanh(z) * z).abs().sum().backward()
    expected = grad(lambda v: tnp.sum(tnp.abs(tnp.tanh(v) * v)))(z0)
    np.testing.assert_allclose(z.grad.numpy(), np.conj(expected), rtol=1e-12)


# ---- grad modes --------------------------------------------------------------------------------


def test_grad_mode_is_per_thread() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    inside: dict[str, Any] = {}
    entered, release = threading.Event(), threading.Event()

    def worker() -> None:
        with torch.no_grad():
            entered.set()
            release.wait(5)
            inside["y"] = x * 2
        inside["enabled_in_new_thread"] = torch.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    entered.wait(5)
    assert torch.is_grad_enabled()  # the other thread's no_grad does not leak here
    z = x * 2
    release.set()
    t.join()
    assert z.requires_grad and not inside["y"].requires_grad


def test_concurrent_backward_in_threads() -> None:
    results: dict[int, list[float]] = {}

    def worker(k: int) -> None:
        x = torch.tensor([float(k), 1.0], requires_grad=True)
        for _ in range(50):
            x.grad = None
            (torch.sin(x) * x).sum().backward()
        results[k] = x.grad.tolist()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, g in results.items():
        v = np.array([float(k), 1.0])
        np.testing.assert_allclose(g, np.sin(v) + v * np.cos(v), rtol=1e-6)  # float32


def test_grad_mode_decorators() -> None:
    x = torch.tensor([1.0], requires_grad=True)

    @torch.no_grad
    def bare(t: Any) -> Any:
        return t * 2

    @torch.set_grad_enabled(False)
    def off(t: Any) -> Any:
        return t * 2

    assert torch.is_grad_enabled()  # decorating with set_grad_enabled changed nothing here
    assert not bare(x).requires_grad and not off(x).requires_grad
    with torch.no_grad():

        @torch.enable_grad()
        def on(t: Any) -> Any:
            return t * 2

        assert on(x).requires_grad
    with torch.inference_mode():
        assert not (x * 2).requires_grad


def test_autograd_grad_stops_at_non_leaf_inputs() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = torch.tanh(x)
    y = (h * h).sum()
    (gh,) = torch.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * np.tanh([1.0, 2.0]))
    assert h.grad_fn.saved[0] is not None  # tanh's node did not run (nor free its input)
    assert x.grad is None


def test_hooks_under_create_graph_see_tensors_with_graph() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    seen: list[bool] = []
    y = x**3
    y.register_hook(lambda g: seen.append(g.requires_grad))
    (g,) = torch.autograd.grad(y * x, x, create_graph=True)
    assert seen == [True]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.requires_grad and g.item() == pytest.approx(32.0)
