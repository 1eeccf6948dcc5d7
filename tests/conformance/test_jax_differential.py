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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.peers import COMPILER_OPTIONS, assert_close, flatten, jax, jnp, to_numpy

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)
C128, C64 = np.dtype(np.complex128), np.dtype(np.complex64)
POS, UNIT, ANY = (0.5, 2.0), (-0.9, 0.9), (-2.0, 2.0)


# ---- one drawn call -------------------------------------------------------------------
@dataclass
class Call:
    """``fn(xp, *args)``: every entry of ``args`` is differentiated; constants (integer
    operands, Python scalars, indices) live in ``fn``'s closure. ``order``: highest
    derivative checked (0: values only)."""

    label: str
    fn: Callable[..., Any]
    args: list[np.ndarray]
    order: int = 3
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def probes(self) -> dict[str, Any]:
        """Loss weights per output leaf (None for integer leaves) and two tangents."""
        shapes = jax.eval_shape(lambda *a: self.fn(jnp, *a), *self.args)
        ws: list[Any] = []
        for leaf in flatten(shapes)[0]:
            dt = np.dtype(leaf.dtype)
            if dt.kind not in "fc":
                ws.append(None)
                continue
            real = np.finfo(dt).dtype
            ws.append(tuple(self.rng.normal(size=leaf.shape).astype(real) for _ in range(2)))
        tangents = [self._tangent(a) for a in self.args], [self._tangent(a) for a in self.args]
        return {"ws": ws, "V": tuple(tangents[0]), "U": tuple(tangents[1])}

    def _tangent(self, a: np.ndarray) -> np.ndarray:
        t = self.rng.normal(size=a.shape)
        if a.dtype.kind == "c":
            t = t + 1j * self.rng.normal(size=a.shape)
        return np.asarray(t, dtype=a.dtype)


def scalarize(xp: Any, fn: Callable[..., Any], ws: Sequence[Any]) -> Callable[..., Any]:
    """The smooth scalar loss: ``sum(w1 * p + w2 * p * p / 2)`` over the output leaves
    (over real and imaginary parts of complex leaves, weights swapped for the latter)."""

    def loss(*args: Any) -> Any:
        total: Any = 0.0
        for out, w in zip(flatten(fn(xp, *args))[0], ws, strict=True):
            if w is None:
                continue
            parts = [(xp.real(out), w), (xp.imag(out), w[::-1])] if _complex(out) else [(out, w)]
            for p, (w1, w2) in parts:
                total = total + xp.sum(w1 * p) + 0.5 * xp.sum(w2 * p * p)
        return total

    return loss


def _complex(x: Any) -> bool:
    return np.dtype(x.dtype).kind == "c"


def compute(xp: Any, grad: Any, jvp: Any, call: Call, probes: dict[str, Any]) -> dict[str, Any]:
    """Every quantity compared, for one peer (``xp``, ``grad``, ``jvp``)."""
    f = lambda *a: call.fn(xp, *a)
    args = tuple(call.args)
    if not args:
        return {"value": f()}
    primal, tangent = jvp(f, args, probes["V"])
    out: dict[str, Any] = {"traced value": primal}
    if call.order == 0:
        return out
    leaves, _ = flatten(tangent)
    out["jvp"] = [t for t, w in zip(leaves, probes["ws"], strict=True) if w is not None]
    argnums = tuple(range(len(args)))
    g = lambda *a: grad(scalarize(xp, call.fn, probes["ws"]), argnums)(*a)
    out["grad"] = g(*args)
    if call.order >= 2:
        hvp = lambda *a: jvp(g, a, probes["V"])[1]
        out["jvp of grad"] = hvp(*args)
        if call.order >= 3:
            out["jvp of jvp of grad"] = jvp(hvp, args, probes["U"])[1]
    return out


def check(calls: list[Call]) -> None:
    """tracegrad agrees with JAX on every call (JAX's side compiled as one program). Where a
    float32 result is not within 1e-4 of JAX's, JAX computes the call again in float64 and
    tracegrad's result passes if it is at least as close to that one as JAX's (cancellation
    in a third derivative, say, can cost float32 more than 1e-4, in JAX too)."""
    probes = [c.probes() for c in calls]
    outs = jax_compute(list(zip(calls, probes, strict=True)))
    failures = []
    for c, p, want in zip(calls, probes, outs, strict=True):
        try:
            with np.errstate(all="ignore"):
                eager = c.fn(tnp, *c.args)
                got = compute(tnp, tg.grad, tg.jvp, c, p)
            want_value = want.get("value", want.get("traced value"))
            rtol = _rtol(want_value)
            assert_close(eager, want_value, what="eager value", rtol=rtol)
            if not c.args:  # constants only: stage the call, so the traced path runs too
                closed = tg.make_jaxpr(lambda: c.fn(tnp))()
                with np.errstate(all="ignore"):
                    staged = tg.eval_jaxpr(closed)
                assert_close(list(staged), flatten(want_value)[0], what="staged value", rtol=rtol)
            ref64: dict[str, Any] | None = None
            for key in want:
                try:
                    assert_close(got[key], want[key], what=key, rtol=rtol)
                except AssertionError:
                    twin = _in_float64(c, p)
                    if twin is None:
                        raise
                    ref64 = ref64 or jax_compute([twin])[0]
                    if not _at_least_as_close(got[key], want[key], ref64[key]):
                        raise
        except Exception as e:  # collect every disagreement of the example
            args = [a.dtype.name + str(list(a.shape)) for a in c.args]
            failures.append(f"{c.label} {args}: {type(e).__name__}: {str(e)[:600]}")
    assert not failures, f"{len(failures)} of {len(calls)} calls disagree:\n" + "\n\n".join(
        failures
    )


