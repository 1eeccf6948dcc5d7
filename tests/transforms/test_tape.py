"""Eager reverse mode (the tape of per-primitive vjps) against reverse mode under staging.

Every eager ``grad`` runs on the tape; under ``jit`` the same ``grad`` runs the general
linearize-and-transpose of the whole program. The two must agree at a signature's first
sighting (interpretive route), its second (the plan is built) and after (compiled plan).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from backend.test_jit_catalogue import CATALOGUE, close, sum_of
from tracegrad.errors import ConcretizationTypeError, UnexpectedTracerError
from tracegrad.transforms import tape
from tracegrad.transforms.staged_vjp import PLANS, VjpPlan

DIFFERENTIABLE = [c for c in CATALOGUE if c[3]]


@pytest.fixture(autouse=True)
def fresh_plans() -> None:
    PLANS.clear()


@pytest.mark.parametrize("name, f, args, diff", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_tape_matches_staged_reverse_mode(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], diff: bool
) -> None:
    g = sum_of(f)
    with np.errstate(all="ignore"):
        want = tg.jit(tg.value_and_grad(g))(*args)
        for _ in range(3):  # cold, plan built, plan compiled and reused
            close(tg.value_and_grad(g)(*args), want, rtol=1e-10)
    assert any(type(p) is VjpPlan for _, p in PLANS.items())


def chain(x: Any) -> Any:
    for _ in range(4):
        x = tnp.sin(x) * 0.9 + tnp.exp(-x * x)
    return tnp.sum(x)


@given(st.integers(0, 2**31 - 1), st.sampled_from([np.float32, np.float64]))
def test_repeated_ops_reuse_plans_and_match(seed: int, dtype: Any) -> None:
    x = np.random.default_rng(seed).normal(size=(5,)).astype(dtype)
    want = tg.jit(tg.grad(chain))(x)
    got = tg.grad(chain)(x)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_higher_order_on_the_tape() -> None:
    f = lambda x: tnp.sin(x) * x
    d3 = tg.grad(tg.grad(tg.grad(f)))
    for x in (0.3, 0.3, 1.2):
        want = -3 * np.sin(x) - x * np.cos(x)
        np.testing.assert_allclose(d3(x), want, rtol=1e-12)


def test_pullback_under_transformations() -> None:
    x = np.linspace(0.1, 1.0, 4)
    for _ in range(2):  # the second call runs compiled plans eagerly
        _y, f_vjp = tg.vjp(lambda x: tnp.sin(x) * tnp.cos(x), x)
    # vmap over cotangents: the plans' backward runs by bind, batched.
    rows = tg.vmap(f_vjp)(np.eye(4))[0]
    np.testing.assert_allclose(rows, np.diag(np.cos(2 * x)), rtol=1e-12)
    # the pullback is linear in the cotangent, so its grad is the vjp itself
    g = tg.grad(lambda ct: tnp.sum(f_vjp(ct)[0]))(np.ones(4))
    np.testing.assert_allclose(g, np.cos(2 * x), rtol=1e-12)
    np.testing.assert_allclose(f_vjp(np.ones(4))[0], np.cos(2 * x), rtol=1e-12)


def test_rule_that_needs_concrete_values_stays_interpretive() -> None:
    @tg.custom_jvp
    def clipped(x: Any) -> Any:
        return tnp.sin(x)

    @clipped.defjvp
    def clipped_jvp(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        scale = 2.0 if float(tnp.sum(x)) > 0 else 3.0  # Python control flow on the value
        return tnp.sin(x), scale * t

    for x, want in ((np.ones(2), 2.0), (np.ones(2), 2.0), (-np.ones(2), 3.0)):
        np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(clipped(x)))(x), [want, want])


def test_constant_outputs_carry_no_derivative() -> None:
    def f(x: Any) -> Any:
        i = tnp.argmax(x)  # an integer output of a traced input: a constant
        return x[i] * 2.0 + tnp.sum(tnp.floor(x))

    x = np.array([0.5, 3.0, 1.0])
    for _ in range(3):
        np.testing.assert_array_equal(tg.grad(f)(x), [0.0, 2.0, 0.0])


def test_pass_through_shares_its_operands_slot() -> None:
    """``x + c`` (a backward that returns its cotangent as it is) records no node: its
    output takes ``x``'s slot, which then gathers the cotangents of both."""

    def f(x: Any) -> Any:
        y = x + 0.5
        return (x, y, y * x, tnp.sin(-y - 1.0))  # neg: no residual, not the identity

    x = np.array([0.25, -1.0, 2.0])
    cts = tuple(np.array([1.0, 2.0, 3.0]) * k for k in (1.0, -2.0, 0.5, 3.0))
    want = tg.jit(lambda x: tg.vjp(f, x)[1](cts))(x)
    for _ in range(3):
        _, f_vjp = tg.vjp(f, x)
        for _ in range(2):  # the pullback again: the tape is kept
            np.testing.assert_allclose(f_vjp(cts)[0], want[0], rtol=1e-14)
    with tg.core.new_trace(tape.TapeTrace()) as trace:
        t = trace.new_input(x)
        y = t + 0.5
        assert y.slot == t.slot and not trace.nodes
        z = y * 2.0
        assert z.slot != t.slot and len(trace.nodes) == 1


