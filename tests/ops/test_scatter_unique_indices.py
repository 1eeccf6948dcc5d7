"""``x.at[idx].set(v, unique_indices=True)``: JAX's promise that no position repeats. The
transpose then reads every update's cotangent at its position, a repeated one included, as
JAX's does (the Tensor shim's ``index_put`` relies on it for PyTorch's gradient); without
the promise only the update written last gets a gradient. Eager, under ``jit`` and ``vmap``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

IDX = np.array([1, 1, 3])
V = np.array([1.0, 2.0, 3.0])


def _loss(v: Any, unique: bool) -> Any:
    return tnp.sum(tnp.at(tnp.zeros(5))[IDX].set(v, unique_indices=unique) ** 2)


@pytest.mark.parametrize("unique, want", [(False, [0.0, 4.0, 6.0]), (True, [4.0, 4.0, 6.0])])
def test_gradient_of_repeated_updates(unique: bool, want: list[float]) -> None:
    grad = tg.grad(_loss)
    np.testing.assert_array_equal(grad(V, unique), want)
    jitted = tg.jit(grad, static_argnums=1)
    for _ in range(2):  # the traced run, then the compiled one
        np.testing.assert_array_equal(jitted(V, unique), want)
    batched = tg.vmap(grad, in_axes=(0, None))(np.stack([V, 2 * V]), unique)
    np.testing.assert_array_equal(batched, [want, 2 * np.array(want)])


def test_value_and_forward_mode_unchanged() -> None:
    out = tnp.at(tnp.zeros(5))[IDX].set(V, unique_indices=True)
    np.testing.assert_array_equal(out, [0.0, 2.0, 0.0, 3.0, 0.0])
    f = lambda v: tnp.at(tnp.zeros(5))[IDX].set(v, unique_indices=True)
    _, tangent = tg.jvp(f, (V,), (np.ones(3),))
    np.testing.assert_array_equal(tangent, [0.0, 1.0, 0.0, 1.0, 0.0])
    assert "unique_indices=True" in str(tg.make_jaxpr(f)(V))
    assert "unique_indices" not in str(tg.make_jaxpr(lambda v: tnp.at(tnp.zeros(5))[IDX].set(v))(V))


def test_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for unique in (False, True):
        want = jax.grad(
            lambda v: (jax.numpy.zeros(5).at[IDX].set(v, unique_indices=unique) ** 2).sum()
        )(V)
        np.testing.assert_array_equal(tg.grad(_loss)(V, unique), np.asarray(want))
