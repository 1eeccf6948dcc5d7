"""tracegrad.scipy.stats: values against scipy.stats and jax.scipy.stats on grids with the
support edges and the tails, derivatives to order 2 inside the support, jit and vmap against
eager, and the derivatives at support edges against JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.scipy import stats as tss
from tracegrad.test_util import check_grads

X = np.array([-np.inf, -40.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.3, 0.5, 1.0, 2.0, 5.0, 40.0])
X = np.append(X, [np.inf, np.nan])[:, None]
Q = np.array([0.0, 1e-300, 1e-20, 1e-3, 0.25, 0.5, 0.9, 1 - 1e-12, 1.0, -0.1, 1.1, np.nan])
Q = Q[:, None]
K = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 7.0, 40.0])[:, None]
KI = np.array([0.0, 1.0, 2.0, 5.0])

# (function, grid arguments, interior arguments for derivatives, relative tolerance)
CASES: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = [
    *[(f"norm.{f}", (X, 0.3, 1.7), (np.array([-3.0, 0.2, 2.5]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[(f"norm.{f}", (Q, 0.3, 1.7), (np.array([0.01, 0.4, 0.9]), 0.3, 1.7))
      for f in ("ppf", "isf")],
    *[(f"t.{f}", (X, np.array([0.5, 1.0, 4.0, 100.0]), 0.3, 1.7),
       (np.array([-3.0, 0.2, 2.5]), 3.0, 0.3, 1.7)) for f in ("logpdf", "pdf")],
    *[(f"cauchy.{f}", (X, 0.3, 1.7), (np.array([-3.0, 0.2, 2.5]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[(f"cauchy.{f}", (Q, 0.3, 1.7), (np.array([0.1, 0.4, 0.9]), 0.3, 1.7))
      for f in ("ppf", "isf")],
    *[(f"laplace.{f}", (X, 0.3, 1.7), (np.array([-3.0, 0.2, 2.5]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf")],
    *[(f"logistic.{f}", (X, 0.3, 1.7), (np.array([-3.0, 0.2, 2.5]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf", "sf")],
    *[(f"logistic.{f}", (Q, 0.3, 1.7), (np.array([0.1, 0.4, 0.9]), 0.3, 1.7))
      for f in ("ppf", "isf")],
    *[(f"expon.{f}", (X, 0.3, 1.7), (np.array([0.5, 1.2, 4.0]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    ("expon.ppf", (Q, 0.3, 1.7), (np.array([0.1, 0.4, 0.9]), 0.3, 1.7)),
    *[(f"uniform.{f}", (X, 0.3, 1.7), (np.array([0.5, 1.2, 1.9]), 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf")],
    ("uniform.ppf", (Q, 0.3, 1.7), (np.array([0.1, 0.4, 0.9]), 0.3, 1.7)),
    *[(f"pareto.{f}", (X, np.array([0.5, 3.0]), -0.7, 1.7),
       (np.array([1.5, 2.0, 6.0]), 3.0, -0.7, 1.7))
      for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    ("pareto.ppf", (Q, np.array([0.5, 3.0]), 0.3, 1.7),
     (np.array([0.1, 0.4, 0.9]), 3.0, 0.3, 1.7)),
    *[(f"gamma.{f}", (X, np.array([0.5, 1.0, 2.5]), -0.7, 1.7),
       (np.array([0.5, 1.2, 4.0]), 2.5, -0.7, 1.7)) for f in ("logpdf", "pdf")],
    *[(f"chi2.{f}", (X, np.array([1.0, 2.0, 5.0]), -0.7, 1.7),
       (np.array([0.5, 1.2, 4.0]), 5.0, -0.7, 1.7)) for f in ("logpdf", "pdf")],
    *[(f"beta.{f}", (X / 5, np.array([0.5, 1.0, 2.5]), np.array([[[1.0]], [[3.5]]]), -0.1, 1.7),
       (np.array([0.1, 0.7, 1.2]), 2.5, 3.5, -0.1, 1.7)) for f in ("logpdf", "pdf")],
    *[(f"truncnorm.{f}", (X, np.array([-np.inf, -1.0, 2.0]), np.array([[[0.5]], [[np.inf]]]),
                          0.3, 1.7), (np.array([-0.5, 0.7, 1.1]), -1.0, 0.5, 0.3, 1.7))
      for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[(f"poisson.{f}", (K, np.array([0.5, 3.0, 30.0]), 0.0), (KI, 3.0))
      for f in ("logpmf", "pmf")],
    *[(f"bernoulli.{f}", (K, np.array([0.0, 0.3, 1.0]), 0.0), (KI[:2], 0.3))
      for f in ("logpmf", "pmf")],
    *[(f"binom.{f}", (K, np.array([3.0, 40.0]), np.array([[[0.0]], [[0.3]], [[1.0]]])),
       (KI, 7.0, 0.3)) for f in ("logpmf", "pmf")],
    *[(f"geom.{f}", (K, np.array([0.3, 1.0])), (KI[1:], 0.3)) for f in ("logpmf", "pmf")],
    *[(f"nbinom.{f}", (K, np.array([0.5, 3.0]), np.array([[[0.3]], [[1.0]]])),
       (KI, 3.0, 0.3)) for f in ("logpmf", "pmf")],
]  # fmt: skip


def _fn(module: Any, name: str) -> Any:
    dist, fn = name.split(".")
    return getattr(getattr(module, dist), fn)


def _close(got: Any, want: Any, rtol: float = 1e-12) -> None:
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300, equal_nan=True)


# Where SciPy's own value is less accurate than ours or follows another convention:
_SCIPY_RTOL = {"t.logpdf": 1e-10, "t.pdf": 1e-10, "gamma.logpdf": 1e-12, "beta.logpdf": 1e-11,
               "beta.pdf": 1e-11, "truncnorm.logcdf": 1e-9, "truncnorm.cdf": 1e-9,
               "truncnorm.logsf": 1e-9, "truncnorm.sf": 1e-9, "binom.pmf": 1e-11,
               "binom.logpmf": 1e-11, "nbinom.pmf": 1e-11, "nbinom.logpmf": 1e-11,
               "poisson.pmf": 1e-11, "cauchy.logcdf": 1e-12}  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "args", "interior"), CASES, ids=[c[0] for c in CASES])
def test_values_against_scipy(name: str, args: tuple[Any, ...], interior: Any) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    _close(_fn(tss, name)(*args), _fn(scipy_stats, name)(*args), _SCIPY_RTOL.get(name, 1e-13))


# JAX's own formulas lose accuracy in tails where ours keep it (compared with SciPy above).
_JAX_SKIP = {"norm.isf", "expon.logcdf", "pareto.logcdf", "pareto.cdf", "cauchy.isf",
             "cauchy.ppf", "truncnorm.logcdf", "truncnorm.cdf", "truncnorm.sf",
             "truncnorm.logsf", "nbinom.logpmf", "nbinom.pmf", "logistic.ppf", "logistic.isf",
             "chi2.logpdf", "chi2.pdf"}  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "args", "interior"), CASES, ids=[c[0] for c in CASES])
def test_values_against_jax(name: str, args: tuple[Any, ...], interior: Any) -> None:
    jax = pytest.importorskip("jax")
    if name in _JAX_SKIP:
        pytest.skip("compared with SciPy only")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    finite = [np.where(np.isfinite(a), a, 0.5) if np.ndim(a) else a for a in args]
    if args[0] is K:  # JAX evaluates the formula at non-integers (SciPy and we give -inf)
        finite[0] = K[np.round(K[:, 0]) == K[:, 0]]
    _close(_fn(tss, name)(*finite), _fn(jstats, name)(*finite), 1e-9)


@pytest.mark.parametrize(("name", "args", "interior"), CASES, ids=[c[0] for c in CASES])
def test_derivatives_inside_the_support(name: str, args: Any, interior: Any) -> None:
    fn = _fn(tss, name)
    continuous = not name.split(".")[1].endswith("pmf")
    x, params = interior[0], interior[1:]
    if continuous:
        check_grads(fn, (x, *params), order=2, rtol=1e-5, atol=1e-6)
    else:  # derivatives in the parameters only (k and loc stay integers)
        check_grads(lambda *ps: fn(x, *ps), params, order=2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "args", "interior"), CASES, ids=[c[0] for c in CASES])
def test_jit_and_vmap_match_eager(name: str, args: Any, interior: Any) -> None:
    fn = _fn(tss, name)
    eager = fn(*interior)
    _close(tg.jit(fn)(*interior), eager, 1e-15)
    in_axes = (0,) + (None,) * (len(interior) - 1)
    _close(tg.vmap(fn, in_axes=in_axes)(*interior), eager, 1e-15)


EDGES = [
    ("expon.logpdf", (0.3, 0.3, 1.7)),
    ("expon.cdf", (0.3, 0.3, 1.7)),
    ("laplace.cdf", (0.3, 0.3, 1.7)),
    ("laplace.logpdf", (1.3, 0.3, 1.7)),
    ("uniform.cdf", (0.8, 0.3, 1.7)),
    ("pareto.logpdf", (1.0, 3.0, -0.7, 1.7)),
    ("pareto.logsf", (1.0, 3.0, -0.7, 1.7)),
    ("gamma.logpdf", (0.0, 2.5, -0.7, 1.7)),
    ("truncnorm.logpdf", (-1.0, -1.0, 0.5, 0.3, 1.7)),
    ("norm.logcdf", (-25.0, 0.3, 1.7)),
    ("norm.logsf", (25.0, 0.3, 1.7)),
]


@pytest.mark.parametrize(("name", "args"), EDGES, ids=[e[0] for e in EDGES])
def test_first_derivatives_at_edges_against_jax(name: str, args: tuple[float, ...]) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    argnums = tuple(range(len(args)))
    got = tg.grad(_fn(tss, name), argnums)(*args)
    want = jax.grad(_fn(jstats, name), argnums)(*args)
    _close(np.array(got), np.array(want), 1e-9)


def test_dirichlet_against_scipy_and_jax() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    alpha = np.array([0.5, 2.0, 3.5])
    x = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [1e-10, 0.5, 0.5 - 1e-10]]).T
    want = [scipy_stats.dirichlet.logpdf(col, alpha) for col in x.T]
    _close(tss.dirichlet.logpdf(x, alpha), want, 1e-12)
    _close(tss.dirichlet.logpdf(x[:2], alpha), want, 1e-6)  # the last entry left out
    off = np.array([[0.2, 0.3, 0.6], [0.0, 0.5, 0.5], [-0.1, 0.6, 0.5]]).T
    assert np.all(tss.dirichlet.logpdf(off, alpha) == -np.inf)
    # With the last entry left out, every nearby x is on the simplex.
    check_grads(tss.dirichlet.logpdf, (x[:2, 0], alpha), order=2, rtol=1e-5)
    _close(tg.vmap(tss.dirichlet.pdf, in_axes=(1, None))(x, alpha), tss.dirichlet.pdf(x, alpha))
    with pytest.raises(ValueError, match="one-dimensional"):
        tss.dirichlet.logpdf(x, alpha[None])
    with pytest.raises(ValueError, match="one entry fewer"):
        tss.dirichlet.logpdf(x[:1], alpha)


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_multivariate_normal_against_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    mean, cov = rng.normal(size=3), _spd(rng, 3)
    x = rng.normal(size=(5, 3))
    want = scipy_stats.multivariate_normal.logpdf(x, mean, cov)
    _close(tss.multivariate_normal.logpdf(x, mean, cov), want, 1e-12)
    _close(tss.multivariate_normal.pdf(x, mean, cov), np.exp(want), 1e-12)
    _close(tss.multivariate_normal.logpdf(x, mean, 2.0),
           scipy_stats.multivariate_normal.logpdf(x, mean, 2.0), 1e-12)  # fmt: skip
    _close(tss.multivariate_normal.logpdf(x[:, 0], 0.5, 2.0),
           scipy_stats.norm.logpdf(x[:, 0], 0.5, np.sqrt(2.0)), 1e-12)  # fmt: skip
    # Batches of covariances broadcast against batches of points.
    covs = np.stack([cov, _spd(rng, 3)])
    batched = tss.multivariate_normal.logpdf(x[:, None], mean, covs)
    assert batched.shape == (5, 2)
    _close(batched[:, 1], scipy_stats.multivariate_normal.logpdf(x, mean, covs[1]), 1e-12)


def test_multivariate_normal_derivatives_jit_vmap() -> None:
    rng = np.random.default_rng(1)
    mean, cov, x = rng.normal(size=3), _spd(rng, 3), rng.normal(size=(4, 3))

    def symmetric_cov(x: Any, mean: Any, c: Any) -> Any:  # Cholesky reads one triangle
        return tss.multivariate_normal.logpdf(x, mean, (c + c.T) / 2)

    check_grads(symmetric_cov, (x[0], mean, cov), order=2, rtol=1e-5)
    eager = tss.multivariate_normal.logpdf(x, mean, cov)
    _close(tg.jit(tss.multivariate_normal.logpdf)(x, mean, cov), eager, 1e-14)
    vmapped = tg.vmap(tss.multivariate_normal.logpdf, in_axes=(0, None, None))(x, mean, cov)
    _close(vmapped, eager, 1e-14)
    with pytest.raises(ValueError, match="incompatible shapes"):
        tss.multivariate_normal.logpdf(x, mean, np.eye(2))


def test_multivariate_normal_gradients_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    rng = np.random.default_rng(2)
    mean, cov, x = rng.normal(size=3), _spd(rng, 3), rng.normal(size=3)
    got = tg.grad(tss.multivariate_normal.logpdf, (0, 1, 2))(x, mean, cov)
    want = jax.grad(jstats.multivariate_normal.logpdf, (0, 1, 2))(x, mean, cov)
    for g, w in zip(got, want, strict=True):
        _close(g, np.asarray(w), 1e-10)


def test_bernoulli_cdf_and_ppf() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    p = np.array([0.0, 0.3, 1.0, 1.5])
    _close(tss.bernoulli.cdf(K, p), scipy_stats.bernoulli.cdf(K, p))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    # ppf as JAX: 0 at q = 0 (SciPy: -1) and 0 at q = 1 when p = 0 (SciPy: 1).
    q = np.array([0.0, 0.5, 0.7, 0.71, 1.0, 1.5])[:, None]
    _close(tss.bernoulli.ppf(q, p[:3]), np.asarray(jstats.bernoulli.ppf(q, p[:3])))


def test_stats_is_lazy_and_reachable() -> None:
    assert tg.scipy.stats.norm.pdf(0.0) == pytest.approx(1 / np.sqrt(2 * np.pi))
    assert "stats" in dir(tg.scipy)


# The incomplete-gamma distribution functions: differentiable in all but the shape.
GAMMA_CDFS = [
    *[(f"{dist}.{f}", (X, np.array([0.5, 1.0, 2.5, 30.0]), -0.7, 1.7))
      for dist in ("gamma", "chi2") for f in ("cdf", "sf", "logcdf", "logsf")],
    ("poisson.cdf", (K, np.array([0.5, 3.0, 30.0]), 0.0)),
    *[(f"beta.{f}", (X / 5, np.array([0.5, 1.0, 2.5]), np.array([[[1.0]], [[3.5]]]), -0.1, 1.7))
      for f in ("cdf", "sf", "logcdf", "logsf")],
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "args"), GAMMA_CDFS, ids=[c[0] for c in GAMMA_CDFS])
def test_incomplete_gamma_cdfs_against_scipy(name: str, args: tuple[Any, ...]) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    # About 1e-12 near the mean for a, b of a few (the prefactor's lgammas).
    _close(_fn(tss, name)(*args), _fn(scipy_stats, name)(*args), 5e-12)


@pytest.mark.parametrize(("name", "args"), GAMMA_CDFS, ids=[c[0] for c in GAMMA_CDFS])
def test_incomplete_gamma_cdfs_derivatives_jit_vmap(name: str, args: tuple[Any, ...]) -> None:
    fn = _fn(tss, name)
    if name == "poisson.cdf":
        k, mu = np.array([0.0, 2.0, 5.0]), np.array([0.5, 3.0, 4.0])
        check_grads(lambda m: fn(k, m), (mu,), order=2, rtol=1e-5, atol=1e-7)
        point: tuple[Any, ...] = (k, mu)
    elif name.startswith("beta"):
        x = np.array([0.1, 0.7, 1.2])
        check_grads(lambda x, m, s: fn(x, 2.5, 3.5, m, s), (x, -0.1, 1.7), order=2, rtol=1e-5)
        point = (x, 2.5, 3.5, -0.1, 1.7)
        check_grads(lambda a, b: fn(x[:2], a, b), (2.5, 3.5), order=1, rtol=1e-6)
    else:
        x = np.array([0.5, 1.2, 4.0])
        check_grads(lambda x, loc, s: fn(x, 2.5, loc, s), (x, -0.7, 1.7), order=2, rtol=1e-5)
        point = (x, 2.5, -0.7, 1.7)
        check_grads(lambda a: fn(x, a), (2.5,), order=1, rtol=1e-6)
    _close(tg.jit(fn)(*point), fn(*point), 1e-15)
    in_axes = (0, 0) if name == "poisson.cdf" else (0,) + (None,) * (len(point) - 1)
    _close(tg.vmap(fn, in_axes=in_axes)(*point), fn(*point), 1e-15)


def test_gamma_cdf_derivatives_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.stats as jstats

    for x in (0.3, 2.0, 9.0):  # series and continued-fraction sides
        got = tg.grad(tss.gamma.cdf, (0, 2, 3))(x, 2.5, 0.1, 1.5)
        want = jax.grad(jstats.gamma.cdf, (0, 2, 3))(x, 2.5, 0.1, 1.5)
        _close(np.array(got), np.array(want), 1e-10)
    # At the edge x = loc the density is the derivative: 1 / scale for a = 1 (exponential).
    assert tg.grad(tss.gamma.cdf)(0.1, 1.0, 0.1, 1.5) == pytest.approx(1 / 1.5, rel=1e-15)