def jax_compute(jobs: list[tuple[Call, dict[str, Any]]]) -> list[dict[str, Any]]:
    """JAX's results for every call, in one compiled program."""
    return to_numpy(  # type: ignore[no-any-return]
        jax.jit(
            lambda all_args: [
                compute(jnp, jax.grad, jax.jvp, Call(c.label, c.fn, list(a), c.order), p)
                for (c, p), a in zip(jobs, all_args, strict=True)
            ],
            compiler_options=COMPILER_OPTIONS,
        )([c.args for c, _ in jobs])
    )


def _in_float64(call: Call, probes: dict[str, Any]) -> tuple[Call, dict[str, Any]] | None:
    """``call`` and its probes with float32/complex64 arrays made float64/complex128."""
    if not any(a.dtype in (F32, C64) for a in call.args):
        return None
    up = lambda a: a if a is None else np.asarray(a).astype(np.result_type(a, np.float64))
    args = [up(a) for a in call.args]
    ws = [w if w is None else tuple(up(x) for x in w) for w in probes["ws"]]
    twin = {
        "ws": ws,
        "V": tuple(up(v) for v in probes["V"]),
        "U": tuple(up(u) for u in probes["U"]),
    }
    return Call(call.label, call.fn, args, call.order, call.rng), twin


def _at_least_as_close(got: Any, want: Any, ref: Any) -> bool:
    """tracegrad's leaves are no farther from ``ref`` (float64) than JAX's, dtypes equal."""
    g, _ = flatten(to_numpy(got))
    w, _ = flatten(to_numpy(want))
    r, _ = flatten(to_numpy(ref))
    for gi, wi, ri in zip(g, w, r, strict=True):
        if gi.dtype != wi.dtype or gi.shape != wi.shape:
            return False
        err_tg = np.abs(gi.astype(ri.dtype) - ri)
        err_jax = np.abs(wi.astype(ri.dtype) - ri)
        slack = 1e-4 * max(1.0, float(np.nanmax(np.abs(ri), initial=0.0)))
        if not np.all((err_tg <= 1.5 * err_jax + slack) | np.isnan(ri)):
            return False
    return True


def _rtol(value: Any) -> float:
    """1e-4 where float32/complex64 is involved, 1e-6 otherwise (leaves of the value)."""
    leaves, _ = flatten(to_numpy(value))
    return 1e-4 if any(leaf.dtype in (F32, C64) for leaf in leaves) else 1e-6


# ---- drawing ------------------------------------------------------------------------------
def uniform(
    rng: np.random.Generator, shape: tuple[int, ...], dom: tuple[float, float], dtype: np.dtype[Any]
) -> np.ndarray:
    v = rng.uniform(*dom, size=shape)
    if dtype.kind == "c":
        v = v + 1j * rng.uniform(*dom, size=shape)
    return np.asarray(v, dtype=dtype)


def seeded(data: st.DataObject) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


# The families whose JAX programs take longest to trace and compile run half the profile's
# examples (4 in CI), to keep the file under 40 s there.
HALF = settings(max_examples=max(2, settings.default.max_examples // 2))

SHAPES = [(), (3,), (2, 3), (2, 1, 3)]
PAIRS = [((2, 3), (3,)), ((3,), ()), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((2, 3), (2, 3))]


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


# ---- reductions ------------------------------------------------------------------------------
RSHAPES = [(4,), (2, 3), (2, 3, 4)]


def draw_axis(data: st.DataObject, ndim: int, label: str, tuples: bool = True) -> Any:
    choices: list[st.SearchStrategy[Any]] = [st.none(), st.integers(-ndim, ndim - 1)]
    if tuples and ndim > 1:
        choices.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                lambda ax: tuple(a - ndim if i % 2 else a for i, a in enumerate(sorted(ax)))
            )
        )
    return data.draw(st.one_of(choices), label)


REDUCTIONS = [
    "sum",
    "prod",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "ptp",
    "var",
    "std",
    "average",
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "all",
    "any",
]


