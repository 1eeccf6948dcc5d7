"""vmap against a Python loop, axes handling, composition with derivatives, jacobians."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp


def loop(f, xs, in_axis=0):
    return np.stack([f(np.take(xs, i, axis=in_axis)) for i in range(xs.shape[in_axis])])


def test_vmap_matches_loop() -> None:
    f = lambda x: tnp.sum(tnp.sin(x) * x, axis=0) + x[0] * 0.0 if False else tnp.sin(x) * x
    xs = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(tg.vmap(f)(xs), loop(f, xs))
    np.testing.assert_allclose(tg.vmap(f, in_axes=1, out_axes=1)(xs), f(xs))


def test_in_axes_none_and_pytrees() -> None:
    def f(p, x):
        return tnp.sum(p["w"] * x) + p["b"]

    p = {"w": np.arange(3.0), "b": np.array(1.0)}
    xs = np.ones((5, 3))
    out = tg.vmap(f, in_axes=({"w": None, "b": None}, 0))(p, xs)
    np.testing.assert_allclose(out, np.full(5, 4.0))
    out2 = tg.vmap(f, in_axes=(None, 0))(p, xs)
    np.testing.assert_allclose(out2, out)


def test_unmapped_python_scalars_enter_as_they_are() -> None:
    # As in JAX: Python control flow and slicing on an unmapped Python scalar work.
    xs = np.arange(6.0).reshape(2, 3)
    flip = lambda x, negate, n: -x[:n] if negate else x[:n]
    np.testing.assert_array_equal(tg.vmap(flip, in_axes=(0, None, None))(xs, True, 2), -xs[:, :2])


def test_unmapped_0d_arrays_enter_as_they_are_as_jax() -> None:
    # JAX passes in_axes=None arguments unbatched: a 0-d array's truth value and its use as
    # a slice bound are concrete; an unmapped array of higher rank stays a tracer here.
    jax = pytest.importorskip("jax")
    xs = np.arange(6.0).reshape(2, 3)
    f = lambda x, negate, n: -x[:n] if negate else x[:n]
    for flag, n in [(np.array(True), np.array(2)), (np.bool_(False), np.int64(1))]:
        want = jax.vmap(f, in_axes=(0, None, None))(xs, flag, n)
        got = tg.vmap(f, in_axes=(0, None, None))(xs, flag, n)
        np.testing.assert_array_equal(got, np.asarray(want))
    g = lambda x, b: x * b.sum() + b[::-1] if b.ndim else x * b - float(b)
    for b in [np.array(3.0), np.array([1.0, 0.0, 2.0])]:
        want = np.asarray(jax.vmap(g, in_axes=(0, None))(xs, b))
        np.testing.assert_allclose(tg.vmap(g, in_axes=(0, None))(xs, b), want)
    h = lambda x, b: x * b
    np.testing.assert_allclose(tg.jit(tg.vmap(h, in_axes=(0, None)))(xs, np.array(3.0)), 3 * xs)
    # under jit the flag is a tracer of jit's: Python control flow on it fails, as in JAX
    with pytest.raises(tg.errors.TracerBoolConversionError):
        tg.jit(tg.vmap(f, in_axes=(0, None, None)), static_argnums=2)(xs, np.array(True), 2)


def test_unbatched_output_is_broadcast() -> None:
    out = (
        tg.vmap(lambda x: 2.0, axis_size=3)(np.ones(3))
        if False
        else tg.vmap(lambda x: (x * 2.0, np.float64(1.0)))(np.ones(3))
    )
    np.testing.assert_allclose(out[1], np.ones(3))


def test_vmap_errors() -> None:
    with pytest.raises(ValueError, match="inconsistent sizes"):
        tg.vmap(lambda a, b: a * b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="axis 2"):
        tg.vmap(lambda a: a, in_axes=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="tree prefix"):
        tg.vmap(lambda a: a, in_axes=({"x": 0},))([np.ones(2)])


def test_vmap_of_grad_and_grad_of_vmap() -> None:
    f = lambda x: tnp.sum(tnp.sin(x) * x)
    xs = np.random.default_rng(1).normal(size=(3, 2))
    per_example = tg.vmap(tg.grad(f))(xs)
    np.testing.assert_allclose(per_example, np.sin(xs) + xs * np.cos(xs))
    total = tg.grad(lambda xs: tnp.sum(tg.vmap(f)(xs)))(xs)
    np.testing.assert_allclose(total, per_example)


def test_nested_vmap() -> None:
    f = lambda x, y: x * y
    xs, ys = np.arange(3.0), np.arange(4.0)
    out = tg.vmap(tg.vmap(f, in_axes=(None, 0)), in_axes=(0, None))(xs, ys)
    np.testing.assert_allclose(out, np.outer(xs, ys))


def test_jacobians_agree() -> None:
    f = lambda x: tnp.sin(x) * tnp.sum(x * x)
    x = np.array([0.3, -0.4, 1.1])
    jf, jr = tg.jacfwd(f)(x), tg.jacrev(f)(x)
    want = np.diag(np.cos(x)) * np.sum(x * x) + np.outer(np.sin(x), 2 * x)
    np.testing.assert_allclose(jf, want)
    np.testing.assert_allclose(jr, want)
    h = tg.hessian(lambda x: tnp.sum(tnp.exp(x) * x))(x)
    np.testing.assert_allclose(h, np.diag(np.exp(x) * (x + 2)))
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(lambda x: tnp.sum(tnp.exp(x) * x)))(x), h)


def test_jacobian_pytrees() -> None:
    def f(d):
        return {"a": d["x"] * d["y"], "b": tnp.sum(d["x"])}

    d = {"x": np.ones(2), "y": np.arange(2.0)}
    jf, jr = tg.jacfwd(f)(d), tg.jacrev(f)(d)
    for j in (jf, jr):
        np.testing.assert_allclose(j["a"]["x"], np.diag(d["y"]))
        np.testing.assert_allclose(j["a"]["y"], np.diag(d["x"]))
        np.testing.assert_allclose(j["b"]["x"], np.ones(2))
        np.testing.assert_allclose(j["b"]["y"], np.zeros(2))
