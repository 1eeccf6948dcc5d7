"""lax.select and lax.stop_gradient, and the jit of every control-flow function."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from control.peer import TG, same_as_jax
from tracegrad import lax
from tracegrad.core import ShapeError
from tracegrad.test_util import check_grads


def test_select_matches_jax_with_gradients():
    pred = np.array([True, False, True])
    x, y = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 4.0])

    def f(P, p, a, b):
        return P.lax.select(p, P.xp.sin(a) * b, a * b)

    same_as_jax(f, pred, x, y)
    same_as_jax(
        lambda P, p, a, b: P.grad(lambda u, v: P.xp.sum(f(P, p, u, v)), (0, 1))(a, b), pred, x, y
    )
    same_as_jax(lambda P, p, a, b: P.vmap(lambda q, u, v: f(P, q, u, v))(p, a, b), pred, x, y)
    same_as_jax(f, np.True_, x, y)
    check_grads(lambda a, b: f(TG, pred, a, b), (x, y), order=2)


def test_select_errors():
    with pytest.raises(ShapeError, match="select cases must have the same shapes"):
        lax.select(np.array([True, False]), np.ones(2), np.zeros(3))
    with pytest.raises(TypeError, match="select cases must have the same dtypes"):
        lax.select(True, np.ones(2), np.zeros(2, np.float32))
    with pytest.raises(ShapeError, match="`pred` must be scalar or have the same shape"):
        lax.select(np.array([True, False]), np.ones(3), np.zeros(3))
    with pytest.raises(TypeError, match="boolean or integer"):
        lax.select(np.array([0.5]), np.ones(1), np.zeros(1))


def test_stop_gradient_on_pytrees():
    def f(P, x):
        d = P.lax.stop_gradient({"a": x, "b": (x * 2.0, 3)})
        return d["a"] * x + d["b"][0] * P.xp.sin(x)

    same_as_jax(f, 1.3)
    same_as_jax(lambda P, x: P.grad(lambda v: f(P, v))(x), 1.3)
    assert tg.grad(tg.grad(lambda v: lax.stop_gradient(v) * v * v))(2.0) == 4.0
    out = lax.stop_gradient(2.0)
    assert isinstance(out, np.float64) and out == 2.0
    assert lax.stop_gradient(np.int32(3)) == 3


def test_jit_of_every_control_flow_function_keeps_its_primitive():
    x = np.linspace(-1.0, 1.0, 4)
    fns = [
        ("cond", lambda v: lax.cond(v[0] > 0, tnp.sin, tnp.cos, v)),
        ("cond", lambda v: lax.switch(1, [tnp.sin, tnp.cos, tnp.tanh], v)),
        ("while", lambda v: lax.fori_loop(0, v.shape[0] + v[0].astype(int), lambda i, c: c * v, v)),
        ("scan", lambda v: lax.scan(lambda c, e: (c * e, c), 1.0, v)[1]),
    ]
    for name, fn in fns:
        jitted = tg.jit(fn)
        np.testing.assert_allclose(jitted(x), fn(x))
        assert f"= {name}[" in str(jitted.lower(x).jaxpr)
        np.testing.assert_allclose(jitted(x + 0.5), fn(x + 0.5))
        assert jitted._cache_size() == 1
