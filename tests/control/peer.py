"""JAX as the oracle of the control-flow tests: each function is written once against
``(xp, lax)`` and run with ``(tracegrad.numpy, tracegrad.lax)`` and, jitted, with
``(jax.numpy, jax.lax)`` in float64."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad import lax as tlax

TG = SimpleNamespace(xp=tnp, lax=tlax, grad=tg.grad, jvp=tg.jvp, vmap=tg.vmap, jit=tg.jit)


def jax_peer() -> SimpleNamespace:
    """JAX's namespace in the same shape as ``TG`` (the test is skipped without JAX)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return SimpleNamespace(
        xp=jnp, lax=jax.lax, grad=jax.grad, jvp=jax.jvp, vmap=jax.vmap, jit=jax.jit
    )


def assert_trees_close(got: Any, want: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    g_leaves, g_tree = tg.tree_util.tree_flatten(got)
    w_leaves = tg.tree_util.tree_leaves(want)
    assert len(g_leaves) == len(w_leaves), (g_tree, want)
    for g, w in zip(g_leaves, w_leaves, strict=True):
        w = np.asarray(w)
        assert np.shape(g) == w.shape, (np.shape(g), w.shape)
        assert np.asarray(g).dtype == w.dtype, (np.asarray(g).dtype, w.dtype)
        if w.dtype.kind == "V":  # float0: the tangent of an integer has no values
            continue
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol, atol=atol)


def same_as_jax(compute: Callable[..., Any], *args: Any, rtol: float = 1e-10) -> Any:
    """``compute(P, *args)`` with tracegrad equals it with JAX (jitted once); returns ours."""
    jx = jax_peer()
    ours = compute(TG, *args)
    theirs = jx.jit(lambda *a: compute(jx, *a))(*args)
    assert_trees_close(ours, theirs, rtol=rtol)
    return ours
