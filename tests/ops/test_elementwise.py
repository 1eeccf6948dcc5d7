"""Every elementwise function of tracegrad.numpy: one record each (value vs NumPy, avals,
vmap, derivatives to order 2 in both modes), then the edge points of SPEC 7 with exact
derivatives, weak typing and promotion against NumPy, the Tracer operators, errors, and
gradients against JAX."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import C128, F32, F64, OpRecord, record_tests
from tracegrad.core import ShapeError, Tracer

I64, I32, U8, BOOL = (np.dtype(t) for t in (np.int64, np.int32, np.uint8, np.bool_))
FLOATS, WITH_COMPLEX = (F64, F32), (F64, F32, C128)

UNARY = [((3,),), ((2, 3),), ((),)]
BINARY = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 2)), ((4, 1), (1, 5))]
TERNARY = [((3,), (), ()), ((2, 3), (3,), (2, 1))]

# ---- argument generators -------------------------------------------------------------
# Each spec draws float64 values of a shape; piecewise functions get values kept at least
# 0.1 away from their jumps and kinks, so finite differences (eps 1e-2 in float32) are
# valid.
Spec = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]


def U(lo: float, hi: float) -> Spec:
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def S(lo: float, hi: float) -> Spec:
    """Magnitudes in [lo, hi] with random signs: away from 0."""
    return lambda rng, shape: rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def G(offset: float, noise: float = 0.3, k: int = 2) -> Spec:
    """Near the grid ``offset + integers``: ``G(0.5)`` is away from the integers."""
    return lambda rng, shape: (
        offset + rng.integers(-k, k + 1, shape) + rng.uniform(-noise, noise, shape)
    )


def CHOICE(*values: float) -> Spec:
    return lambda rng, shape: rng.choice(np.array(values, dtype=np.float64), shape)


def division_args(
    rng: np.random.Generator, shapes: tuple[tuple[int, ...], ...], dtype: np.dtype[Any]
) -> list[np.ndarray]:
    """Dividends and divisors whose quotients stay 0.2 away from the integers, where floor
    and trunc jump: divisors of one magnitude m (1, 2 or 4) with random signs, dividends
    m times ``G(0.5)``."""
    m = rng.choice([1.0, 2.0, 4.0])
    x = m * G(0.5)(rng, shapes[0])
    y = m * rng.choice([-1.0, 1.0], shapes[1]) * rng.uniform(0.995, 1.005, shapes[1])
    return [x.astype(dtype), y.astype(dtype)]


def SCALED(spec: Spec, factor: float) -> Spec:
    return lambda rng, shape: factor * spec(rng, shape)


def args_from(*specs: Spec) -> Callable[..., list[np.ndarray]]:
    def make(
        rng: np.random.Generator, shapes: tuple[tuple[int, ...], ...], dtype: np.dtype[Any]
    ) -> list[np.ndarray]:
        out = []
        for spec, shape in zip(specs, shapes, strict=True):
            v = spec(rng, shape)
            if np.dtype(dtype).kind == "c":
                v = v + 1j * spec(rng, shape)
            out.append(np.asarray(v).astype(dtype))
        return out

    return make


def rec(name: str, fn: Any, np_fn: Any, shapes: Any, *specs: Spec, **kw: Any) -> OpRecord:
    kw.setdefault("dtypes", FLOATS)
    return OpRecord(name, fn, np_fn, shapes, make_args=args_from(*specs), **kw)


def unary(name: str, spec: Spec = U(-2, 2), **kw: Any) -> OpRecord:
    return rec(name, getattr(tnp, name), getattr(np, name), UNARY, spec, **kw)


def binary(name: str, spec1: Spec = U(-2, 2), spec2: Spec = U(-2, 2), **kw: Any) -> OpRecord:
    return rec(name, getattr(tnp, name), getattr(np, name), BINARY, spec1, spec2, **kw)


NO_GRAD: dict[str, Any] = {"diff_argnums": ()}
R2 = U(-2, 2)

RECORDS = [
    # arithmetic
    binary("add", dtypes=WITH_COMPLEX),
    binary("subtract", dtypes=WITH_COMPLEX),
    binary("multiply", dtypes=WITH_COMPLEX),
    binary("divide", R2, S(0.5, 2), dtypes=WITH_COMPLEX),
    binary("true_divide", R2, S(0.5, 2), dtypes=WITH_COMPLEX),
    OpRecord(
        "floor_divide",
        getattr(tnp, "floor_divide"),
        getattr(np, "floor_divide"),
        BINARY,
        make_args=division_args,
    ),
    binary("power", U(0.5, 2), R2, dtypes=WITH_COMPLEX),
    binary("float_power", U(0.5, 2), R2, dtypes=WITH_COMPLEX),
    rec(
        "power_int",
        lambda x: tnp.power(x, 3),
        lambda x: np.power(x, 3),
        UNARY,
        R2,
        dtypes=WITH_COMPLEX,
    ),
    rec("power_neg_int", lambda x: x**-2, lambda x: x**-2, UNARY, S(0.5, 2)),
    rec("power_half", lambda x: x**0.5, lambda x: x**0.5, UNARY, U(0.5, 2)),
    rec("rpow", lambda x: 2.0**x, lambda x: 2.0**x, UNARY, R2),
    unary("negative", dtypes=WITH_COMPLEX),
    unary("positive", dtypes=WITH_COMPLEX),
    unary("absolute", S(0.2, 2), dtypes=WITH_COMPLEX),
    unary("fabs", S(0.2, 2)),
    unary("sign", S(0.2, 2), dtypes=WITH_COMPLEX),
    unary("square", dtypes=WITH_COMPLEX),
    unary("reciprocal", S(0.5, 2), dtypes=WITH_COMPLEX),
    binary("maximum", G(0.0, 0.15), G(0.5, 0.15)),
    binary("minimum", G(0.0, 0.15), G(0.5, 0.15)),
    binary("fmax", G(0.0, 0.15), G(0.5, 0.15)),
    binary("fmin", G(0.0, 0.15), G(0.5, 0.15)),
    rec("clip", lambda x: tnp.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), UNARY, G(0.0)),
    rec(
        "clip_traced_bounds",
        tnp.clip,
        np.clip,
        TERNARY,
        G(0.0),
        SCALED(G(0.5, 0.1, 0), -1),
        G(0.5, 0.1, 0),
    ),
    rec(
        "where",
        lambda x, y: tnp.where(x > 0, x, y),
        lambda x, y: np.where(x > 0, x, y),
        BINARY,
        S(0.2, 2),
        R2,
    ),
    OpRecord(
        "remainder",
        getattr(tnp, "remainder"),
        getattr(np, "remainder"),
        BINARY,
        make_args=division_args,
    ),
    OpRecord("mod", getattr(tnp, "mod"), getattr(np, "mod"), BINARY, make_args=division_args),
    OpRecord("fmod", getattr(tnp, "fmod"), getattr(np, "fmod"), BINARY, make_args=division_args),
    OpRecord(
        "divmod", getattr(tnp, "divmod"), getattr(np, "divmod"), BINARY, make_args=division_args
    ),
    binary("copysign", S(0.2, 2), S(0.2, 2)),
    binary("heaviside", S(0.2, 2), R2),
    # complex parts
    unary("real", dtypes=WITH_COMPLEX),
    unary("imag", dtypes=WITH_COMPLEX),
    unary("conj", dtypes=WITH_COMPLEX),
    unary("conjugate", dtypes=WITH_COMPLEX),
    unary("angle", S(0.2, 2), dtypes=WITH_COMPLEX),
    # transcendental
    unary("sqrt", U(0.5, 3), dtypes=WITH_COMPLEX),
    unary("cbrt", S(0.3, 2)),
    unary("exp", dtypes=WITH_COMPLEX),
    unary("exp2", dtypes=WITH_COMPLEX),
    unary("expm1", dtypes=WITH_COMPLEX),
    unary("log", U(0.5, 3), dtypes=WITH_COMPLEX),
    unary("log2", U(0.5, 3), dtypes=WITH_COMPLEX),
    unary("log10", U(0.5, 3), dtypes=WITH_COMPLEX),
    unary("log1p", U(-0.5, 2), dtypes=WITH_COMPLEX),
    unary("sin", dtypes=WITH_COMPLEX),
    unary("cos", dtypes=WITH_COMPLEX),
    unary("tan", U(-1, 1), dtypes=WITH_COMPLEX),
    unary("arcsin", U(-0.8, 0.8), dtypes=WITH_COMPLEX),
    unary("arccos", U(-0.8, 0.8), dtypes=WITH_COMPLEX),
    unary("arctan", U(-0.8, 0.8), dtypes=WITH_COMPLEX),
    binary("arctan2", R2, U(0.5, 2)),
    unary("sinh", dtypes=WITH_COMPLEX),
    unary("cosh", dtypes=WITH_COMPLEX),
    unary("tanh", U(-1, 1), dtypes=WITH_COMPLEX),
    unary("arcsinh", U(-0.8, 0.8), dtypes=WITH_COMPLEX),
    unary("arccosh", U(1.2, 3), dtypes=WITH_COMPLEX),
    unary("arctanh", U(-0.8, 0.8), dtypes=WITH_COMPLEX),
    binary("hypot", S(0.3, 2), S(0.3, 2)),
    binary("logaddexp"),
    binary("logaddexp2"),
    unary("sinc", dtypes=WITH_COMPLEX),
    unary("deg2rad"),
    unary("rad2deg"),
    unary("degrees"),
    unary("radians"),
    # rounding: derivative 0 (values kept away from the jumps)
    unary("floor", G(0.5)),
    unary("ceil", G(0.5)),
    unary("trunc", G(0.5)),
    unary("fix", G(0.5)),
    unary("rint", G(0.0)),
    unary("round", G(0.0), dtypes=WITH_COMPLEX),
    unary("around", G(0.0)),
    rec(
        "round_decimals",
        lambda x: tnp.round(x, 1),
        lambda x: np.round(x, 1),
        UNARY,
        SCALED(G(0.0), 0.1),
    ),
    # no derivative: predicates, comparisons, logic, bits
    unary("isfinite", CHOICE(np.nan, np.inf, -np.inf, 1.0, -0.0), **NO_GRAD),
    unary("isnan", CHOICE(np.nan, np.inf, -np.inf, 1.0, -0.0), **NO_GRAD),
    unary("isinf", CHOICE(np.nan, np.inf, -np.inf, 1.0, -0.0), **NO_GRAD),
    unary("signbit", CHOICE(np.nan, -np.inf, 1.0, -0.0, 0.0, -2.0), **NO_GRAD),
    *[
        binary(name, CHOICE(-1, 0, 1), CHOICE(-1, 0, 1), dtypes=(F64, I64, U8), **NO_GRAD)
        for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
    ],
    *[
        binary(name, CHOICE(-1, 0, 2), CHOICE(0, 1.5), dtypes=(F64, I32, BOOL), **NO_GRAD)
        for name in ("logical_and", "logical_or", "logical_xor")
    ],
    unary("logical_not", CHOICE(-1, 0, 2), dtypes=(F64, I32, BOOL), **NO_GRAD),
    *[
        binary(name, CHOICE(0, 3, 6, 12), CHOICE(1, 5, 10), dtypes=(I64, U8, BOOL), **NO_GRAD)
        for name in ("bitwise_and", "bitwise_or", "bitwise_xor")
    ],
    unary("invert", CHOICE(0, 1, 6), dtypes=(I64, U8, BOOL), **NO_GRAD),
]

ALIASES = {
    "pow": "power",
    "abs": "absolute",
    "conj": "conjugate",
    "true_divide": "divide",
    "around": "round",
    "mod": "remainder",
    "acos": "arccos",
    "asin": "arcsin",
    "atan": "arctan",
    "atan2": "arctan2",
    "acosh": "arccosh",
    "asinh": "arcsinh",
    "atanh": "arctanh",
    "bitwise_not": "invert",
    "bitwise_invert": "invert",
}

test_value, test_derivatives = record_tests(RECORDS)


def test_every_function_has_a_record() -> None:
    names = {r.name for r in RECORDS}
    module = "tracegrad.numpy._ufuncs"
    ufuncs = [n for n in tnp.__all__ if getattr(getattr(tnp, n), "__module__", "") == module]
    assert len(ufuncs) > 30, ufuncs
    missing = [n for n in ufuncs if n not in names and n not in ALIASES]
    assert not missing, missing
    for alias, name in ALIASES.items():
        assert getattr(tnp, alias) is getattr(tnp, name) or alias in names, alias
        assert hasattr(np, alias), alias


@pytest.mark.parametrize(
    "name",
    [
        "power",
        "maximum",
        "fmin",
        "hypot",
        "logaddexp",
        "arctan2",
        "remainder",
        "copysign",
        "where",
        "sinc",
        "angle",
        "clip",
    ],
)
def test_vmap_at_any_axis_and_of_grad(name: str) -> None:
    fns: dict[str, Callable[..., Any]] = {
        "where": lambda x, y: tnp.where(x > 0.5, x, y),
        "sinc": lambda x, y: tnp.sinc(x) * y,
        "angle": lambda x, y: tnp.angle(x + 1j * y),
        "clip": lambda x, y: tnp.clip(x, 0.4, y),
        "power": lambda x, y: tnp.power(x, y) + x**3,
    }
    f = fns.get(name, getattr(tnp, name))
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.1, 1.0, (2, 4)), rng.uniform(0.5, 1.5, (4, 3))
    got = tg.vmap(f, in_axes=(1, 0), out_axes=1)(x, y[..., :1])
    want = np.stack([f(x[:, i], y[i, :1]) for i in range(4)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got = tg.vmap(f, in_axes=(None, 1))(x[:, :1], y)
    want = np.stack([f(x[:, :1], y[:, i]) for i in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    g = grad(lambda a, b: tnp.sum(f(a, b)), argnums=(0, 1))
    got_g = tg.vmap(g)(x, y[:2, :1])
    for i in range(2):
        for a, b in zip(got_g, g(x[i], y[i, :1]), strict=True):
            np.testing.assert_allclose(a[i], b, rtol=1e-12)


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


# ---- weak typing and promotion against NumPy -------------------------------------------
def traced_dtype(f: Callable[..., Any], *args: Any) -> np.dtype[Any]:
    """The dtype of ``f`` under tracing, checked against the value it computes."""
    closed = tg.make_jaxpr(f)(*args)
    (aval,) = closed.out_avals
    (value,) = tg.eval_jaxpr(closed, *args)
    assert np.asarray(value).dtype == aval.dtype
    return aval.dtype


def test_weak_python_scalars() -> None:
    x32 = np.ones(3, np.float32)
    assert traced_dtype(lambda x: x * 2.0, x32) == np.float32
    assert traced_dtype(lambda x: 2 * x + 1.5, x32) == np.float32
    assert traced_dtype(lambda x: x**2.0, x32) == np.float32
    assert traced_dtype(tnp.sin, np.arange(3)) == np.float64
    assert traced_dtype(tnp.sin, np.arange(3, dtype=np.int8)) == np.float16
    assert traced_dtype(lambda x: x / 2, np.arange(3, dtype=np.int8)) == np.float64
    assert grad(lambda x: tnp.sum(x * 2.0))(x32).dtype == np.float32


DTYPES = [
    np.bool_,
    np.int8,
    np.uint8,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]
SCALARS = [True, 3, 2.5, 1j]
PROMOTING = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "floor_divide",
    "power",
    "maximum",
    "fmax",
    "remainder",
    "arctan2",
    "hypot",
    "logaddexp",
    "copysign",
    "equal",
    "less",
    "logical_and",
    "bitwise_or",
    "float_power",
    "heaviside",
]


def same_as_numpy(fn_name: str, *args: Any) -> None:
    """tracegrad under a transformation gives NumPy's dtype, or fails where NumPy does."""
    np_fn, tg_fn = getattr(np, fn_name), getattr(tnp, fn_name)
    arrays = [a for a in args if isinstance(a, np.ndarray)]

    def f(*a: Any) -> Any:  # arrays traced, Python scalars as given
        it = iter(a)
        return tg_fn(*[next(it) if isinstance(v, np.ndarray) else v for v in args])

    errors = (TypeError, ValueError, OverflowError)
    try:
        with np.errstate(all="ignore"):
            want = np.asarray(np_fn(*args)).dtype
    except errors:
        with pytest.raises(errors):
            tg.make_jaxpr(f)(*arrays)
        return
    with np.errstate(all="ignore"):
        got = traced_dtype(f, *arrays)
    assert got == want, (fn_name, [getattr(a, "dtype", a) for a in args], got, want)


