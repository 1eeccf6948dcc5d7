"""tracegrad.random under transformations, without JAX: jit equals eager, vmap over keys
equals a loop, and reparameterised samples differentiate as finite differences say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
import tracegrad.random as tr
from tracegrad.test_util import check_grads

KEY = tr.PRNGKey(11)

COV = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.5]])


def _mvn32(method: str) -> Callable[[Any], Any]:
    mean, cov = np.zeros(3, np.float32), COV.astype(np.float32)
    return lambda k: tr.multivariate_normal(k, mean, cov, (2,), np.float32, method)


SAMPLERS: list[tuple[str, Callable[[Any], Any]]] = [
    ("split", lambda k: tr.split(k, 3)),
    ("fold_in", lambda k: tr.fold_in(k, 5)),
    ("bits", lambda k: tr.bits(k, (4,))),
    ("uniform", lambda k: tr.uniform(k, (4,), minval=-2.0, maxval=3.0)),
    ("uniform32", lambda k: tr.uniform(k, (4,), np.float32)),
    ("normal", lambda k: tr.normal(k, (2, 3))),
    ("randint", lambda k: tr.randint(k, (5,), -4, 9)),
    ("bernoulli", lambda k: tr.bernoulli(k, 0.3, (5,))),
    ("rademacher", lambda k: tr.rademacher(k, (5,))),
    ("permutation", lambda k: tr.permutation(k, 7)),
    ("permutation_array", lambda k: tr.permutation(k, np.arange(12.0).reshape(3, 4), 1)),
    ("choice", lambda k: tr.choice(k, 6, (3,), replace=False)),
    ("choice_p", lambda k: tr.choice(k, 4, (5,), p=np.array([0.1, 0.2, 0.3, 0.4]))),
    ("categorical", lambda k: tr.categorical(k, np.log(np.array([0.2, 0.3, 0.5])), shape=(4,))),
    ("truncated_normal", lambda k: tr.truncated_normal(k, -1.0, 2.0, (4,))),
    ("exponential", lambda k: tr.exponential(k, (4,))),
    ("gumbel", lambda k: tr.gumbel(k, (4,))),
    ("laplace", lambda k: tr.laplace(k, (4,))),
    ("logistic", lambda k: tr.logistic(k, (4,))),
    ("gamma", lambda k: tr.gamma(k, np.array([0.4, 2.0, 7.0]))),
    ("beta", lambda k: tr.beta(k, 2.0, 0.5, (3,))),
    ("dirichlet", lambda k: tr.dirichlet(k, np.array([0.5, 1.0, 2.0]))),
    ("poisson", lambda k: tr.poisson(k, np.array([2.0, 30.0]))),
    ("multivariate_normal", lambda k: tr.multivariate_normal(k, np.zeros(2), np.eye(2), (3,))),
    ("orthogonal", lambda k: tr.orthogonal(k, 3)),
    ("orthogonal32", lambda k: tr.orthogonal(k, 3, (2,), np.float32, m=4)),
    *[
        (f"multivariate_normal32_{method}", _mvn32(method))
        for method in ("cholesky", "eigh", "svd")
    ],
]


@pytest.mark.parametrize(("name", "sampler"), SAMPLERS, ids=[n for n, _ in SAMPLERS])
def test_jit_equals_eager(name: str, sampler: Callable[[Any], Any]):
    np.testing.assert_array_equal(tg.jit(sampler)(KEY), sampler(KEY))


@pytest.mark.parametrize(("name", "sampler"), SAMPLERS, ids=[n for n, _ in SAMPLERS])
def test_vmap_over_keys_equals_a_loop(name: str, sampler: Callable[[Any], Any]):
    keys = tr.split(KEY, 3)
    looped = np.stack([sampler(k) for k in keys])
    np.testing.assert_array_equal(tg.vmap(sampler)(keys), looped)


def test_typed_keys_through_vmap_and_jit():
    keys = tr.split(tr.key(2), 4)
    out = tg.vmap(lambda k: tr.normal(k, (2,)))(keys)
    raw = np.stack([tr.normal(k, (2,)) for k in tr.split(tr.PRNGKey(2), 4)])
    np.testing.assert_array_equal(out, raw)
    np.testing.assert_array_equal(tg.jit(lambda k: tr.uniform(k, (3,)))(keys[1]), raw_u(keys))


def raw_u(keys: Any) -> Any:
    return tr.uniform(tr.key_data(keys)[1], (3,))


def test_keys_made_inside_jit_and_vmap():
    np.testing.assert_array_equal(tg.jit(tr.PRNGKey)(7), tr.PRNGKey(7))
    seeds = np.arange(4)
    np.testing.assert_array_equal(tg.vmap(tr.PRNGKey)(seeds), [tr.PRNGKey(s) for s in seeds])
    folded = tg.vmap(tr.fold_in, (None, 0))(KEY, np.arange(3))
    np.testing.assert_array_equal(folded, [tr.fold_in(KEY, i) for i in range(3)])


def test_grad_of_location_scale_normal():
    z = tr.normal(KEY, (1000,))
    g_sigma, g_mu = tg.grad(lambda s, m: tnp.mean(tr.normal(KEY, (1000,)) * s + m), argnums=(0, 1))(
        2.0, 0.5
    )
    assert np.isclose(g_sigma, np.mean(z)) and np.isclose(g_mu, 1.0)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lo, hi: tr.uniform(KEY, (5,), minval=lo, maxval=hi),
        lambda lo, hi: tr.truncated_normal(KEY, lo, hi, (5,)),
    ],
    ids=["uniform", "truncated_normal"],
)
def test_grads_in_bounds_match_finite_differences(fn: Callable[..., Any]):
    check_grads(fn, (np.float64(-0.7), np.float64(1.3)), order=1)


def test_gamma_grad_in_alpha_is_the_implicit_reparameterisation():
    """d sample / d alpha at a fixed CDF value q = P(alpha, x): a central difference of
    the inverse CDF (SciPy's gammaincinv) along alpha."""
    special = pytest.importorskip("scipy.special")
    a = np.array([0.3, 1.0, 2.5, 20.0])
    x = tr.gamma(KEY, a)
    g = tg.grad(lambda a: tnp.sum(tr.gamma(KEY, a)))(a)
    q, h = special.gammainc(a, x), 1e-6
    fd = (special.gammaincinv(a + h, q) - special.gammaincinv(a - h, q)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-5)


def test_gamma_second_derivative_in_alpha():
    """The second derivative along alpha at a fixed CDF value: a central second difference
    of SciPy's inverse CDF; forward over forward and reverse over reverse agree, and the
    third derivative raises."""
    special = pytest.importorskip("scipy.special")
    a = np.array([0.3, 1.0, 2.5, 20.0, 100.0])
    x = tr.gamma(KEY, a)
    q, h = special.gammainc(a, x), 1e-3 * np.maximum(a, 1)  # roundoff vs truncation
    inv = special.gammaincinv
    fd = (inv(a + h, q) - 2 * inv(a, q) + inv(a - h, q)) / h**2

    def first(a: Any) -> Any:
        return tg.jvp(lambda a: tr.gamma(KEY, a), (a,), (tnp.ones_like(a),))[1]

    second = tg.jvp(first, (a,), (tnp.ones_like(a),))[1]
    np.testing.assert_allclose(second, fd, rtol=1e-4)
    hessian = tg.hessian(lambda a: tnp.sum(tr.gamma(KEY, a)))(a)
    np.testing.assert_allclose(hessian, np.diag(second), rtol=1e-12, atol=0)
    with pytest.raises(NotImplementedError, match="third derivative"):
        tg.grad(tg.grad(tg.grad(lambda a: tr.gamma(KEY, a))))(2.0)


def test_multivariate_normal_grad_in_mean_and_cov():
    # cov = l @ l.T keeps every perturbation symmetric (cholesky reads one triangle).
    mean, factor = np.array([0.5, -1.0]), np.array([[1.4, 0.0], [0.2, 0.9]])
    check_grads(lambda m, f: tr.multivariate_normal(KEY, m, f @ f.T, (3,)), (mean, factor), order=1)


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_float32_factors_differentiate_as_numpys(method: str, monkeypatch: pytest.MonkeyPatch):
    """float32 covariances are factored by LAPACK's single-precision routines; their
    derivatives are tracegrad's rules, as for NumPy's factors (within float32 rounding)."""
    from tracegrad.random import _lapack32

    def grad(cov: Any) -> Any:
        mean = tnp.zeros(3, np.float32)
        draw = lambda c: tnp.sum(tr.multivariate_normal(KEY, mean, c, (4,), np.float32, method))
        return tg.grad(draw)(cov)

    cov = COV.astype(np.float32)
    lapacks = grad(cov)
    monkeypatch.setattr(_lapack32, "_scipy_lapack", lambda: None)
    numpys = grad(cov)
    assert lapacks.dtype == np.float32
    np.testing.assert_allclose(lapacks, numpys, rtol=1e-5, atol=1e-6)


def test_float32_factors_without_scipy_are_numpys(monkeypatch: pytest.MonkeyPatch):
    from tracegrad.random import _lapack32

    z = np.asarray(tr.normal(KEY, (2, 5, 3), np.float32))
    spd = np.einsum("bij,bkj->bik", z[:, :3], z[:, :3]) + np.eye(3, dtype=np.float32)
    monkeypatch.setattr(_lapack32, "_scipy_lapack", lambda: None)
    for ours, theirs in zip(_lapack32.qr(z), np.linalg.qr(z), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(_lapack32.cholesky(spd), np.linalg.cholesky(spd))
