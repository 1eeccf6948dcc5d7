"""tracegrad.nn: per-function records (values, vmap, derivatives to order 2), edge points
(relu and softplus at 0, overflow, -inf logits), and values and gradients against jax.nn."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import OpRecord, record_tests, value_grad_hvp_against_jax
from tracegrad import nn
from tracegrad.test_util import check_grads

_math_erfc = np.vectorize(math.erfc, otypes=[float])
_SQRT_HALF = math.sqrt(0.5)

UNARY = [((3,),), ((2, 3),), ((),)]
ROWS = [((3,),), ((2, 3),), ((2, 3, 4),)]


def away_from_zero(rng: np.random.Generator, shapes: Any, dtype: Any) -> list[np.ndarray]:
    """Values with |x| >= 0.1: finite differences of relu never straddle its kink."""
    return [(rng.choice([-1, 1], s) * rng.uniform(0.1, 2, s)).astype(dtype) for s in shapes]


def np_softmax(x: np.ndarray, axis: Any = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_log_softmax(x: np.ndarray, axis: Any = -1) -> np.ndarray:
    return np.log(np_softmax(x, axis))


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def np_gelu_tanh(x: np.ndarray) -> np.ndarray:
    c = np.asarray(math.sqrt(2 / math.pi), x.dtype)
    return x * 0.5 * (1 + np.tanh(c * (x + np.asarray(0.044715, x.dtype) * x**3)))


def gelu_exact_64(x: np.ndarray) -> np.ndarray:
    """x Phi(x) in float64 from math.erfc, with the argument -x / sqrt(2) rounded as
    tracegrad and JAX round it."""
    x = np.asarray(x, np.float64)
    return 0.5 * x * _math_erfc(-x * _SQRT_HALF)


def np_gelu_exact(x: np.ndarray) -> np.ndarray:
    return gelu_exact_64(x).astype(x.dtype)


def gelu_exact_scaled(x: Any) -> Any:
    """gelu(x) exp(x^2 / 2): of size 0.4 for x in [-12, -5], where gelu itself is too small
    for the absolute tolerances of the finite-difference checks to see its derivatives."""
    return nn.gelu(x, approximate=False) * tnp.exp(x * x / 2)


RECORDS = [
    OpRecord("relu", nn.relu, lambda x: np.maximum(x, 0), UNARY, make_args=away_from_zero),
    OpRecord("sigmoid", nn.sigmoid, np_sigmoid, UNARY, domain=(-5.0, 5.0)),
    OpRecord("softplus", nn.softplus, lambda x: np.logaddexp(x, 0), UNARY, domain=(-5.0, 5.0)),
    OpRecord("silu", nn.silu, lambda x: x * np_sigmoid(x), UNARY, domain=(-5.0, 5.0)),
    OpRecord("gelu", nn.gelu, np_gelu_tanh, UNARY, domain=(-4.0, 4.0)),
    OpRecord(
        "gelu_exact",
        lambda x: nn.gelu(x, approximate=False),
        np_gelu_exact,
        UNARY,
        domain=(-4.0, 4.0),
    ),
    OpRecord(
        "gelu_exact_tail",
        gelu_exact_scaled,
        lambda x: (gelu_exact_64(x) * np.exp(x.astype(np.float64) ** 2 / 2)).astype(x.dtype),
        UNARY,
        domain=(-12.0, -5.0),
    ),
    OpRecord("softmax", nn.softmax, np_softmax, ROWS),
    OpRecord(
        "softmax_axes",
        lambda x: nn.softmax(x, axis=(0, 2)),
        lambda x: np_softmax(x, axis=(0, 2)),
        [((2, 3, 4),)],
    ),
    OpRecord("log_softmax", nn.log_softmax, np_log_softmax, ROWS),
    OpRecord(
        "log_softmax_axis0",
        lambda x: nn.log_softmax(x, axis=0),
        lambda x: np_log_softmax(x, axis=0),
        [((3, 2),), ((4,),)],
    ),
    OpRecord(
        "logsumexp",
        lambda x: nn.logsumexp(x, axis=-1),
        lambda x: np.log(np.sum(np.exp(x), axis=-1)),
        ROWS,
    ),
]

test_value, test_derivatives = record_tests(RECORDS)


# ---- edge points --------------------------------------------------------------------
def test_relu_derivative_at_zero_is_zero() -> None:
    assert tg.grad(nn.relu)(0.0) == 0.0
    np.testing.assert_array_equal(
        tg.jacfwd(nn.relu)(np.array([-1.0, 0.0, 2.0])), np.diag([0.0, 0.0, 1.0])
    )
    assert tg.grad(tg.grad(nn.relu))(0.0) == 0.0
    assert nn.relu(np.array([-3, 4])).dtype == np.int64


def test_softplus_at_zero_and_far_out() -> None:
    assert tg.grad(nn.softplus)(0.0) == 0.5
    assert tg.grad(tg.grad(nn.softplus))(0.0) == 0.25
    x = np.array([-800.0, -40.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # also in derivatives
        np.testing.assert_allclose(nn.softplus(x), [0.0, math.exp(-40), 40.0, 800.0])
        g = tg.grad(lambda v: nn.softplus(v).sum())(x)
        h = tg.grad(lambda v: tg.grad(lambda u: nn.softplus(u).sum())(v).sum())(x)
    np.testing.assert_allclose(g, [0.0, math.exp(-40), 1.0, 1.0])
    assert np.all(np.isfinite(h))
    assert nn.softplus(-40.0) > 0  # log1p keeps the tiny value


def test_gelu_exact_far_negative_tail() -> None:
    # 1 + erf(x / sqrt 2) cancels for x < 0: erfc keeps full relative accuracy until gelu
    # underflows, near -38.6, and the sign right.
    x = np.linspace(-40.0, 40.0, 80_001)
    got = nn.gelu(x, approximate=False)
    want = gelu_exact_64(x)
    # Relative errors where erfc(-x / sqrt 2) is a normal float, down to x = -37.6; below,
    # erfc is subnormal: an absolute error of a few of its last units, times x / 2.
    normal = (_math_erfc(-x * _SQRT_HALF) >= np.finfo(np.float64).tiny) & (x != 0)
    rel = np.abs(got[normal] - want[normal]) / np.abs(want[normal])
    assert rel.max() < 1e-15, rel.max()
    np.testing.assert_array_equal(np.sign(got), np.sign(want))
    units = np.abs(got[~normal] - want[~normal]) / (2.0**-1074 * (1 + np.abs(x[~normal]) / 2))
    assert units.max() <= 3, units.max()
    assert np.all(got[(x < 0) & (x > -38.5)] < 0)
    # float32: the argument is rounded in float32, as in JAX; the rest is float64 inside.
    x32 = np.array([-12.0, -6.0, 3.0], np.float32)
    arg32 = (-x32 * np.float32(_SQRT_HALF)).astype(np.float64)
    want32 = 0.5 * x32.astype(np.float64) * _math_erfc(arg32)
    got32 = nn.gelu(x32, approximate=False)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want32, rtol=1e-7)


def test_gelu_exact_against_mpmath() -> None:
    # Forming -x / sqrt(2) in float64 rounds it by up to 1.8e-16 relative (the rounding of
    # 1/sqrt(2) included), and erfc's condition number there is 2 (x / sqrt 2)^2 = x^2: no
    # float64 evaluation of erfc(-x / sqrt 2) does better than about 1.8e-16 x^2, JAX's
    # neither. Elsewhere the error is a few ulp.
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([np.linspace(-37.55, 39.95, 311), [-1e-300, 1e-8]])
    got = nn.gelu(x, approximate=False)
    with mpmath.workprec(120):
        true = [mpmath.mpf(v) / 2 * mpmath.erfc(-mpmath.mpf(v) / mpmath.sqrt(2)) for v in x]
        rel = np.array([float(abs(mpmath.mpf(g) / t - 1)) for g, t in zip(got, true, strict=True)])
    assert np.all(rel <= 2e-15 + 1.8e-16 * x**2), (rel / (2e-15 + 1.8e-16 * x**2)).max()


def test_softmax_is_stable_and_handles_minus_inf() -> None:
    x = np.array([1000.0, 1000.0, -np.inf])
    np.testing.assert_array_equal(nn.softmax(x), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(nn.log_softmax(np.array([0.0, -np.inf]))[0], 0.0)
    first = np.array([1.0, 0.0, 0.0])
    g = tg.grad(lambda v: (nn.log_softmax(v) * first).sum())(np.array([1000.0, 1000.0, 999.0]))
    assert np.all(np.isfinite(g))
    check_grads(lambda v: nn.softmax(v * 100), [np.array([1.0, 1.0, 0.5])], order=2)
    # Ties in the shift do not change any derivative: it cancels exactly.
    np.testing.assert_allclose(tg.jacrev(nn.softmax)(np.zeros(2)), [[0.25, -0.25], [-0.25, 0.25]])


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(nn.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
        np.testing.assert_array_equal(
            tg.grad(lambda v: nn.sigmoid(v).sum())(np.array([-1000.0, 1000.0])), [0.0, 0.0]
        )


def test_one_hot() -> None:
    x = np.array([0, 2, 5, -1])
    np.testing.assert_array_equal(nn.one_hot(x, 3), np.eye(3)[[0, 2]].tolist() + [[0, 0, 0]] * 2)
    out = nn.one_hot(np.array([[1, 0]]), 2, dtype=np.float32, axis=0)
    assert out.shape == (2, 1, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0, :], [[0, 1], [1, 0]])
    got = tg.vmap(lambda i: nn.one_hot(i, 4))(np.array([3, 1]))
    np.testing.assert_array_equal(got, np.eye(4)[[3, 1]])
    closed = tg.make_jaxpr(lambda i: nn.one_hot(i, 3))(np.array([1, 2]))
    np.testing.assert_array_equal(tg.eval_jaxpr(closed, np.array([2, 0]))[0], np.eye(3)[[2, 0]])


def test_float32_stays_float32() -> None:
    x = np.array([-1.0, 0.5], np.float32)
    for fn in (
        nn.relu,
        nn.sigmoid,
        nn.softplus,
        nn.silu,
        nn.gelu,
        nn.softmax,
        nn.log_softmax,
        nn.logsumexp,
    ):
        assert np.asarray(fn(x)).dtype == np.float32, fn
    assert np.asarray(nn.gelu(x, approximate=False)).dtype == np.float32


def test_where_is_not_supported() -> None:
    with pytest.raises(NotImplementedError, match="softmax"):
        nn.softmax(np.ones(2), where=np.array([True, False]))


# ---- against JAX ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def jax_nn() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.nn

    return jax, jax.nn


PAIRS = [
    ("relu", {}),
    ("sigmoid", {}),
    ("softplus", {}),
    ("silu", {}),
    ("gelu", {}),
    ("gelu", {"approximate": False}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": (0, 1)}),
    ("logsumexp", {"axis": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAIRS, ids=[f"{n}{k}" for n, k in PAIRS])
def test_against_jax(jax_nn: Any, name: str, kwargs: dict[str, Any]) -> None:
    jax, jnn = jax_nn
    rng = np.random.default_rng(3)
    x = rng.uniform(-4, 4, (3, 4))
    x[0, 0] = 0.0  # relu and softplus at their special point
    f_tg = lambda v: getattr(nn, name)(v, **kwargs)
    f_jax = lambda v: getattr(jnn, name)(v, **kwargs)
    got, want = value_grad_hvp_against_jax(jax, f_tg, f_jax, x, seed=4)
    for g, wnt, tol in zip(got, want, (1e-12, 1e-11, 1e-10), strict=True):
        np.testing.assert_allclose(g, wnt, rtol=tol, atol=tol / 10)


def test_gelu_exact_against_jax_far_out(jax_nn: Any) -> None:
    # Values, gradients and Hessian-vector products on [-37, 37]; beyond, JAX's intermediates
    # are subnormal and XLA on CPU flushes them to zero.
    jax, jnn = jax_nn
    x = np.linspace(-37.0, 37.0, 7401)
    ones = np.ones_like(x)

    def value_grad_hvp(grad: Any, jvp: Any, gelu: Any, v: Any) -> Any:
        f = lambda u: gelu(u, approximate=False)
        df = grad(lambda u: f(u).sum())
        return f(v), df(v), jvp(df, (v,), (ones,))[1]

    want = jax.jit(lambda v: value_grad_hvp(jax.grad, jax.jvp, jnn.gelu, v))(x)
    got = value_grad_hvp(tg.grad, tg.jvp, nn.gelu, x)
    # Scales: the sums of the absolute values of the terms of x Phi(x), Phi(x) + x phi(x)
    # and (2 - x^2) phi(x), from which errors are relative (derivatives have zeros).
    phi = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = gelu_exact_64(x) / np.where(x == 0, 1.0, x)
    scales = (np.abs(x) * cdf, cdf + np.abs(x) * phi, (2 + x * x) * phi)
    # JAX's erfc is off by up to 1.5e-15 near 1 and by its own rounding of x^2 far out.
    tol = 2e-15 + 1e-16 * x**2
    for name, g, w, scale in zip(("value", "grad", "hvp"), got, want, scales, strict=True):
        err = np.abs(g - np.asarray(w))
        assert np.all(err <= tol * scale), (name, np.max(err / (tol * scale)))


def test_one_hot_against_jax(jax_nn: Any) -> None:
    _, jnn = jax_nn
    x = np.array([[0, 3], [2, -1]])
    np.testing.assert_array_equal(nn.one_hot(x, 3), np.asarray(jnn.one_hot(x, 3)))
    np.testing.assert_array_equal(nn.one_hot(x, 3, axis=1), np.asarray(jnn.one_hot(x, 3, axis=1)))


@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_shift_is_not_differentiated(fn: Any) -> None:
    # The maximum that shifts the inputs cancels out: as in JAX it is a constant to the
    # derivatives, so no derivative of reduce_max (its tie count, `eq`) is staged.
    x = np.array([[1.0, 3.0, 3.0], [0.5, -np.inf, 2.0]])
    t = np.arange(6.0).reshape(2, 3)
    program = str(tg.make_jaxpr(lambda x, t: tg.jvp(fn, (x,), (t,))[1])(x, t))
    assert "stop_gradient" in program and " eq " not in program
    _, tangent = tg.jvp(fn, (x,), (t,))
    ref = tg.jacfwd(fn)(x)
    np.testing.assert_allclose(tangent, np.einsum("ijkl,kl->ij", ref, t), rtol=1e-12)
    check_grads(fn, (x[:1],), order=2, modes=("fwd", "rev"))
