"""lax.cond and lax.switch: values, derivatives both ways, vmap, jit and errors, against
jax.lax on the same functions."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from control.peer import TG, assert_trees_close, same_as_jax
from tracegrad import lax
from tracegrad.test_util import check_grads
from tracegrad.transforms.linearize import linearize_flat

X = np.array([0.3, -0.5, 1.2])


def branchy(P, x):
    """A cond whose predicate and branches depend on x, with a pytree operand and output."""

    def true_fun(ops):
        a, b = ops["a"], ops["b"]
        return P.xp.sin(a) * b, (a * 2.0, P.xp.sum(b))

    def false_fun(ops):
        a, b = ops["a"], ops["b"]
        return P.xp.cos(b) + a, (a**2, P.xp.prod(b))

    return P.lax.cond(P.xp.sum(x) > 0.5, true_fun, false_fun, {"a": x[0], "b": x})


def loss(P, x):
    y, (u, v) = branchy(P, x)
    return P.xp.sum(y) + u * v


@pytest.mark.parametrize("x", [X, -X])
def test_cond_values_and_gradients_match_jax(x):
    same_as_jax(branchy, x)
    same_as_jax(lambda P, x: P.grad(lambda v: loss(P, v))(x), x)
    same_as_jax(lambda P, x: P.jvp(lambda v: branchy(P, v), (x,), (np.ones(3),)), x)
    assert_trees_close(tg.jit(lambda v: branchy(TG, v))(x), branchy(TG, x))


@pytest.mark.parametrize("x", [X, -X])
def test_cond_check_grads_order_two(x):
    check_grads(lambda v: loss(TG, v), (x,), order=2)


def test_switch_clamps_the_index_and_matches_jax():
    def f(P, i, x):
        branches = [lambda v: v * 2.0, lambda v: P.xp.sin(v), lambda v: P.xp.exp(-v) * v]
        return P.lax.switch(i, branches, x)

    for i in (-4, 0, 1, 2, 7):
        same_as_jax(f, np.int32(i), X)
        same_as_jax(lambda P, i, x: P.grad(lambda v: P.xp.sum(f(P, i, v)))(x), np.int32(i), X)
    # A batched index selects per element: both the eager and the jitted vmap agree with JAX.
    idx = np.array([-1, 0, 1, 2, 3], np.int32)
    xs = np.linspace(-1.0, 1.0, 5)
    same_as_jax(lambda P, i, x: P.vmap(lambda j, v: f(P, j, v))(i, x), idx, xs)
    same_as_jax(lambda P, i, x: P.vmap(P.grad(lambda v, j: f(P, j, v)))(x, i), idx, xs)
    check_grads(lambda v: f(TG, np.int32(2), v), (X,), order=2)


def test_single_branch_switch_and_operand_keyword():
    assert lax.switch(3, [lambda v: v + 1.0], 1.0) == 2.0
    assert lax.cond(True, lambda v: v + 1.0, lambda v: v - 1.0, operand=1.0) == 2.0
    with pytest.raises(TypeError, match="no positional operands"):
        lax.cond(True, lambda v: v, lambda v: v, 1.0, operand=2.0)


@pytest.mark.parametrize("pred", [np.array([True, False, True]), np.array([False, False, True])])
def test_vmap_with_a_batched_predicate_selects(pred):
    def f(P, p, x):
        return P.lax.cond(p, lambda v: P.xp.sin(v) * 3.0, lambda v: v - 1.0, x)

    same_as_jax(lambda P, p, x: P.vmap(lambda q, v: f(P, q, v))(p, x), pred, X)
    same_as_jax(lambda P, p, x: P.vmap(P.grad(lambda v, q: f(P, q, v)))(x, p), pred, X)
    # An unbatched predicate and batched operands keep the cond (one branch runs).
    jaxpr = tg.make_jaxpr(tg.vmap(lambda v: f(TG, True, v)))(X)
    assert "cond" in str(jaxpr)
    jaxpr = tg.make_jaxpr(tg.vmap(lambda q, v: f(TG, q, v)))(pred, X)
    assert "cond" not in str(jaxpr) and "select_n" in str(jaxpr)


def test_eager_cond_runs_only_the_chosen_branch():
    traced = []

    def true_fun(v):
        traced.append("true")
        return v + 1.0

    def false_fun(v):
        traced.append("false")
        return tnp.log(v)  # would raise below if it ran on -1.0

    with np.errstate(all="raise"):
        out = lax.cond(np.float64(2.0) > 1.0, true_fun, false_fun, np.float64(-1.0))
    assert out == 0.0 and isinstance(out, np.float64)
    # Both branches are staged once (their types must agree), as in JAX.
    assert sorted(traced) == ["false", "true"]
    assert lax.cond(0, lambda: 1.0, lambda: 2.0) == 2.0
    with np.errstate(all="raise"):
        assert lax.switch(7, [tnp.log, tnp.sqrt, lambda v: v * 2.0], -1.0) == -2.0


def test_closure_over_differentiated_values():
    def f(w):
        return lax.cond(w > 0.0, lambda x: tnp.sin(w * x), lambda x: w * x**2, np.float64(0.7))

    for w in (0.4, -0.4):
        check_grads(f, (w,), order=2)
        np.testing.assert_allclose(tg.jit(tg.grad(f))(w), tg.grad(f)(w))


def test_linearized_cond_stages_only_tangent_work():
    """Partial evaluation: under linearize the primal branches run now; the staged linear
    program's cond holds no sin or cos, only multiplications by residuals."""

    def f(x):
        return [lax.cond(x[0] > 0, lambda v: tnp.sin(v) * 2.0, lambda v: tnp.cos(v), x)]

    _, linear, _ = linearize_flat(f, [X])
    (eqn,) = [e for e in linear.eqns if e.primitive.name == "cond"]
    names = {e.primitive.name for b in eqn.params["branches"] for e in b.eqns}
    assert names <= {"mul", "neg", "broadcast_in_dim"}, names


