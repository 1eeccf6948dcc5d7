"""tracegrad.random against jax.random (x64, JAX's defaults) over many keys, shapes and
dtypes: keys, bits, integers and permutations equal bit for bit; floating samples equal, or
within a few units of rounding where JAX's transform calls transcendental functions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tracegrad.random as tr

SEEDS = [0, 1, 42, 2**40 + 3, -5]
SHAPES = [(), (7,), (2, 3, 5)]


@pytest.fixture(scope="module")
def jr() -> Iterator[Any]:
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax.random
    jax.config.update("jax_enable_x64", before)


def same(ours: Any, theirs: Any) -> None:
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)


def close(ours: Any, theirs: Any, ulps: float) -> None:
    """Equal to within ``ulps`` units of the larger of the value and 1 (the scale of the
    transform's inputs: an error in ``log(u)`` near u = 1 is absolute, not relative)."""
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    scale = np.maximum(np.abs(theirs), 1.0)
    diff = np.abs(ours - theirs)
    np.testing.assert_array_less(diff, max(ulps, 0.5) * np.finfo(ours.dtype).eps * scale)
    assert ulps or not diff.any()


@pytest.mark.parametrize("seed", SEEDS)
def test_keys_split_fold_in_bits(jr: Any, seed: int):
    k = np.asarray(jr.PRNGKey(seed))
    same(tr.PRNGKey(seed), k)
    same(tr.key_data(tr.key(seed)), jr.key_data(jr.key(seed)))
    for data in (0, 7, 2**31 + 5):
        same(tr.fold_in(k, data), jr.fold_in(k, data))
    for shape in [*SHAPES, 3]:
        same(tr.split(k, shape), jr.split(k, shape))
        for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
            same(tr.bits(k, shape, dt), jr.bits(k, shape, dt))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_integers(jr: Any, seed: int, shape: tuple[int, ...]):
    k = np.asarray(jr.PRNGKey(seed))
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64):
        low = -3 if np.dtype(dt).kind == "i" else 0
        same(tr.randint(k, shape, low, 100, dt), jr.randint(k, shape, low, 100, dt))
    same(tr.randint(k, shape, -(2**62), 2**62 + 1000), jr.randint(k, shape, -(2**62), 2**62 + 1000))
    same(tr.randint(k, shape, 0, 2**63 - 1), jr.randint(k, shape, 0, 2**63 - 1))
    same(tr.randint(k, shape, 5, 5), jr.randint(k, shape, 5, 5))
    same(tr.bernoulli(k, 0.3, shape), jr.bernoulli(k, 0.3, shape))
    p32 = np.float32(0.3)
    same(tr.bernoulli(k, p32, shape, mode="high"), jr.bernoulli(k, p32, shape, mode="high"))
    same(tr.rademacher(k, shape), jr.rademacher(k, shape))
    same(tr.rademacher(k, shape, np.int32), jr.rademacher(k, shape, np.int32))
    same(tr.poisson(k, 4.0, shape), jr.poisson(k, 4.0, shape))


@pytest.mark.parametrize("seed", SEEDS)
def test_permutations_and_choices(jr: Any, seed: int):
    k = np.asarray(jr.PRNGKey(seed))
    for n in (1, 2, 5, 100, 3000):
        same(tr.permutation(k, n), jr.permutation(k, n))
    x = np.arange(24).reshape(4, 6)
    same(tr.permutation(k, x), jr.permutation(k, x))
    same(tr.permutation(k, x, axis=1), jr.permutation(k, x, axis=1))
    same(tr.permutation(k, x, 1, True), jr.permutation(k, x, 1, True))
    same(tr.choice(k, 10, (3,)), jr.choice(k, 10, (3,)))
    same(tr.choice(k, 10, (2, 3), replace=False), jr.choice(k, 10, (2, 3), replace=False))
    same(tr.choice(k, x, (2,), axis=1), jr.choice(k, x, (2,), axis=1))
    p = np.array([0.1, 0.2, 0.3, 0.15, 0.25])
    same(tr.choice(k, 5, (20,), p=p), jr.choice(k, 5, (20,), p=p))
    same(tr.choice(k, 5, (3,), p=p, replace=False), jr.choice(k, 5, (3,), p=p, replace=False))
    logits = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))
    same(tr.categorical(k, logits), jr.categorical(k, logits))
    same(tr.categorical(k, logits, shape=(5, 2)), jr.categorical(k, logits, shape=(5, 2)))
    same(tr.categorical(k, logits, 0, (4, 3)), jr.categorical(k, logits, 0, (4, 3)))
    nr = (k, logits, -1, (2, 2), False)
    same(tr.categorical(*nr), jr.categorical(*nr))
    lam = np.array([0.0, 0.5, 3.0, 9.9])
    same(tr.poisson(k, lam), jr.poisson(k, lam))