@pytest.mark.parametrize("name", PROMOTING)
def test_promotion_with_python_scalars(name: str) -> None:
    for dtype in DTYPES:
        x = np.ones(2, dtype)
        for s in SCALARS:
            same_as_numpy(name, x, s)
            same_as_numpy(name, s, x)


@pytest.mark.parametrize("name", PROMOTING)
def test_promotion_between_arrays(name: str) -> None:
    for d1_ in DTYPES:
        for d2_ in DTYPES[::3]:
            same_as_numpy(name, np.ones(2, d1_), np.ones(2, d2_))


@pytest.mark.parametrize(
    "name",
    [
        "sin",
        "sqrt",
        "exp2",
        "log10",
        "sinc",
        "angle",
        "abs",
        "fabs",
        "square",
        "reciprocal",
        "sign",
        "floor",
        "rint",
        "round",
        "conj",
        "real",
        "imag",
        "isnan",
        "signbit",
        "negative",
        "positive",
        "invert",
        "logical_not",
        "deg2rad",
        "cbrt",
    ],
)
def test_unary_result_dtypes(name: str) -> None:
    for dtype in DTYPES:
        same_as_numpy(name, np.ones(2, dtype))


def test_numpy_scalars_mix_like_numpy() -> None:
    for x, s in (
        (np.float32(1), 2),
        (np.float32(1), 2.0),
        (np.int8(1), 2),
        (np.float16(1), 2.5),
        (np.complex64(1), 2.0),
        (np.uint8(3), 1),
    ):
        want = (x + s).dtype
        assert traced_dtype(lambda a: a + s, x) == want
        assert traced_dtype(lambda a: s * a, x) == want


