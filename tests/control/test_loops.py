"""lax.while_loop and lax.fori_loop: values, forward mode, the reverse-mode error, vmap
(with a batched predicate), jit, against jax.lax on the same functions."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from control.peer import TG, same_as_jax
from tracegrad import lax
from tracegrad.test_util import check_grads

REVERSE_ERROR = "Reverse-mode differentiation does not work for lax.while_loop"


def newton_sqrt(P, a):
    """Newton iterations for sqrt(a) until converged: a data-dependent trip count."""

    def cond_fun(state):
        i, x = state
        return (P.xp.abs(x * x - a) > 1e-10) & (i < 50)

    def body_fun(state):
        i, x = state
        return i + 1, 0.5 * (x + a / x)

    return P.lax.while_loop(cond_fun, body_fun, (0, a))


def power_loop(P, x):
    """Multiply a pytree carry by x until its first part exceeds 10."""
    init = {"v": x, "acc": (x * 0.0 + 1.0, 0)}

    def body(c):
        acc, n = c["acc"]
        return {"v": c["v"] * x, "acc": (acc + P.xp.sin(c["v"]), n + 1)}

    return P.lax.while_loop(lambda c: c["v"] < 10.0, body, init)


@pytest.mark.parametrize("a", [2.0, 7.5])
def test_while_values_and_forward_mode_match_jax(a):
    same_as_jax(newton_sqrt, a)
    same_as_jax(lambda P, a: P.jvp(lambda v: newton_sqrt(P, v)[1], (a,), (1.0,)), a)
    same_as_jax(power_loop, 1.0 + a / 3.0)
    same_as_jax(lambda P, x: P.jvp(lambda v: power_loop(P, v), (x,), (1.0,)), 1.0 + a / 3.0)
    np.testing.assert_allclose(tg.jit(lambda v: newton_sqrt(TG, v))(a)[1], np.sqrt(a))
    check_grads(lambda v: newton_sqrt(TG, v)[1], (a,), order=2, modes=("fwd",))


def test_while_reverse_mode_raises_jaxs_error():
    f = lambda v: newton_sqrt(TG, v)[1]
    with pytest.raises(ValueError, match=REVERSE_ERROR):
        tg.grad(f)(2.0)
    with pytest.raises(ValueError, match=r"Try using lax\.scan"):
        tg.jit(tg.grad(f))(2.0)
    _, f_vjp = tg.vjp(f, 2.0)
    with pytest.raises(ValueError, match=REVERSE_ERROR):
        f_vjp(1.0)
    # Linearizing works (the loop is staged whole); only transposing it fails.
    _, f_lin = tg.linearize(f, 2.0)
    np.testing.assert_allclose(f_lin(1.0), 0.5 / np.sqrt(2.0))
    # A loop that does not touch the differentiated input is fine in reverse mode.
    g = lambda v: v * lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, 0.0)
    assert tg.grad(g)(2.0) == 3.0


def test_vmap_with_a_batched_predicate_masks_finished_elements():
    a = np.array([2.0, 9.0, 0.25, 100.0])
    same_as_jax(lambda P, a: P.vmap(lambda v: newton_sqrt(P, v))(a), a)
    same_as_jax(lambda P, a: P.vmap(lambda v: power_loop(P, v))(a), 1.0 + a)
    tangents = tg.vmap(lambda v: tg.jvp(lambda u: newton_sqrt(TG, u)[1], (v,), (1.0,))[1])(a)
    np.testing.assert_allclose(tangents, 0.5 / np.sqrt(a), rtol=1e-8)
    # A predicate that does not depend on the batch keeps the loop as it is.
    out = tg.vmap(
        lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * x), (0, x))
    )(a)
    np.testing.assert_allclose(out[1], a**4)
    np.testing.assert_array_equal(out[0], 3)


def test_fori_loop_with_static_bounds_is_reverse_differentiable():
    def f(P, x):
        return P.lax.fori_loop(1, 5, lambda i, c: P.xp.sin(c) * x + i, x)

    def unrolled(x):
        c = x
        for i in range(1, 5):
            c = tnp.sin(c) * x + i
        return c

    for x in (0.3, -1.1):
        same_as_jax(f, x)
        same_as_jax(lambda P, x: P.grad(lambda v: f(P, v))(x), x)
        np.testing.assert_allclose(tg.grad(lambda v: f(TG, v))(x), tg.grad(unrolled)(x))
        check_grads(lambda v: f(TG, v), (x,), order=2)
    assert "scan" in str(tg.make_jaxpr(lambda v: f(TG, v))(0.3))
    assert lax.fori_loop(3, 1, lambda i, c: c + i, 7.0) == 7.0


def test_fori_loop_with_traced_bounds_is_a_while_loop():
    def f(P, n, x):
        return P.lax.fori_loop(0, n, lambda i, c: c * x + i, 1.0)

    same_as_jax(f, 4, 1.5)
    jitted = tg.jit(lambda n, x: f(TG, n, x))
    assert "while" in str(jitted.lower(4, 1.5).jaxpr)
    np.testing.assert_allclose(jitted(4, 1.5), f(TG, 4, 1.5))
    np.testing.assert_allclose(
        tg.jvp(lambda x: jitted(4, x), (1.5,), (1.0,))[1], tg.grad(lambda x: f(TG, 4, x))(1.5)
    )
    with pytest.raises(ValueError, match=REVERSE_ERROR):
        tg.grad(lambda x: jitted(4, x))(1.5)
    with pytest.raises(ValueError, match="Can only use `unroll`"):
        tg.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c, 1.0, unroll=2))(3)
    # Under vmap with batched bounds, each element runs its own number of iterations.
    n = np.array([0, 1, 3])
    same_as_jax(lambda P, n: P.vmap(lambda k: f(P, k, 2.0))(n), n)


def test_weak_initial_carry_takes_the_bodys_dtype():
    x32 = np.float32(1.5)
    out = lax.while_loop(lambda c: c < 10.0, lambda c: c * x32, 1.0)
    assert out.dtype == np.float32
    same_as_jax(lambda P, x: P.lax.fori_loop(0, 3, lambda i, c: c + x, 0), np.float32(0.5))


def test_loop_type_errors():
    with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c, 1.0)
    with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
        lax.while_loop(lambda c: np.array([True]), lambda c: c, 1.0)
    with pytest.raises(TypeError, match="carry input and carry output must have equal types"):
        lax.while_loop(lambda c: c < 1.0, lambda c: c.astype(np.float32), np.float64(0.0))
    with pytest.raises(TypeError, match="must have the same pytree structure"):
        lax.while_loop(lambda c: c[0] < 1.0, lambda c: [c[0]], (0.0,))
    with pytest.raises(TypeError, match="should be callable"):
        lax.while_loop(1, lambda c: c, 0.0)
    with pytest.raises(TypeError, match="must have equal types, got int32 and float64"):
        lax.fori_loop(np.int32(0), np.float64(3), lambda i, c: c, 0.0)


def test_jit_of_vmap_of_while_with_a_batched_predicate():
    a = np.array([2.0, 9.0, 0.25])
    f = tg.jit(tg.vmap(lambda v: newton_sqrt(TG, v)))
    np.testing.assert_allclose(f(a)[1], np.sqrt(a), rtol=1e-9)
    assert "while" in str(f.lower(a).jaxpr)