def test_poisson_rejection_branch_is_exact(jr: Any):
    """Above rate 10 every accepting pass of JAX's loop rewrites all elements, so a single
    acceptance test decided otherwise (a log or lgamma an ulp off) would change the whole
    array: with XLA's float32 log the arrays are equal."""
    lam = np.array([10.0, 25.0, 300.0, 1e4, 40.0, 12.5, *np.linspace(10.5, 3000, 40)])
    for seed in range(16):
        k = np.asarray(jr.PRNGKey(seed))
        same(tr.poisson(k, lam), jr.poisson(k, lam))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_uniform_is_exact(jr: Any, seed: int, dtype: type):
    k = np.asarray(jr.PRNGKey(seed))
    for shape in SHAPES:
        same(tr.uniform(k, shape, dtype), jr.uniform(k, shape, dtype))
        same(tr.uniform(k, shape, dtype, -3.3, 7.1), jr.uniform(k, shape, dtype, -3.3, 7.1))
    if dtype == np.float16:  # no fused arithmetic in half precision: exact
        same(tr.gumbel(k, (50,), dtype, "high"), jr.gumbel(k, (50,), dtype, "high"))
    else:  # NumPy's QR has no float16; float32 is LAPACK's single precision, as JAX's
        for n, m in ((3, None), (2, 5), (5, 2), (40, None)):
            sample = (k, n, (2,), dtype, m)
            same(tr.orthogonal(*sample), jr.orthogonal(*sample))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transcendental_samplers_within_ulps(jr: Any, seed: int, dtype: type):
    k = np.asarray(jr.PRNGKey(seed))
    shape = (500,)
    # XLA's erfinv, log and log1p are reproduced (random/_erfinv.py, _xla_math.py): normal
    # and the log-based samplers are exact.
    same(tr.normal(k, shape, dtype), jr.normal(k, shape, dtype))
    for name in ("exponential", "gumbel", "laplace", "logistic"):
        same(getattr(tr, name)(k, shape, dtype), getattr(jr, name)(k, shape, dtype))
    for mode in ("high", "highest"):  # "highest" in float32: bit-level floats, exact
        same(tr.gumbel(k, shape, dtype, mode), jr.gumbel(k, shape, dtype, mode))
    # XLA's erf too (and its division by a constant as a product with the reciprocal).
    for lower, upper in ((-1.5, 0.7), (-2.0, 2.0), (np.array([-3.0, 0.1]), np.array([1.0, 5.0]))):
        shp = (250, *np.shape(lower))
        tn = (k, lower, upper, shp, dtype)
        same(tr.truncated_normal(*tn), jr.truncated_normal(*tn))
    # gamma and loggamma: test_gamma_is_exact_where_rsqrt_is_correctly_rounded.
    # exp is XLA's: beta and dirichlet are exact.
    a = np.array([1.0, 2.0, 0.3])
    same(tr.beta(k, 2.0, 3.0, (50,), dtype), jr.beta(k, 2.0, 3.0, (50,), dtype))
    same(tr.dirichlet(k, a, (4,), dtype), jr.dirichlet(k, a, (4,), dtype))
    cov = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.5]])
    mean = np.array([1.0, -1.0, 0.0])
    for method in ("cholesky", "eigh", "svd"):  # LAPACK's factors, as JAX's
        ours = tr.multivariate_normal(k, mean, cov, (5,), dtype, method)
        same(ours, jr.multivariate_normal(k, mean, cov, (5,), dtype, method))
        if dtype == np.float32:  # a float32 cov: LAPACK's single-precision factors
            m32, c32 = mean.astype(np.float32), cov.astype(np.float32)
            ours = tr.multivariate_normal(k, m32, c32, (5,), dtype, method)
            same(ours, jr.multivariate_normal(k, m32, c32, (5,), dtype, method))
    same(tr.normal(k, (20,), np.complex128), jr.normal(k, (20,), np.complex128))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gamma_is_exact_where_rsqrt_is_correctly_rounded(jr: Any, dtype: type):
    """JAX computes gamma's ``c = (1/3) / sqrt(d)`` as ``(1/3) * rsqrt(d)``, and XLA's
    rsqrt is the CPU's estimate refined by Newton steps (float32 with AVX, float64 with
    AVX-512): an ulp or two from ``1 / sqrt(d)`` for about 30% of inputs on the machine
    we measured, and CPU-dependent. Where it equals ``1 / sqrt(d)`` (tracegrad's) the
    samples are JAX's bit for bit; elsewhere the rejection loop takes the same decisions
    and the samples are a few ulps off."""
    import jax

    alpha = np.concatenate([[0.1, 0.5, 1.0, 1.5, 3.0, 10.0, 100.0], np.geomspace(0.02, 50, 33)])
    alpha = alpha.astype(dtype)
    d = np.where(alpha >= 1, alpha, alpha + dtype(1)) - dtype(1 / 3)
    as_ours = np.asarray(jax.jit(jax.lax.rsqrt)(d)) == dtype(1) / np.sqrt(d)
    assert as_ours.any()
    alpha, as_ours = np.tile(alpha, 8), np.tile(as_ours, 8)
    for seed in range(3):
        k = np.asarray(jr.PRNGKey(seed))
        for sampler in (tr.gamma, tr.loggamma):
            ours = sampler(k, alpha, dtype=dtype)
            theirs = np.asarray(getattr(jr, sampler.__name__)(k, alpha, dtype=dtype))
            same(ours[as_ours], theirs[as_ours])
            close(ours[~as_ours], theirs[~as_ours], 64)