# ---- operators and methods on tracers -----------------------------------------------
def on_tracer(f: Callable[..., Any], *args: Any) -> Any:
    """Run ``f`` with its arguments as staged tracers, and evaluate the result."""
    closed = tg.make_jaxpr(lambda *a: f(*a))(*args)
    out = tg.eval_jaxpr(closed, *args)
    return out[0] if len(out) == 1 else tuple(out)


OPERATORS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b),
    ("radd", lambda a, b: 2.5 + a),
    ("sub", lambda a, b: a - b),
    ("rsub", lambda a, b: 1 - a),
    ("mul", lambda a, b: a * b),
    ("rmul", lambda a, b: 3 * a),
    ("truediv", lambda a, b: a / b),
    ("rtruediv", lambda a, b: 1.0 / a),
    ("floordiv", lambda a, b: a // b),
    ("rfloordiv", lambda a, b: 7.0 // a),
    ("mod", lambda a, b: a % b),
    ("rmod", lambda a, b: 7.0 % a),
    ("pow", lambda a, b: a**b),
    ("rpow", lambda a, b: 2.0**a),
    ("pow2", lambda a, b: a**2),
    ("neg", lambda a, b: -a),
    ("pos", lambda a, b: +a),
    ("abs", lambda a, b: abs(a)),
    ("eq", lambda a, b: a == b),
    ("ne", lambda a, b: a != b),
    ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b),
    ("gt", lambda a, b: a > b),
    ("ge", lambda a, b: a >= b),
    ("ndarray_add", lambda a, b: np.full(3, 2.0) + a),
    ("ndarray_lt", lambda a, b: b < a),
    ("real", lambda a, b: a.real),
    ("imag", lambda a, b: a.imag),
    ("conj", lambda a, b: a.conj()),
    ("conjugate", lambda a, b: a.conjugate()),
    ("clip", lambda a, b: a.clip(0.5, 1.5)),
    ("clip_kw", lambda a, b: a.clip(max=1.0)),
    ("round", lambda a, b: a.round(1)),
]


