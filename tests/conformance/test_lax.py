"""Conformance of ``tracegrad.lax`` with ``jax.lax``: one table of cases, each a function
``fn(M, *args)`` written once against a lax module ``M``, run with both. Checked: values,
dtypes and shapes; for differentiable cases the gradient of a weighted sum of the outputs,
a jvp, and second order (a Hessian-vector product) in float64; ``vmap`` over a stacked
first argument and ``jit`` against the eager result; then edge values bit for bit. JAX
runs eagerly (in float64). The bad inputs are in test_lax_errors.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
from jax import lax as jlax  # noqa: E402

import tracegrad as tg  # noqa: E402
from tracegrad import lax as tlax  # noqa: E402

rng = np.random.default_rng(0)
X = rng.uniform(-2.0, 2.0, (3, 4))
Y = rng.uniform(-2.0, 2.0, (3, 4))
POS = rng.uniform(0.3, 2.0, (3, 4))
UNIT = rng.uniform(-0.9, 0.9, (3, 4))
I32 = np.array([[1, 3, 3, -2], [7, -8, 0, 5], [2, 2, 9, -1]], np.int32)
SHIFTS = np.array([[0, 1, 31, 32], [-1, 3, 40, 2], [5, 0, 1, 30]], np.int32)
Ops = Callable[..., Any]


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = (X,)
    grad: bool = True  # differentiate with respect to every floating argument
    vmap: bool = True
    jit: bool = True
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def unary(name: str, arg: np.ndarray = X, **kw: Any) -> Case:
    return Case(name, lambda M, x: getattr(M, name.split("[")[0])(x), (arg,), **kw)


def binary(name: str, a: np.ndarray = X, b: np.ndarray = Y, **kw: Any) -> Case:
    return Case(name, lambda M, x, y: getattr(M, name.split("[")[0])(x, y), (a, b), **kw)


CASES = [
    *(unary(n) for n in ("neg", "sin", "cos", "tanh", "exp", "exp2", "expm1", "atan", "sinh")),
    *(unary(n) for n in ("asinh", "erf", "erfc", "logistic", "square", "cosh", "abs", "sign")),
    *(unary(n, POS) for n in ("log", "log1p", "sqrt", "rsqrt", "cbrt", "reciprocal")),
    *(unary(n, POS) for n in ("lgamma", "digamma", "tan")),
    *(unary(n, UNIT) for n in ("asin", "acos", "atanh", "erf_inv")),
    unary("acosh", POS + 1.0),
    *(unary(n, grad=False) for n in ("floor", "ceil", "is_finite")),
    *(binary(n) for n in ("add", "sub", "mul", "max", "min", "atan2", "rem")),
    binary("div", X, POS),
    binary("pow", POS, Y),
    # (JAX differentiates igamma in ``a`` too; tracegrad does not yet: ``a`` is held fixed)
    Case("igamma", lambda M, x: M.igamma(POS, x), (POS.T.reshape(3, 4),)),
    Case("igammac", lambda M, x: M.igammac(POS, x), (POS.T.reshape(3, 4),)),
    binary("nextafter", X, Y, grad=False),
    *(binary(n, grad=False) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    binary("div[int]", I32, np.where(I32 == 0, 3, I32), grad=False),
    binary("rem[int]", I32, np.array(3, np.int32), grad=False),
    *(binary(f"bitwise_{n}", I32, I32.T.reshape(3, 4), grad=False) for n in ("and", "or", "xor")),
    unary("bitwise_not", I32, grad=False),
    *(binary(n, I32, SHIFTS, grad=False) for n in ("shift_left", "shift_right_logical")),
    binary("shift_right_arithmetic", I32, SHIFTS, grad=False),
    unary("population_count", I32, grad=False),
    unary("clz", I32, grad=False),
    Case("betainc", lambda M, x: M.betainc(POS, POS + 1.0, x), (np.abs(UNIT),)),
    Case("complex", lambda M, x, y: M.real(M.mul(M.complex(x, y), M.complex(y, x))), (X, Y)),
    Case("complex[dtype]", lambda M, x, y: M.complex(x, y), (X, Y), grad=False),
    Case("integer_pow", lambda M, x: M.integer_pow(x, 3)),
    Case("integer_pow[-2]", lambda M, x: M.integer_pow(x, -2), (POS,)),
    Case("clamp", lambda M, x: M.clamp(-0.5, x, 0.7)),
    Case("clamp[arrays]", lambda M, lo, x: M.clamp(lo, x, 1.5), (Y - 1.0, X)),
    Case("round", lambda M, x: M.round(x * 2.0), grad=False),
    Case("round[even]", lambda M, x: M.round(x * 2.0, 1), grad=False),
    Case("select_n", lambda M, x, y: M.select_n(I32 > 1, x, y), (X, Y)),
    Case("select_n[3]", lambda M, x, y: M.select_n(np.abs(I32) % 3, x, y, M.mul(x, y)), (X, Y)),
    Case("convert_element_type", lambda M, x: M.convert_element_type(x, np.float32)),
    Case("convert[int]", lambda M, x: M.convert_element_type(x, np.int32), grad=False),
    # structural
    Case("broadcast_in_dim", lambda M, x: M.broadcast_in_dim(x, (2, 3, 5, 4), (1, 3))),
    Case("broadcast", lambda M, x: M.broadcast(x, (2,))),
    Case("expand_dims", lambda M, x: M.expand_dims(x, (0, 3))),
    Case("squeeze", lambda M, x: M.squeeze(M.expand_dims(x, (1,)), (1,))),
    Case("reshape", lambda M, x: M.reshape(x, (2, 6))),
    Case("reshape[dimensions]", lambda M, x: M.reshape(x, (6, 2), dimensions=(1, 0))),
    Case("transpose", lambda M, x: M.transpose(x, (1, 0))),
    Case("rev", lambda M, x: M.rev(x, (0, 1))),
    Case("concatenate", lambda M, x, y: M.concatenate([x, y, x], 1), (X, Y)),
    Case("collapse", lambda M, x: M.collapse(M.reshape(x, (3, 2, 2)), 1)),
    Case("split", lambda M, x: M.split(x, (1, 3), 1)),
    Case("pad", lambda M, x: M.pad(x, 0.5, [(1, 2, 1), (0, 1, 2)])),
    Case("pad[negative]", lambda M, x: M.pad(x, -1.0, [(-1, 2, 1), (2, -3, 1)])),
    Case("slice", lambda M, x: M.slice(x, (0, 1), (3, 4), (2, 2))),
    Case("slice_in_dim", lambda M, x: M.slice_in_dim(x, -3, None, 2, axis=1)),
    Case("index_in_dim", lambda M, x: M.index_in_dim(x, -1, 1, keepdims=False)),
    Case("full_like", lambda M, x: M.full_like(x, 3.0), grad=False),
    Case("full", lambda M, x: M.add(M.full((3, 4), 2.0), x)),
    Case("broadcasted_iota", lambda M, x: M.broadcasted_iota(np.int32, (2, 3), 1), grad=False),
    Case("iota", lambda M, x: M.iota(np.int16, 5), grad=False),
    # dynamic slicing: static and traced starts
    Case("dynamic_slice", lambda M, x: M.dynamic_slice(x, (1, -3), (2, 3))),
    Case("dynamic_slice[clamped]", lambda M, x: M.dynamic_slice(x, (7, 3), (2, 3))),
    Case(
        "dynamic_slice[traced]",
        lambda M, x, i: M.dynamic_slice(x, (i, np.int32(1)), (2, 3)),
        (X, np.int32(2)),
    ),
    Case(
        "dynamic_slice[traced neg]",
        lambda M, x, i: M.dynamic_slice(x, (0, i), (2, 2)),
        (X, np.int64(-1)),
    ),
    Case("dynamic_slice_in_dim", lambda M, x: M.dynamic_slice_in_dim(x, 3, 2, axis=1)),
    Case(
        "dynamic_index_in_dim",
        lambda M, x, i: M.dynamic_index_in_dim(x, i, 1, False),
        (X, np.int32(9)),
    ),
    Case(
        "dynamic_update_slice", lambda M, x, u: M.dynamic_update_slice(x, u, (2, 3)), (X, Y[:2, :2])
    ),
    Case(
        "dynamic_update_slice[traced]",
        lambda M, x, u, i: M.dynamic_update_slice(x, u, (i, np.int64(1))),
        (X, Y[:2, :2], np.int64(-1)),
    ),
    Case(
        "dynamic_update_slice_in_dim",
        lambda M, x, u: M.dynamic_update_slice_in_dim(x, u, -1, axis=0),
        (X, Y[:1]),
    ),
    Case(
        "dynamic_update_index_in_dim",
        lambda M, x, u, i: M.dynamic_update_index_in_dim(x, u, i, 1),
        (X, Y[:, 0], np.int32(2)),
    ),
    # contractions
    Case("dot_general", lambda M, x, y: M.dot_general(x, y, (((1,), (1,)), ((), ()))), (X, Y)),
    Case(
        "dot_general[batch]",
        lambda M, x, y: M.dot_general(
            M.reshape(x, (3, 2, 2)), M.reshape(y, (3, 2, 2)), (((1,), (2,)), ((0,), (0,)))
        ),
        (X, Y),
    ),
    Case(
        "dot_general[preferred]",
        lambda M, x, y: M.dot_general(
            x, y, (((0,), (0,)), ((), ())), preferred_element_type=np.int64
        ),
        (I32, I32.T.reshape(3, 4)),
        grad=False,
    ),
    Case("dot", lambda M, x, y: M.dot(x, M.transpose(y, (1, 0))), (X, Y)),
    Case("dot[vector]", lambda M, x, y: M.dot(x, y[0]), (X, Y)),
    Case(
        "batch_matmul",
        lambda M, x, y: M.batch_matmul(M.reshape(x, (2, 3, 2)), M.reshape(y, (2, 2, 3))),
        (X, Y),
    ),
    # reductions
    Case("reduce_sum", lambda M, x: M.reduce_sum(x, (1,))),
    Case("reduce_prod", lambda M, x: M.reduce_prod(x, (0,))),
    Case("reduce_max", lambda M, x: M.reduce_max(x, (0, 1))),
    Case("reduce_min", lambda M, x: M.reduce_min(x, (1,))),
    Case("reduce_and", lambda M, x: M.reduce_and(M.gt(x, -1.0), (1,)), grad=False),
    Case("reduce_or[int]", lambda M, x: M.reduce_or(I32, (0,)), grad=False),
    Case("reduce_xor[int]", lambda M, x: M.reduce_xor(I32, (1,)), grad=False),
    Case("argmax", lambda M, x: M.argmax(x, 1, np.int32), grad=False),
    Case("argmin", lambda M, x: M.argmin(x, 0, np.int16), grad=False),
    Case("reduce[add]", lambda M, x: M.reduce(x, 0.0, M.add, (0,))),
    Case("reduce[max, init]", lambda M, x: M.reduce(x, 0.5, M.max, (1,))),
    Case("reduce[custom]", lambda M, x: M.reduce(x, 1.0, lambda a, b: a * b, (0, 1))),
    Case(
        "reduce[tuple]",
        lambda M, x, y: M.reduce((x, y), (0.0, 1.0), lambda a, b: (a[0] + b[0], a[1] * b[1]), (1,)),
        (X, Y),
    ),
    Case("cumsum", lambda M, x: M.cumsum(x, axis=1, reverse=True)),
    Case("cumprod", lambda M, x: M.cumprod(x, axis=0)),
    Case("cummax", lambda M, x: M.cummax(x, axis=1)),
    Case("cummin", lambda M, x: M.cummin(x, axis=0, reverse=True)),
    Case("cumlogsumexp", lambda M, x: M.cumlogsumexp(x, axis=1)),
    # sorting
    Case("sort", lambda M, x: M.sort(x, dimension=0)),
    Case("sort[num_keys=2]", lambda M, y: M.sort([I32 % 3, I32, y], num_keys=2), (Y,)),
    Case("sort_key_val", lambda M, x, y: M.sort_key_val(x, y, dimension=1), (X, Y)),
    Case("top_k", lambda M, x: M.top_k(x, 2)),
    Case("top_k[int ties]", lambda M, x: M.top_k(I32 % 3, 3), grad=False),
    # control and composition
    Case("map", lambda M, x: M.map(lambda r: M.mul(M.sin(r), r), x)),
    Case("map[batch_size]", lambda M, x: M.map(lambda r: M.mul(M.sin(r), r), x, batch_size=2)),
    Case("associative_scan", lambda M, x: M.associative_scan(M.add, x, axis=1)),
    Case("associative_scan[reverse]", lambda M, x: M.associative_scan(M.mul, x, reverse=True)),
    Case(
        "associative_scan[affine]",
        lambda M, x, y: M.associative_scan(affine(M), (x, y), axis=1),
        (X, Y),
    ),
    Case(
        "associative_scan[pytree]",
        lambda M, x, y: M.associative_scan(
            lambda a, b: {"s": M.add(a["s"], b["s"]), "m": M.max(a["m"], b["m"])},
            {"s": x, "m": y},
            axis=1,
        ),
        (X, Y),
    ),
    Case("stop_gradient", lambda M, x: M.mul(M.stop_gradient({"a": x})["a"], x)),
    Case("optimization_barrier", lambda M, x: M.optimization_barrier((M.sin(x), x))[0], jit=False),
]


def leaves(tree: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(tree)]


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-9) -> None:
    a, b = leaves(ours), leaves(theirs)
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.shape == v.shape and u.dtype == v.dtype, (u.shape, u.dtype, v.shape, v.dtype)
        np.testing.assert_allclose(u, v, rtol=rtol, atol=1e-12, equal_nan=True)


def floating(case: Case) -> list[int]:
    return [i for i, a in enumerate(case.args) if np.asarray(a).dtype.kind == "f"]


def loss_of(case: Case, M: Any, xp: Any) -> Callable[..., Any]:
    """The sum of every floating output times fixed weights, as a function of the floating
    arguments (the others stay fixed)."""
    wrng = np.random.default_rng(1)

    def loss(*float_args: Any) -> Any:
        args = list(case.args)
        for i, a in zip(floating(case), float_args, strict=True):
            args[i] = a
        total = 0.0
        for out in jax.tree_util.tree_leaves(case.fn(M, *args)):
            if np.dtype(out.dtype).kind == "f":
                w = wrng.uniform(-1, 1, np.shape(out))
                total = total + xp.sum(out * w)
        return total

    return loss


@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_and_dtypes(case: Case) -> None:
    assert_same(case.fn(tlax, *case.args), case.fn(jlax, *case.args))


@pytest.mark.parametrize("case", [c for c in CASES if c.grad], ids=str)
def test_derivatives(case: Case) -> None:
    import jax.numpy as jnp

    import tracegrad.numpy as tnp

    idx = floating(case)
    primals = [case.args[i] for i in idx]
    argnums = tuple(range(len(idx)))
    ours_loss, jax_loss = loss_of(case, tlax, tnp), loss_of(case, jlax, jnp)
    assert_same(tg.grad(ours_loss, argnums)(*primals), jax.grad(jax_loss, argnums)(*primals))
    v = [np.random.default_rng(2).uniform(-1, 1, np.shape(p)) for p in primals]
    assert_same(tg.jvp(ours_loss, primals, v)[1], jax.jvp(jax_loss, primals, v)[1])

    def hvp(grad: Any, jvp: Any, loss: Any) -> Any:
        return jvp(lambda *p: grad(loss, argnums)(*p), primals, v)[1]

    assert_same(hvp(tg.grad, tg.jvp, ours_loss), hvp(jax.grad, jax.jvp, jax_loss), rtol=1e-7)


@pytest.mark.parametrize("case", [c for c in CASES if c.vmap], ids=str)
def test_vmap(case: Case) -> None:
    first = np.asarray(case.args[0])
    stacked = np.stack([first, first[::-1] if first.ndim else first + 1])
    rest = case.args[1:]
    ours = tg.vmap(lambda a: case.fn(tlax, a, *rest))(stacked)
    each = [case.fn(tlax, stacked[i], *rest) for i in range(2)]
    want = jax.tree_util.tree_map(lambda *xs: np.stack(xs), *each)
    assert_same(ours, want)


@pytest.mark.parametrize("case", [c for c in CASES if c.jit], ids=str)
def test_jit(case: Case) -> None:
    assert_same(tg.jit(lambda *a: case.fn(tlax, *a))(*case.args), case.fn(tlax, *case.args))


# ---- hypothesis: shapes and starts ----------------------------------------------
@st.composite
def slices(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    sizes = tuple(draw(st.integers(0, n)) for n in shape)
    starts = tuple(draw(st.integers(-2 * n, 2 * n)) for n in shape)
    return shape, sizes, starts


@given(slices())
def test_dynamic_slice_and_update_match_jax_for_any_start(spec: Any) -> None:
    shape, sizes, starts = spec
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    u = -np.ones(sizes)
    for traced in (False, True):
        idx = [np.int32(s) for s in starts]
        f = tg.jit(tlax.dynamic_slice, static_argnums=2) if traced else tlax.dynamic_slice
        assert_same(f(x, idx, sizes), jlax.dynamic_slice(x, idx, sizes))
        g = tg.jit(tlax.dynamic_update_slice) if traced else tlax.dynamic_update_slice
        assert_same(g(x, u, idx), jlax.dynamic_update_slice(x, u, idx))


@st.composite
def pads(draw: Any) -> tuple[tuple[int, ...], list[tuple[int, int, int]]]:
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
    config = []
    for n in shape:
        it = draw(st.integers(0, 2))
        full = n + max(0, n - 1) * it
        lo = draw(st.integers(-full, 3))
        hi = draw(st.integers(-(full + lo) if full + lo > 0 else 0, 3))
        config.append((lo, max(hi, -(full + lo)), it))
    return shape, config


@given(pads())
def test_pad_matches_jax_for_any_config(spec: Any) -> None:
    shape, config = spec
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) + 1.0
    assert_same(tlax.pad(x, -1.0, config), jlax.pad(x, -1.0, config))
    if x.size:
        w = np.random.default_rng(0).uniform(size=np.shape(jlax.pad(x, -1.0, config)))
        ours = tg.grad(lambda a: tg.numpy.sum(tlax.pad(a, -1.0, config) * w))(x)
        assert_same(ours, jax.grad(lambda a: (jlax.pad(a, -1.0, config) * w).sum())(x))


@given(st.integers(1, 9), st.integers(0, 1), st.booleans())
def test_associative_scan_matches_jax_for_any_length(n: int, axis: int, reverse: bool) -> None:
    x = np.random.default_rng(n).uniform(0.5, 1.5, (n, n + 1) if axis == 0 else (2, n))
    assert_same(
        tlax.associative_scan(tlax.mul, x, reverse=reverse, axis=axis),
        jlax.associative_scan(jlax.mul, x, reverse=reverse, axis=axis),
    )
    # Not commutative: composing affine maps x -> a x + b (a linear recurrence).
    for M in (tlax, jlax):
        got = M.associative_scan(affine(M), (x, np.cos(7.0 * x)), reverse=reverse, axis=axis)
        if M is tlax:
            ours = got
    assert_same(ours, got)


def affine(M: Any) -> Callable[[Any, Any], Any]:
    return lambda f, g: (M.mul(f[0], g[0]), M.add(M.mul(g[0], f[1]), g[1]))


# ---- edge values and non-smooth points: bit for bit (signed zeros included) -----------
NAN_MIX = np.array([3.0, np.nan, -0.0, 0.0, -np.inf, 2.0, np.nan, 1.0])
TIES = np.array([1.0, 1.0, 0.5, 1.0])


def grad_of(M: Any, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return (tg.grad if M is tlax else jax.grad)(f)


EDGES = [
    ("top_k nan", lambda M: M.top_k(NAN_MIX, 4)),
    ("sort nan", lambda M: M.sort(NAN_MIX)),
    ("argmax nan", lambda M: M.argmax(NAN_MIX, 0, np.int32)),
    ("cummax nan", lambda M: M.cummax(NAN_MIX)),
    ("clamp nan", lambda M: M.clamp(0.0, NAN_MIX, 2.5)),
    ("round", lambda M: M.round(np.array([-0.3, -0.5, 0.5, -0.0, 2.5, 0.49999999999999994]))),
    ("div int by 0", lambda M: M.div(np.array([7, -7, 0], np.int32), np.zeros(3, np.int32))),
    ("rem int by 0", lambda M: M.rem(np.array([7, -7], np.int32), np.zeros(2, np.int32))),
    ("div uint by 0", lambda M: M.div(np.array([7], np.uint8), np.zeros(1, np.uint8))),
    ("top_k uint8", lambda M: M.top_k(np.array([0, 255, 3, 255], np.uint8), 3)),
    (
        "clamp grad at bounds",
        lambda M: grad_of(M, lambda x: M.clamp(0.0, x, 1.0).sum())(np.array([0.0, 1.0, 0.5, 2.0])),
    ),
    (
        "clamp grad in bounds",
        lambda M: grad_of(M, lambda b: M.clamp(b, np.array([0.0, -1.0, 0.5]), 1.0).sum())(
            np.zeros(3)
        ),
    ),
    ("cummax grad ties", lambda M: grad_of(M, lambda x: M.cummax(x).sum())(TIES)),
    ("reduce_max grad ties", lambda M: grad_of(M, lambda x: M.reduce_max(x, (0,)))(TIES)),
    (
        "top_k grad ties",
        lambda M: grad_of(M, lambda x: (M.top_k(x, 2)[0] * np.arange(1.0, 3.0)).sum())(TIES),
    ),
    ("round grad", lambda M: grad_of(M, lambda x: M.round(x))(2.5)),
    ("cbrt grad at 0", lambda M: grad_of(M, lambda x: M.cbrt(x))(0.0)),
    ("rsqrt grad at 0", lambda M: grad_of(M, lambda x: M.rsqrt(x))(0.0)),
]


@pytest.mark.parametrize("name,fn", EDGES, ids=[e[0] for e in EDGES])
def test_edges_bit_for_bit(name: str, fn: Callable[[Any], Any]) -> None:
    ours, theirs = leaves(fn(tlax)), leaves(fn(jlax))
    assert len(ours) == len(theirs)
    for u, v in zip(ours, theirs, strict=True):
        assert u.dtype == v.dtype and u.shape == v.shape
        np.testing.assert_array_equal(u, v)
        if u.dtype.kind == "f":
            np.testing.assert_array_equal(np.signbit(u), np.signbit(v))
