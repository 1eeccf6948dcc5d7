"""XLA's log, log1p and erfinv as tracegrad.random reproduces them, against JAX's jitted
functions: bit for bit, and differentiable."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.random._erfinv import erfinv
from tracegrad.random._xla_math import erf, exp, log, log1p, pow_impl


@pytest.fixture(scope="module")
def jax() -> Any:
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", before)


def _inputs(dtype: type, low: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    with np.errstate(over="ignore"):
        spread = 10 ** rng.uniform(-30, 4, 20000)
        edges = [0.0, 1.0, -1.0, np.inf, np.nan, 1e-45, np.sqrt(2) - 1, 1 - np.sqrt(2)]
        return np.concatenate([rng.uniform(low, 1, 50000), spread, -spread, edges]).astype(dtype)


def _same(ours: Any, theirs: Any, ulps: int = 0) -> None:
    theirs = np.asarray(theirs)
    assert ours.dtype == theirs.dtype
    both_nan = np.isnan(ours) & np.isnan(theirs)
    equal = both_nan | (ours == theirs)
    if ulps == 0:
        assert equal.all(), (ours[~equal][:5], theirs[~equal][:5])
    else:
        diff = np.abs(ours[~equal].astype(np.float64) - theirs[~equal])
        assert (diff <= ulps * np.spacing(np.abs(theirs[~equal]))).all()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_log_and_log1p_are_xlas(jax: Any, dtype: type):
    jnp = jax.numpy
    x = _inputs(dtype, -1.0)
    with np.errstate(all="ignore"):
        _same(log(x), jax.jit(jnp.log)(x))
        _same(log1p(x), jax.jit(jnp.log1p)(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_is_xlas(jax: Any, dtype: type):
    x = _inputs(dtype, -1.0) * dtype(4)
    with np.errstate(all="ignore"):
        _same(erf(x), jax.jit(jax.lax.erf)(x))


@pytest.mark.parametrize(("dtype", "top"), [(np.float32, 90), (np.float64, 750)])
def test_exp_is_xlas(jax: Any, dtype: type, top: float):
    x = (_inputs(dtype, -1.0) * dtype(top)).astype(dtype)
    with np.errstate(all="ignore"):
        _same(exp(x), jax.jit(jax.numpy.exp)(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_is_xlas(jax: Any, dtype: type):
    u = np.random.default_rng(1).uniform(0, 1, 20000).astype(dtype)
    for a in (0.01, 0.1, 0.37, 0.9):  # the C library's pow and powf; subnormals flushed
        y = np.full_like(u, 1 / a)
        _same(pow_impl(u, y), jax.jit(jax.lax.pow)(u, y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfinv_is_xlas(jax: Any, dtype: type):
    x = _inputs(dtype, -1.0)
    x = x[np.isnan(x) | (np.abs(x) <= 1)]
    with np.errstate(all="ignore"):
        _same(erfinv(x), jax.jit(jax.lax.erf_inv)(x))


def test_derivatives_match_jax(jax: Any):
    x = np.array([0.3, -0.7, 0.999, 2.5e-3])
    pairs = ((erfinv, jax.lax.erf_inv), (log1p, jax.numpy.log1p), (erf, jax.lax.erf))
    for ours, theirs in pairs:
        for order in (1, 2):
            f, g = ours, theirs
            for _ in range(order):
                f, g = tg.grad(f), jax.grad(g)
            got = np.array([f(v) for v in x])
            np.testing.assert_allclose(got, [g(v) for v in x], rtol=1e-10)
    np.testing.assert_allclose(tg.grad(tg.grad(exp))(np.float32(0.5)), np.exp(0.5), rtol=1e-6)
    got = tg.grad(tg.grad(log))(np.float64(0.25))
    np.testing.assert_allclose(got, -16.0)