@pytest.mark.parametrize(("name", "op"), OPERATORS, ids=[n for n, _ in OPERATORS])
def test_float_operators(name: str, op: Callable[[Any, Any], Any]) -> None:
    a, b = np.array([0.5, 1.25, 2.0]), np.array([1.5, 1.25, -0.75])
    got, want = on_tracer(op, a, b), op(a, b)
    np.testing.assert_allclose(got, want)
    assert np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # False // False, as NumPy
@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a & b,
        lambda a, b: a | b,
        lambda a, b: a ^ b,
        lambda a, b: 6 & a,
        lambda a, b: 6 | a,
        lambda a, b: 6 ^ a,
        lambda a, b: ~a,
        lambda a, b: divmod(a, b),
        lambda a, b: divmod(17, a),
        lambda a, b: a // b % 3,
    ],
)
def test_integer_and_boolean_operators(op: Callable[[Any, Any], Any]) -> None:
    for a, b in (
        (np.array([3, 12, 7]), np.array([5, 10, 2])),
        (np.array([True, False, True]), np.array([True, True, False])),
    ):
        if a.dtype == np.bool_ and op(a[:1], b[:1]) is NotImplemented:
            continue
        try:
            want = op(a, b)
        except TypeError:
            with pytest.raises(TypeError):
                on_tracer(op, a, b)
            continue
        got = on_tracer(op, a, b)
        for g, w in zip(
            np.broadcast_arrays(*got) if isinstance(got, tuple) else [got],
            want if isinstance(want, tuple) else [want],
            strict=True,
        ):
            np.testing.assert_array_equal(g, w)
            assert g.dtype == w.dtype


