"""custom_jvp, custom_vjp and checkpoint, composed with the other transformations."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.transforms.linearize import linearize_flat


@tg.custom_jvp
def scaled(x):
    return tnp.sin(x)


@scaled.defjvp
def _scaled_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return scaled(x), 3.0 * tnp.cos(x) * t  # deliberately 3x the true derivative


def test_custom_jvp_rule_is_used_in_every_mode() -> None:
    x = np.array([0.1, 0.5])
    np.testing.assert_allclose(scaled(x), np.sin(x))
    np.testing.assert_allclose(tg.jvp(scaled, (x,), (np.ones(2),))[1], 3 * np.cos(x))
    g = tg.grad(lambda v: tnp.sum(scaled(v)))
    np.testing.assert_allclose(g(x), 3 * np.cos(x))
    np.testing.assert_allclose(tg.jit(g)(x), 3 * np.cos(x))
    np.testing.assert_allclose(tg.vmap(tg.grad(scaled))(x), 3 * np.cos(x))
    np.testing.assert_allclose(tg.grad(tg.grad(scaled))(0.5), -3 * np.sin(0.5))
    assert "custom_jvp_call" in str(tg.make_jaxpr(scaled)(x))


def test_custom_jvp_pytrees_and_nondiff_argnums() -> None:
    def f(n, p):
        return {"y": p["a"] * n}

    cf = tg.custom_jvp(f, nondiff_argnums=(0,))

    @cf.defjvp
    def _(n, primals, tangents):
        (p,), (t,) = primals, tangents
        return cf(n, p), {"y": t["a"] * n * 10.0}

    g = tg.grad(lambda a: cf(2.0, {"a": a})["y"])(1.0)
    assert g == 20.0


def test_custom_jvp_without_rule() -> None:
    with pytest.raises(AttributeError, match="No JVP defined"):
        tg.custom_jvp(lambda x: x)(1.0)


@tg.custom_vjp
def clip_gradient(x):
    return x


def _clip_fwd(x):
    return x, x * 0.0


def _clip_bwd(res, g):
    return (tnp.clip(g, -1.0, 1.0) + res,)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def test_custom_vjp() -> None:
    f = lambda x: tnp.sum(5.0 * clip_gradient(x))
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(clip_gradient(x), x)
    np.testing.assert_allclose(tg.grad(f)(x), [1.0, 1.0])
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), [1.0, 1.0])
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda v: 5.0 * clip_gradient(v)))(x), [1.0, 1.0])
    np.testing.assert_allclose(tg.grad(lambda v: -0.5 * clip_gradient(v))(1.0), -0.5)
    with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
        tg.jvp(clip_gradient, (1.0,), (1.0,))


def test_custom_vjp_second_order_through_bwd() -> None:
    @tg.custom_vjp
    def square(x):
        return x * x

    square.defvjp(lambda x: (x * x, x), lambda x, g: (2.0 * x * g,))
    assert tg.grad(tg.grad(lambda x: square(x) * x))(3.0) == pytest.approx(18.0)


def test_checkpoint_matches_and_recomputes() -> None:
    f = lambda x: tnp.sum(tnp.sin(tnp.cos(x)) * x)
    x = np.array([0.3, 0.9])
    cf = tg.checkpoint(f)
    np.testing.assert_allclose(cf(x), f(x))
    np.testing.assert_allclose(tg.grad(cf)(x), tg.grad(f)(x))
    np.testing.assert_allclose(tg.hessian(cf)(x), tg.hessian(f)(x), rtol=1e-12)
    np.testing.assert_allclose(
        tg.vmap(tg.grad(cf))(np.stack([x, x])), np.stack([tg.grad(f)(x)] * 2)
    )
    np.testing.assert_allclose(tg.jit(tg.grad(cf))(x), tg.grad(f)(x))
    # The linear program keeps only the input as a residual and recomputes the rest.
    _, linear, _ = linearize_flat(lambda v: [cf(v)], [x])
    assert len(linear.consts) == 1 and linear.consts[0] is x
    assert [e.primitive.name for e in linear.eqns] == ["checkpoint"]
    _, plain, _ = linearize_flat(lambda v: [f(v)], [x])
    assert len(plain.consts) > 1
    assert tg.remat is tg.checkpoint