def test_gamma_gradient_matches_jax(jr: Any):
    import jax

    k = np.asarray(jr.PRNGKey(0))
    a = np.array([0.3, 1.0, 2.5, 20.0])
    import tracegrad as tg
    import tracegrad.numpy as tnp

    ours = tg.grad(lambda a: tnp.sum(tr.gamma(k, a)))(a)
    theirs = jax.grad(lambda a: jr.gamma(jax.numpy.asarray(k), a).sum())(a)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9)
    # The second derivative: forward over forward (JAX's reverse mode stops at its loop).
    a = np.array([0.05, 0.3, 1.0, 2.5, 20.0, 100.0])

    def second(jvp: Any, sample: Any, ones: Any) -> Any:
        def first(a: Any) -> Any:
            return jvp(sample, (a,), (ones(a),))[1]

        return jvp(first, (a,), (ones(a),))[1]

    ours = second(tg.jvp, lambda a: tr.gamma(k, a), tnp.ones_like)
    theirs = second(jax.jvp, lambda a: jr.gamma(k, a), jax.numpy.ones_like)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9)
    # And the derivative of the implicit derivative itself, in a and in x.
    from tracegrad.random.gamma import gamma_sample_grad

    for tangents in ((1.0, 0.0), (0.0, 1.0)):
        ours = tg.jvp(gamma_sample_grad, (2.5, 1.3), tangents)[1]
        theirs = jax.jvp(jax.lax.random_gamma_grad, (2.5, 1.3), tangents)[1]
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9)