def test_complex_properties_and_grads() -> None:
    z = np.array([1 + 2j, -0.5 + 0.25j])
    np.testing.assert_array_equal(on_tracer(lambda a: a.real, z), z.real)
    np.testing.assert_array_equal(on_tracer(lambda a: a.imag, z), z.imag)
    np.testing.assert_array_equal(on_tracer(lambda a: a.conj(), z), z.conj())
    # JAX's convention: grad of a real function of z is d/dx - i d/dy.
    g = grad(lambda a: tnp.sum(a.real * 2.0 + a.imag * 3.0))(z)
    np.testing.assert_array_equal(g, np.full(2, 2 - 3j))
    np.testing.assert_allclose(grad(lambda a: tnp.sum(tnp.abs(a)))(z), np.conj(z) / np.abs(z))


def test_tracer_equality_is_traced_and_unhashable() -> None:
    def f(x: Any) -> Any:
        eq = x == 1.0
        assert isinstance(eq, Tracer)
        assert (x == None) is False  # noqa: E711 - Python's fallback, as for unknown types
        assert (x != "a") is True
        with pytest.raises(TypeError, match="unhashable"):
            hash(x)
        return eq

    closed = tg.make_jaxpr(f)(np.array([1.0, 2.0]))
    assert closed.out_avals[0].dtype == np.bool_
    np.testing.assert_array_equal(tg.eval_jaxpr(closed, np.array([1.0, 2.0]))[0], [True, False])


