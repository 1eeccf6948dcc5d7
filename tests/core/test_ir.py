"""The IR: printing, checking, make_jaxpr and eval_jaxpr."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, ShapedArray, Var, check_jaxpr
from tracegrad.core.ir import JaxprTypeError
from tracegrad.ops import elementwise as ew

F32 = np.dtype(np.float32)


def test_printed_form_matches_spec() -> None:
    closed = tg.make_jaxpr(lambda a: tnp.sin(a) * a)(np.ones(3, np.float32))
    assert str(closed) == (
        "{ lambda ; a:f32[3]. let\n    b:f32[3] = sin a\n    c:f32[3] = mul b a\n  in (c,) }"
    )


def test_jaxpr_structure_like_jax() -> None:
    closed = tg.make_jaxpr(lambda a, b: (a * b, a))(np.ones(2), 2.0)
    assert isinstance(closed, ClosedJaxpr)
    jaxpr = closed.jaxpr
    assert len(jaxpr.invars) == 2 and len(jaxpr.outvars) == 2
    (eqn,) = jaxpr.eqns
    assert eqn.primitive.name == "mul"
    assert eqn.invars == (jaxpr.invars[0], jaxpr.invars[1])
    assert eqn.params == {}
    assert jaxpr.invars[1].aval == ShapedArray((), np.dtype(np.float64), weak_type=True)


def test_literals_consts_and_params() -> None:
    w = np.arange(3.0)
    closed = tg.make_jaxpr(lambda x: tnp.sum(x * w + 2.0, axis=0))(np.ones(3))
    text = str(closed)
    assert text.startswith("{ lambda a:f64[3]; b:f64[3]. let")
    assert "2.0:f64[]" in text
    assert "reduce_sum[axes=(0,)]" in text
    assert closed.consts[0] is w


def test_eval_jaxpr_is_transformable() -> None:
    closed = tg.make_jaxpr(lambda x: tnp.sin(x) * x)(1.0)
    f = lambda x: tg.eval_jaxpr(closed, x)[0]
    assert f(2.0) == pytest.approx(np.sin(2.0) * 2.0)
    assert tg.grad(f)(2.0) == pytest.approx(np.sin(2.0) + 2.0 * np.cos(2.0))
    assert tg.grad(tg.grad(f))(2.0) == pytest.approx(2 * np.cos(2.0) - 2.0 * np.sin(2.0))


def test_make_jaxpr_pytrees_and_static_args() -> None:
    def f(params, x, n):
        return {"y": params["w"] * x**n if False else params["w"] * x, "n": n}

    closed = tg.make_jaxpr(f, static_argnums=2)({"w": np.ones(2)}, np.ones(2), 3)
    assert [a.shape for a in closed.in_avals] == [(2,), (2,)]
    assert len(closed.jaxpr.outvars) == 2


def test_make_jaxpr_of_grad_stages_both_passes() -> None:
    closed = tg.make_jaxpr(tg.grad(lambda x: tnp.sum(tnp.sin(x))))(np.ones(3))
    names = [e.primitive.name for e in closed.eqns]
    assert "cos" in names and "sin" in names


def test_checker_rejects_use_before_definition() -> None:
    a = Var(ShapedArray((3,), F32))
    b = Var(ShapedArray((3,), F32))
    bad = Jaxpr((), (a,), (b,), (JaxprEqn(ew.sin_p, (b,), (Var(b.aval),), {}),))
    with pytest.raises(JaxprTypeError, match="used before definition"):
        check_jaxpr(bad)


def test_checker_rejects_wrong_types() -> None:
    a = Var(ShapedArray((3,), F32))
    out = Var(ShapedArray((4,), F32))
    bad = Jaxpr((), (a,), (out,), (JaxprEqn(ew.sin_p, (a,), (out,), {}),))
    with pytest.raises(JaxprTypeError, match="abstract evaluation"):
        check_jaxpr(bad)


def test_var_names_past_z() -> None:
    def f(x):
        for _ in range(30):
            x = tnp.sin(x)
        return x

    text = str(tg.make_jaxpr(f)(1.0))
    assert " ba:f64[] = sin" in text
