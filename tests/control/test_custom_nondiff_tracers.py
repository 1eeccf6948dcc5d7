"""A ``custom_jvp`` / ``custom_vjp`` argument at ``nondiff_argnums`` that is traced (a value
under ``jit``, a mapped or unmapped one under ``vmap``): it becomes an input of the call, so
the rule sees the right value, and no tracer escapes. JAX's ``custom_jvp`` does the same;
its ``custom_vjp`` refuses tracers there, tracegrad's takes them."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

XS = np.array([0.0, 1e-4, 2.0])


def _safe_log(lib: Any, xp: Any) -> Any:
    @functools.partial(lib.custom_jvp, nondiff_argnums=(1,))
    def safe_log(x: Any, floor: Any) -> Any:
        return xp.log(xp.maximum(x, floor))

    @safe_log.defjvp
    def _(floor: Any, primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        return safe_log(x, floor), xp.where(x > floor, t / x, 0.0)

    return safe_log


def _calls(lib: Any, f: Any) -> dict[str, Any]:
    floors = np.array([1e-3, 1e-3, 3.0])
    return {
        "vmap, floor unmapped": lambda: lib.vmap(f, in_axes=(0, None))(XS, 1e-3),
        "vmap, floor mapped": lambda: lib.vmap(f)(XS, floors),
        "vmap of grad, floor mapped": lambda: lib.vmap(lib.grad(f))(XS, floors),
        "jit of grad": lambda: lib.jit(lib.grad(f))(2.0, 1e-3),
        "jit of vmap": lambda: lib.jit(lib.vmap(f, in_axes=(0, None)))(XS, 1e-3),
        "jvp under jit": lambda: lib.jit(lambda x, fl: lib.jvp(lambda y: f(y, fl), (x,), (x,)))(
            XS, 1e-3
        ),
    }


@pytest.mark.parametrize("case", list(_calls(tg, None)))
def test_custom_jvp_traced_nondiff_against_jax(case: str) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    got = _calls(tg, _safe_log(tg, tnp))[case]()
    want = _calls(jax, _safe_log(jax, jax.numpy))[case]()
    for g, w in zip(np.atleast_1d(got), np.atleast_1d(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-14)


def test_custom_jvp_traced_nondiff_without_jax() -> None:
    # grad of jit: JAX raises here (its jit tracer reaches a constant handler).
    f = _safe_log(tg, tnp)
    np.testing.assert_array_equal(tg.grad(tg.jit(f))(2.0, 1e-3), 0.5)
    below = tg.vmap(tg.grad(f))(np.array([0.5, 1e-4, 2.0]), np.array([1.0, 1.0, 3.0]))
    np.testing.assert_array_equal(below, 0.0)


def test_custom_vjp_traced_nondiff() -> None:
    @functools.partial(tg.custom_vjp, nondiff_argnums=(1,))
    def clip_gradient(x: Any, bound: Any) -> Any:
        return x * 1.0

    clip_gradient.defvjp(lambda x, bound: (x, None), lambda b, _, g: (tnp.clip(g, -b, b),))
    loss = lambda x, b: tnp.sum(clip_gradient(x, b)) * 3.0
    xs = np.array([1.0, 2.0])
    for grad in (tg.grad(lambda x, b: tg.jit(loss)(x, b)), tg.jit(tg.grad(loss))):
        np.testing.assert_array_equal(grad(xs, 0.5), [0.5, 0.5])
    per_bound = tg.vmap(tg.grad(loss), in_axes=(None, 0))(xs, np.array([0.5, 2.0]))
    np.testing.assert_array_equal(per_bound, [[0.5, 0.5], [2.0, 2.0]])
