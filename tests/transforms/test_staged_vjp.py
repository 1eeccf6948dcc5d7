"""The staged-vjp service (transforms/staged_vjp.py): its dead-code elimination, its bounded
cache, and that a plan build fails loudly except in the one expected case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
import tracegrad.torch as torch
from tracegrad.core import Primitive, ShapedArray
from tracegrad.core.cache import PlanCache
from tracegrad.errors import ConcretizationTypeError
from tracegrad.torch import graph
from tracegrad.transforms import tape
from tracegrad.transforms.staged_vjp import PLANS, VjpPlan, dce_jaxpr


def test_dce_keeps_what_the_kept_outputs_need() -> None:
    k = np.arange(3.0)
    closed = tg.make_jaxpr(lambda x, y: (tnp.sin(x) * k, tnp.cos(y) + x))(np.ones(3), np.ones(3))
    first, used = dce_jaxpr(closed, [True, False])
    assert [e.primitive.name for e in first.eqns] == ["sin", "mul"]
    assert used == [True, True] and len(first.jaxpr.invars) == 2  # all inputs stay
    assert len(first.consts) == 1
    second, used = dce_jaxpr(closed, [False, True], instantiate=False)
    assert [e.primitive.name for e in second.eqns] == ["cos", "add"]
    assert used == [True, True] and second.consts == ()  # k is read by sin's branch only
    only_y, used = dce_jaxpr(
        tg.make_jaxpr(lambda x, y: tnp.cos(y))(1.0, 2.0), [True], instantiate=[False, False]
    )
    assert used == [False, True] and len(only_y.jaxpr.invars) == 1
    np.testing.assert_allclose(tg.eval_jaxpr(only_y, 2.0)[0], np.cos(2.0))


def test_cache_is_bounded_and_forgets_the_oldest() -> None:
    cache = PlanCache(3)
    for i in range(5):
        cache.put(i, str(i))
    assert len(cache) == 3 and [k for k, _ in cache.items()] == [2, 3, 4]
    cache.put(3, "again")  # a key already held takes no room
    assert len(cache) == 3 and cache.get(2) == "2" and cache.get(3) == "again"
    with pytest.raises(TypeError):
        cache.get(([],))


def test_one_cache_holds_the_tapes_and_the_shims_plans() -> None:
    PLANS.clear()
    x = np.linspace(0.1, 1.0, 4)
    for _ in range(2):
        tg.grad(lambda v: tnp.sum(tnp.sin(v)))(x)
    t = torch.tensor(x, requires_grad=True)
    torch.sin(t).sum().backward()
    kinds = {type(v).__name__ for _, v in PLANS.items()}
    assert {"VjpPlan", "GradFnPlan"} <= kinds


def test_plan_reads_only_the_residuals_it_needs() -> None:
    aval = ShapedArray((3,), np.dtype("float64"))
    plan = VjpPlan(lambda x, y: [tnp.sin(x) * y], [aval, aval], (0,)).compile()
    assert plan.n_res == 2  # cos(x) and y
    assert plan.known is not None
    out, *res = plan.known(np.ones(3), np.full(3, 2.0))
    np.testing.assert_allclose(out, 2 * np.sin(1.0))
    (ct,) = plan.pull(res, [np.ones(3)], True)
    np.testing.assert_allclose(ct, 2 * np.cos(1.0))


# ---- failures: only the expected one is absorbed --------------------------------------------


def test_tape_plan_failure_other_than_concretization_propagates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    PLANS.clear()

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in staging")

    monkeypatch.setattr(tape, "VjpPlan", broken)
    f = lambda v: tnp.sum(tnp.exp(v))
    x = np.ones(2)
    np.testing.assert_allclose(tg.grad(f)(x), np.exp(x))  # first sighting: interpretive
    with pytest.raises(RuntimeError, match="a bug in staging"):
        tg.grad(f)(x)  # second: the plan is built, and its failure is not swallowed


def test_tape_concretization_failure_stays_interpretive(monkeypatch: pytest.MonkeyPatch) -> None:
    PLANS.clear()

    def needs_values(*args: Any) -> Any:
        raise ConcretizationTypeError("needs a concrete value")

    monkeypatch.setattr(tape, "VjpPlan", needs_values)
    x = np.ones(2)
    for _ in range(3):
        np.testing.assert_allclose(tg.grad(lambda v: tnp.sum(tnp.exp(v)))(x), np.exp(x))
    assert None in [v for _, v in PLANS.items()]  # remembered: not rebuilt on every call


def _no_jvp_primitive() -> Primitive:
    p = Primitive("opaque_double")
    p.def_impl(lambda x: x * 2.0)
    p.def_abstract_eval(lambda a: a)
    return p


def test_shim_op_without_derivative_raises_at_backward() -> None:
    op = graph.Op("OpaqueBackward0", _no_jvp_primitive().bind)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    y = graph.apply(op, (t,))
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 4.0])  # the forward runs
    with pytest.raises(RuntimeError, match="derivative for OpaqueBackward0 could not be formed"):
        y.sum().backward()


def test_shim_plan_failure_other_than_a_missing_rule_propagates() -> None:
    def fn(x: Any) -> Any:
        if not isinstance(x, np.ndarray):
            raise ValueError("a bug in an operation's function")
        return tnp.sin(x)

    op = graph.Op("SinBackward0", fn)
    with pytest.raises(ValueError, match="a bug in an operation"):
        graph.apply(op, (torch.tensor([1.0], requires_grad=True),))


def test_staged_forward_failure_other_than_concretization_propagates() -> None:
    def fn(x: Any) -> Any:
        if not isinstance(x, np.ndarray):
            raise ValueError("a bug in an operation's function")
        return tnp.sin(x)

    op = graph.Op("SinBackward0", fn, staged=True)
    x = torch.tensor([1.0, 2.0])
    graph.apply(op, (x,))  # first call: eager
    with pytest.raises(ValueError, match="a bug in an operation"):
        graph.apply(op, (x,))  # second: staged, and the failure is not swallowed
