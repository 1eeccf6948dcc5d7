"""JAX's promises on ``gather`` and ``scatter_add``: ``mode="promise_in_bounds"`` (no index
is clipped or checked) and ``unique_indices=True`` (no position repeats; a gather's
transpose then adds into zeros by assignment). Each gives the same bits as the default, eager,
under ``jit`` and ``vmap``, and against JAX; the params print in the IR only when set."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.ops.indexing import gather, scatter_add

X = np.random.default_rng(0).normal(size=(4, 5))
ROWS = np.arange(4)
COLS = np.array([3, 0, 4, 0])
# -0.0 among the cotangents: add.at into zeros gives +0.0 there, and so must assignment.
SCALE = np.array([1.5, -0.0, -2.0, 0.25])


def _loss(x: Any, mode: str, unique: bool) -> Any:
    return tg.numpy.sum(gather(x, ROWS, COLS, mode=mode, unique_indices=unique) * SCALE)


PROMISES = [("promise_in_bounds", False), ("clip", True), ("promise_in_bounds", True)]


def _same_bits(got: Any, want: Any) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("mode, unique", PROMISES)
def test_same_bits_as_the_default(mode: str, unique: bool) -> None:
    want_value = gather(X, ROWS, COLS)
    want_grad = tg.grad(_loss)(X, "clip", False)
    assert not np.signbit(want_grad[1, 0])  # where the cotangent is -0.0
    _same_bits(gather(X, ROWS, COLS, mode=mode, unique_indices=unique), want_value)
    _same_bits(tg.grad(_loss)(X, mode, unique), want_grad)
    jitted = tg.jit(tg.grad(_loss), static_argnums=(1, 2))
    for _ in range(2):  # the traced run, then the compiled one
        _same_bits(jitted(X, mode, unique), want_grad)
    batched = tg.vmap(tg.grad(lambda x: _loss(x, mode, unique)))(np.stack([X, 2 * X]))
    _same_bits(batched, np.stack([want_grad, want_grad]))
    _, tangent = tg.jvp(lambda x: _loss(x, mode, unique), (X,), (X,))
    _same_bits(tangent, tg.jvp(lambda x: _loss(x, "clip", False), (X,), (X,))[1])


def test_the_ir_prints_the_params_only_when_set() -> None:
    promised = str(
        tg.make_jaxpr(tg.grad(_loss), static_argnums=(1, 2))(X, "promise_in_bounds", True)
    )
    assert "gather[mode=promise_in_bounds unique_indices=True]" in promised
    assert "scatter_add[mode=promise_in_bounds unique_indices=True]" in promised
    default = str(tg.make_jaxpr(tg.grad(_loss), static_argnums=(1, 2))(X, "clip", False))
    assert "gather[mode=clip]" in default and "scatter_add[mode=clip]" in default
    assert "unique_indices" not in default


def test_unique_scatter_add_into_any_operand() -> None:
    """Not only into a broadcast scalar: a full operand, and mode "drop" skipping a position."""
    upd = np.array([1.0, -0.0, 3.0])
    idx = np.array([4, 1, 9])
    want = X[:, 0].copy()
    want = np.concatenate([want, [0.0] * 6])
    np.add.at(want, idx, upd)
    _same_bits(
        scatter_add(np.concatenate([X[:, 0], np.zeros(6)]), upd, idx, unique_indices=True), want
    )
    zeros = np.broadcast_to(np.float64(-0.0), (5,))
    ref = np.full(5, -0.0)
    np.add.at(ref, np.array([0, 2]), np.array([-0.0, 2.0]))
    got = scatter_add(zeros, np.array([-0.0, 2.0, 7.0]), np.array([0, 2, 8]), unique_indices=True)
    _same_bits(got, ref)


def test_a_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="promise_in_bounds"):
        tg.make_jaxpr(lambda x: gather(x, ROWS, mode="promise"))(X)


def test_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def peer(x: Any, mode: str, unique: bool) -> Any:
        picked = x.at[ROWS, COLS].get(mode=mode, unique_indices=unique)
        return (picked * SCALE).sum()

    for mode, unique in PROMISES:
        want = jax.grad(peer)(X, mode, unique)
        _same_bits(tg.grad(_loss)(X, mode, unique), np.asarray(want))
        _same_bits(
            gather(X, ROWS, COLS, mode=mode, unique_indices=unique), np.asarray(X[ROWS, COLS])
        )
