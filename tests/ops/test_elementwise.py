"""Every elementwise function of tracegrad.numpy: one record each (value vs NumPy, avals,
vmap, derivatives to order 2 in both modes). The edge points of SPEC 7, promotion, the
tracer operators and errors, and gradients against JAX are in test_elementwise_*.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import C128, F32, F64, OpRecord, record_tests

I64, I32, U8, BOOL = (np.dtype(t) for t in (np.int64, np.int32, np.uint8, np.bool_))
FLOATS, WITH_COMPLEX = (F64, F32), (F64, F32, C128)
grad = tg.grad

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
    from tracegrad.numpy import _ufuncs

    names = {r.name for r in RECORDS}
    missing = [n for n in _ufuncs.__all__ if n not in names and n not in ALIASES]
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
