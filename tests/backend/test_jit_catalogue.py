"""For a catalogue of functions over every primitive family, ``jit(f)(x) == f(x)``,
``grad(jit(f)) == grad(f)`` and ``jit(grad(f)) == grad(f)``; the generated code of each is
valid Python that gives the interpreter's bits; and together they reach every primitive."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
import tracegrad.ops
import tracegrad.scipy.linalg as tsl
import tracegrad.scipy.special as tss
from harness import jit_calls
from tracegrad.backend import generate
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import ClosedJaxpr, Primitive

R = np.random.default_rng(0)
V = R.normal(size=(3, 4))
P = np.abs(R.normal(size=(3, 4))) + 0.5  # positive
U = R.uniform(-0.9, 0.9, size=(3, 4))  # in (-1, 1)
M = R.normal(size=(3, 3)) + 3 * np.eye(3)  # well conditioned
S = M @ M.T  # symmetric positive definite
C = (R.normal(size=(3, 4)) + 1j * R.normal(size=(3, 4))).astype(np.complex128)
IDX = np.array([2, 0, 1])


# (name, function, arguments, differentiable in the first argument)
CATALOGUE: list[tuple[str, Callable[..., Any], tuple[Any, ...], bool]] = [
    ("sin cos", lambda x: tnp.sin(x) * tnp.cos(x), (V,), True),
    ("exp log", lambda x: tnp.log(x) + tnp.exp(-x), (P,), True),
    ("transcendental", lambda x: tnp.tanh(x) + tnp.sinh(x) + tnp.cosh(x) + tnp.tan(x), (U,), True),
    ("inverse trig", lambda x: tnp.arcsin(x) + tnp.arccos(x) * tnp.arctan(x), (U,), True),
    (
        "inverse hyperbolic",
        lambda x: tnp.arcsinh(x) + tnp.arctanh(x) + tnp.arccosh(x + 2.0),
        (U,),
        True,
    ),
    (
        "roots and logs",
        lambda x: (
            tnp.sqrt(x) + tnp.cbrt(x) + tnp.log2(x) + tnp.log10(x) + tnp.log1p(x) + tg.lax.rsqrt(x)
        ),
        (P,),
        True,
    ),
    ("exponentials", lambda x: tnp.exp2(x) + tnp.expm1(x), (V,), True),
    ("powers", lambda x: x**2 + x**3 + tnp.power(x, 0.5) + tnp.reciprocal(x), (P,), True),
    ("arith", lambda x, y: (x + y) * (x - y) / (y + 3.0) - (-x), (V, P), True),
    (
        "max min",
        lambda x, y: tnp.maximum(x, y) + tnp.minimum(x, y) + tnp.fmax(x, y) + tnp.fmin(x, y),
        (V, P),
        True,
    ),
    ("abs sign", lambda x: tnp.abs(x) * tnp.sign(x) + tnp.copysign(x, -x), (V,), True),
    (
        "two-argument",
        lambda x, y: tnp.arctan2(x, y) + tnp.hypot(x, y) + tnp.logaddexp(x, y),
        (V, P),
        True,
    ),
    (
        "rounding",
        lambda x: tnp.floor(x) + tnp.ceil(x) + tnp.trunc(x) + tnp.round(x, 1) + x,
        (V,),
        True,
    ),
    ("mod", lambda x, y: tnp.mod(x, y) + tnp.fmod(x, y) + tnp.floor_divide(x, y), (V, P), True),
    ("where", lambda x: tnp.where(x > 0, x, 0.1 * x) + tnp.clip(x, -0.5, 0.5), (V,), True),
    (
        "predicates",
        lambda x: tnp.where(tnp.isfinite(x) & ~tnp.isnan(x) | tnp.isinf(x), x, 0.0),
        (V,),
        True,
    ),
    (
        "comparisons",
        lambda x, y: tnp.where((x < y) ^ (x >= y) | (x == y) & (x != y) | (x <= y) & (x > y), x, y),
        (V, P),
        True,
    ),
    ("signbit", lambda x: tnp.where(tnp.signbit(x), -x, x), (V,), True),
    ("sinc", lambda x: tnp.sinc(x), (V,), True),
    (
        "sums",
        lambda x: tnp.sum(x, axis=0) * tnp.mean(x, axis=1).sum() + tnp.prod(x, axis=1).sum(),
        (V,),
        True,
    ),
    ("extrema", lambda x: tnp.max(x, axis=1) + tnp.min(x, axis=1) + tnp.ptp(x, axis=1), (V,), True),
    ("statistics", lambda x: tnp.var(x, axis=0) + tnp.std(x, axis=0), (V,), True),
    ("argmax", lambda x: x[tnp.argmax(x[0]), 0] + x[tnp.argmin(x[1]), 1], (V,), True),
    ("cumulative", lambda x: tnp.cumsum(x, axis=1) * tnp.cumprod(x, axis=0), (V,), True),
    (
        "logic reductions",
        lambda x: tnp.where(tnp.all(x > -5.0) & tnp.any(x > 0), x, -x),
        (V,),
        True,
    ),
    ("matmul", lambda x, y: x @ y.T + tnp.dot(x[0], y[1]), (V, P), True),
    (
        "einsum",
        lambda x, y: tnp.einsum("ij,kj->ik", x, y) + tnp.tensordot(x, y, axes=((1,), (1,))),
        (V, P),
        True,
    ),
    ("batched matmul", lambda x: tnp.matmul(tnp.stack([x, x]), tnp.stack([x.T, x.T])), (V,), True),
    (
        "outer kron trace",
        lambda x: (
            tnp.outer(x[0], x[1]).sum() + tnp.kron(x[:2, :2], x[1:, 1:3]).sum() + tnp.trace(x)
        ),
        (V,),
        True,
    ),
    (
        "linalg",
        lambda m: tnp.linalg.inv(m) + tnp.linalg.solve(m, m.T) + tnp.linalg.det(m),
        (M,),
        True,
    ),
    (
        "decompositions",
        lambda s: tnp.linalg.cholesky(s) + tnp.linalg.eigh(s)[1] ** 2 + tnp.linalg.slogdet(s)[1],
        (S,),
        True,
    ),
    (
        "svd qr pinv",
        lambda m: (
            tnp.linalg.svd(m)[1].sum()
            + tnp.abs(tnp.linalg.qr(m)[1]).sum()
            + tnp.linalg.pinv(m).sum()
        ),
        (M,),
        True,
    ),
    ("schur", lambda m: tsl.schur(m)[0] + tsl.schur(m)[1], (M,), False),
    ("norm", lambda x: tnp.linalg.norm(x) + tnp.linalg.norm(x, axis=0).sum(), (V,), True),
    (
        "reshape transpose",
        lambda x: tnp.transpose(x.reshape(2, 6)).ravel() * tnp.swapaxes(x[None], 0, 2).ravel(),
        (V,),
        True,
    ),
    (
        "broadcasting",
        lambda x, y: tnp.broadcast_to(x[0], (3, 4)) * y[1] + tnp.expand_dims(x, 0).squeeze(),
        (V, P),
        True,
    ),
    (
        "concatenate",
        lambda x: tnp.concatenate([x, x * 2.0], axis=1) + tnp.hstack([x, x]),
        (V,),
        True,
    ),
    (
        "stack split",
        lambda x: tnp.stack(tnp.split(x, 2, axis=1)).sum(0) + tnp.vstack([x[:1], x[1:]])[:, :2],
        (V,),
        True,
    ),
    ("slices", lambda x: x[1:, ::2] + x[:-1, 1::2] * x[::-2, :2], (V,), True),
    (
        "pad roll flip tile",
        lambda x: tnp.pad(x, 1)[1:-1, 1:-1] + tnp.roll(x, 1) + tnp.flip(x) + tnp.tile(x, (1, 1)),
        (V,),
        True,
    ),
    ("repeat", lambda x: tnp.repeat(x, 2, axis=0)[::2], (V,), True),
    (
        "triangles",
        lambda x: tnp.tril(x) + tnp.triu(x, 1) + tnp.diag(tnp.diagonal(x))[:, :1],
        (V,),
        True,
    ),
    (
        "gather",
        lambda x: (
            x[IDX]
            + x[:, IDX].sum()
            + tnp.take(x, IDX, axis=1).sum()
            + tnp.take_along_axis(x, IDX[:, None], axis=1)
        ),
        (V,),
        True,
    ),
    (
        "scatter",
        lambda x: (
            tnp.at(x)[IDX].set(x[0])
            + tnp.at(x)[0, IDX].add(2.0 * x[1, :3]).sum()
            + tnp.at(x)[IDX].multiply(x).sum()
            + tnp.at(x)[IDX].max(0.0)
            + tnp.at(x)[IDX].min(0.0)
        ),
        (V,),
        True,
    ),
    ("sort", lambda x: tnp.sort(x, axis=1) + tnp.argsort(x, axis=0), (V,), True),
    (
        "casts",
        lambda x: x.astype(np.float32).astype(np.float64) * 2.0 + tnp.asarray(x > 0, np.float64),
        (V,),
        True,
    ),
    (
        "complex",
        lambda z: tnp.real(z * tnp.conj(z)) + tnp.imag(z) ** 2 + tnp.abs(z) + tnp.angle(z),
        (C,),
        False,
    ),
    (
        "special",
        lambda x: (
            tg.scipy.special.erfc(x)
            + tg.scipy.special.erf(x)
            + tg.scipy.special.gammaln(x + 3.0)
            + tg.scipy.special.expit(x)
            + tg.scipy.special.xlogy(x + 2.0, x + 3.0)
        ),
        (V,),
        True,
    ),
    (
        "erfinv",
        lambda x: (
            tg.scipy.special.erfinv(0.5 * tnp.tanh(x))
            + tg.scipy.special.erfcinv(1.0 + 0.5 * tnp.tanh(x))
        ),
        (V,),
        True,
    ),
    (
        "incomplete gamma and beta",
        lambda x: (
            tg.scipy.special.gammainc(2.5, x)
            + tg.scipy.special.gammaincc(0.7, x)
            + tg.scipy.special.betainc(2.0, 3.0, x / (1.0 + x))
        ),
        (P,),
        True,
    ),
    (
        "digamma",
        lambda x: tg.scipy.special.digamma(x) + tg.scipy.special.polygamma(1, x),
        (P,),
        True,
    ),
    (
        "nn",
        lambda x: (
            tg.nn.relu(x)
            + tg.nn.softplus(x)
            + tg.nn.gelu(x)
            + tg.nn.log_softmax(x)
            + tg.nn.softmax(x, axis=0)
        ),
        (V,),
        True,
    ),
    ("logsumexp", lambda x: tg.scipy.special.logsumexp(x, axis=1), (V,), True),
    (
        "float32",
        lambda x: tnp.sin(x) * 2.0 + x.astype(np.float32) ** 2,
        (V.astype(np.float32),),
        True,
    ),
    ("integers", lambda x, n: x * (n * 2 + 1) // 3 + n % 2, (V, np.arange(4)), True),
    ("stop_gradient", lambda x: tg.stop_gradient(x) * x, (V,), True),
    (
        "lax dynamic slicing",
        lambda x, i: tg.lax.dynamic_update_slice(
            x, tg.lax.dynamic_slice(x, (i, i), (2, 2)) ** 2, (i, 1)
        ),
        (V, np.int32(1)),
        True,
    ),
    (
        "lax bit operations",
        lambda x: (
            tg.lax.shift_left(x, x % 40)
            + tg.lax.shift_right_logical(x, x % 9)
            + tg.lax.shift_right_arithmetic(x, x % 35 - 2)
            + tg.lax.population_count(x) * tg.lax.clz(x)
        ),
        (np.array([[-7, 0, 5], [1 << 20, -1, 33]], np.int32),),
        False,
    ),
    ("pytrees", lambda d: d["a"] * d["b"][0] + d["b"][1], ({"a": V, "b": (P, 1.5)},), True),
    (
        "bits of floats and integers",
        lambda x, n: tnp.nextafter(x, 0.0) + tnp.frexp(x)[1] + tnp.gcd(n, 6) + tnp.lcm(n, 4),
        (V, np.arange(1, 5)),
        True,
    ),
]

# the special functions, linalg, convolution and windows of the breadth issue

X4 = R.normal(size=(2, 3, 5, 5))
W4 = R.normal(size=(4, 3, 3, 3))


def _windows(x: Any) -> Any:
    window, strides = (1, 1, 2, 2), (1, 1, 1, 1)
    high = tg.lax.reduce_window(x, -np.inf, tg.lax.max, window, strides, "VALID")
    low = tg.lax.reduce_window(x, np.inf, tg.lax.min, window, strides, "VALID")
    return high + low + tg.lax.reduce_window(x, 0.0, tg.lax.add, window, strides, "VALID")


def _window_max_jvp(x: Any) -> Any:
    def pool(v: Any) -> Any:
        return tg.lax.reduce_window(v, -np.inf, tg.lax.max, (1, 1, 2, 2), (1, 1, 1, 1), "VALID")

    return tg.jvp(pool, (x,), (x * x,))[1]


CATALOGUE += [
    (
        "special bessel zeta exponential integrals",
        lambda x: (
            tss.i0e(x)
            + tss.i1e(x)
            + tss.zeta(x + 2.0, 1.5)
            + tss.exp1(x)
            + tss.expi(x)
            + tss.spence(x)
        ),
        (P,),
        True,
    ),
    (
        "incomplete gamma and beta in their shapes",
        lambda a: tss.gammainc(a, 1.5) + tss.betainc(a, 2.0, 0.3),
        (P,),
        True,
    ),
    ("lu", lambda m: tsl.lu(m)[1] + tsl.lu(m)[2], (M,), True),
    ("convolution", lambda x: tg.lax.conv(x, W4, (1, 1), "SAME"), (X4,), True),
    ("window reductions", _windows, (X4,), True),
    ("window max, forward mode", _window_max_jvp, (X4,), True),
]


try:  # the FFT front end is recent: include it where it is there
    import tracegrad.numpy.fft as tfft

    CATALOGUE.append(
        ("fft", lambda x: tnp.abs(tfft.fft(x)) + tnp.real(tfft.ifft(tfft.rfft(x), n=4)), (V,), True)
    )
except ImportError:  # pragma: no cover
    pass


@tg.custom_vjp
def clipped_sin(x):
    return tnp.sin(x)


clipped_sin.defvjp(
    lambda x: (tnp.sin(x), tnp.cos(x)), lambda cos_x, ct: (tnp.clip(ct * cos_x, -0.5, 0.5),)
)


@tg.custom_jvp
def soft_abs(x):
    return tnp.sqrt(x * x + 1.0)


soft_abs.defjvp(
    lambda primals, tangents: (soft_abs(primals[0]), tangents[0] * tnp.tanh(primals[0]))
)

CATALOGUE += [
    ("custom_vjp", lambda x: clipped_sin(x) * 2.0, (V,), True),
    ("custom_jvp", lambda x: soft_abs(x) * x, (V,), True),
    ("checkpoint", lambda x: tg.checkpoint(lambda v: tnp.sin(tnp.sin(v)) * v)(x), (V,), True),
]

try:  # control flow (tracegrad.lax): primitives with inner jaxprs, called as they are
    from tracegrad import lax

    CATALOGUE += [
        ("cond", lambda x: lax.cond(tnp.sum(x) > 0, tnp.sin, tnp.cos, x), (V,), True),
        (
            "fori_loop",
            lambda x: lax.fori_loop(0, 3, lambda i, v: v * 1.1 + tnp.sin(v), x),
            (V,),
            True,
        ),
        ("scan", lambda x: lax.scan(lambda c, v: (c + v, c * v), tnp.zeros(4), x)[1], (V,), True),
        (
            "while_loop",
            lambda x: lax.while_loop(lambda v: tnp.sum(v) < 50.0, lambda v: v * 2.0, x),
            (P,),
            False,
        ),
    ]
except ImportError:  # pragma: no cover
    pass


def sum_of(f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *args: tnp.sum(f(*args))


def close(got: Any, want: Any, rtol: float) -> None:
    got_leaves, got_tree = tg.tree_util.tree_flatten(got)
    want_leaves, want_tree = tg.tree_util.tree_flatten(want)
    assert got_tree == want_tree
    for g, w in zip(got_leaves, want_leaves, strict=True):
        assert np.shape(g) == np.shape(w)
        assert np.asarray(g).dtype == np.asarray(w).dtype, (
            np.asarray(g).dtype,
            np.asarray(w).dtype,
        )
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)


def primitives_of(closed: ClosedJaxpr, into: set[str]) -> None:
    for eqn in closed.eqns:
        into.add(eqn.primitive.name)
        for p in eqn.params.values():
            if isinstance(p, ClosedJaxpr):
                primitives_of(p, into)


SEEN: set[str] = set()


@pytest.mark.parametrize("name, f, args, diff", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_jit_matches_eager(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], diff: bool
) -> None:
    with np.errstate(all="ignore"):
        want = f(*args)
        for got in jit_calls(f, *args):  # traced program, then generated code
            close(got, want, rtol=1e-12)
        closed = tg.make_jaxpr(f)(*args)
        primitives_of(closed, SEEN)
        # The generated code of the unoptimised program runs the implementations' NumPy
        # calls: the interpreter's bits.
        flat = tg.tree_util.tree_leaves(args)
        for got, ref in zip(generate(closed)(*flat), evaluate(closed, *flat), strict=True):
            assert np.asarray(got).tobytes() == np.asarray(ref).tobytes()
            assert np.asarray(got).dtype == np.asarray(ref).dtype
        if not diff:
            return
        g = sum_of(f)
        grad = tg.grad(g)
        want_grad = grad(*args)
        close(tg.grad(tg.jit(g))(*args), want_grad, rtol=1e-10)
        for got in jit_calls(grad, *args):
            close(got, want_grad, rtol=1e-10)
        primitives_of(tg.make_jaxpr(grad)(*args), SEEN)


def test_every_primitive_reached() -> None:
    """Run after the catalogue: together its programs and gradients use every primitive of
    tracegrad.ops (so the code generator emitted each one at least once)."""
    if not SEEN:
        pytest.skip("run with the catalogue")
    prims: set[str] = set()
    for info in pkgutil.iter_modules(tracegrad.ops.__path__):
        module = importlib.import_module(f"tracegrad.ops.{info.name}")
        prims.update(v.name for v in vars(module).values() if isinstance(v, Primitive))
    missing = prims - SEEN
    assert not missing, " ".join(sorted(missing))