def test_nested_cond_grad_and_hessian():
    def f(x):
        inner = lambda v: lax.cond(v[1] > 0, lambda u: u * u, lambda u: tnp.exp(u), v)
        return tnp.sum(lax.cond(x[0] > 0, inner, lambda v: tnp.sin(v), x))

    for x in (X, np.array([0.3, 0.5, 1.0]), -X):
        check_grads(f, (x,), order=2)
        np.testing.assert_allclose(tg.hessian(f)(x), tg.jit(tg.hessian(f))(x), rtol=1e-12)


def test_branch_type_errors():
    with pytest.raises(TypeError, match="true_fun and false_fun output must have identical types"):
        lax.cond(True, lambda v: v, lambda v: v.astype(np.float32), np.ones(2))
    with pytest.raises(TypeError, match=r"f64\[2\]"):
        tg.jit(lambda v: lax.cond(v[0] > 0, lambda u: u, lambda u: u[:1], v))(np.ones(2))
    with pytest.raises(TypeError, match="same type structure"):
        lax.cond(False, lambda v: (v, v), lambda v: [v, v], 1.0)
    with pytest.raises(TypeError, match="branch 0 and branch 2 output must have identical"):
        lax.switch(0, [lambda v: v, lambda v: v, lambda v: v * np.ones(3)], 1.0)


def test_argument_errors():
    with pytest.raises(TypeError, match="Pred must be a scalar"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="Pred type must be either boolean or number"):
        lax.cond(np.complex128(1j), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="should be callable"):
        lax.cond(True, 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="Branch index must be scalar"):
        lax.switch(np.array([0, 1]), [lambda: 1.0, lambda: 2.0])
    with pytest.raises(TypeError, match="Index type must be an integer"):
        lax.switch(1.0, [lambda: 1.0, lambda: 2.0])
    with pytest.raises(ValueError, match="Empty branch sequence"):
        lax.switch(0, [])
