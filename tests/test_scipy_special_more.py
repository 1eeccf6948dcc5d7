"""tracegrad.scipy.special: zeta, the Bessel functions i0/i0e/i1/i1e, softmax, factorial, comb,
poch, loggamma, boxcox, bernoulli; known values, SciPy values (in ulps), derivatives by finite
differences, and values and gradients against JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.lax as tlax
from tracegrad.scipy import special as tss
from tracegrad.test_util import check_grads

X = np.linspace(-30.0, 30.0, 241) + 0.01


def ulps(got: np.ndarray, want: np.ndarray) -> float:
    with np.errstate(invalid="ignore"):
        err = np.where(got == want, 0.0, np.abs(got - want) / np.spacing(np.abs(want)))
    return float(np.max(err))


# ---- NumPy only ---------------------------------------------------------------------------
def test_known_values() -> None:
    np.testing.assert_allclose(tss.zeta(2.0), np.pi**2 / 6, rtol=1e-15)
    np.testing.assert_allclose(tss.zeta(4.0, 1.0), np.pi**4 / 90, rtol=1e-15)
    np.testing.assert_allclose(tss.zeta(2.0, 0.5), np.pi**2 / 2, rtol=1e-15)  # (2^s - 1) zeta(s)
    np.testing.assert_allclose(tss.zeta(2.0, 3.0), np.pi**2 / 6 - 1.25, rtol=1e-15)
    assert tss.zeta(1.0) == np.inf and np.isnan(tss.zeta(0.5))
    assert tss.i0(0.0) == 1.0 and tss.i1(0.0) == 0.0 and tss.i0e(np.inf) == 0.0
    np.testing.assert_allclose(tss.i0(1.0), 1.2660658777520082, rtol=1e-15)
    np.testing.assert_allclose(tss.i1e(-1.0), -0.2079104153497085, rtol=1e-15)
    np.testing.assert_allclose(tss.factorial(np.array([0.0, 4.0, -1.0])), [1, 24, 0], rtol=1e-14)
    np.testing.assert_allclose(
        tss.comb(np.array([5.0, 2.0]), np.array([2.0, 3.0])), [10, 0], rtol=1e-14
    )
    np.testing.assert_allclose(tss.poch(3.0, 2.0), 12.0)
    np.testing.assert_array_equal(tss.bernoulli(6), [1, -0.5, 1 / 6, 0, -1 / 30, 0, 1 / 42])
    np.testing.assert_allclose(tss.softmax(np.zeros((2, 2))), np.full((2, 2), 0.25))
    np.testing.assert_allclose(tss.log_softmax(np.zeros(2), axis=0), np.log([0.5, 0.5]))
    assert np.isnan(tss.loggamma(-0.5))
    np.testing.assert_allclose(tss.boxcox(np.e, 0.0), 1.0)
    np.testing.assert_allclose(tss.boxcox1p(1e-20, 0.5), 1e-20)


def test_exponential_integrals() -> None:
    np.testing.assert_allclose(tss.exp1(1.0), 0.21938393439552029, rtol=1e-15)
    np.testing.assert_allclose(tss.expi(1.0), 1.8951178163559368, rtol=1e-15)
    np.testing.assert_allclose(tss.expi(-2.0), -tss.exp1(2.0), rtol=1e-15)
    np.testing.assert_array_equal(tss.exp1(np.array([0.0, np.inf])), [np.inf, 0.0])
    assert np.isnan(tss.exp1(-1.0)) and tss.expi(0.0) == -np.inf
    x = np.array([0.3, 0.9, 1.5, 4.0, 45.0])
    check_grads(tss.exp1, (x,), order=2)
    check_grads(tss.expi, (np.concatenate([x, -x]),), order=2)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    grid = np.geomspace(1e-5, 600.0, 80)
    grid = grid[np.abs(grid - 0.3725) > 0.01]  # Ei's zero: relative error is meaningless
    for f, mf in ((tss.exp1, mpmath.e1), (tss.expi, mpmath.ei)):
        want = np.array([float(mf(v)) for v in grid])
        assert ulps(f(grid), want) <= 3


def test_spence() -> None:
    np.testing.assert_allclose(tss.spence(0.0), np.pi**2 / 6, rtol=1e-15)
    np.testing.assert_allclose(tss.spence(2.0), -(np.pi**2) / 12, rtol=1e-15)
    assert tss.spence(1.0) == 0.0 and np.isnan(tss.spence(-1.0))
    check_grads(tss.spence, (np.array([0.3, 0.9, 0.9995, 1.0, 1.0007, 1.5, 4.0]),), order=3)
    # log(x) / (1 - x) at 1: -1, then 1/2 and -2/3 (its Taylor polynomial near 1).
    d = tg.grad(tss.spence)
    assert [d(1.0), tg.grad(d)(1.0)] == [-1.0, 0.5]
    np.testing.assert_allclose(tg.grad(tg.grad(d))(1.0), -2 / 3, rtol=1e-14)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    grid = np.concatenate([np.linspace(0.0, 3.0, 61), np.geomspace(1e-10, 1e6, 60)])
    grid = grid[grid != 1.0]
    want = np.array([float(mpmath.polylog(2, 1 - mpmath.mpf(v))) for v in grid])
    assert ulps(tss.spence(grid), want) <= 5  # SciPy's: 20


def test_derivatives() -> None:
    x = np.array([-3.0, -0.7, 0.3, 2.0, 25.0])
    for f in (tss.i0e, tss.i1e, tss.i0, tss.i1):
        check_grads(f, (x,), order=2)
    s, q = np.array([2.5, 3.0, 4.5]), np.array([0.5, 1.0, 2.5])
    check_grads(tss.zeta, (s, q), order=3)
    check_grads(tss.poch, (np.array([1.5, 2.5]), np.array([0.5, 2.0])), order=2)
    check_grads(tss.comb, (np.array([5.5, 7.0]), np.array([2.0, 3.5])), order=2)
    check_grads(tss.boxcox, (np.array([0.5, 2.0]), np.array([0.3, -0.4])), order=2)
    # i1e is 1/2 at 0 with a finite second derivative (0): no division by x there.
    assert tg.grad(tss.i1e)(0.0) == 0.5
    assert tg.grad(tg.grad(tss.i1e))(0.0) == 0.0
    np.testing.assert_array_equal(tg.vmap(tss.i0e)(x), tss.i0e(x))


def test_errors() -> None:
    with pytest.raises(NotImplementedError, match="exact"):
        tss.factorial(3.0, exact=True)
    with pytest.raises(NotImplementedError, match="concrete"):
        tg.jit(tss.bernoulli)(3)


def test_lax_names() -> None:
    np.testing.assert_array_equal(tlax.bessel_i0e(X), tss.i0e(X))
    np.testing.assert_array_equal(tlax.bessel_i1e(X), tss.i1e(X))
    np.testing.assert_array_equal(tlax.zeta(np.array([3.0]), np.array([2.0])), tss.zeta(3.0, 2.0))
    np.testing.assert_array_equal(
        tlax.polygamma(2, np.array([1.5])), tss.polygamma(2, np.array([1.5]))
    )


# ---- SciPy and JAX ----------------------------------------------------------------------------
def test_values_against_scipy() -> None:
    ss = pytest.importorskip("scipy.special")
    wide = np.concatenate([X, np.geomspace(1e-300, 1e4, 200), -np.geomspace(1e-300, 1e4, 200)])
    # SciPy's own error reaches 6 ulps (test_bessel_against_mpmath: ours is within 1).
    assert ulps(tss.i0e(wide), ss.i0e(wide)) <= 8
    assert ulps(tss.i1e(wide), ss.i1e(wide)) <= 8
    assert ulps(tss.i0(X), ss.i0(X)) <= 8
    assert ulps(tss.exp1(wide[wide > 0]), ss.exp1(wide[wide > 0])) <= 5
    away = wide[np.abs(wide - 0.3725) > 0.01]
    assert ulps(tss.expi(away), ss.expi(away)) <= 110  # SciPy's error reaches 103 (x = 43)
    s, q = np.meshgrid(np.linspace(1.01, 40.0, 60), np.geomspace(1e-3, 1e4, 60))
    assert ulps(tss.zeta(s, q), ss.zeta(s, q)) <= 6
    edges_s = np.array([1.0, 0.5, 2.0, 2.0, 2.0, 3.0, 2.5])
    edges_q = np.array([1.0, 1.0, 0.0, -1.0, -1.5, -1.5, -1.5])
    np.testing.assert_allclose(tss.zeta(edges_s, edges_q), ss.zeta(edges_s, edges_q), rtol=1e-14)
    n = np.array([0.0, 1.0, 7.5, 20.0, -2.0])
    np.testing.assert_allclose(tss.factorial(n), ss.factorial(n), rtol=1e-13)
    big, small = np.array([10.0, 30.0, 4.0, 3.0]), np.array([3.0, 12.0, 5.0, -1.0])
    np.testing.assert_allclose(tss.comb(big, small), ss.comb(big, small), rtol=1e-12)
    np.testing.assert_allclose(tss.bernoulli(20), ss.bernoulli(20), rtol=1e-11)  # ours exact
    z, m = np.array([0.5, 3.0, -2.5]), np.array([2.0, 1.5, 2.0])
    np.testing.assert_allclose(tss.poch(z, m), ss.poch(z, m), rtol=1e-13)
    np.testing.assert_allclose(
        tss.boxcox1p(X[X > -1], 0.3), ss.boxcox1p(X[X > -1], 0.3), rtol=1e-14
    )


def test_bessel_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = np.concatenate([np.linspace(-60.0, 60.0, 121) + 0.003, np.geomspace(1e-8, 1e3, 30)])
    for order, f in ((0, tss.i0e), (1, tss.i1e)):
        want = np.array(
            [float(mpmath.besseli(order, v) * mpmath.exp(-abs(mpmath.mpf(v)))) for v in x]
        )
        assert ulps(f(x), want) <= 1


@pytest.fixture(scope="module")
def jax_special() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.special as jss

    return jax, jss


def test_gradients_against_jax(jax_special: Any) -> None:
    jax, jss = jax_special
    x = np.array([-12.0, -3.0, -0.7, 0.3, 2.0, 25.0])
    s, q = np.array([2.5, 3.0, 4.5]), np.array([0.5, 1.0, 2.5])
    cases = [
        (tss.i0e, jss.i0e, (x,)),
        (tss.i1e, jss.i1e, (x,)),
        (tss.i0, jss.i0, (x,)),
        (tss.i1, jss.i1, (x,)),
        (tss.zeta, jss.zeta, (s, q)),
        (tss.poch, jss.poch, (q + 1, s)),
        (tss.exp1, jss.exp1, (q,)),
        (tss.expi, jss.expi, (x,)),
        (tss.spence, jss.spence, (q,)),
    ]
    for f_tg, f_jax, args in cases:
        argnums = tuple(range(len(args)))
        loss_tg = lambda *a, f=f_tg: (f(*a) ** 2).sum()
        loss_jax = lambda *a, f=f_jax: (f(*a) ** 2).sum()
        want = jax.jit(jax.grad(loss_jax, argnums))(*args)
        got = tg.grad(loss_tg, argnums)(*args)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, np.asarray(w), rtol=1e-9, err_msg=f_tg.__name__)
        np.testing.assert_allclose(f_tg(*args), np.asarray(f_jax(*args)), rtol=1e-12)


def test_shape_derivatives_against_jax(jax_special: Any) -> None:
    jax, jss = jax_special
    a = np.array([0.3, 1.0, 2.5, 7.0, 40.0, 3.0])
    x = np.array([0.2, 1.0, 6.0, 3.0, 38.0, 0.01])
    # (JAX 0.10 has no derivative of betainc in a or b: test_shape_derivatives_against_mpmath.)
    for f_tg, f_jax in ((tss.gammainc, jss.gammainc), (tss.gammaincc, jss.gammaincc)):
        want = jax.jit(jax.grad(lambda a, x, f=f_jax: f(a, x).sum()))(a, x)
        got = tg.grad(lambda a, x, f=f_tg: f(a, x).sum())(a, x)
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-7, err_msg=f_tg.__name__)


def test_zeta_s_derivatives_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for s, q in [(2.0, 1.0), (3.5, 0.2), (1.5, 7.0), (10.0, 0.5), (2.5, 100.0)]:
        ds = lambda v, q=q: tss.zeta(v, q)
        for n, f in enumerate(
            (tg.grad(ds), tg.grad(tg.grad(ds)), tg.grad(tg.grad(tg.grad(ds)))), 1
        ):
            want = float(mpmath.diff(lambda v, q=q: mpmath.zeta(v, q), s, n))
            np.testing.assert_allclose(f(s), want, rtol=1e-14)


def test_shape_derivatives_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for a, x in [(0.5, 0.1), (2.0, 5.0), (10.0, 3.0), (3.0, 20.0), (200.0, 180.0), (1e-3, 1e-3)]:
        want = mpmath.diff(lambda t, x=x: mpmath.gammainc(t, 0, x, regularized=True), a)
        np.testing.assert_allclose(tg.grad(tss.gammainc)(a, x), float(want), rtol=1e-13)
    for a, b, x in [(2.0, 3.0, 0.4), (0.5, 0.5, 0.01), (10.0, 2.0, 0.9), (0.1, 5.0, 0.99)]:
        want_a = mpmath.diff(lambda t, b=b, x=x: mpmath.betainc(t, b, 0, x, regularized=True), a)
        want_b = mpmath.diff(lambda t, a=a, x=x: mpmath.betainc(a, t, 0, x, regularized=True), b)
        got = tg.grad(tss.betainc, (0, 1))(a, b, x)
        np.testing.assert_allclose(got, [float(want_a), float(want_b)], rtol=1e-13)


def test_new_primitives_batch_and_stage() -> None:
    a = np.array([[0.5, 2.0, 7.0], [1.5, 3.0, 0.8]])
    x = np.array([0.3, 2.5, 6.0])
    cases = [
        (lambda a, x: tg.grad(lambda v: tss.gammainc(v, x).sum())(a), (a, x), (0, None)),
        (lambda a, x: tg.grad(lambda v: tss.betainc(v, 2.0, x / 7).sum())(a), (a, x), (0, None)),
        (lambda a, x: tg.grad(lambda v: tss.betainc(2.0, v, x / 7).sum())(a), (a, x), (0, None)),
        (lambda s, q: tg.grad(lambda v: tss.zeta(v, q).sum())(s + 1), (a, x), (0, None)),
        (lambda s, q: tss.zeta(s + 1, q), (a, x), (0, None)),
        (lambda u, v: tss.exp1(u) + tss.expi(-v) + tss.spence(u), (a, x), (0, None)),
        (lambda u, v: tss.i0e(u).sum() * tss.i1e(v), (a, x), (1, None)),
    ]
    for f, args, in_axes in cases:
        want = np.stack(
            [f(*[arg if ax is None else np.take(arg, i, ax) for arg, ax in zip(args, in_axes)])
             for i in range(args[0].shape[in_axes[0]])]
        )  # fmt: skip
        np.testing.assert_allclose(tg.vmap(f, in_axes=in_axes)(*args), want, rtol=1e-14)
        np.testing.assert_allclose(tg.jit(f)(*args), f(*args), rtol=1e-14)