def test_a_product_by_one_residual_runs_in_the_walk_with_the_programs_bits() -> None:
    """A plan whose backward is ``ct * residual`` (sin, exp, tanh, a product by a constant)
    is marked _SCALE and its node runs as ``np.multiply(ct, residual)`` in the walk: the
    same bits as the compiled backward, NaN, infinities and signed zeros included, and the
    same gradient as jit's."""

    def f(x: Any) -> Any:
        y = x
        for _ in range(2):
            y = tnp.exp(tnp.tanh(tnp.sin(y) * 0.9 + 0.1))
        return tnp.sum(y * y)  # two traced operands: recorded as the plan

    special = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e308, -1e-320]
    with np.errstate(all="ignore"):
        check_scaled(f, special)


def check_scaled(f: Callable[..., Any], special: list[float]) -> None:
    for dtype in (np.float32, np.float64, np.complex128):
        x = np.linspace(-1.0, 1.0, 7).astype(dtype)
        want = tg.jit(tg.grad(f))(x) if dtype != np.complex128 else None
        for _ in range(3):
            got = tg.grad(f)(x) if want is not None else tg.vjp(f, x)[1](1.0)[0]
            if want is not None:
                np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-14)
        kinds = {
            (k[0].name, p.tape_node)
            for k, p in PLANS.items()
            if type(p) is VjpPlan and k[2].dtype == dtype
        }
        assert {("sin", "scale"), ("exp", "scale"), ("tanh", "scale"), ("mul", "scale")} <= kinds
        assert ("add", "passes") in kinds
        scaled = [p for k, p in PLANS.items() if type(p) is VjpPlan and p.tape_node == "scale"]
        rng = np.random.default_rng(0)
        for plan in scaled:
            res_aval, ct_aval = (v.aval for v in plan.backward_jaxpr.jaxpr.invars)
            ct = np.array(rng.choice(special, ct_aval.shape), ct_aval.dtype)
            res = np.array(rng.choice(special, res_aval.shape), res_aval.dtype)
            want_bits = plan.backward(res, ct)[0]
            assert np.multiply(ct, res).tobytes() == want_bits.tobytes()


def test_unused_and_repeated_outputs() -> None:
    def f(x: Any) -> Any:
        q, _r = tnp.linalg.qr(x)  # r unused: its cotangent is filled with zeros
        return tnp.sum(q * q) + tnp.sum(q)

    x = np.random.default_rng(1).normal(size=(3, 3))
    want = tg.jit(tg.grad(f))(x)
    for _ in range(3):
        np.testing.assert_allclose(tg.grad(f)(x), want, rtol=1e-10, atol=1e-12)


def test_errors_as_before() -> None:
    with pytest.raises(ConcretizationTypeError):
        tg.grad(lambda x: float(x) * x)(1.0)
    saved: list[Any] = []
    tg.grad(lambda x: saved.append(x) or x * 2.0)(1.0)
    with pytest.raises(UnexpectedTracerError):
        tnp.sin(saved[0])
    for _ in range(3):  # a dead tape's value in another tape, at every sighting of a signature
        with pytest.raises(UnexpectedTracerError):
            tg.grad(lambda y: tnp.sin(saved[0]) * y)(np.float64(1.0))
        with pytest.raises(UnexpectedTracerError):
            tg.grad(lambda y: saved[0] * y)(np.float64(1.0))
        with pytest.raises(UnexpectedTracerError):
            tg.grad(lambda y: y * saved[0])(np.float64(1.0))
    # `if` on a traced value is allowed (its primal is concrete), as in JAX
    assert tg.grad(lambda x: x * 2.0 if x > 0 else -x)(1.0) == 2.0


# ---- memory: the tape keeps the residuals, not the forward's intermediates -------------------


