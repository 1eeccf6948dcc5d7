"""Gradients of elementwise functions against JAX (real and complex), and the edge points
where JAX defines a value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

grad = tg.grad

# ---- against JAX ---------------------------------------------------------------------
JAX_UNARY = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arctanh",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "cbrt",
    "square",
    "reciprocal",
    "abs",
    "sinc",
    "deg2rad",
    "rad2deg",
]
JAX_BINARY = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "maximum",
    "minimum",
    "arctan2",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "remainder",
    "fmod",
    "copysign",
]


@pytest.fixture(scope="module")
def jnp() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


def test_gradients_match_jax(jnp: Any) -> None:
    import jax

    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.9, 5)
    y = rng.uniform(0.3, 1.7, 5) * rng.choice([-1, 1], 5)
    base = {"power": np.abs(x) + 0.1}

    def grads(ns: Any, x: Any, y: Any) -> dict[str, Any]:
        g = grad if ns is tnp else jax.grad
        out = {}
        for n in JAX_UNARY:
            out[n] = g(lambda a, f=getattr(ns, n): ns.sum(f(a) ** 2))(x)
        for n in JAX_BINARY:
            out[n] = g(lambda a, b, f=getattr(ns, n): ns.sum(f(a, b) ** 2), argnums=(0, 1))(
                base.get(n, x), y
            )
        return out

    want = jax.jit(lambda x, y: grads(jnp, x, y))(x, y)  # one compilation: fast
    got = grads(tnp, x, y)
    for name in JAX_UNARY + JAX_BINARY:
        ours, theirs = got[name], want[name]
        if name in JAX_UNARY:
            ours, theirs = (ours,), (theirs,)
        for g_, w in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(g_, np.asarray(w), rtol=1e-10, atol=1e-12, err_msg=name)


def test_complex_gradients_match_jax(jnp: Any) -> None:
    import jax

    z = np.array([0.3 + 0.4j, -0.7 + 0.2j, 0.5 - 0.9j])
    of_square = ("real", "imag", "abs", "angle")
    names = ("exp", "sin", "log", "sqrt", "tanh", "square", "reciprocal", "conj", *of_square)

    def grads(ns: Any, z: Any) -> dict[str, Any]:
        g = grad if ns is tnp else jax.grad
        return {
            n: g(
                lambda a, f=getattr(ns, n), sq=n in of_square: (
                    ns.sum(f(a * a)) if sq else ns.sum(ns.abs(f(a)) ** 2)
                )
            )(z)
            for n in names
        }

    want = jax.jit(lambda z: grads(jnp, z))(z)
    got = grads(tnp, z)
    for name in names:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-10, err_msg=name)
    # JAX's sign has derivative 0 on complex numbers; ours is the derivative of z / |z|.
    got = tg.jvp(tnp.sign, (z,), (np.ones(3) * 1j,))[1]
    h = 1e-7
    np.testing.assert_allclose(
        got, (np.sign(z + 1j * h) - np.sign(z - 1j * h)) / (2 * h), rtol=1e-6
    )


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf is the answer
def test_edge_points_agree_with_jax_where_jax_is_defined(jnp: Any) -> None:
    import jax

    zero = np.float64(0.0)
    cases = [
        (lambda x: x**2, lambda x: x**2),
        (lambda x: tnp.clip(x, 0.0, 1.0), lambda x: jnp.clip(x, 0.0, 1.0)),
        (lambda x: tnp.maximum(x, 0.0), lambda x: jnp.maximum(x, 0.0)),
        (tnp.sign, jnp.sign),
        (tnp.sqrt, jnp.sqrt),
        (tnp.sinc, jnp.sinc),
    ]
    for ours, theirs in cases:
        with np.errstate(divide="ignore"):
            assert float(grad(ours)(zero)) == float(jax.grad(theirs)(zero))
        assert float(grad(grad(ours))(zero)) == pytest.approx(
            float(jax.grad(jax.grad(theirs))(zero))
        )
