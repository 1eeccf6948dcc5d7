"""tracegrad.scipy.special: ndtr, ndtri, log_ndtr and the entropy family (xlog1py, entr,
rel_entr, kl_div): values against SciPy (and mpmath in the far tails), derivatives to order 2,
jit and vmap against eager, and first derivatives against JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.scipy import special as tss
from tracegrad.test_util import check_grads

TAIL = np.concatenate([-np.logspace(-3, 3, 200), np.logspace(-3, 2, 120), [0.0, -19.99, -20.0]])
EDGE = np.array([-np.inf, -2.0, -1.0, -0.5, 0.0, 1e-300, 1e-20, 0.5, 1.0, 2.0, np.inf, np.nan])
GRID_P, GRID_Q = (a.ravel() for a in np.meshgrid(EDGE, EDGE))


def _close(got: Any, want: Any, rtol: float) -> None:
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("name", "rtol"), [("ndtr", 1e-13), ("log_ndtr", 5e-14)])
def test_ndtr_log_ndtr_against_scipy_into_the_tails(name: str, rtol: float) -> None:
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([TAIL, [-np.inf, np.inf, np.nan]])
    _close(getattr(tss, name)(x), getattr(special, name)(x), rtol)


def test_log_ndtr_derivatives_in_the_tail_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for x in (-1e3, -50.0, -20.0, -19.99, -5.0, 3.0):
        exact = [float(mpmath.diff(lambda t: mpmath.log(mpmath.ncdf(t)), x, n)) for n in (1, 2)]
        first = tg.grad(tss.log_ndtr)(x)
        second = tg.grad(tg.grad(tss.log_ndtr))(x)
        _close([first, second], exact, 1e-11)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_ndtri_against_scipy_in_both_tails() -> None:
    special = pytest.importorskip("scipy.special")
    p = np.concatenate([np.logspace(-300, -1, 200), 1 - np.logspace(-16, -1, 60)])
    p = np.append(p, [0.0, 0.5, 1.0, -0.1, 1.1, np.nan])
    _close(tss.ndtri(p), special.ndtri(p), 1e-14)
    assert not np.signbit(tss.ndtri(0.5))
    _close(tss.ndtr(tss.ndtri(p[:200])), p[:200], 1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["xlog1py", "rel_entr", "kl_div"])
def test_binary_against_scipy_on_edges(name: str) -> None:
    special = pytest.importorskip("scipy.special")
    _close(getattr(tss, name)(GRID_P, GRID_Q), getattr(special, name)(GRID_P, GRID_Q), 1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_entr_against_scipy_on_edges() -> None:
    special = pytest.importorskip("scipy.special")
    _close(tss.entr(EDGE), special.entr(EDGE), 1e-15)


def test_xlog1py_keeps_small_y() -> None:
    assert tss.xlog1py(2.0, 1e-20) == 2e-20
    assert tss.xlog1py(0.0, -1.0) == 0.0


CASES = [
    ("ndtr", (np.array([-30.0, -2.0, 0.3, 4.0]),)),
    ("ndtri", (np.array([1e-3, 0.2, 0.5, 0.99]),)),
    ("log_ndtr", (np.array([-40.0, -20.5, -19.5, -2.0, 0.3, 4.0]),)),
    ("xlog1py", (np.array([0.5, 2.0, -1.5]), np.array([-0.5, 3.0, 1e-3]))),
    ("entr", (np.array([0.1, 0.5, 3.0]),)),
    ("rel_entr", (np.array([0.1, 0.5, 3.0]), np.array([0.4, 0.5, 1.0]))),
    ("kl_div", (np.array([0.1, 0.5, 3.0]), np.array([0.4, 0.5, 1.0]))),
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_derivatives_jit_vmap(name: str, args: tuple[np.ndarray, ...]) -> None:
    fn = getattr(tss, name)
    check_grads(fn, args, order=2, rtol=1e-5, atol=1e-7)
    _close(tg.jit(fn)(*args), fn(*args), 1e-15)
    _close(tg.vmap(fn)(*args), fn(*args), 1e-15)


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_first_derivatives_against_jax(name: str, args: tuple[np.ndarray, ...]) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.special as jspecial

    argnums = tuple(range(len(args)))
    for point in zip(*args, strict=True):
        got = tg.grad(getattr(tss, name), argnums)(*point)
        want = jax.grad(getattr(jspecial, name), argnums)(*point)
        # JAX's log_ndtr takes 3 terms of the series below -20 (ours 12): 1e-8 apart there.
        _close(np.array(got), np.array(want), 1e-7 if name == "log_ndtr" else 1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_against_scipy(name: str) -> None:
    special = pytest.importorskip("scipy.special")
    a = np.array([0.0, 1e-3, 0.1, 0.5, 1.0, 2.5, 10.0, 50.0, 300.0, np.nan, -1.0])[:, None]
    x = np.array([0.0, 1e-10, 1e-3, 0.5, 1.0, 3.0, 9.0, 11.0, 40.0, 60.0, 290.0, 310.0, 1e4])
    x = np.append(x, [np.inf, np.nan, -1.0])
    _close(getattr(tss, name)(a, x), getattr(special, name)(a, x), 1e-12)


def test_incomplete_gamma_derivatives() -> None:
    a, x = np.array([0.5, 2.5, 7.0]), np.array([0.4, 3.0, 12.0])
    for fn in (tss.gammainc, tss.gammaincc):
        check_grads(lambda x, fn=fn: fn(a, x), (x,), order=2, rtol=1e-5, atol=1e-8)
        _close(tg.jit(fn)(a, x), fn(a, x), 1e-15)
        _close(tg.vmap(fn)(a, x), fn(a, x), 1e-15)
        # In a: once (igamma_grad_a), differentiable again in x but not in a.
        check_grads(lambda a, fn=fn: fn(a, x), (a,), order=1, rtol=1e-6, atol=1e-9)
        check_grads(lambda x, fn=fn: tg.grad(lambda a: fn(a, x).sum())(a), (x,), order=1)
        with pytest.raises(NotImplementedError, match="second derivative"):
            tg.grad(tg.grad(lambda a, fn=fn: fn(a, 1.0)))(2.0)
    # d/dx P(a, x) at x = 0: inf for a < 1, 1 for a = 1, 0 for a > 1.
    slopes = [tg.grad(lambda x, a=a: tss.gammainc(a, x))(0.0) for a in (0.5, 1.0, 2.0)]
    assert slopes == [np.inf, 1.0, 0.0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_betainc_against_scipy() -> None:
    special = pytest.importorskip("scipy.special")
    a = np.array([1e-3, 0.1, 0.5, 1.0, 2.5, 10.0, 50.0, 300.0, np.nan, -1.0])[:, None, None]
    b = np.array([0.1, 0.5, 1.0, 3.5, 40.0, 300.0])[:, None]
    x = np.array([0.0, 1e-10, 1e-3, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1.0, 1.1, -0.1, np.nan])
    # 1e-12 but where a, b are in the hundreds (the prefactor's lgammas): 6e-12 there.
    _close(tss.betainc(a, b, x), special.betainc(a, b, x), 1e-11)


def test_betainc_near_one_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    x = 1 - 1e-12  # SciPy is 4e-11 off here; the mirrored fraction keeps 1 - x exact
    want = float(mpmath.betainc(0.5, 0.5, 0, mpmath.mpf(x), regularized=True))
    _close(tss.betainc(0.5, 0.5, x), want, 1e-15)


def test_betainc_derivatives() -> None:
    a, b, x = np.array([0.5, 2.5, 7.0]), np.array([3.0, 0.7, 9.0]), np.array([0.2, 0.6, 0.45])
    check_grads(lambda x: tss.betainc(a, b, x), (x,), order=2, rtol=1e-5, atol=1e-8)
    _close(tg.jit(tss.betainc)(a, b, x), tss.betainc(a, b, x), 1e-15)
    _close(tg.vmap(tss.betainc)(a, b, x), tss.betainc(a, b, x), 1e-15)
    # In a and b: once (ibeta_grad), differentiable again in x but not in a or b.
    check_grads(lambda a, b: tss.betainc(a, b, x), (a, b), order=1, rtol=1e-6, atol=1e-9)
    check_grads(lambda x: tg.grad(lambda a, b: tss.betainc(a, b, x).sum(), (0, 1))(a, b), (x,), 1)
    with pytest.raises(NotImplementedError, match="shape parameters a and b"):
        tg.grad(tg.grad(lambda b: tss.betainc(2.0, b, 0.5)))(2.0)
    # At x = 0 the slope is the density's limit: inf, a (b = 1... here 1/B(1, b) = b), 0.
    slopes = [tg.grad(lambda x, a=a: tss.betainc(a, 3.0, x))(0.0) for a in (0.5, 1.0, 2.0)]
    assert slopes == [np.inf, pytest.approx(3.0, rel=1e-14), 0.0]
