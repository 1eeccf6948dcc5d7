"""Values traced from Python scalars (``jit`` or ``vmap`` arguments) stay weakly typed
through arithmetic among themselves, as in JAX: ``x_f32 / (1 - 0.9 ** step)`` with a traced
Python ``step`` is float32 (an Adam bias correction under ``jit``), not float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

X32 = np.ones(2, np.float32)

CASES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "x * t": lambda xp, x, t: x * t,
    "x * (1.0 * t)": lambda xp, x, t: x * (1.0 * t),
    "x / (1 - 0.9 ** t)": lambda xp, x, t: x / (1 - 0.9**t),
    "x * (t + 1)": lambda xp, x, t: x * (t + 1),
    "x * (t / 2)": lambda xp, x, t: x * (t / 2),
    "x * t ** 2": lambda xp, x, t: x * t**2,
    "x * sqrt(t)": lambda xp, x, t: x * xp.sqrt(t),
    "x * exp(-t)": lambda xp, x, t: x * xp.exp(-t),
    "x * maximum(t, 2.5)": lambda xp, x, t: x * xp.maximum(t, 2.5),
    "x + where(t > 1, t, 0.5)": lambda xp, x, t: x + xp.where(t > 1, t, 0.5),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("step", [3, 3.0])
def test_float32_kept_under_jit_and_vmap(name: str, step: Any) -> None:
    f = lambda x, t: CASES[name](tnp, x, t)
    for _ in range(2):  # the traced run, then the compiled one
        out = tg.jit(f)(X32, step)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, f(X32, step), rtol=1e-6)
    assert tg.make_jaxpr(f)(X32, step).out_avals[0].dtype == np.float32


def test_strong_values_still_promote() -> None:
    f = lambda x, t: x * (t + 1)
    assert tg.jit(f)(X32, np.int64(3)).dtype == np.float64
    assert tg.jit(f)(X32, np.float64(3)).dtype == np.float64
    assert tg.grad(lambda t: tnp.sum(X32 * (t * 2.0)))(3.0).dtype == np.float64
    assert "weak_type" not in str(tg.make_jaxpr(lambda x, y: x * y)(X32, np.int32(2)))


def test_gradient_through_a_weak_conversion() -> None:
    g = tg.jit(tg.grad(lambda t, x: tnp.sum(x / (1 - 0.9**t)), argnums=1))(3, X32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 1 / (1 - 0.9**3), rtol=1e-6)


@pytest.mark.parametrize("name", list(CASES))
def test_dtypes_against_jax(name: str) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for step in (3, 3.0):
        want = jax.jit(lambda x, t: CASES[name](jax.numpy, x, t))(X32, step).dtype
        assert tg.jit(lambda x, t: CASES[name](tnp, x, t))(X32, step).dtype == want
