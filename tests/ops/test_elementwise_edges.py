"""The edge points of SPEC 7 for elementwise functions: exact first and second derivatives
at zeros, ties, kinks and the boundaries of domains (test_elementwise.py has the records)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import on_tracer

# ---- edge points (SPEC 7): exact derivatives, first and second order -----------------
grad = tg.grad


def d1(f: Callable[..., Any], *args: float, argnums: int = 0) -> float:
    return float(grad(f, argnums=argnums)(*map(np.float64, args)))


def d2(f: Callable[..., Any], x: float) -> float:
    return float(grad(grad(f))(np.float64(x)))


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x**0,
        lambda x: tnp.power(x, 0.0),
        lambda x: tnp.power(x, np.zeros(())),
        lambda x: tnp.float_power(x, 0),
    ],
)
def test_power_zero_at_zero(f: Callable[..., Any]) -> None:
    assert d1(f, 0.0) == 0.0 and d2(f, 0.0) == 0.0


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x**2,
        lambda x: x**2.0,
        lambda x: tnp.square(x),
        lambda x: tnp.power(x, np.float32(2)),
        lambda x: tnp.power(x, np.int8(2)),
    ],
)
def test_square_at_zero(f: Callable[..., Any]) -> None:
    assert d1(f, 0.0) == 0.0 and d2(f, 0.0) == 2.0


def test_integer_exponents_are_static() -> None:
    for e in (2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0)):
        eqns = tg.make_jaxpr(lambda x, e=e: x**e)(np.ones(2)).jaxpr.eqns
        assert [q.primitive.name for q in eqns] == ["integer_pow"], e
    eqns = tg.make_jaxpr(lambda x: x**2.5)(np.ones(2)).jaxpr.eqns
    assert [q.primitive.name for q in eqns] == ["pow"]
    assert d1(lambda x: x**1, 0.0) == 1.0 and d1(lambda x: x**3, 0.0) == 0.0
    assert d2(lambda x: x**3, 0.0) == 0.0 and d2(lambda x: x**1, 0.0) == 0.0


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf is the answer
def test_array_exponent_at_zero() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0])
    f = lambda x: tnp.sum(tnp.power(x, y))
    np.testing.assert_array_equal(grad(f)(np.zeros(4)), [0.0, 1.0, 0.0, 0.0])
    hess = tg.jacfwd(grad(f))(np.zeros(4))
    np.testing.assert_array_equal(np.diag(hess), [0.0, 0.0, 2.0, 0.0])
    assert np.isinf(d1(lambda x: tnp.power(x, np.float64(0.5)), 0.0))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf is the answer
def test_power_traced_exponent() -> None:
    f = lambda x, y: tnp.power(x, y)
    for y in (2.0, 0.5, 0.0, -1.0):
        assert d1(f, 0.0, y, argnums=1) == 0.0  # x == 0: constant in y, never nan
    assert d1(f, 2.0, 3.0, argnums=1) == pytest.approx(8 * math.log(2))
    assert d1(f, 0.0, 0.0, argnums=0) == 0.0 and d1(f, 0.0, 1.0, argnums=0) == 1.0
    g = grad(grad(f, argnums=1), argnums=1)(np.float64(0.0), np.float64(2.0))
    assert g == 0.0


def test_abs_sign_at_zero() -> None:
    for f in (
        tnp.abs,
        tnp.fabs,
        tnp.sign,
        abs,
        lambda x: tnp.copysign(x, 1.0),
        lambda x: tnp.copysign(x, -1.0),
    ):
        assert d1(f, 0.0) == 0.0 and d2(f, 0.0) == 0.0
    assert d1(tnp.abs, -3.0) == -1.0 and d1(lambda x: tnp.copysign(x, -1.0), 2.0) == -1.0
    z = grad(lambda z: tnp.abs(z))(np.complex128(0))
    assert z == 0


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_ties_split_evenly(name: str) -> None:
    f = getattr(tnp, name)
    gx, gy = grad(f, argnums=(0, 1))(np.float64(1.0), np.float64(1.0))
    assert (gx, gy) == (0.5, 0.5)
    summed = grad(lambda x, y: tnp.sum(f(x, y)), argnums=(0, 1))
    gx, gy = summed(np.array([1.0, 2.0]), np.float64(1.0))
    assert list(gx) == ([0.5, 1.0] if name in ("maximum", "fmax") else [0.5, 0.0])
    assert gy == (0.5 if name in ("maximum", "fmax") else 1.5)
    assert grad(grad(lambda x: f(x, 1.0)))(np.float64(1.0)) == 0.0


def test_fmax_fmin_nan() -> None:
    for f in (tnp.fmax, tnp.fmin):
        g = grad(f, argnums=(0, 1))
        assert g(np.float64(np.nan), np.float64(1.0)) == (0.0, 1.0)
        assert g(np.float64(1.0), np.float64(np.nan)) == (1.0, 0.0)
    for f in (tnp.maximum, tnp.minimum):  # NaN propagates; so does nothing of the gradient
        out, g = tg.value_and_grad(f, argnums=(0, 1))(np.float64(np.nan), np.float64(1.0))
        assert np.isnan(out) and g == (0.0, 0.0)


def test_clip_at_bounds_follows_jax() -> None:
    # minimum(maximum(x, lo), hi): at a bound the tie rule gives 1/2 to x and 1/2 to the
    # bound, which is what jax.grad(jnp.clip) returns.
    f = lambda x, lo, hi: tnp.clip(x, lo, hi)
    g = grad(f, argnums=(0, 1, 2))
    assert g(*map(np.float64, (0.0, 0.0, 1.0))) == (0.5, 0.5, 0.0)
    assert g(*map(np.float64, (1.0, 0.0, 1.0))) == (0.5, 0.0, 0.5)
    assert g(*map(np.float64, (0.5, 0.0, 1.0))) == (1.0, 0.0, 0.0)
    assert g(*map(np.float64, (2.0, 0.0, 1.0))) == (0.0, 0.0, 1.0)
    assert d1(lambda x: x.clip(0, 1), 0.0) == 0.5


def test_sqrt_cbrt_at_zero_are_infinite() -> None:
    with np.errstate(divide="ignore"):
        assert d1(tnp.sqrt, 0.0) == np.inf and d1(tnp.cbrt, 0.0) == np.inf


def test_hypot_edges() -> None:
    g = grad(tnp.hypot, argnums=(0, 1))
    f = lambda *v: tuple(float(t) for t in g(*map(np.float64, v)))
    assert f(0.0, 0.0) == (0.0, 0.0)  # the minimum-norm subgradient
    assert f(np.inf, 1.0) == (1.0, 0.0) and f(-np.inf, 1.0) == (-1.0, 0.0)
    assert f(1.0, -np.inf) == (0.0, -1.0)
    assert f(np.inf, np.inf) == pytest.approx((math.sqrt(0.5),) * 2)
    assert f(3.0, 4.0) == pytest.approx((0.6, 0.8))
    assert f(1e300, 1e300) == pytest.approx((math.sqrt(0.5),) * 2)  # no overflow
    h = grad(grad(tnp.hypot))
    assert h(np.float64(np.inf), np.float64(1.0)) == 0.0
    assert np.isfinite(h(np.float64(0.0), np.float64(0.0)))


def test_logaddexp_edges() -> None:
    g = grad(tnp.logaddexp, argnums=(0, 1))
    f = lambda *v: tuple(float(t) for t in g(*map(np.float64, v)))
    assert f(-np.inf, -np.inf) == (0.5, 0.5)
    assert f(np.inf, np.inf) == (0.5, 0.5)
    assert f(np.inf, 1.0) == (1.0, 0.0) and f(1.0, -np.inf) == (1.0, 0.0)
    assert f(0.0, 0.0) == (0.5, 0.5)
    assert f(1000.0, 0.0) == (1.0, 0.0)
    for x, y in ((np.inf, 1.0), (-np.inf, -np.inf), (np.inf, np.inf), (1.0, 2.0)):
        assert np.isfinite(grad(grad(tnp.logaddexp))(np.float64(x), np.float64(y)))
    g2 = grad(tnp.logaddexp2, argnums=(0, 1))
    assert tuple(map(float, g2(np.float64(-np.inf), np.float64(-np.inf)))) == (0.5, 0.5)


def test_sinc_derivatives_at_zero() -> None:
    f = tnp.sinc
    derivs = [f]
    for _ in range(4):
        derivs.append(grad(derivs[-1]))
    got = [float(d(np.float64(0.0))) for d in derivs]
    pi2 = math.pi**2
    np.testing.assert_allclose(got, [1.0, 0.0, -pi2 / 3, 0.0, pi2**2 / 5], atol=1e-12)
    h = 1e-4
    assert float(derivs[1](np.float64(h))) == pytest.approx(-pi2 / 3 * h, rel=1e-6)
    assert float(derivs[2](np.float64(0.5))) == pytest.approx(
        float(derivs[2](np.float64(0.5 + 1e-7))), rel=1e-5
    )


def test_arctan2_at_origin_and_angle() -> None:
    g = grad(tnp.arctan2, argnums=(0, 1))
    assert g(np.float64(0.0), np.float64(0.0)) == (0.0, 0.0)
    assert tuple(map(float, g(np.float64(1.0), np.float64(1.0)))) == (0.5, -0.5)
    assert d1(tnp.angle, -2.0) == 0.0
    assert complex(grad(tnp.angle)(np.complex128(1 + 1j))) == pytest.approx(-0.5 - 0.5j)


def test_piecewise_constant_functions_have_zero_derivative() -> None:
    for name in ("floor", "ceil", "trunc", "fix", "rint", "round", "around", "sign"):
        f = getattr(tnp, name)
        assert d1(f, 1.5) == 0.0 and d1(f, 1.0) == 0.0 and d2(f, 1.3) == 0.0, name
    assert d1(lambda x: x // 2.0, 3.0) == 0.0
    assert d1(tnp.remainder, 5.5, 2.0, argnums=1) == -2.0
    assert d1(tnp.fmod, -5.5, 2.0, argnums=1) == 2.0
    assert d1(lambda x: x % 2.0, 5.5) == 1.0


def test_heaviside_and_where_route_derivatives() -> None:
    g = grad(tnp.heaviside, argnums=(0, 1))
    assert g(np.float64(0.0), np.float64(0.5)) == (0.0, 1.0)
    assert g(np.float64(2.0), np.float64(0.5)) == (0.0, 0.0)
    assert np.isnan(on_tracer(tnp.heaviside, np.float64(np.nan), np.float64(0.5)))
    f = lambda x, y: tnp.sum(tnp.where(x > 0, x * 3.0, y))
    gx, gy = grad(f, argnums=(0, 1))(np.array([1.0, -1.0]), np.array([5.0, 5.0]))
    np.testing.assert_array_equal(gx, [3.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0])


def test_no_nan_from_unused_branches() -> None:
    # Reverse mode multiplies the zero cotangent of an unused branch by its partials;
    # every rule above feeds unused branches safe values so that stays 0, not nan.
    for f, x in (
        (tnp.sinc, 0.0),
        (lambda x: tnp.logaddexp(x, np.inf), np.inf),
        (lambda x: tnp.hypot(x, 0.0), 0.0),
        (lambda x: tnp.arctan2(x, 0.0), 0.0),
        (lambda x: tnp.power(x, np.array(0.0)), 0.0),
        (tnp.abs, 0.0),
    ):
        with np.errstate(all="ignore"):
            assert np.isfinite(d2(f, x)), f
