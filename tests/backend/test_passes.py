"""Each IR pass on its own, on hand-built and on staged jaxprs; every result passes the IR
checker and computes what its argument computes."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import cse, dce, fold_constants, inline_calls, optimize, simplify
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import (
    ClosedJaxpr,
    Jaxpr,
    JaxprEqn,
    Literal,
    Primitive,
    ShapedArray,
    Var,
    check_jaxpr,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import structural as sx
from tracegrad.transforms.jit import jit_p

F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)


def aval(*shape: int, dtype=F64, weak: bool = False) -> ShapedArray:
    return ShapedArray(tuple(shape), np.dtype(dtype), weak)


def lit(value, dtype=F64) -> Literal:
    return Literal(np.asarray(value, dtype), aval(dtype=dtype))


def eqn(prim, invars, out_aval, **params) -> JaxprEqn:
    return JaxprEqn(prim, tuple(invars), (Var(out_aval),), params)


def program(invars, eqns, outvars, constvars=(), consts=()) -> ClosedJaxpr:
    closed = ClosedJaxpr(
        Jaxpr(tuple(constvars), tuple(invars), tuple(outvars), tuple(eqns)), consts
    )
    check_jaxpr(closed.jaxpr)
    return closed


def names(closed: ClosedJaxpr) -> list[str]:
    return [e.primitive.name for e in closed.eqns]


def checked(closed: ClosedJaxpr, result: ClosedJaxpr, *args) -> ClosedJaxpr:
    """``result`` type-checks, keeps the signature and computes what ``closed`` does."""
    check_jaxpr(result.jaxpr)
    assert result.in_avals == closed.in_avals
    assert result.out_avals == closed.out_avals
    for got, want in zip(evaluate(result, *args), evaluate(closed, *args), strict=True):
        np.testing.assert_array_equal(got, want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
    return result


# ---- dce ----------------------------------------------------------------------------------


def test_dce_removes_dead_equations_and_constants() -> None:
    x = Var(aval(3))
    c = Var(aval(3))
    e1 = eqn(ew.sin_p, [x], aval(3))
    e2 = eqn(ew.mul_p, [x, c], aval(3))  # dead, and the only user of the constant
    e3 = eqn(ew.cos_p, [e1.outvars[0]], aval(3))
    closed = program([x], [e1, e2, e3], [e3.outvars[0]], [c], (np.ones(3),))
    out = checked(closed, dce(closed), np.arange(3.0))
    assert names(out) == ["sin", "cos"]
    assert out.consts == () and out.jaxpr.constvars == ()
    assert dce(out) is out  # nothing left to do: the same object


def test_dce_keeps_inputs_and_multiple_result_equations() -> None:
    closed = tg.make_jaxpr(lambda x, y: tnp.linalg.eigh(x)[0] * 2.0)(np.eye(2), 1.0)
    out = checked(closed, dce(closed), np.diag([2.0, 1.0]), 1.0)
    assert len(out.jaxpr.invars) == 2
    assert "eigh" in names(out)


def test_dce_recurses_into_jit_bodies_keeping_their_signature() -> None:
    inner = tg.jit(lambda x: (tnp.sin(x), tnp.cos(x) * 2.0))
    closed = tg.make_jaxpr(lambda x: inner(x)[0])(1.0)
    (call,) = [e for e in closed.eqns if e.primitive is jit_p]
    body = call.params["jaxpr"]
    out = checked(closed, dce(closed), 0.5)
    (new_call,) = [e for e in out.eqns if e.primitive is jit_p]
    new_body = new_call.params["jaxpr"]
    assert len(new_body.jaxpr.outvars) == len(body.jaxpr.outvars)  # same contract
    assert new_body.out_avals == body.out_avals


def test_dce_leaves_unknown_higher_order_primitives_alone() -> None:
    opaque = Primitive("opaque_call")
    opaque.def_impl(lambda x, *, jaxpr: x)
    opaque.def_abstract_eval(lambda x, *, jaxpr: x)
    body = tg.make_jaxpr(lambda x: (tnp.sin(x), tnp.cos(x))[0])(1.0)
    x = Var(aval())
    e = eqn(opaque, [x], aval(), jaxpr=body)
    closed = program([x], [e], [e.outvars[0]])
    out = dce(closed)
    assert out.eqns[0].params["jaxpr"] is body


# ---- cse ----------------------------------------------------------------------------------


def test_cse_merges_equal_equations() -> None:
    closed = tg.make_jaxpr(lambda x: tnp.sin(x) * tnp.sin(x) + tnp.sin(x))(np.ones(3))
    out = checked(closed, cse(closed), np.arange(3.0))
    assert names(dce(out)).count("sin") == 1


def test_cse_commutative_operands() -> None:
    closed = tg.make_jaxpr(lambda x, y: (x * y) - (y * x))(2.0, 3.0)
    out = dce(checked(closed, cse(closed), 2.0, 3.0))
    assert names(out) == ["mul", "sub"]
    closed = tg.make_jaxpr(lambda x, y: (x - y) + (y - x))(2.0, 3.0)
    assert names(dce(cse(closed))).count("sub") == 2  # not commutative


def test_cse_distinguishes_params_literals_and_signed_zeros() -> None:
    x = Var(aval(3))
    e1 = eqn(ew.add_p, [x, lit(0.0)], aval(3))
    e2 = eqn(ew.add_p, [x, lit(-0.0)], aval(3))
    e3 = eqn(ew.integer_pow_p, [x], aval(3), y=2)
    e4 = eqn(ew.integer_pow_p, [x], aval(3), y=3)
    e5 = eqn(ew.add_p, [x, lit(0.0)], aval(3))
    outs = [e.outvars[0] for e in (e1, e2, e3, e4, e5)]
    closed = program([x], [e1, e2, e3, e4, e5], outs)
    out = checked(closed, cse(closed), np.array([-0.0, 1.0, 2.0]))
    assert len(out.eqns) == 4
    assert out.jaxpr.outvars[4] is out.jaxpr.outvars[0]


def test_cse_compares_jaxpr_params_by_identity() -> None:
    f = tg.jit(lambda x: tnp.sin(x) * 2.0)
    g = tg.jit(lambda x: tnp.sin(x) * 2.0)  # the same program, another object
    closed = tg.make_jaxpr(lambda x: f(x) + f(x) + g(x))(1.0)
    out = checked(closed, cse(closed), 0.3)
    assert names(out).count("jit") == 2


def test_cse_keeps_output_types() -> None:
    # Two equal casts, one an output: merging keeps the output's aval.
    x = Var(aval(weak=True))
    e1 = eqn(sx.convert_element_type_p, [x], aval(), new_dtype=F64)
    e2 = eqn(sx.convert_element_type_p, [x], aval(), new_dtype=F64)
    closed = program([x], [e1, e2], [e1.outvars[0], e2.outvars[0]])
    out = checked(closed, cse(closed), 1.5)
    assert len(out.eqns) == 1


# ---- constant folding ---------------------------------------------------------------------


def test_fold_constants_literals_and_consts() -> None:
    x = Var(aval(3))
    c = Var(aval(3))
    e1 = eqn(ew.neg_p, [lit(1.0)], aval())
    e2 = eqn(ew.mul_p, [c, e1.outvars[0]], aval(3))
    e3 = eqn(ew.add_p, [x, e2.outvars[0]], aval(3))
    closed = program([x], [e1, e2, e3], [e3.outvars[0]], [c], (np.arange(3.0),))
    out = checked(closed, dce(fold_constants(closed)), np.ones(3))
    assert names(out) == ["add"]
    np.testing.assert_array_equal(out.consts[0], -np.arange(3.0))


def test_fold_constants_scalar_results_become_literals_of_the_right_type() -> None:
    x = Var(aval(dtype=F32))
    e1 = eqn(ew.div_p, [lit(1.0, F32), lit(3.0, F32)], aval(dtype=F32, weak=True))
    e2 = eqn(ew.mul_p, [x, e1.outvars[0]], aval(dtype=F32))
    closed = program([x], [e1, e2], [e2.outvars[0], e1.outvars[0]])
    out = checked(closed, fold_constants(closed), np.float32(3.0))
    assert names(out) == ["mul"]
    folded = out.eqns[0].invars[1]
    assert isinstance(folded, Literal)
    assert folded.aval == aval(dtype=F32, weak=True)
    assert np.asarray(folded.val).dtype == F32
    assert out.jaxpr.outvars[1].aval.weak_type  # the output keeps its weak type


def test_fold_constants_skips_tracers_large_results_and_errors() -> None:
    x = Var(aval(2000, 1000))
    c = Var(aval(2000))
    e1 = eqn(
        sx.broadcast_in_dim_p, [c], aval(1000, 2000), shape=(1000, 2000), broadcast_dimensions=(1,)
    )
    e2 = eqn(ew.exp_p, [e1.outvars[0]], aval(1000, 2000))  # 16 MB: left to run time
    closed = program([x], [e1, e2], [e2.outvars[0]], [c], (np.zeros(2000),))
    out = fold_constants(closed)
    assert names(out) == ["exp"]  # the broadcast is a view: folded; the exp is not
    # An implementation that raises: the equation stays (and raises at run time).
    failing = Primitive("failing")
    failing.def_impl(lambda x: 1 / 0)
    failing.def_abstract_eval(lambda x: x)
    y = Var(aval(3))
    bad = eqn(failing, [lit(1.0)], aval())
    closed = program([y], [bad], [bad.outvars[0]])
    assert names(fold_constants(closed)) == ["failing"]


def test_fold_constants_lets_a_bug_propagate() -> None:
    # Only what an implementation raises for its values is left to run time; an error of
    # the program's structure (a parameter the implementation does not take) is a bug.
    wrong = Primitive("wrong_params")
    wrong.def_impl(lambda x, *, axes: x)
    wrong.def_abstract_eval(lambda x, **params: x)
    bad = eqn(wrong, [lit(1.0)], aval(), axis=0)
    closed = program([], [bad], [bad.outvars[0]])
    with pytest.raises(TypeError, match="axis"):
        fold_constants(closed)


def test_simplify_lets_a_failing_rule_propagate() -> None:
    def rule(rb, eqn, ins):
        return ins[0] if eqn.params["y"] == 1 else None

    prim = Primitive("with_rule")
    prim.def_impl(lambda x, **params: x)
    prim.def_abstract_eval(lambda x, **params: x)
    prim.def_simplify(rule)
    x = Var(aval())
    good = program([x], [e := eqn(prim, [x], aval(), y=1)], [e.outvars[0]])
    assert names(dce(simplify(good))) == []
    bad = program([x], [e := eqn(prim, [x], aval(), z=1)], [e.outvars[0]])
    with pytest.raises(KeyError, match="y"):
        simplify(bad)


def test_a_primitive_named_like_a_builtin_one_gets_no_rules() -> None:
    # Rules are the primitive's, not its name's: a user's own "reduce_sum" (other params)
    # is neither simplified nor emitted as NumPy's sum.
    mine = Primitive("reduce_sum")
    mine.def_impl(lambda x, *, axis: np.sum(x, axis=axis))
    mine.def_abstract_eval(lambda x, *, axis: ShapedArray((), x.dtype))
    x = Var(aval(3))
    closed = program([x], [e := eqn(mine, [x], aval(), axis=0)], [e.outvars[0]])
    assert optimize(closed) is closed
    from tracegrad.backend.codegen import compile_program

    program_ = compile_program(closed)
    assert "reduce_sum_impl(a, axis=0)" in program_.source
    assert program_(np.arange(3.0)) == [3.0]


def test_fold_constants_leaves_tracer_constants_alone() -> None:
    seen = []

    def outer(y):
        # A program closed over a tracer of the enclosing grad: its value is not known yet.
        closed = tg.make_jaxpr(lambda x: x * (y * 2.0))(1.0)
        folded = fold_constants(closed)
        seen.append([e.primitive.name for e in folded.eqns])
        return tg.eval_jaxpr(folded, 3.0)[0]

    assert tg.grad(outer)(1.0) == 6.0
    assert seen == [["mul", "mul"]]


# ---- simplify -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, expected",
    [
        (lambda x: x * 1.0, []),
        (lambda x: 1.0 * x, []),
        (lambda x: x + 0.0, ["add"]),  # -0.0 + 0.0 is +0.0: kept
        (lambda x: 0.0 + x, ["add"]),
        (lambda x: x + -0.0, []),
        (lambda x: x - 0.0, []),
        (lambda x: x / 1.0, []),
        (lambda x: -(-x), []),
        (lambda x: x.T.T, []),
        (lambda x: tnp.transpose(tnp.transpose(x, (1, 0, 2)), (0, 2, 1)), ["transpose"]),
        (lambda x: x.reshape(6, 4).reshape(3, 8), ["reshape"]),
        (lambda x: x.reshape(6, 4).reshape(2, 3, 4), []),
        (lambda x: x.astype(np.float64), []),
        (lambda x: x * 0.0, ["mul"]),  # inf * 0 is NaN: not folded for floats
        (lambda x: x - 1.0 * 0.0, []),
        (lambda x: 0.0 - x, ["sub"]),
        (
            lambda x: tnp.broadcast_to(tnp.broadcast_to(x, (5, 2, 3, 4)), (7, 5, 2, 3, 4)),
            ["broadcast_in_dim"],
        ),
    ],
)
def test_simplify_rules(fn, expected) -> None:
    x = np.linspace(-2.0, 2.0, 24).reshape(2, 3, 4)
    closed = tg.make_jaxpr(fn)(x)
    out = checked(closed, dce(simplify(closed)), x)
    assert names(out) == expected


def test_simplify_add_any_of_instantiated_zeros_and_broadcast_ones() -> None:
    x = Var(aval(4))
    z = eqn(sx.broadcast_in_dim_p, [lit(0.0)], aval(4), shape=(4,), broadcast_dimensions=())
    one = eqn(sx.broadcast_in_dim_p, [lit(1.0)], aval(4), shape=(4,), broadcast_dimensions=())
    e1 = eqn(sx.add_any_p, [z.outvars[0], x], aval(4))
    e2 = eqn(ew.mul_p, [one.outvars[0], e1.outvars[0]], aval(4))
    closed = program([x], [z, one, e1, e2], [e2.outvars[0]])
    out = checked(closed, dce(simplify(closed)), np.arange(4.0))
    assert out.jaxpr.outvars[0] is x and not out.eqns


def test_simplify_never_changes_shapes_by_broadcasting() -> None:
    # x * ones with ones of a bigger shape broadcasts x: not the identity.
    closed = tg.make_jaxpr(lambda x: x * tnp.ones((2, 3)))(np.arange(3.0))
    out = checked(closed, dce(simplify(closed)), np.arange(3.0))
    assert out.out_avals[0].shape == (2, 3)
    assert names(out) == ["mul"]


def test_simplify_integer_times_zero_and_float_times_finite_const() -> None:
    closed = tg.make_jaxpr(lambda x: x * tnp.zeros(3, np.int64))(np.arange(3))
    assert names(dce(checked(closed, simplify(closed), np.arange(3)))) == []


def test_simplify_keeps_weak_output_types() -> None:
    x = Var(aval(weak=True))
    e = eqn(sx.convert_element_type_p, [x], aval(), new_dtype=F64)  # strips the weak type
    closed = program([x], [e], [e.outvars[0]])
    out = checked(closed, simplify(closed), 1.0)
    assert out.out_avals[0].weak_type is False
    assert names(out) == ["convert_element_type"]
    # Inside the program (not an output), the cast goes.
    e2 = eqn(ew.sin_p, [e.outvars[0]], aval())
    closed = program([x], [e, e2], [e2.outvars[0]])
    assert names(dce(checked(closed, simplify(closed), 1.0))) == ["sin"]


def test_simplify_keeps_stop_gradient() -> None:
    closed = tg.make_jaxpr(lambda x: tg.stop_gradient(x) * x)(1.0)
    assert "stop_gradient" in names(optimize(closed))


# ---- inlining -----------------------------------------------------------------------------


def test_inline_nested_jits_into_one_body() -> None:
    inner = tg.jit(lambda x: tnp.sin(x) + 1.0)
    middle = tg.jit(lambda x: inner(x) * inner(x * 2.0))
    closed = tg.make_jaxpr(lambda x: middle(x) - 1.0)(np.ones(2))
    out = checked(closed, inline_calls(closed), np.arange(2.0))
    assert "jit" not in names(out)
    assert names(out).count("sin") == 2  # each call site gets its own copy


def test_inline_keeps_other_call_primitives() -> None:
    @tg.custom_jvp
    def f(x):
        return tnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), tangents[0]))
    closed = tg.make_jaxpr(lambda x: tg.jit(f)(x) * 2.0)(1.0)
    out = checked(closed, inline_calls(closed), 0.5)
    assert "custom_jvp_call" in names(out) and "jit" not in names(out)
    # The execution pipeline inlines it too (its derivative rule no longer matters there).
    from tracegrad.backend.codegen import compile_program

    assert "custom_jvp_call" not in names(compile_program(closed).jaxpr)


def test_inline_constants_of_bodies() -> None:
    w = np.arange(3.0)
    inner = tg.jit(lambda x: x * w)
    closed = tg.make_jaxpr(lambda x: inner(x) + inner(x))(np.ones(3))
    out = checked(closed, inline_calls(closed), np.ones(3))
    assert len(out.consts) == 1  # one constvar per constant value


# ---- the pipeline -------------------------------------------------------------------------


def test_optimize_a_gradient() -> None:
    def f(x):
        return tnp.sum(tnp.tanh(x) * 2.0 + tnp.sin(x) * tnp.sin(x))

    x = np.linspace(-1.0, 1.0, 5)
    closed = tg.make_jaxpr(tg.grad(f))(x)
    out = checked(closed, optimize(closed), x)
    assert len(out.eqns) < len(closed.eqns)
    assert names(out).count("sin") == 1
    assert "reduce_sum" not in names(out)  # the primal output was dead
    assert optimize(out) is out  # a fixed point


def test_checkpoint_stays_a_call_in_the_program_that_runs() -> None:
    from tracegrad.backend.codegen import compile_program

    f = tg.checkpoint(lambda v: tnp.sin(tnp.sin(v)) * v)
    closed = tg.make_jaxpr(tg.grad(lambda x: tnp.sum(f(x))))(np.ones(3))
    program = compile_program(closed)
    # Inlined, its recomputation of sin(sin(x)) would be merged with the forward pass's.
    assert "checkpoint" in names(program.jaxpr)
    np.testing.assert_allclose(
        program(np.ones(3))[0], tg.grad(lambda x: tnp.sum(tnp.sin(tnp.sin(x)) * x))(np.ones(3))
    )


def test_simplify_float_times_zeros_is_not_zeros() -> None:
    # inf * 0 and nan * 0 are NaN: x * zeros stays a multiplication for floating x.
    x = np.array([1.0, np.inf, np.nan, -2.0])
    closed = tg.make_jaxpr(lambda v: v * tnp.zeros(4))(x)
    with np.errstate(invalid="ignore"):
        out = checked(closed, dce(simplify(closed)), x)
        assert np.isnan(tg.jit(lambda v: v * tnp.zeros(4))(x)[1])
    assert names(out) == ["mul"]
