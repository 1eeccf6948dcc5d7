"""lax.scan: values, gradients (equal to those of the unrolled Python loop), vmap, jit,
nesting and errors, against jax.lax on the same functions."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from control.peer import TG, same_as_jax
from tracegrad import lax
from tracegrad.test_util import check_grads
from tracegrad.transforms.linearize import linearize_flat

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 3)) * 0.5
XS = RNG.standard_normal((5, 3))
H0 = np.array([0.1, -0.2, 0.3])


def rnn_step(P, w, h, x):
    return P.xp.tanh(P.xp.dot(w, h) + x)


def rnn(P, w, h0, xs, reverse=False):
    """An RNN: a closed-over weight, a carry, and per-step outputs."""

    def body(h, x):
        h = rnn_step(P, w, h, x)
        return h, P.xp.sum(h * h)

    return P.lax.scan(body, h0, xs, reverse=reverse)


def rnn_loss(P, w, h0, xs):
    h, ys = rnn(P, w, h0, xs)
    return P.xp.sum(h) + P.xp.sum(ys * P.xp.arange(1.0, 6.0))


def rnn_loss_unrolled(w, h0, xs):
    h, total = h0, 0.0
    for t in range(xs.shape[0]):
        h = rnn_step(TG, w, h, xs[t])
        total = total + tnp.sum(h * h) * (t + 1.0)
    return tnp.sum(h) + total


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_values_match_jax(reverse):
    same_as_jax(lambda P, w, h, x: rnn(P, w, h, x, reverse), W, H0, XS)
    assert_jit = tg.jit(lambda w, h, x: rnn(TG, w, h, x, reverse))
    np.testing.assert_allclose(assert_jit(W, H0, XS)[1], rnn(TG, W, H0, XS, reverse)[1])


def test_grad_of_scan_equals_grad_of_the_unrolled_loop():
    args = (W, H0, XS)
    want = tg.grad(rnn_loss_unrolled, argnums=(0, 1, 2))(*args)
    got = tg.grad(lambda *a: rnn_loss(TG, *a), argnums=(0, 1, 2))(*args)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    same_as_jax(lambda P, *a: P.grad(lambda *b: rnn_loss(P, *b), argnums=(0, 1, 2))(*a), *args)
    jitted = tg.jit(tg.grad(lambda *a: rnn_loss(TG, *a), argnums=(0, 1, 2)))(*args)
    for g, w in zip(jitted, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    through_jit = tg.grad(tg.jit(lambda *a: rnn_loss(TG, *a)), argnums=(0, 2))(*args)
    np.testing.assert_allclose(through_jit[0], want[0], rtol=1e-12)


def test_scan_check_grads_order_two():
    check_grads(lambda w, h, x: rnn_loss(TG, w, h, x), (W, H0, XS), order=2)
    hess = tg.hessian(lambda h: rnn_loss(TG, W, h, XS))(H0)
    np.testing.assert_allclose(hess, tg.hessian(lambda h: rnn_loss_unrolled(W, h, XS))(H0))


def test_pytrees_xs_none_and_integer_carries():
    def f(P, a):
        def body(c, x):
            n, (u, v) = c["n"], c["uv"]
            return {"n": n + 1, "uv": (u * x["s"] + v, P.xp.cos(v))}, [u, {"t": v * x["m"]}]

        xs = {"s": P.xp.arange(4.0), "m": P.xp.ones((4, 2))}
        return P.lax.scan(body, {"n": 0, "uv": (a, 2.0 * a)}, xs)

    same_as_jax(f, 0.7)
    same_as_jax(lambda P, a: P.jvp(lambda v: f(P, v), (a,), (1.0,)), 0.7)
    same_as_jax(lambda P, a: P.grad(lambda v: P.xp.sum(f(P, v)[1][1]["t"]))(a), 0.7)
    same_as_jax(lambda P, a: P.lax.scan(lambda c, _: (c * a, c), 1.0, None, length=4), 1.5)
    same_as_jax(lambda P, a: P.lax.scan(lambda c, x: (c, x * c), a, P.xp.ones((0, 2))), 1.5)
    check_grads(lambda a: f(TG, a)[0]["uv"][0], (0.7,), order=2)


def test_vmap_over_xs_init_and_closed_over_values():
    ws = np.stack([W, 2 * W])
    xss = np.stack([XS, -XS], axis=1)  # batched along axis 1
    same_as_jax(lambda P, w: P.vmap(lambda v: rnn(P, v, H0, XS))(w), ws)
    same_as_jax(lambda P, x: P.vmap(lambda v: rnn(P, W, H0, v), in_axes=1)(x), xss)
    same_as_jax(lambda P, h: P.vmap(lambda v: rnn(P, W, v, XS))(h), np.stack([H0, -H0]))
    same_as_jax(lambda P, w: P.vmap(P.grad(lambda v: rnn_loss(P, v, H0, XS)))(w), ws, rtol=1e-9)


def test_nested_scans_and_scan_in_cond():
    def f(P, x):
        def outer(c, row):
            inner_c, _ = P.lax.scan(lambda d, e: (P.xp.sin(d * e) + c, d), c, row)
            return inner_c, inner_c * 2.0

        return P.lax.scan(outer, 0.3, x)

    x = XS[:3]
    same_as_jax(f, x)
    same_as_jax(lambda P, x: P.grad(lambda v: P.xp.sum(f(P, v)[1]))(x), x)
    check_grads(lambda v: tnp.sum(f(TG, v)[1]), (x,), order=2)

    def g(x):
        return lax.cond(
            tnp.sum(x) > 0, lambda v: rnn_loss(TG, W, H0, v), lambda v: tnp.sum(v * v), x
        )

    check_grads(g, (XS,), order=2)
    check_grads(g, (-XS - 1.0,), order=2)


def test_loop_invariant_residuals_are_not_stacked():
    """Partial evaluation keeps values that depend on the closed-over weight only (here the
    weight itself) as constants of the linear scan, not as per-iteration outputs."""

    def f(w):
        return [rnn_loss(TG, w, H0, XS)]

    _, linear, _ = linearize_flat(f, [W])
    (eqn,) = [e for e in linear.eqns if e.primitive.name == "scan"]
    shapes = [a.aval.shape for a in eqn.invars]
    assert (XS.shape[0], *W.shape) not in shapes, shapes
    n_x = len(eqn.invars) - eqn.params["num_consts"] - eqn.params["num_carry"]
    assert all(s[0] == XS.shape[0] for s in shapes[-n_x:])


def test_scan_errors():
    body = lambda c, x: (c + x, x)
    with pytest.raises(ValueError, match="different leading axis sizes: 3, 4"):
        lax.scan(body, 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="disagrees with leading axis sizes"):
        lax.scan(body, 0.0, np.ones(3), length=4)
    with pytest.raises(ValueError, match="no leading axis"):
        lax.scan(body, 0.0, 1.0)
    with pytest.raises(ValueError, match="`length` not provided"):
        lax.scan(body, 0.0, None)
    with pytest.raises(TypeError, match="scan body output must be a pair"):
        lax.scan(lambda c, x: c, 0.0, np.ones(3))
    with pytest.raises(TypeError, match="carry input and carry output must have equal types"):
        lax.scan(lambda c, x: (c * np.ones(2), x), np.float64(0.0), np.ones(3))
    with pytest.raises(TypeError, match="concrete `int`"):
        tg.jit(lambda n: lax.scan(body, 0.0, None, length=n))(3)
    with pytest.raises(ValueError, match="non-negative"):
        lax.scan(body, 0.0, np.ones(3), unroll=-1)


def test_a_long_scan_switches_its_body_to_generated_code():
    """Inner jaxprs are interpreted for their first runs and compiled afterwards; both
    paths give the same values."""
    from tracegrad.control.jaxprs import COMPILE_AFTER_RUNS

    xs = np.linspace(-1.0, 1.0, 3 * COMPILE_AFTER_RUNS)

    def f(x):
        return lax.scan(lambda c, e: (tnp.sin(c) * 0.5 + e, c * e), 0.1, x)

    c, ys = f(xs)
    c_ref, ys_ref = 0.1, []
    for e in xs:
        ys_ref.append(c_ref * e)
        c_ref = np.sin(c_ref) * 0.5 + e
    np.testing.assert_allclose(c, c_ref, rtol=1e-13)
    np.testing.assert_allclose(ys, ys_ref, rtol=1e-13)
    np.testing.assert_allclose(tg.jit(f)(xs)[1], ys_ref, rtol=1e-13)
