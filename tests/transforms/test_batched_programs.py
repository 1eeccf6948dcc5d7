"""Batched and second-order programs: per-example gradients against a Python loop,
Jacobians and Hessians against finite differences and JAX, and the shape of the programs
they stage (batched primitives, no batch of one)."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp


def squared_error(w, x, y):
    return (tnp.tanh(tnp.dot(x, w)) - y) ** 2


def examples(n=7, d=5):
    rng = np.random.default_rng(0)
    return rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n)


@pytest.mark.parametrize("wrap", [lambda f: f, tg.jit], ids=["eager", "jit"])
def test_per_example_gradients_match_a_loop(wrap) -> None:
    w, xs, ys = examples()
    per_example = wrap(tg.vmap(tg.grad(squared_error), in_axes=(None, 0, 0)))
    got = per_example(w, xs, ys)
    want = np.stack([tg.grad(squared_error)(w, x, y) for x, y in zip(xs, ys, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    # Gradients with respect to every argument, examples along axis 1 of ``x``.
    grads = wrap(tg.vmap(tg.grad(squared_error, argnums=(0, 1, 2)), in_axes=(None, 1, 0)))
    gw, gx, gy = grads(w, xs.T.copy(), ys)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        want_w, want_x, want_y = tg.grad(squared_error, argnums=(0, 1, 2))(w, x, y)
        np.testing.assert_allclose(gw[i], want_w, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(gx[i], want_x, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(gy[i], want_y, rtol=1e-14, atol=1e-15)


def test_per_example_gradients_are_one_batched_program() -> None:
    """One matrix-vector product forward, one broadcast multiply back: no product per
    example (a dot_general with batch dimensions) and no copy of the examples."""
    w, xs, ys = examples(256, 100)
    lowered = tg.jit(tg.vmap(tg.grad(squared_error), in_axes=(None, 0, 0))).lower(w, xs, ys)
    eqns = lowered.jaxpr.eqns
    dots = [e for e in eqns if e.primitive.name == "dot_general"]
    assert len(dots) == 1
    assert dots[0].params["dimension_numbers"][1] == ((), ())
    assert not [e for e in eqns if e.primitive.name in ("transpose", "broadcast_in_dim")]
    assert max(e.outvars[0].aval.size for e in eqns) == xs.size


def two_layers(p, x, y):
    return tnp.sum((tnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] - y) ** 2)


@pytest.mark.parametrize("wrap", [lambda f: f, tg.jit], ids=["eager", "jit"])
def test_per_example_gradients_of_matrices(wrap) -> None:
    """Per-example gradients of weight matrices: outer products written in the layout of
    the weights (C-ordered, no transpose of the batch), equal to a loop."""
    rng = np.random.default_rng(1)
    p = {"w1": rng.normal(size=(5, 4)), "b1": rng.normal(size=4), "w2": rng.normal(size=(4, 3))}
    xs, ys = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    per_example = wrap(tg.vmap(tg.grad(two_layers), in_axes=(None, 0, 0)))
    got = per_example(p, xs, ys)
    for i in range(6):
        want = tg.grad(two_layers)(p, xs[i], ys[i])
        for k in p:
            np.testing.assert_allclose(got[k][i], want[k], rtol=1e-13, atol=1e-14)
    for k in p:
        assert got[k].shape == (6, *p[k].shape) and got[k].flags.c_contiguous
    jaxpr = tg.jit(tg.vmap(tg.grad(two_layers), in_axes=(None, 0, 0))).lower(p, xs, ys).jaxpr
    assert "transpose" not in str(jaxpr)


def numerical_jacobian(f, x, eps=1e-6):
    """Central differences, one column per element of ``x``."""
    cols = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        cols.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


A = np.random.default_rng(3).normal(size=(6, 6)) / 3


def tanh_sum(x):
    return tnp.sum(tnp.tanh(A @ x))


def logsumexp(x):
    m = tg.lax.stop_gradient(tnp.max(x))
    return tnp.log(tnp.sum(tnp.exp(x - m))) + m


def matrix_quartic(x):
    return tnp.sum((x @ x.T) ** 2) + tnp.sum(tnp.sin(x))


SCALAR_FUNCTIONS = {
    "tanh_sum": (tanh_sum, (6,)),
    "logsumexp": (logsumexp, (6,)),
    "matrix_quartic": (matrix_quartic, (3, 2)),
}


@pytest.mark.parametrize("name", list(SCALAR_FUNCTIONS))
@pytest.mark.parametrize("wrap", [lambda f: f, tg.jit], ids=["eager", "jit"])
def test_hessians_match_finite_differences(name, wrap) -> None:
    f, shape = SCALAR_FUNCTIONS[name]
    x = np.random.default_rng(4).normal(size=shape)
    want = numerical_jacobian(tg.grad(f), x)
    for hess in (tg.hessian(f), tg.jacfwd(tg.jacrev(f)), tg.jacrev(tg.jacrev(f))):
        got = wrap(hess)(x)
        assert got.shape == shape + shape
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(wrap(tg.jacrev(f))(x), tg.grad(f)(x), rtol=1e-15)


@pytest.mark.parametrize("name", list(SCALAR_FUNCTIONS))
def test_hessians_match_jax(name) -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    jax.config.update("jax_enable_x64", True)
    f, shape = SCALAR_FUNCTIONS[name]
    x = np.random.default_rng(5).normal(size=shape)
    peers = {
        "tanh_sum": lambda v: jnp.sum(jnp.tanh(jnp.asarray(A) @ v)),
        "logsumexp": lambda v: jax.nn.logsumexp(v),
        "matrix_quartic": lambda v: jnp.sum((v @ v.T) ** 2) + jnp.sum(jnp.sin(v)),
    }
    want = np.asarray(jax.hessian(peers[name])(jnp.asarray(x)))
    np.testing.assert_allclose(tg.jit(tg.hessian(f))(x), want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(tg.hessian(f)(x), want, rtol=1e-12, atol=1e-13)


def test_jacobians_of_one_element() -> None:
    """A scalar input (jacfwd) or a scalar output (jacrev) takes one pass, no batch of one;
    the Jacobian still has the input's and the output's dimensions, dtypes kept."""
    x = np.float32(0.7)
    curve = lambda t: tnp.stack([tnp.sin(t), t * t])
    j = tg.jacfwd(curve)(x)
    assert j.shape == (2,) and j.dtype == np.float32
    np.testing.assert_allclose(j, [np.cos(0.7), 1.4], rtol=1e-6)
    m = np.arange(6.0).reshape(2, 3)
    j = tg.jacrev(lambda v: tnp.sum(v * v))(m)
    assert j.shape == (2, 3)
    np.testing.assert_array_equal(j, 2 * m)
    j = tg.jacfwd(lambda v: v * m, argnums=0)(np.float64(2.0))
    np.testing.assert_array_equal(j, m)
    (jac, aux) = tg.jacrev(lambda v: (tnp.sum(v**3), v * 2), has_aux=True)(np.ones(2))
    np.testing.assert_array_equal(jac, [3.0, 3.0])
    np.testing.assert_array_equal(aux, [2.0, 2.0])
    jac = tg.jacrev(lambda d: d["a"] * tnp.sum(d["b"]))({"a": np.float64(2.0), "b": np.ones(3)})
    assert jac["a"].shape == () and jac["b"].shape == (3,)
    np.testing.assert_array_equal(jac["b"], [2.0, 2.0, 2.0])
    text = str(tg.jit(tg.hessian(tanh_sum)).lower(np.ones(6)).jaxpr)
    assert ",1," not in text and "[1," not in text and ",1]" not in text


def test_jacfwd_runs_the_function_once() -> None:
    """The output (and aux) come from the vmapped jvp, not from a second call of ``fun``,
    also where a call primitive batches the output (checkpoint)."""
    calls = []

    def f(x):
        calls.append(1)
        return tnp.sin(x) * x, {"aux": tnp.sum(x)}

    x = np.array([0.3, -1.2, 2.0])
    want = np.diag(np.cos(x) * x + np.sin(x))
    for fun in (f, tg.checkpoint(f)):
        calls.clear()
        jac, aux = tg.jacfwd(fun, has_aux=True)(x)
        assert len(calls) == 1
        np.testing.assert_allclose(jac, want, rtol=1e-15)
        assert np.asarray(aux["aux"]).shape == () and float(aux["aux"]) == float(np.sum(x))
    calls.clear()
    h = tg.hessian(lambda v: tnp.sum(f(v)[0]))(x)
    assert len(calls) == 1
    np.testing.assert_allclose(h, np.diag(2 * np.cos(x) - x * np.sin(x)), rtol=1e-14)