@HALF
@given(data=st.data())
def test_reductions(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for name in REDUCTIONS:
        shape = data.draw(st.sampled_from(RSHAPES), f"{name} shape")
        single = name in ("argmax", "argmin", "cumsum", "cumprod")
        kw: dict[str, Any] = {"axis": draw_axis(data, len(shape), f"{name} axis", not single)}
        if name not in ("cumsum", "cumprod") and data.draw(st.booleans(), f"{name} keepdims"):
            kw["keepdims"] = True
        if name in ("var", "std"):
            kw["ddof"] = data.draw(st.sampled_from([0, 1]), f"{name} ddof")
        if name in ("sum", "prod", "mean", "cumsum") and data.draw(st.booleans(), "dtype="):
            kw["dtype"] = np.float64
        dom = (0.5, 1.5) if "prod" in name else ANY
        x = uniform(rng, shape, dom, dtype)
        order = 0 if name in ("argmax", "argmin", "all", "any") else 3
        if name in ("all", "any"):
            calls.append(
                Call(
                    f"{name}(x > 0, **{kw})",
                    lambda xp, a, n=name, k=kw: getattr(xp, n)(a > 0, **k),
                    [x],
                    0,
                    rng,
                )
            )
            continue
        if data.draw(st.booleans(), f"{name} int input") and name not in ("average",):
            ints = rng.integers(-3, 4, size=shape)
            calls.append(
                Call(
                    f"{name}(int64 array, **{kw})",
                    lambda xp, n=name, k=kw, i=ints: getattr(xp, n)(i, **k),
                    [],
                    0,
                    rng,
                )
            )
        calls.append(
            Call(
                f"{name}(x, **{kw})",
                lambda xp, a, n=name, k=kw: getattr(xp, n)(a, **k),
                [x],
                order,
                rng,
            )
        )
    x = uniform(rng, (2, 3, 4), ANY, dtype)
    w = uniform(rng, (3,), POS, dtype)
    calls += [
        Call(
            "average(a, axis=1, weights=w)",
            lambda xp, a, w: xp.average(a, axis=1, weights=w),
            [x, w],
            3,
            rng,
        ),
        Call(
            "average(a, axis=-1, weights=w, returned=True)",
            lambda xp, a, w: xp.average(a, axis=-1, weights=w, returned=True),
            [x, uniform(rng, (2, 3, 4), POS, dtype)],
            3,
            rng,
        ),
        Call(
            "var(a, axis=(0, 2), correction=1)",
            lambda xp, a: xp.var(a, axis=(0, 2), correction=1),
            [x],
            3,
            rng,
        ),
    ]
    check(calls)


# ---- shapes -------------------------------------------------------------------------------
def perm(data: st.DataObject, n: int, label: str) -> tuple[int, ...]:
    return tuple(data.draw(st.permutations(range(n)), label))


@HALF
@given(data=st.data())
def test_shapes(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    ax3 = lambda label: d(st.integers(-3, 2), label)
    R = (2, 3, 4)
    x = uniform(rng, R, ANY, dtype)
    y = uniform(rng, R, ANY, dtype)
    new = d(st.sampled_from([(6, 4), (-1,), (4, -1, 2), (24,), (2, 12)]), "reshape")
    axes = perm(data, 3, "transpose")
    a1, a2 = ax3("swap 1"), ax3("swap 2")
    src, dst = perm(data, 3, "move src")[:2], perm(data, 3, "move dst")[:2]
    ex = d(st.sampled_from([0, -1, 2, (0, 3), (-1, 1)]), "expand_dims")
    sq = d(st.sampled_from([None, 0, 2, (0, -1)]), "squeeze")
    cat = ax3("concatenate axis")
    stk = d(st.integers(-4, 3), "stack axis")
    sec = d(st.sampled_from([(2, 0), ([1, 3], 2), ([1], -2), (1, 1), (4, -1)]), "split")
    asec = d(st.sampled_from([(3, 2), (2, 1), ([1, 2], 0)]), "array_split")
    reps = d(st.sampled_from([2, (2, 1), (1, 2, 1, 2)]), "tile")
    rep = d(st.sampled_from([(2, None), (3, 1), ((1, 0, 2), 0), (2, -1)]), "repeat")
    flip_ax = d(st.sampled_from([None, 0, -1, (0, 2)]), "flip")
    roll = d(st.sampled_from([(2, None), (-1, 1), ((1, 2), (0, 2)), (5, -1)]), "roll")
    pad = d(
        st.sampled_from(
            [
                (1, {}),
                (((1, 0), (0, 2), (1, 1)), {"constant_values": 0.5}),
                ((1, 2), {"mode": "edge"}),
                (1, {"mode": "reflect"}),
                ((1, 3), {"mode": "wrap"}),
                (2, {"mode": "symmetric"}),
            ]
        ),
        "pad",
    )
    sort_ax = d(st.sampled_from([-1, 0, 1, None]), "sort axis")
    take_ax = d(st.sampled_from([None, 0, 1, -1]), "take axis")
    n_take = 24 if take_ax is None else R[take_ax]
    idx = rng.integers(-n_take, n_take, size=d(st.sampled_from([(3,), (2, 2), ()]), "take idx"))
    tal_ax = ax3("take_along_axis axis")
    tal_idx = rng.integers(
        0, R[tal_ax], size=tuple(2 if i == tal_ax % 3 else n for i, n in enumerate(R))
    )
    b_shape = d(st.sampled_from([(4,), (3, 1), ()]), "broadcast_to")
    v = uniform(rng, b_shape, ANY, dtype)
    at_shape = d(st.sampled_from([(), (3,), (2, 3)]), "atleast shape")
    z = uniform(rng, at_shape, ANY, dtype)
    specs: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
        (f"reshape(a, shape={new})", lambda xp, a: xp.reshape(a, shape=new), [x]),
        (f"a.reshape{new}", lambda xp, a: a.reshape(*new), [x]),
        ("ravel(a)", lambda xp, a: xp.ravel(a), [x]),
        (f"transpose(a, axes={axes})", lambda xp, a: xp.transpose(a, axes=axes), [x]),
        (f"swapaxes(a, {a1}, {a2})", lambda xp, a: xp.swapaxes(a, a1, a2), [x]),
        (f"moveaxis(a, {src}, {dst})", lambda xp, a: xp.moveaxis(a, src, dst), [x]),
        (f"expand_dims(a, {ex})", lambda xp, a: xp.expand_dims(a, ex), [x]),
        (
            f"squeeze(a, axis={sq})",
            lambda xp, a: xp.squeeze(a, axis=sq),
            [uniform(rng, (1, 3, 1), ANY, dtype)],
        ),
        (
            f"broadcast_to(a, (2, 3, 4)) of {b_shape}",
            lambda xp, a: xp.broadcast_to(a, (2, 3, 4)),
            [v],
        ),
        ("atleast_1d", lambda xp, a: xp.atleast_1d(a), [z]),
        ("atleast_2d", lambda xp, a: xp.atleast_2d(a), [z]),
        (
            f"concatenate([a, b], axis={cat})",
            lambda xp, a, b: xp.concatenate([a, b], axis=cat),
            [x, y],
        ),
        (
            "concatenate((a, b), axis=None)",
            lambda xp, a, b: xp.concatenate((a, b), axis=None),
            [x, z],
        ),
        (f"stack([a, b, a], axis={stk})", lambda xp, a, b: xp.stack([a, b, a], axis=stk), [x, y]),
        ("hstack", lambda xp, a, b: xp.hstack([a, b]), [x, y]),
        ("vstack", lambda xp, a, b: xp.vstack((a, b)), [x, y]),
        (f"split(a, {sec[0]}, axis={sec[1]})", lambda xp, a: xp.split(a, sec[0], axis=sec[1]), [x]),
        (
            f"array_split(a, {asec[0]}, axis={asec[1]})",
            lambda xp, a: xp.array_split(a, asec[0], axis=asec[1]),
            [x],
        ),
        (f"tile(a, {reps})", lambda xp, a: xp.tile(a, reps), [x[0]]),
        (
            f"repeat(a, {rep[0]}, axis={rep[1]})",
            lambda xp, a: xp.repeat(
                a, np.array(rep[0]) if isinstance(rep[0], tuple) else rep[0], axis=rep[1]
            ),
            [x[0]],
        ),
        (f"flip(a, axis={flip_ax})", lambda xp, a: xp.flip(a, axis=flip_ax), [x]),
        (
            f"roll(a, {roll[0]}, axis={roll[1]})",
            lambda xp, a: xp.roll(a, roll[0], axis=roll[1]),
            [x],
        ),
        (f"pad(a, {pad[0]}, **{pad[1]})", lambda xp, a: xp.pad(a, pad[0], **pad[1]), [x]),  # type: ignore[arg-type]
        (f"sort(a, axis={sort_ax})", lambda xp, a: xp.sort(a, axis=sort_ax), [x]),
        (
            f"take(a, {idx.tolist()}, axis={take_ax})",
            lambda xp, a: xp.take(a, idx, axis=take_ax),
            [x],
        ),
        (
            f"take_along_axis(a, idx, axis={tal_ax})",
            lambda xp, a: xp.take_along_axis(a, tal_idx, axis=tal_ax),
            [x],
        ),
        (
            "take_along_axis(a, argsort(a, axis=1), axis=1)",
            lambda xp, a: xp.take_along_axis(a, xp.argsort(a, axis=1), axis=1),
            [x],
        ),
    ]
    check([Call(label, f, args, 3, rng) for label, f, args in specs])


# ---- creation ------------------------------------------------------------------------------
@given(data=st.data())
def test_creation(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    as_dt = d(st.sampled_from([None, np.float64, np.float32]), "dtype=")
    a = uniform(rng, (2, 3), ANY, dtype)
    s = uniform(rng, (), ANY, dtype)
    t = uniform(rng, (), (2.5, 4.0), dtype)
    num = d(st.integers(1, 6), "num")
    endpoint = d(st.booleans(), "endpoint")
    n, m, k = (
        d(st.integers(1, 4), "N"),
        d(st.sampled_from([None, 2, 5]), "M"),
        d(st.integers(-2, 2), "k"),
    )
    ar = d(st.sampled_from([(5,), (1, 7, 2), (4.0,), (0.5, 3.0, 0.75), (6, 0, -2)]), "arange")
    ij = d(st.sampled_from(["xy", "ij"]), "indexing")
    cols = m if m is not None else n
    specs: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
        ("array([s, s**2, s*a[0,0]])", lambda xp, s, a: xp.array([s, s**2, s * a[0, 0]]), [s, a]),
        ("array([a, a*a])", lambda xp, a: xp.array([a, a * a]), [a]),
        (f"asarray(a, dtype={as_dt})", lambda xp, a: xp.asarray(a, dtype=as_dt), [a]),
        (f"zeros((2, 3), dtype={as_dt}) + a", lambda xp, a: xp.zeros((2, 3), dtype=as_dt) + a, [a]),
        (f"ones(3, dtype={as_dt}) * a", lambda xp, a: xp.ones(3, dtype=as_dt) * a, [a]),
        ("full((2, 3), fill_value=s)", lambda xp, s: xp.full((2, 3), fill_value=s), [s]),
        (
            f"full((3,), 1.5, dtype={as_dt}) * a",
            lambda xp, a: xp.full((3,), 1.5, dtype=as_dt) * a,
            [a],
        ),
        (
            f"zeros_like(empty((2, 3), dtype={as_dt})) + a",
            lambda xp, a: xp.zeros_like(xp.empty((2, 3), dtype=as_dt)) + a,
            [a],
        ),
        (f"zeros_like(a, dtype={as_dt}) + a", lambda xp, a: xp.zeros_like(a, dtype=as_dt) + a, [a]),
        ("ones_like(a) * a", lambda xp, a: xp.ones_like(a) * a, [a]),
        ("full_like(a, s)", lambda xp, a, s: xp.full_like(a, s), [a, s]),
        ("full_like(a, 2.0) * a", lambda xp, a: xp.full_like(a, 2.0) * a, [a]),
        (f"arange{ar}", lambda xp: xp.arange(*ar), []),
        (f"arange{ar}, dtype={as_dt}", lambda xp: xp.arange(*ar, dtype=as_dt), []),
        (
            f"linspace(s, t, num={num}, endpoint={endpoint})",
            lambda xp, s, t: xp.linspace(s, t, num=num, endpoint=endpoint),
            [s, t],
        ),
        (
            f"linspace(0.0, 1.0, {num}, dtype={as_dt}) * s",
            lambda xp, s: xp.linspace(0.0, 1.0, num, dtype=as_dt) * s,
            [s],
        ),
        (
            f"eye({n}, M={m}, k={k}) * v",
            lambda xp, v: xp.eye(n, M=m, k=k) * v,
            [uniform(rng, (cols,), ANY, dtype)],
        ),
        (f"eye({n}, dtype=int32)", lambda xp: xp.eye(n, dtype=np.int32), []),
        (f"identity({n}, dtype={as_dt})", lambda xp: xp.identity(n, dtype=as_dt), []),
        (
            f"meshgrid(a, b, indexing={ij!r})",
            lambda xp, u, w: xp.meshgrid(u, w, indexing=ij),
            [a[0], a[1, :2]],
        ),
    ]
    calls = []
    for label, f, args in specs:
        if dtype == F32 and label.startswith(("array([s, s**2", "full((3,), 1.5, dtype=None")):
            # Documented (decisions.md, "Where NumPy makes Python scalars strong"): NumPy
            # builds the array / the constant as float64, JAX keeps float32.
            continue
        calls.append(Call(label, f, args, 3, rng))
    check(calls)


# ---- indexing ------------------------------------------------------------------------------
@st.composite
def indices(draw: Any, shape: tuple[int, ...]) -> Any:
    """A basic index, an integer-array index (negative and repeated entries), a mix of both,
    or a boolean mask (concrete)."""
    kind = draw(st.sampled_from(["basic", "basic", "advanced", "mixed", "mask"]))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape[: draw(st.integers(1, len(shape)))]))
    ix = draw(
        hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=3))
    )
    if kind == "advanced":
        return ix
    # One integer array on one axis, slices or integers on the others.
    axis = draw(st.integers(0, len(shape) - 1))
    parts: list[Any] = [draw(st.one_of(st.slices(n), st.integers(-n, n - 1))) for n in shape]
    parts[axis] = ix[0] % shape[axis] - draw(st.sampled_from([0, shape[axis]]))
    return tuple(parts)


