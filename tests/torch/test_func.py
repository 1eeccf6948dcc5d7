"""torch.func and torch.autograd.functional: conformance programs against PyTorch, and
composition with tracegrad's own transformations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.torch as tt


def _f(t: Any) -> Any:
    return (t.sin() * t).sum()


def test_grad_family(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = T.func
        x = T.tensor([1.0, 2.0, 3.0])
        rec(F.grad(_f)(x))
        rec(F.grad_and_value(_f)(x))
        rec(F.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x * 2))
        rec(F.grad(lambda t: (_f(t), t * 2), has_aux=True)(x))
        rec(F.grad(F.grad(lambda s: s**3))(T.tensor(2.0)))
        F.grad(lambda t: t**2)(x)

    conform(program)


def test_vjp_jvp_jacobians(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = T.func
        x = T.tensor([1.0, 2.0, 3.0])
        out, vjp_fn = F.vjp(lambda t: t.sin(), x)
        rec((out, vjp_fn(T.ones(3))))
        rec(F.jvp(lambda t: t.sin(), (x,), (T.ones(3),)))
        rec(F.jacrev(lambda t: t.sin() * t.sum())(x))
        rec(F.jacfwd(lambda t: t.sin() * t.sum())(x))
        rec(F.jacrev(lambda a, b: a * b, argnums=1)(x, x + 1))
        rec(F.hessian(_f)(x))

    conform(program)


def test_vmap(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = T.func
        x = T.tensor([1.0, 2.0, 3.0])
        rec(F.vmap(lambda a, b: a @ b, in_dims=(0, None))(T.ones(4, 3), x))
        rec(F.vmap(lambda a: a * 2, out_dims=1)(T.arange(6.0).reshape(2, 3)))
        rec(F.vmap(lambda a: a.sum(), chunk_size=2)(T.arange(10.0).reshape(5, 2)))
        rec(F.vmap(lambda a: (a, a.sum()), in_dims=1, chunk_size=2)(T.arange(10.0).reshape(2, 5)))
        rec(F.vmap(F.vmap(lambda a: a * a))(T.arange(6.0).reshape(2, 3)))
        rec(F.vmap(F.grad(_f))(T.arange(6.0).reshape(2, 3)))
        F.vmap(lambda t: t, randomness="bad")(x)

    conform(program)


def test_per_example_gradients_and_hessian(conform: Any) -> None:
    """PyTorch's tutorial: per-sample gradients of an MLP with vmap(grad) + functional_call."""

    def program(T: Any, rec: Any) -> None:
        F = T.func
        model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Linear(4, 2))
        with T.no_grad():  # the same weights on both libraries
            for k, p in enumerate(model.parameters()):
                n = p.numel()
                p.copy_(T.linspace(-1.0, 1.0, n).reshape(p.shape) * (k + 1) / 3)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p: Any, xb: Any, yb: Any) -> Any:
            out = F.functional_call(model, p, (xb.unsqueeze(0),))
            return T.nn.functional.cross_entropy(out, yb.unsqueeze(0))

        X = T.linspace(-2.0, 2.0, 15).reshape(5, 3)
        Y = T.tensor([0, 1, 1, 0, 1])
        g = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, X, Y)
        rec(list(g))
        rec([g[k] for k in g])
        h = F.hessian(lambda b: loss({**params, "2.bias": b}, X[0], Y[0]))(params["2.bias"])
        rec(h)
        rec(F.functional_call(model, params, X))

    conform(program)


def test_autograd_functional(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        AF = T.autograd.functional
        x = T.tensor([1.0, 2.0])
        rec(AF.jacobian(lambda t: t.sin() * t, x))
        rec(AF.jacobian(lambda a, b: (a * b, a + b), (x, x)))
        rec(AF.jacobian(lambda t: t**2, x, vectorize=True, strategy="forward-mode"))
        rec(AF.hessian(lambda t: (t**3).sum(), x))
        rec(AF.hessian(lambda a, b: (a * a * b).sum(), (x, x + 1)))
        rec(AF.vjp(lambda t: t**2, x, T.ones(2)))
        rec(AF.jvp(lambda t: t**2, x, T.ones(2)))
        rec(AF.hvp(lambda t: (t**3).sum(), x, T.tensor([1.0, -1.0])))
        rec(AF.vhp(lambda t: (t**3).sum(), x, T.tensor([1.0, -1.0])))
        rec(AF.vjp(lambda t: (t**2).sum(), x))
        AF.vjp(lambda t: t**2, x)

    conform(program)


@pytest.mark.parametrize(
    "fail",
    [
        lambda AF, x: AF.jacobian(lambda t: t**2, x, strategy="forward-mode"),
        lambda AF, x: AF.hessian(lambda t: t**2, x),
    ],
)
def test_autograd_functional_errors(conform: Any, fail: Any) -> None:
    conform(lambda T, rec: fail(T.autograd.functional, T.tensor([1.0, 2.0])))


def test_create_graph_results_are_differentiable(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        AF = T.autograd.functional
        x = T.tensor([1.0, 2.0], requires_grad=True)
        J = AF.jacobian(lambda t: t.sin() * t, x, create_graph=True)
        rec(J)
        J.sum().backward()
        rec(x.grad)
        x.grad = None
        _, v = AF.vjp(lambda t: t**3, x, T.ones(2), create_graph=True)
        rec((v.detach(), v.requires_grad))
        (g,) = T.autograd.grad(v.sum(), x)
        rec(g)

    conform(program)


def test_composes_with_jit_and_core_transforms() -> None:
    x = tt.tensor([0.5, 1.0, 2.0])
    g = tt.func.grad(_f)
    expect = g(x)
    jitted = tg.jit(g)(x)
    assert isinstance(jitted, tt.Tensor)
    np.testing.assert_allclose(jitted.numpy(), expect.numpy(), rtol=1e-6)
    # The core's transformations take and return tensors too.
    core = tg.grad(lambda t: _f(t)._value)(x)
    np.testing.assert_allclose(core.numpy(), expect.numpy(), rtol=1e-6)
    per_row = tg.jit(tt.func.vmap(g))(tt.stack([x, x * 2]))
    np.testing.assert_allclose(per_row.numpy()[1], g(x * 2).numpy(), rtol=1e-6)


def test_functional_call_restores_parameters() -> None:
    m = tt.nn.Linear(2, 1)
    w = m.weight
    tt.func.functional_call(m, {"weight": tt.zeros(1, 2)}, tt.ones(1, 2))
    assert m.weight is w
    with pytest.raises(RuntimeError, match="Missing key"):
        tt.func.functional_call(m, {"weight": tt.zeros(1, 2)}, tt.ones(1, 2), strict=True)


def test_comparisons_and_masks_inside_transforms(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([[0.5, 2.0], [3.0, 0.1]])
        rec(T.func.vmap(lambda r: r.masked_fill(r > 1, 0.0))(x))
        rec(T.func.vmap(lambda r: (r >= 0.5) & (r < 3.0))(x))
        rec(T.func.grad(lambda r: (r * (r > 1)).sum())(x[0]))
        rec(T.func.vmap(T.func.grad(lambda r: T.where(r > 1, r * r, r).sum()))(x))

    conform(program)
