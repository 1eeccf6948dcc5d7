"""The tracegrad.scipy.special functions that autograd's test suite asked for: the gamma
family built on gammaln (gamma, gammasgn, rgamma, beta, betaln, multigammaln, psi) and the
inverse error functions (erfinv, erfcinv): records against the standard library, edge
points against SciPy where it is installed."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from harness import F32, F64, OpRecord, record_tests
from tracegrad.scipy import special as tss
from tracegrad.test_util import check_grads

UNARY = [((),), ((3,),), ((2, 3),)]
BINARY = [((3,), (3,)), ((2, 1), (3,))]
_STD = NormalDist()


def _vec(f: Any) -> Any:
    """A float64 stdlib function, elementwise, giving the dtype of its first argument."""
    g = np.vectorize(f, otypes=[float])
    return lambda x, *rest: np.asarray(g(x.astype(np.float64), *rest)).astype(x.dtype)


def _sgn(x: float) -> float:
    return math.copysign(1.0, math.gamma(x))


np_gamma = _vec(math.gamma)
np_gammasgn = _vec(_sgn)
np_rgamma = _vec(lambda x: 1.0 / math.gamma(x))
np_betaln = _vec(lambda a, b: math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
np_beta = _vec(lambda a, b: math.gamma(a) * math.gamma(b) / math.gamma(a + b))
np_erfinv = _vec(lambda x: _STD.inv_cdf((x + 1) / 2) / math.sqrt(2))
np_erfcinv = _vec(lambda x: -_STD.inv_cdf(x / 2) / math.sqrt(2))


def np_multigammaln(a: np.ndarray, d: int) -> np.ndarray:
    parts = [math.lgamma(float(v) - j / 2) for v in a.ravel() for j in range(d)]
    sums = np.sum(np.reshape(parts, (a.size, d)), axis=1) + d * (d - 1) / 4 * math.log(math.pi)
    return np.reshape(sums, a.shape).astype(a.dtype)


def _pairs_positive(rng: np.random.Generator, shapes: Any, dtype: Any) -> list[np.ndarray]:
    return [rng.uniform(0.5, 3.0, s).astype(dtype) for s in shapes]


RECORDS = [
    OpRecord("gamma", tss.gamma, np_gamma, UNARY, domain=(0.3, 4.0)),
    # float32 finite differences (steps of 1e-2) are too coarse for gamma's curvature here.
    OpRecord("gamma_negative", tss.gamma, np_gamma, UNARY, domain=(-1.8, -1.2), dtypes=(F64,)),
    OpRecord("gammasgn", tss.gammasgn, np_gammasgn, UNARY, domain=(-3.9, 3.9), diff_argnums=()),
    OpRecord("rgamma", tss.rgamma, np_rgamma, UNARY, domain=(-2.8, 3.0)),
    OpRecord("betaln", tss.betaln, np_betaln, BINARY, make_args=_pairs_positive),
    OpRecord("beta", tss.beta, np_beta, BINARY, make_args=_pairs_positive),
    OpRecord(
        "multigammaln",
        lambda a: tss.multigammaln(a, 3),
        lambda a: np_multigammaln(a, 3),
        UNARY,
        domain=(1.2, 4.0),
    ),
    OpRecord("erfinv", tss.erfinv, np_erfinv, UNARY, domain=(-0.95, 0.95)),
    OpRecord("erfcinv", tss.erfcinv, np_erfcinv, UNARY, domain=(0.05, 1.95)),
]
# gammasgn is piecewise constant: finite differences would straddle its jumps; its
# derivative (0) is checked below.

test_value, test_derivatives = record_tests(RECORDS)


def test_gammasgn_has_derivative_zero() -> None:
    x = np.array([-2.5, -0.5, 0.5, 3.0])
    np.testing.assert_array_equal(tg.vmap(tg.grad(tss.gammasgn))(x), np.zeros(4))
    check_grads(tss.gammasgn, (x,), order=2)


def test_psi_is_digamma() -> None:
    x = np.array([0.3, 1.0, 2.5])
    np.testing.assert_array_equal(tss.psi(x), tss.digamma(x))
    check_grads(tss.psi, (x,), order=2)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_edge_points_as_scipy(dtype: Any) -> None:
    scipy_special = pytest.importorskip("scipy.special")
    x = np.array([0.0, -0.0, -1.0, -2.0, -0.5, -1.5, 0.5, np.inf, -np.inf, np.nan], dtype)
    for name in ("gammasgn", "gamma", "rgamma"):
        want = getattr(scipy_special, name)(x)
        for got in (getattr(tss, name)(x), tg.jit(getattr(tss, name))(x)):
            rtol = 1e-14 if dtype == F64 else 1e-6
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, err_msg=name)
            signed = ~np.isnan(want)  # (the sign of 0 and inf matters; nan has none)
            np.testing.assert_array_equal(
                np.signbit(got[signed]), np.signbit(want[signed]), err_msg=name
            )
            assert got.dtype == want.dtype
    e = np.array([-1.0, 1.0, 0.0, -0.0, 1.5, np.nan, 0.999999], dtype)
    np.testing.assert_allclose(tss.erfinv(e), scipy_special.erfinv(e), rtol=1e-6)
    c = np.array([0.0, 2.0, 1.0, 2.5, -0.1, np.nan, 1e-30], dtype)
    np.testing.assert_allclose(tss.erfcinv(c), scipy_special.erfcinv(c), rtol=1e-6)


def test_inverse_error_functions_accurate_to_the_tails() -> None:
    scipy_special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-1, 1, 4001)[1:-1], [1 - 1e-16, -1 + 1e-12, 1e-300]])
    np.testing.assert_allclose(tss.erfinv(x), scipy_special.erfinv(x), rtol=1e-14, atol=0)
    c = np.concatenate([np.linspace(0, 2, 4001)[1:-1], [1e-300, 1e-100, 1e-20, 2 - 1e-16]])
    np.testing.assert_allclose(tss.erfcinv(c), scipy_special.erfcinv(c), rtol=1e-14, atol=0)


def test_inverse_error_function_derivatives() -> None:
    x = np.array([-0.9, -0.2, 0.0, 0.4, 0.99])
    np.testing.assert_allclose(
        tg.vmap(tg.grad(tss.erfinv))(x), math.sqrt(math.pi) / 2 * np.exp(tss.erfinv(x) ** 2)
    )
    np.testing.assert_allclose(
        tg.vmap(tg.grad(tss.erfcinv))(1 - x), -math.sqrt(math.pi) / 2 * np.exp(tss.erfinv(x) ** 2)
    )


def test_multigammaln_checks_its_domain_and_order() -> None:
    with pytest.raises(ValueError, match="not met"):
        tss.multigammaln(np.array([0.5]), 3)
    with pytest.raises(ValueError, match="not met"):
        tg.grad(lambda a: tss.multigammaln(a, 3))(0.5)
    with pytest.raises(NotImplementedError, match="concrete integer"):
        tss.multigammaln(np.array([3.0]), np.array([2, 3]))  # type: ignore[arg-type]
