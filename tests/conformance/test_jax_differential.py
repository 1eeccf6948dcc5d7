"""A differential fuzz test of tracegrad.numpy against jax.numpy (with ``jax_enable_x64``)
over the functions of SPEC section 6: hypothesis draws shapes (broadcasting, 0-d), axes and
``keepdims``/``ddof`` variants, dtypes (float32, float64, complex, integer operands), Python
scalars mixed with arrays, and values in each function's smooth domain; each drawn call is
spelled with NumPy's names and keywords. For every call: the eager value, the traced value
(the primal of ``jvp``), their dtypes and shapes; forward mode (``jvp``); the gradient of a
smooth scalarization ``sum(w1 * out + w2 * out**2 / 2)``; and, for smooth functions, its
second (``jvp`` of ``grad``) and third (``jvp`` of ``jvp`` of ``grad``) derivatives, to
rtol 1e-6 in float64 and 1e-4 in float32.

Unlike the fixed catalogue of test_jax_values/test_jax_grads (one shape per case), each
hypothesis example draws a fresh configuration for every function of a family, and JAX
computes the whole family's references in one compiled program (XLA compiles per shape:
one program per call would take minutes). A failure lists every call of the example that
disagrees. Deliberate differences are skipped where they are drawn, each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.differential import (
    ANY,
    C64,
    C128,
    F32,
    F64,
    HALF,
    PAIRS,
    POS,
    SHAPES,
    UNIT,
    Call,
    check,
    seeded,
    uniform,
)
from conformance.peers import jnp


# ---- elementwise ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Ew:
    """An elementwise function: its NumPy name, domain per argument, highest order,
    whether complex input is drawn, and the keywords of the call."""

    name: str
    doms: tuple[tuple[float, float], ...] = (ANY,)
    order: int = 3
    complex_ok: bool = False
    kw: tuple[tuple[str, Any], ...] = ()


UNARY = [
    Ew("negative", complex_ok=True),
    Ew("positive"),
    Ew("abs", order=2, complex_ok=True),
    Ew("absolute"),
    Ew("sign", order=1),
    Ew("sqrt", (POS,), complex_ok=True),
    Ew("cbrt", ((0.3, 2.0),)),
    Ew("square", complex_ok=True),
    Ew("reciprocal", (POS,)),
    Ew("exp", complex_ok=True),
    Ew("exp2"),
    Ew("expm1"),
    Ew("log", (POS,), complex_ok=True),
    Ew("log2", (POS,)),
    Ew("log10", (POS,)),
    Ew("log1p", ((-0.5, 2.0),)),
    Ew("sin", complex_ok=True),
    Ew("cos", complex_ok=True),
    Ew("tan", ((-1.2, 1.2),)),
    Ew("arcsin", (UNIT,)),
    Ew("arccos", (UNIT,)),
    Ew("arctan"),
    Ew("sinh"),
    Ew("cosh"),
    Ew("tanh", complex_ok=True),
    Ew("arcsinh"),
    Ew("arccosh", ((1.2, 3.0),)),
    # sinc near 0: every peer's float32 third derivative cancels catastrophically there.
    Ew("arctanh", (UNIT,)),
    Ew("sinc", ((0.3, 2.0),)),
    Ew("deg2rad"),
    Ew("rad2deg"),
    Ew("real", complex_ok=True),
    Ew("imag", complex_ok=True),
    Ew("conj", complex_ok=True),
    Ew("conjugate", complex_ok=True),
    Ew("angle", complex_ok=True),
    Ew("floor", order=1),
    Ew("ceil", order=1),
    Ew("round", order=1),
    Ew("rint", order=1),
    Ew("trunc", order=1),
    Ew("round", order=1, kw=(("decimals", 1),)),
]
BINARY = [
    Ew("add", (ANY, ANY)),
    Ew("subtract", (ANY, ANY)),
    Ew("multiply", (ANY, ANY)),
    Ew("divide", (ANY, POS)),
    Ew("true_divide", (ANY, POS)),
    Ew("floor_divide", ((-3.0, 3.0), POS), order=1),
    Ew("power", (POS, ANY)),
    Ew("arctan2", (ANY, ANY)),
    Ew("maximum", (ANY, ANY)),
    Ew("minimum", (ANY, ANY)),
    Ew("fmax", (ANY, ANY)),
    Ew("fmin", (ANY, ANY)),
    Ew("hypot", (ANY, ANY)),
    Ew("logaddexp", (ANY, ANY)),
    Ew("logaddexp2", (ANY, ANY)),
    Ew("mod", ((-3.0, 3.0), POS), order=1),
    Ew("remainder", ((-3.0, 3.0), POS), order=1),
]
INT_PRESERVING = {
    "add",
    "subtract",
    "multiply",
    "floor_divide",
    "power",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "mod",
    "remainder",
    "where",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
}
CMP = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]

# How an operand is given: a float array (differentiated) of the example's dtype, or of
# the other float dtype, a Python float or int, an int64, int32 or bool array, a NumPy
# float64 scalar.
OPERANDS = [
    "array",
    "array",
    "other float",
    "py float",
    "py int",
    "int64 array",
    "int32 array",
    "bool array",
    "np.float64",
]


def operand(
    rng: np.random.Generator,
    kind: str,
    shape: tuple[int, ...],
    dom: tuple[float, float],
    dtype: np.dtype[Any],
) -> tuple[Any, bool]:
    """The operand and whether it is differentiated."""
    if kind == "array":
        return uniform(rng, shape, dom, dtype), True
    if kind == "other float":
        return uniform(rng, shape, dom, F32 if dtype == F64 else F64), True
    if kind == "py float":
        return float(rng.uniform(*dom)), False
    if kind == "py int":
        lo = int(np.ceil(dom[0]))
        return lo + int(rng.integers(0, max(1, int(dom[1]) - lo + 1))), False
    if kind in ("int64 array", "int32 array"):
        lo, hi = int(np.ceil(dom[0])), int(np.floor(dom[1]))
        return rng.integers(lo, hi + 1, size=shape).astype(kind.split()[0]), False
    if kind == "bool array":
        return rng.random(shape) > 0.5, False
    return np.float64(rng.uniform(*dom)), False


def elementwise_call(
    e: Ew,
    kinds: Sequence[str],
    shapes: Sequence[tuple[int, ...]],
    dtype: np.dtype[Any],
    rng: np.random.Generator,
) -> Call:
    ops = [operand(rng, k, s, d, dtype) for k, s, d in zip(kinds, shapes, e.doms, strict=True)]
    diff = [i for i, (_, is_diff) in enumerate(ops) if is_diff]
    kw = dict(e.kw)

    def fn(xp: Any, *args: Any) -> Any:
        full = [o for o, _ in ops]
        for i, a in zip(diff, args, strict=True):
            full[i] = a
        return getattr(xp, e.name)(*full, **kw)

    order = e.order if dtype.kind != "c" else min(e.order, 2)
    label = f"{e.name}({', '.join(kinds)}{', **' + str(kw) if kw else ''})"
    return Call(label, fn, [ops[i][0] for i in diff], order, rng)


def elementwise_skip(e: Ew, kinds: Sequence[str], dtype: np.dtype[Any]) -> str | None:
    """Why a drawn elementwise call is not compared (None: it is)."""
    if not any(k.endswith(("array", "float")) and k != "py float" for k in kinds):
        return "no array operand"
    f32 = (dtype == F32 and "array" in kinds) or (dtype == F64 and "other float" in kinds)
    if f32 and ("int64 array" in kinds or "int32 array" in kinds):
        # Documented (test_jax_values.test_dtypes_follow_numpy, SPEC 3): NumPy 2 promotes
        # float32 with int64 or int32 to float64, JAX keeps float32.
        return "float32 with an integer array: NumPy promotes to float64, JAX keeps float32"
    floats = any(k in ("array", "other float") for k in kinds)
    small = "int32 array" in kinds or "bool array" in kinds
    if small and not floats and e.name not in INT_PRESERVING:
        # Documented (test_jax_values.test_dtypes_follow_numpy): NumPy computes inexact
        # functions of int32 (and of booleans) in float64, JAX in float32.
        return "inexact function of int32 or bool: NumPy computes in float64, JAX in float32"
    if e.name == "power" and not floats:
        # NumPy raises ValueError for integers to negative integer powers; JAX computes.
        return "integer power: NumPy refuses negative integer exponents"
    if len(kinds) == 2 and kinds[1] == "bool array" and e.doms[1] == POS:
        # A False divisor divides by zero: integer results differ (NumPy 0, XLA -1).
        return "boolean divisor: division by zero"
    if e.name == "power" and kinds[0] == "bool array":
        # A False base is 0: d/dy 0**y is 0 in tracegrad (0**y is constant in y), nan in
        # JAX for y < 0 (documented in decisions.md, "Non-smooth and edge points").
        return "power with a zero base: documented edge point"
    if kinds.count("bool array") == 2 and e.name in (
        "subtract",
        "mod",
        "remainder",
        "floor_divide",
        "power",
    ):
        # NumPy and JAX both refuse subtract of booleans; for the others NumPy's result is
        # int8, JAX's int32 (SPEC 6 follows NumPy's dtypes).
        return "arithmetic of two boolean arrays: int8 in NumPy, int32 in JAX"
    if f32 and "np.float64" in kinds:
        # A NumPy float64 scalar is strong in NumPy 2 (float32 op it is float64); JAX
        # treats it as weakly typed and keeps float32. SPEC 3 follows NumPy 2.
        return "float32 with a NumPy float64 scalar: strong in NumPy 2, weak in JAX"
    return None


@HALF
@given(data=st.data())
def test_unary(data: st.DataObject) -> None:
    rng = seeded(data)
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for e in UNARY:
        kind = data.draw(st.sampled_from(["array", "array", "array", "int64 array"]), e.name)
        dt = dtype
        if e.complex_ok and kind == "array" and data.draw(st.booleans(), f"{e.name} complex"):
            dt = C128 if dtype == F64 else C64
        if kind == "int64 array" and e.name == "reciprocal":
            # NumPy's reciprocal of an integer array is an integer (1 // x); JAX makes it
            # float. SPEC 6 follows NumPy's dtype rules.
            continue
        if e.name == "angle" and dt == F32:
            # NumPy's angle of a real float32 array is float32 (arctan2(0, x)); JAX's is
            # float64 under x64. SPEC 6 follows NumPy's dtype rules.
            continue
        calls.append(elementwise_call(e, [kind], [shape], dt, rng))
    check(calls)


@given(data=st.data())
def test_binary(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for e in BINARY:
        shapes = data.draw(st.sampled_from(PAIRS), e.name)
        kinds = [data.draw(st.sampled_from(OPERANDS), f"{e.name} operand {i}") for i in (0, 1)]
        if elementwise_skip(e, kinds, dtype):
            continue
        calls.append(elementwise_call(e, kinds, shapes, dtype, rng))
    for name in CMP:
        shapes = data.draw(st.sampled_from(PAIRS), name)
        e = Ew(name, (ANY, ANY), order=0)
        kinds = [data.draw(st.sampled_from(OPERANDS), f"{name} operand {i}") for i in (0, 1)]
        if elementwise_skip(e, kinds, dtype):
            continue
        calls.append(elementwise_call(e, kinds, shapes, dtype, rng))
    check(calls)


# ---- where, clip --------------------------------------------------------------------------
def by_peer(tg_fn: Callable[..., Any], jax_fn: Callable[..., Any]) -> Callable[..., Any]:
    """A call spelled as NumPy spells it for tracegrad, as JAX accepts it for JAX (JAX lacks
    some of NumPy's keywords, e.g. clip's ``a_min``/``a_max``)."""
    return lambda xp, *a: (jax_fn if xp is jnp else tg_fn)(xp, *a)


@given(data=st.data())
def test_where_clip(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for i in range(3):
        (sx, sy) = data.draw(st.sampled_from(PAIRS), f"where {i} shapes")
        kinds = [data.draw(st.sampled_from(OPERANDS), f"where {i} operand {j}") for j in (0, 1)]
        if elementwise_skip(Ew("where", (ANY, ANY)), kinds, dtype):
            continue
        mask = rng.random(np.broadcast_shapes(sx, sy)) > 0.5
        calls.append(elementwise_call(Ew("where", (ANY, ANY)), kinds, (sx, sy), dtype, rng))
        inner = calls[-1].fn
        calls[-1].fn = lambda xp, *a, f=inner, m=mask: f(_WhereXp(xp, m), *a)
        calls[-1].label = f"where(mask, {kinds[0]}, {kinds[1]})"
    x, y = uniform(rng, (2, 3), ANY, dtype), uniform(rng, (3,), ANY, dtype)
    calls.append(
        Call(
            "where(x > y, x * y, y - x)",
            lambda xp, a, b: xp.where(a > b, a * b, b - a),
            [x, y],
            3,
            rng,
        )
    )
    calls.append(Call("where(x > 0, x, 0.0)", lambda xp, a: xp.where(a > 0, a, 0.0), [x], 3, rng))
    lo, hi = uniform(rng, (3,), (-1.5, -0.5), dtype), uniform(rng, (3,), (0.5, 1.5), dtype)
    clips: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
        ("clip(a, lo, hi)", lambda xp, a, b, c: xp.clip(a, b, c), [x, lo, hi]),
        ("clip(a, -0.5, 0.5)", lambda xp, a: xp.clip(a, -0.5, 0.5), [x]),
        (
            "clip(a, a_min=lo, a_max=None)",
            by_peer(
                lambda xp, a, b: xp.clip(a, a_min=b, a_max=None),
                lambda xp, a, b: xp.clip(a, b, None),
            ),
            [x, lo],
        ),
        ("clip(a, max=0.5)", lambda xp, a: xp.clip(a, max=0.5), [x]),
        ("clip(a, None, hi)", lambda xp, a, h: xp.clip(a, None, h), [x, hi]),
        ("clip(a, min=lo, max=1)", lambda xp, a, b: xp.clip(a, min=b, max=1), [x, lo]),
    ]
    calls += [Call(label, f, args, 3, rng) for label, f, args in clips]
    # Values only: JAX's result is weakly typed (a product with float32 would stay float32),
    # NumPy's a strong float64 array.
    calls.append(
        Call(
            "clip(int64 array, 0.5, 1.5)",
            lambda xp: xp.clip(np.arange(-2, 4), 0.5, 1.5),
            [],
            0,
            rng,
        )
    )
    check(calls)


class _WhereXp:
    """``xp`` whose ``where(x, y)`` is ``xp.where(mask, x, y)`` for a fixed mask."""

    def __init__(self, xp: Any, mask: np.ndarray) -> None:
        self.xp, self.mask = xp, mask

    def where(self, x: Any, y: Any) -> Any:
        return self.xp.where(self.mask, x, y)
