"""``tg.nn.initializers`` against ``jax.nn.initializers``: the same key gives the same
numbers (bit for bit where tg.random's samplers are, to their ulps elsewhere), and the
variances, shapes, dtypes and errors the initializers promise."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg

inits = tg.nn.initializers

CASES: list[tuple[str, dict[str, Any], tuple[int, ...], float]] = [
    ("glorot_uniform", {}, (30, 20), 0.0),
    ("xavier_normal", {}, (30, 20), 1e-12),
    ("lecun_uniform", {}, (4, 5, 6), 0.0),
    ("lecun_normal", {}, (4, 5, 6), 1e-12),
    ("he_uniform", {"in_axis": 0, "out_axis": 1}, (3, 7, 2), 0.0),
    ("he_normal", {}, (3, 3, 8, 16), 1e-12),
    ("kaiming_uniform", {"batch_axis": 0}, (2, 5, 6), 0.0),
    ("uniform", {"scale": 0.5}, (6,), 0.0),
    ("normal", {"stddev": 2.0}, (6, 2), 1e-12),
    ("truncated_normal", {"stddev": 0.1, "lower": -1.0, "upper": 3.0}, (50,), 1e-12),
    ("orthogonal", {}, (6, 4), 1e-10),
    ("orthogonal", {"scale": 2.0, "column_axis": 0}, (3, 5, 2), 1e-10),
    ("delta_orthogonal", {}, (3, 3, 4, 5), 1e-10),
    ("constant", {"value": 3.5}, (2, 2), 0.0),
]


def make(module: Any, name: str, kwargs: dict[str, Any]) -> Any:
    factory = getattr(module, name)
    return factory(**kwargs)


@pytest.mark.parametrize(("name", "kwargs", "shape", "rtol"), CASES, ids=[c[0] for c in CASES])
def test_same_numbers_as_jax(name: str, kwargs: dict[str, Any], shape: Any, rtol: float) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    ours = make(inits, name, kwargs)(tg.random.PRNGKey(7), shape)
    theirs = np.asarray(make(jax.nn.initializers, name, kwargs)(jax.random.PRNGKey(7), shape))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if rtol == 0.0:
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)


def test_zeros_ones_and_dtypes() -> None:
    np.testing.assert_array_equal(inits.zeros(None, (2, 3), np.float32), np.zeros((2, 3)))
    assert inits.ones(None, (2,), np.float32).dtype == np.float32
    w = inits.glorot_normal(dtype=np.float32)(tg.random.PRNGKey(0), (8, 8))
    assert w.dtype == np.float32
    assert inits.he_uniform()(tg.random.PRNGKey(0), (8, 8), np.float32).dtype == np.float32


def test_variances() -> None:
    key = tg.random.PRNGKey(3)
    for name, fan in (
        ("lecun_normal", 1 / 200),
        ("he_uniform", 2 / 200),
        ("glorot_uniform", 2 / 500),
    ):
        w = getattr(inits, name)()(key, (200, 300))
        assert abs(w.var() / fan - 1) < 0.05, name
    q = inits.orthogonal()(key, (5, 3))
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)


def test_errors_as_jax() -> None:
    with pytest.raises(ValueError, match="Must be at least 2D"):
        inits.glorot_uniform()(tg.random.PRNGKey(0), (3,))
    with pytest.raises(ValueError, match="invalid mode"):
        inits.variance_scaling(1.0, "fan_sideways", "normal")
    with pytest.raises(ValueError, match="at least a 2D shape"):
        inits.orthogonal()(tg.random.PRNGKey(0), (3,))


def test_initializers_compose_with_jit_and_vmap() -> None:
    init = inits.he_normal()
    keys = tg.random.split(tg.random.PRNGKey(0), 3)
    batch = tg.vmap(lambda k: init(k, (4, 4)))(keys)
    np.testing.assert_allclose(batch[1], init(keys[1], (4, 4)), rtol=1e-14)
    np.testing.assert_allclose(
        tg.jit(lambda k: init(k, (4, 4)))(keys[2]), init(keys[2], (4, 4)), rtol=1e-14
    )