@given(data=st.data())
def test_indexing(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for i in range(6):
        shape = data.draw(st.sampled_from([(4, 5), (3, 4, 5), (6,)]), f"shape {i}")
        idx = data.draw(indices(shape), f"index {i}")
        x = uniform(rng, shape, ANY, dtype)
        out_shape = np.empty(shape)[idx].shape
        calls.append(Call(f"x{shape}[{idx!r}]", lambda xp, a, i=idx: a[i], [x], 3, rng))
        method = data.draw(
            st.sampled_from(["set", "add", "multiply", "min", "max", "get"]), f"at {i}"
        )
        if method == "get":
            calls.append(
                Call(
                    f"x{shape}.at[{idx!r}].get()",
                    lambda xp, a, i=idx: at(xp, a)[i].get(),
                    [x],
                    3,
                    rng,
                )
            )
            continue
        upd_shape = data.draw(st.sampled_from([out_shape, out_shape[1:], ()]), f"upd {i}")
        u = uniform(rng, upd_shape, ANY, dtype)
        if method in ("set", "multiply") and _repeats(idx, shape):
            # Repeated indices: .set keeps one of the updates (NumPy and JAX on CPU: the last)
            # and .multiply's derivative with respect to the updates needs unique indices in
            # JAX, which we tell JAX when they are (documented in decisions.md, "Indexing").
            method = "add"
        calls.append(
            Call(
                f"x{shape}.at[{idx!r}].{method}(u{upd_shape})",
                lambda xp, a, v, i=idx, m=method: getattr(at(xp, a)[i], m)(
                    v, **({"unique_indices": True} if m == "multiply" and xp is jnp else {})
                ),
                [x, u],
                3,
                rng,
            )
        )
    check(calls)


def _repeats(idx: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``idx`` selects some element of ``shape`` twice."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)[idx]
    return len(np.unique(flat)) < np.size(flat)


def at(xp: Any, x: Any) -> Any:
    return jnp.asarray(x).at if xp is jnp else tnp.at(x)


# ---- linear algebra -------------------------------------------------------------------------
def well_conditioned(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype[Any]
) -> np.ndarray:
    a = rng.uniform(-1.0, 1.0, shape) + 3.0 * np.eye(shape[-1])
    return a.astype(dtype)


EINSUM = [
    ("ij,jk->ik", ((2, 3), (3, 4))),
    ("ij->ji", ((2, 3),)),
    ("ii->", ((3, 3),)),
    ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
    ("i,i->", ((3,), (3,))),
    ("ij,j", ((2, 3), (3,))),
    ("ijk->kj", ((2, 3, 4),)),
    ("i,j->ij", ((2,), (3,))),
    ("...ij,...jk", ((2, 2, 3), (3, 2))),
    ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
]
PRODUCT_SHAPES = {
    "dot": [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((), (2, 3)), ((2, 3, 4), (2, 4, 3))],
    "matmul": [
        ((2, 3), (3, 4)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((3,), (3,)),
        ((2, 2, 3), (3, 4)),
        ((3,), (2, 3, 4)),
    ],
    "inner": [((3,), (3,)), ((2, 3), (4, 3)), ((), (3,))],
    "outer": [((3,), (4,)), ((2, 2), (3,))],
    "vdot": [((2, 3), (2, 3)), ((4,), (2, 2))],
    "kron": [((2, 2), (2, 3)), ((3,), (2,))],
}


@HALF
@given(data=st.data())
def test_linalg(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    u = lambda shape, dom=ANY: uniform(rng, shape, dom, dtype)
    calls = []
    for name, pairs in PRODUCT_SHAPES.items():
        sa, sb = d(st.sampled_from(pairs), name)
        calls.append(
            Call(
                f"{name}{sa}{sb}",
                lambda xp, a, b, n=name: getattr(xp, n)(a, b),
                [u(sa), u(sb)],
                3,
                rng,
            )
        )
    calls.append(Call("a.dot(b)", lambda xp, a, b: a.dot(b), [u((2, 3)), u((3,))], 3, rng))
    axes = d(st.sampled_from([0, 1, 2, ([1, 0], [0, 1]), ((2,), (0,))]), "tensordot axes")
    ta = {0: ((2,), (3,)), 1: ((2, 3), (3, 4)), 2: ((2, 3, 4), (3, 4))}.get(
        axes if isinstance(axes, int) else -1,
        ((3, 2, 4), (2, 3)) if axes == ([1, 0], [0, 1]) else ((2, 3, 4), (4, 2)),
    )
    calls.append(
        Call(
            f"tensordot(a, b, axes={axes})",
            lambda xp, a, b: xp.tensordot(a, b, axes=axes),
            [u(ta[0]), u(ta[1])],
            3,
            rng,
        )
    )
    sub, shapes = d(st.sampled_from(EINSUM), "einsum")
    calls.append(
        Call(f"einsum({sub!r})", lambda xp, *a: xp.einsum(sub, *a), [u(s) for s in shapes], 3, rng)
    )
    off, a1, a2 = (
        d(st.integers(-2, 2), "offset"),
        *d(st.sampled_from([(0, 1), (1, 0), (0, 2), (-1, 1)]), "axes"),
    )
    t3 = u((3, 4, 3))
    calls += [
        Call(
            f"trace(a, offset={off}, axis1={a1}, axis2={a2})",
            lambda xp, a: xp.trace(a, offset=off, axis1=a1, axis2=a2),
            [t3],
            3,
            rng,
        ),
        Call(
            f"diagonal(a, offset={off}, axis1={a1}, axis2={a2})",
            lambda xp, a: xp.diagonal(a, offset=off, axis1=a1, axis2=a2),
            [t3],
            3,
            rng,
        ),
        Call(f"diag(v, k={off})", lambda xp, a: xp.diag(a, k=off), [u((3,))], 3, rng),
        Call(f"diag(m, k={off})", lambda xp, a: xp.diag(a, k=off), [u((3, 4))], 3, rng),
        Call(f"tril(m, k={off})", lambda xp, a: xp.tril(a, k=off), [u((2, 3, 4))], 3, rng),
        Call(f"triu(m, k={off})", lambda xp, a: xp.triu(a, k=off), [u((4, 3))], 3, rng),
    ]
    nshape, nkw = d(
        st.sampled_from(
            [
                ((4,), {}),
                ((4,), {"ord": 1}),
                ((4,), {"ord": np.inf}),
                ((4,), {"ord": -np.inf}),
                ((4,), {"ord": 3}),
                ((4,), {"ord": 0.5}),
                ((3, 4), {}),
                ((3, 4), {"ord": "fro"}),
                ((3, 4), {"ord": "nuc"}),
                ((3, 4), {"ord": 1}),
                ((3, 4), {"ord": -1}),
                ((3, 4), {"ord": np.inf}),
                ((3, 4), {"ord": 2}),
                ((3, 4), {"ord": -2}),
                ((3, 4), {"axis": 1, "keepdims": True}),
                ((3, 2, 4), {"axis": (0, 2)}),
                ((3, 2, 4), {"axis": -1, "ord": 2}),
            ]
        ),
        "norm",
    )
    calls.append(
        Call(
            f"linalg.norm(x{nshape}, **{nkw})",
            lambda xp, a: xp.linalg.norm(a, **nkw),
            [u(nshape, POS)],
            3,
            rng,
        )
    )
    batch = d(st.sampled_from([(), (2,)]), "batch")
    n = d(st.integers(1, 3), "n")
    m = well_conditioned(rng, (*batch, n, n), dtype)
    rhs = d(
        st.sampled_from([(*batch, n, 1), (*batch, n, 2)] + ([(n,)] if not batch else [])), "rhs"
    )
    sym = lambda xp, a: (a + xp.swapaxes(a, -1, -2)) / 2
    spd = lambda xp, a: xp.matmul(a, xp.swapaxes(a, -1, -2)) + xp.eye(a.shape[-1])
    tall = u((*batch, n + 1, n))
    calls += [
        Call("linalg.inv", lambda xp, a: xp.linalg.inv(a), [m], 3, rng),
        Call(
            f"linalg.solve(a, b{rhs})", lambda xp, a, b: xp.linalg.solve(a, b), [m, u(rhs)], 3, rng
        ),
        Call("linalg.det", lambda xp, a: xp.linalg.det(a), [m], 3, rng),
        Call("linalg.slogdet", lambda xp, a: tuple(xp.linalg.slogdet(a)), [m], 3, rng),
        Call("linalg.cholesky", lambda xp, a: xp.linalg.cholesky(spd(xp, a)), [m], 3, rng),
        Call("linalg.eigh[0]", lambda xp, a: xp.linalg.eigh(sym(xp, a))[0], [m], 3, rng),
        # Eigen- and singular vectors up to sign: their absolute values (order 2, abs).
        Call("|linalg.eigh[1]|", lambda xp, a: xp.abs(xp.linalg.eigh(sym(xp, a))[1]), [m], 2, rng),
        Call(
            "linalg.svd(compute_uv=False)",
            lambda xp, a: xp.linalg.svd(a, compute_uv=False),
            [tall],
            3,
            rng,
        ),
        Call(
            "|linalg.svd(full_matrices=False)[0, 2]|",
            lambda xp, a: tuple(xp.abs(v) for v in xp.linalg.svd(a, full_matrices=False)[::2]),
            [tall],
            2,
            rng,
        ),
        Call("linalg.qr", lambda xp, a: tuple(xp.linalg.qr(a)), [tall], 2, rng),
        Call("linalg.pinv", lambda xp, a: xp.linalg.pinv(a), [tall], 2, rng),
    ]
    check(calls)


# ---- fft -------------------------------------------------------------------------------------
@HALF
@given(data=st.data())
def test_fft(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    cdt = C128 if dtype == F64 else C64
    d = lambda s, label: data.draw(s, label)
    norm = d(st.sampled_from([None, "backward", "ortho", "forward"]), "norm")
    # The transforms are linear: the scalarization's third derivative through them is 0, so
    # order 2 checks everything (the first and second derivatives of the quadratic loss).
    calls = []
    for name in ("fft", "ifft", "rfft", "irfft"):
        n = d(st.sampled_from([None, 3, 6]), f"{name} n")
        axis = d(st.sampled_from([-1, 0]), f"{name} axis")
        real = name == "rfft" or (name == "fft" and d(st.booleans(), "fft of real"))
        x = uniform(rng, (4, 5), ANY, dtype if real else cdt)
        calls.append(
            Call(
                f"fft.{name}(x{x.dtype}, n={n}, axis={axis}, norm={norm})",
                lambda xp, a, f=name, n=n, ax=axis: getattr(xp.fft, f)(a, n=n, axis=ax, norm=norm),
                [x],
                2,
                rng,
            )
        )
    for name in ("fft2", "ifft2", "fftn", "ifftn", "rfftn", "irfftn"):
        # (``s`` without ``axes`` is deprecated in NumPy 2: not drawn.)
        s_ax = d(
            st.sampled_from(
                [
                    (None, None),
                    ((3, 4), (0, 1)),
                    (None, (0, 2)),
                    ((4, 2), (2, 0)),
                    ((2, 3), (-2, -1)),
                ]
            ),
            f"{name} s, axes",
        )
        if name.endswith("2") and (s_ax[1] is None or len(s_ax[1]) != 2):
            s_ax = (None, (-2, -1))  # JAX's fft2 wants its axes
        x = uniform(rng, (3, 4, 5), ANY, dtype if name == "rfftn" else cdt)
        calls.append(
            Call(
                f"fft.{name}(x, s={s_ax[0]}, axes={s_ax[1]}, norm={norm})",
                lambda xp, a, f=name, sa=s_ax: getattr(xp.fft, f)(
                    a, s=sa[0], axes=sa[1], norm=norm
                ),
                [x],
                2,
                rng,
            )
        )
    for name in ("fftshift", "ifftshift"):
        axes = d(st.sampled_from([None, 0, (0, 1), -1]), f"{name} axes")
        calls.append(
            Call(
                f"fft.{name}(x, axes={axes})",
                lambda xp, a, f=name, ax=axes: getattr(xp.fft, f)(a, axes=ax),
                [uniform(rng, (3, 4), ANY, dtype)],
                2,
                rng,
            )
        )
    check(calls)


# ---- operators and methods of tracers ------------------------------------------------------
SCALARS = [2.0, 3, -1.5, 0.5]


@HALF
@given(data=st.data())
def test_methods(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    sx, sy = d(st.sampled_from(PAIRS), "shapes")
    x, y = uniform(rng, sx, ANY, dtype), uniform(rng, sy, ANY, dtype)
    p, q = uniform(rng, sx, POS, dtype), uniform(rng, sy, POS, dtype)
    c = d(st.sampled_from(SCALARS), "python scalar")
    m = uniform(rng, (2, 3, 4), ANY, dtype)
    axis = draw_axis(data, 3, "axis")
    keep = d(st.booleans(), "keepdims")
    axes = perm(data, 3, "axes")
    ops: list[tuple[str, Callable[..., Any], list[np.ndarray], int]] = [
        ("a + b", lambda xp, a, b: a + b, [x, y], 3),
        (f"a + {c!r}, {c!r} + a", lambda xp, a: (a + c, c + a), [x], 3),
        (f"a - b, a - {c!r}, {c!r} - a", lambda xp, a, b: (a - b, a - c, c - a), [x, y], 3),
        (f"a * b, a * {c!r}, {c!r} * a", lambda xp, a, b: (a * b, a * c, c * a), [x, y], 3),
        (f"a / q, a / {c!r}, {c!r} / q", lambda xp, a, b: (a / b, a / c, c / b), [x, q], 3),
        (f"a // q, {c!r} // q", lambda xp, a, b: (a // b, c // b), [x, q], 1),
        (f"a % q, a % 0.75, {c!r} % q", lambda xp, a, b: (a % b, a % 0.75, c % b), [x, q], 1),
        (f"p ** b, p ** {c!r}, 2.0 ** b", lambda xp, a, b: (a**b, a**c, 2.0**b), [p, y], 3),
        ("a ** 2, a ** 3, a ** 0", lambda xp, a: (a**2, a**3, a**0), [x], 3),
        (
            "m @ w, v @ m",
            lambda xp, a, w, v: (a @ w, v @ a),
            [m, uniform(rng, (4, 2), ANY, dtype), uniform(rng, (3,), ANY, dtype)],
            3,
        ),
        ("-a, +a, abs(a)", lambda xp, a: (-a, +a, abs(a)), [x], 3),
        (
            "a < b, a <= b, a > b, a >= b, a == b, a != b",
            lambda xp, a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b),
            [x, y],
            0,
        ),
        (f"a > {c!r}, {c!r} < a", lambda xp, a: (a > c, c < a), [x], 0),
        (
            "m.T, m.transpose(*axes), m.transpose(axes)",
            lambda xp, a: (a.T, a.transpose(*axes), a.transpose(axes)),
            [m],
            3,
        ),
        (
            "zeros(m.shape) + m.ndim + m.size + m",
            lambda xp, a: xp.zeros(a.shape) + a.ndim + a.size + a,
            [m],
            3,
        ),
        (
            "m.astype(m.dtype), m.astype(float32), m.astype(float64)",
            lambda xp, a: (a.astype(a.dtype) * 2.0, a.astype(np.float32), a.astype(np.float64)),
            [m],
            3,
        ),
        (
            f"m.sum(axis={axis}, keepdims={keep}), m.mean(...)",
            lambda xp, a: (a.sum(axis=axis, keepdims=keep), a.mean(axis=axis, keepdims=keep)),
            [m],
            3,
        ),
        (
            f"m.max(axis={axis}, keepdims={keep}), m.min(...)",
            lambda xp, a: (a.max(axis=axis, keepdims=keep), a.min(axis=axis, keepdims=keep)),
            [m],
            3,
        ),
        (
            "m.reshape(4, 6), m.reshape((-1, 2)), m.ravel()",
            lambda xp, a: (a.reshape(4, 6), a.reshape((-1, 2)), a.ravel()),
            [m],
            3,
        ),
        ("m.dot(v)", lambda xp, a, v: a.dot(v), [m, uniform(rng, (4,), ANY, dtype)], 3),
        (
            "s.squeeze(), s.squeeze(axis=0)",
            lambda xp, a: (a.squeeze(), a.squeeze(axis=0)),
            [uniform(rng, (1, 3, 1), ANY, dtype)],
            3,
        ),
        (
            "z.conj(), z.real, z.imag",
            lambda xp, z: (z.conj(), z.real * z.imag),
            [uniform(rng, (3,), ANY, C128 if dtype == F64 else C64)],
            2,
        ),
        ("x.conj(), x.real, x.imag (real x)", lambda xp, a: (a.conj(), a.real + a.imag), [x], 3),
    ]
    check([Call(label, f, args, order, rng) for label, f, args, order in ops])
