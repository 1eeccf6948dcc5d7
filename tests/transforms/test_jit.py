"""jit: caching per signature, composition with every transformation, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp


def f(x):
    return tnp.sum(tnp.sin(x) * x + tnp.exp(-x * x))


def test_values_and_derivatives_match_eager() -> None:
    x = np.linspace(-1.0, 1.0, 5)
    jf = tg.jit(f)
    np.testing.assert_allclose(jf(x), f(x), rtol=0, atol=0)
    g = tg.grad(f)(x)
    np.testing.assert_allclose(tg.grad(jf)(x), g, rtol=1e-15)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), g, rtol=1e-15)
    np.testing.assert_allclose(tg.jit(tg.grad(tg.jit(f)))(x), g, rtol=1e-15)
    np.testing.assert_allclose(tg.jit(tg.jit(f))(x), f(x))
    h = tg.hessian(f)(x)
    np.testing.assert_allclose(tg.hessian(jf)(x), h, rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(jf))(x), h, rtol=1e-12)
    np.testing.assert_allclose(tg.vmap(jf)(np.stack([x, 2 * x])), [f(x), f(2 * x)])
    np.testing.assert_allclose(tg.vmap(tg.grad(jf))(np.stack([x, x])), np.stack([g, g]))
    _, f_vjp = tg.vjp(tg.jit(lambda v: tnp.sin(v) * 2.0), x)
    np.testing.assert_allclose(f_vjp(np.ones(5))[0], 2 * np.cos(x))
    _, t = tg.jvp(jf, (x,), (np.ones(5),))
    np.testing.assert_allclose(t, np.sum(g))


def test_fourth_derivative_through_jit() -> None:
    d4 = tg.grad(tg.grad(tg.grad(tg.grad(tg.jit(tnp.tanh)))))
    t = np.tanh(0.3)
    want = 16 * t * (1 - t**2) * (2 - 3 * (1 - t**2)) - 8 * t**3 * (1 - t**2)
    d4_eager = tg.grad(tg.grad(tg.grad(tg.grad(tnp.tanh))))(0.3)
    np.testing.assert_allclose(d4(0.3), d4_eager, rtol=1e-12)
    assert np.isfinite(want)


def test_one_trace_per_signature() -> None:
    traces = []

    def g(x, n):
        traces.append(1)
        return x * n

    jg = tg.jit(g, static_argnums=1)
    jg(np.ones(3), 2)
    jg(np.ones(3), 2)
    assert len(traces) == 1
    jg(np.ones(4), 2)
    jg(np.ones(3, np.float32), 2)
    jg(np.ones(3), 3)
    assert len(traces) == 4
    assert jg._cache_size() == 4


def test_pytrees_kwargs_and_static_argnames() -> None:
    @tg.jit
    def step(params, x, scale=1.0):
        return {"y": params["w"] * x * scale, "b": params["b"]}

    out = step({"w": np.ones(2), "b": np.zeros(1)}, np.arange(2.0), scale=3.0)
    np.testing.assert_allclose(out["y"], [0.0, 3.0])
    h = tg.jit(lambda x, mode: x * 2 if mode == "double" else x, static_argnames="mode")
    np.testing.assert_allclose(h(np.ones(2), mode="double"), [2.0, 2.0])


def test_unhashable_static_argument() -> None:
    with pytest.raises(ValueError, match="Non-hashable static arguments are not supported"):
        tg.jit(lambda x, n: x, static_argnums=1)(1.0, [1, 2])


def test_concretization_error_in_jit() -> None:
    def g(x, flag):
        if flag > 0:
            return x
        return -x

    with pytest.raises(tg.TracerBoolConversionError, match="'flag'") as info:
        tg.jit(g)(1.0, 1.0)
    assert "static_argnums" in str(info.value)
    assert tg.jit(g, static_argnums=1)(1.0, 1.0) == 1.0


def test_closure_over_outer_tracer() -> None:
    def outer(y):
        return tg.jit(lambda x: x * y)(2.0)

    assert tg.grad(outer)(3.0) == 2.0


def test_side_effects_happen_at_trace_time() -> None:
    log = []
    jf = tg.jit(lambda x: log.append("traced") or x + 1.0)
    jf(1.0)
    jf(2.0)
    assert log == ["traced"]


def test_lower() -> None:
    lowered = tg.jit(f).lower(np.ones(3))
    assert "sin" in lowered.as_text()
    assert lowered.jaxpr.out_avals[0].shape == ()


def test_concretization_error_names_the_line() -> None:
    def g(x):
        if x > 0:  # the line the error must name
            return x
        return -x

    with pytest.raises(tg.ConcretizationTypeError, match="the line the error must name"):
        tg.jit(g)(1.0)


WEAK_CASES = [
    (2.0, np.ones(2, np.float32)),
    (2, np.ones(2, np.float32)),
    (2, np.ones(2, np.int8)),
    (2.0, np.ones(2, np.float16)),
    (1j, np.ones(2, np.complex64)),
]


@pytest.mark.parametrize(("s", "v"), WEAK_CASES)
def test_python_scalars_stay_weakly_typed(s, v) -> None:
    """A Python scalar argument of jit (or an unmapped one of vmap) is weakly typed, as in eager
    code and JAX: it takes the dtype of the array it meets."""
    want = (s * v).dtype
    assert tg.jit(lambda a, b: a * b)(s, v).dtype == want
    batched = tg.vmap(lambda a, b: a * b, in_axes=(None, 0))(s, np.stack([v, v]))
    assert batched.dtype == want
    assert tg.jit(tg.vmap(lambda a, b: a * b, in_axes=(None, 0)))(s, np.stack([v, v])).dtype == want


def test_weak_type_is_part_of_the_signature() -> None:
    traces = []

    def g(a, b):
        traces.append(1)
        return a * b

    jg = tg.jit(g)
    v = np.ones(2, np.float32)
    assert jg(2.0, v).dtype == np.float32
    assert jg(np.float64(2.0), v).dtype == np.float64  # a NumPy scalar is strongly typed
    assert jg(np.array(2.0), v).dtype == np.float64
    assert jg(3.0, v).dtype == np.float32
    assert len(traces) == 2


def test_weak_types_match_jax() -> None:
    jax = pytest.importorskip("jax")
    for s, v in WEAK_CASES:
        assert tg.jit(lambda a, b: a * b)(s, v).dtype == jax.jit(lambda a, b: a * b)(s, v).dtype