def test_operators_differentiate() -> None:
    f = lambda x: tnp.sum((x * 3 - 1) / (x + 2) + x**2 - 2**x + abs(-x) + (-x) % 5)
    x = np.array([0.5, 1.5])
    want = (3 * (x + 2) - (3 * x - 1)) / (x + 2) ** 2 + 2 * x - np.log(2) * 2**x + 1 - 1
    np.testing.assert_allclose(grad(f)(x), want)


# ---- errors -------------------------------------------------------------------------
def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ShapeError) as info:
        tg.make_jaxpr(lambda a, b: a + b)(np.ones(3), np.ones(4))
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert "(3,)" in str(info.value) and "(4,)" in str(info.value)
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(2,\)"):
        grad(lambda a: tnp.sum(tnp.hypot(a, np.ones(2))))(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: tnp.sin(x, out=np.empty(2)), "sin: out="),
        (lambda x: tnp.add(x, 1, where=np.array([True, False])), "add: where="),
        (lambda x: tnp.multiply(x, x, dtype=np.float32), "multiply: dtype="),
        (lambda x: pow(x, 2, 3), "modulo"),
        (lambda x: tnp.clip(x, 0, 1, out=np.empty(2)), "clip: out="),
    ],
)
def test_unsupported_arguments_raise_not_implemented(call: Any, match: str) -> None:
    with pytest.raises(NotImplementedError, match=match):
        tg.make_jaxpr(call)(np.ones(2))
    with pytest.raises(NotImplementedError, match=match):
        grad(lambda x: tnp.sum(call(x)))(np.ones(2))