def test_tape_keeps_residuals_and_drops_other_intermediates() -> None:
    dropped: list[weakref.ref[Any]] = []  # values no backward pass reads
    kept: list[weakref.ref[Any]] = []  # residuals: exp's output, log's argument

    def value_refs(ts: list[Any], into: list[weakref.ref[Any]]) -> None:
        if type(ts[0]) is tape.TapeTracer:  # not under the reference jit(grad) below
            into.extend(weakref.ref(t.value) for t in ts)

    def f(x: Any) -> Any:
        for _ in range(3):
            s = tnp.sin(x) * 0.9  # sin's residual is cos(x); s itself is read by nothing
            e = tnp.exp(s)
            a = e + 1.0
            x = tnp.log(a)
            value_refs([s], dropped)
            value_refs([e, a], kept)
        value_refs([x], dropped)
        return tnp.sum(x)

    x = np.linspace(-1.0, 1.0, 5)
    want = tg.jit(tg.grad(f))(x)
    for sighting in range(3):  # interpretive, then plans built, then compiled plans run
        dropped.clear()
        kept.clear()
        _y, f_vjp = tg.vjp(f, x)
        assert len(dropped) == 4 and all(r() is None for r in dropped), sighting
        assert len(kept) == 6 and all(r() is not None for r in kept), sighting
        np.testing.assert_allclose(f_vjp(np.float64(1.0))[0], want, rtol=1e-12)


def test_grad_frees_each_residual_once_its_node_has_run() -> None:
    refs: list[weakref.ref[Any]] = []
    alive_in_bwd: list[bool] = []

    @tg.custom_vjp
    def watch(x: Any) -> Any:
        return x

    def watch_fwd(x: Any) -> Any:
        return x, None

    def watch_bwd(_res: Any, ct: Any) -> Any:
        # runs after exp's node in the backward pass: exp's residual (its output) is read
        # by nothing later
        alive_in_bwd.append(refs[-1]() is not None)
        return (ct,)

    watch.defvjp(watch_fwd, watch_bwd)

    def f(x: Any) -> Any:
        e = tnp.exp(watch(x) * 2.0)
        if type(e) is tape.TapeTracer:
            refs.append(weakref.ref(e.value))
        return tnp.sum(e)

    x = np.linspace(-1.0, 1.0, 5)
    for sighting in range(3):  # interpretive, then plans built, then compiled plans run
        np.testing.assert_allclose(tg.grad(f)(x), 2.0 * np.exp(2.0 * x), rtol=1e-12)
        np.testing.assert_allclose(tg.grad(f)(np.arange(5.0))[1], 2.0 * np.exp(2.0))
        assert alive_in_bwd[-2:] == [False, False], sighting
    # vjp's pullback may run again: it keeps every residual
    _y, f_vjp = tg.vjp(f, x)
    for _ in range(2):
        np.testing.assert_allclose(f_vjp(np.float64(1.0))[0], 2.0 * np.exp(2.0 * x), rtol=1e-12)
        assert alive_in_bwd[-1] is True


# grad of one float array outside transformations runs the tape directly (no pytrees, no
# pullback object); argnums=(i,) takes the general route: the two must agree, errors included.
ONE_ARRAY_CASES: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = [
    ("chain", chain, (np.linspace(-1.0, 1.0, 4),), {}),
    ("float32", lambda x: tnp.sum(tnp.tanh(x) * x), (np.ones(3, np.float32),), {}),
    ("second argument", lambda a, x: tnp.sum(a * x), (2.0, np.ones(3)), {}),
    ("keywords", lambda x, *, s=1.0: tnp.sum(x * s), (np.ones(2),), {"s": 3.0}),
    ("constant output", lambda x: np.float64(2.0), (np.ones(2),), {}),
    ("output unrelated to x", lambda x: tnp.sum(tnp.ones(2)), (np.ones(2),), {}),
    ("0-d input", lambda x: x * x, (np.array(3.0),), {}),
]


@pytest.mark.parametrize(
    "name, f, args, kwargs", ONE_ARRAY_CASES, ids=[c[0] for c in ONE_ARRAY_CASES]
)
def test_grad_of_one_array_matches_the_general_route(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    i = len(args) - 1
    for _ in range(3):
        got = tg.value_and_grad(f, argnums=i)(*args, **kwargs)
        (value, (want,)) = tg.value_and_grad(f, argnums=(i,))(*args, **kwargs)
        assert type(got[0]) is type(value) and got[0] == value
        assert type(got[1]) is type(want) and got[1].dtype == want.dtype
        np.testing.assert_array_equal(got[1], want)
        np.testing.assert_array_equal(tg.grad(f, argnums=i)(*args, **kwargs), want)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x * 2.0,  # not a scalar
        lambda x: (tnp.sum(x),),  # a tuple
        lambda x: tnp.sum(x) > 0,  # not a float
        lambda x: "text",
    ],
)
def test_grad_of_one_array_raises_as_the_general_route(f: Callable[..., Any]) -> None:
    x = np.ones(3)
    with pytest.raises(TypeError) as general:
        tg.grad(f, argnums=(0,))(x)
    with pytest.raises(TypeError) as direct:
        tg.grad(f)(x)
    assert str(direct.value) == str(general.value)