def test_eager_calls_keep_numpy_arguments() -> None:
    out = np.empty(2)
    assert tnp.sin(np.zeros(2), out=out) is out
    np.testing.assert_array_equal(
        tnp.add(np.ones(2), 1, where=np.array([True, False]), out=np.zeros(2)), [2.0, 0.0]
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: tnp.add(x, x, bogus=1), TypeError, "unexpected keyword"),
        (lambda x: tnp.bitwise_and(x, 1), TypeError, "bitwise_and"),
        (lambda x: ~x, TypeError, "invert"),
        (lambda x: tnp.floor(x * 1j), TypeError, "floor"),
        (lambda x: tnp.arctan2(x * 1j, x), TypeError, "arctan2"),
        (lambda x: tnp.deg2rad(x * 1j), TypeError, "deg2rad"),
        (lambda x: tnp.subtract(x > 0, x > 1), TypeError, "subtract"),
        (lambda x: -(x > 0), TypeError, "negative"),
        (lambda x: (x > 0).astype(np.int64) ** -1, ValueError, "negative integer powers"),
        (lambda x: tnp.where(x > 0, x), ValueError, "both or neither"),
    ],
)
def test_errors_are_typed_like_numpy(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        tg.make_jaxpr(call)(np.ones(2))


def test_integer_power_negative_exponent_error() -> None:
    with pytest.raises(ValueError, match="negative integer powers"):
        tg.make_jaxpr(lambda k: k**-1)(np.arange(1, 3))
    with pytest.raises(ValueError):
        np.arange(1, 3) ** -1


# ---- against JAX ---------------------------------------------------------------------
JAX_UNARY = [
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arctanh",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "cbrt",
    "square",
    "reciprocal",
    "abs",
    "sinc",
    "deg2rad",
    "rad2deg",
]
JAX_BINARY = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "maximum",
    "minimum",
    "arctan2",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "remainder",
    "fmod",
    "copysign",
]


@pytest.fixture(scope="module")
def jnp() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


def test_gradients_match_jax(jnp: Any) -> None:
    import jax

    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.9, 5)
    y = rng.uniform(0.3, 1.7, 5) * rng.choice([-1, 1], 5)
    base = {"power": np.abs(x) + 0.1}

    def grads(ns: Any, x: Any, y: Any) -> dict[str, Any]:
        g = grad if ns is tnp else jax.grad
        out = {}
        for n in JAX_UNARY:
            out[n] = g(lambda a, f=getattr(ns, n): ns.sum(f(a) ** 2))(x)
        for n in JAX_BINARY:
            out[n] = g(lambda a, b, f=getattr(ns, n): ns.sum(f(a, b) ** 2), argnums=(0, 1))(
                base.get(n, x), y
            )
        return out

    want = jax.jit(lambda x, y: grads(jnp, x, y))(x, y)  # one compilation: fast
    got = grads(tnp, x, y)
    for name in JAX_UNARY + JAX_BINARY:
        ours, theirs = got[name], want[name]
        if name in JAX_UNARY:
            ours, theirs = (ours,), (theirs,)
        for g_, w in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(g_, np.asarray(w), rtol=1e-10, atol=1e-12, err_msg=name)


def test_complex_gradients_match_jax(jnp: Any) -> None:
    import jax

    z = np.array([0.3 + 0.4j, -0.7 + 0.2j, 0.5 - 0.9j])
    of_square = ("real", "imag", "abs", "angle")
    names = ("exp", "sin", "log", "sqrt", "tanh", "square", "reciprocal", "conj", *of_square)

    def grads(ns: Any, z: Any) -> dict[str, Any]:
        g = grad if ns is tnp else jax.grad
        return {
            n: g(
                lambda a, f=getattr(ns, n), sq=n in of_square: (
                    ns.sum(f(a * a)) if sq else ns.sum(ns.abs(f(a)) ** 2)
                )
            )(z)
            for n in names
        }

    want = jax.jit(lambda z: grads(jnp, z))(z)
    got = grads(tnp, z)
    for name in names:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-10, err_msg=name)
    # JAX's sign has derivative 0 on complex numbers; ours is the derivative of z / |z|.
    got = tg.jvp(tnp.sign, (z,), (np.ones(3) * 1j,))[1]
    h = 1e-7
    np.testing.assert_allclose(
        got, (np.sign(z + 1j * h) - np.sign(z - 1j * h)) / (2 * h), rtol=1e-6
    )


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf is the answer
def test_edge_points_agree_with_jax_where_jax_is_defined(jnp: Any) -> None:
    import jax

    zero = np.float64(0.0)
    cases = [
        (lambda x: x**2, lambda x: x**2),
        (lambda x: tnp.clip(x, 0.0, 1.0), lambda x: jnp.clip(x, 0.0, 1.0)),
        (lambda x: tnp.maximum(x, 0.0), lambda x: jnp.maximum(x, 0.0)),
        (tnp.sign, jnp.sign),
        (tnp.sqrt, jnp.sqrt),
        (tnp.sinc, jnp.sinc),
    ]
    for ours, theirs in cases:
        with np.errstate(divide="ignore"):
            assert float(grad(ours)(zero)) == float(jax.grad(theirs)(zero))
        assert float(grad(grad(ours))(zero)) == pytest.approx(
            float(jax.grad(jax.grad(theirs))(zero))
        )
