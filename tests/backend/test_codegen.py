"""The code generator: the source it writes, its cache, the emitters against the
implementations, and buffer reuse on programs made to trip it (aliasing of outputs,
inputs, views and constants)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import compile_program, generate
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, ShapedArray, Var
from tracegrad.ops import structural as sx

F64 = np.dtype(np.float64)
F32 = np.dtype(np.float32)


def same_bits(got: list[Any], want: list[Any]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w), (type(g), type(w))
        assert np.asarray(g).dtype == np.asarray(w).dtype
        assert np.shape(g) == np.shape(w)
        assert np.asarray(g).tobytes() == np.asarray(w).tobytes()


def run_all_ways(f, *args: Any) -> tuple[ClosedJaxpr, str]:
    """Run ``f``'s jaxpr through the interpreter, the generated code with and without buffer
    reuse, and the optimised program: same results, inputs untouched. Returns the jaxpr and
    the generated source (with reuse)."""
    closed = tg.make_jaxpr(f)(*args)
    flat = tg.tree_util.tree_leaves(args)
    copies = [np.array(x, copy=True) for x in flat]
    want = evaluate(closed, *flat)
    program = generate(closed)
    same_bits(program(*flat), want)
    same_bits(generate(closed, reuse_buffers=False)(*flat), want)
    optimised = compile_program(closed)(*flat)
    for g, w in zip(optimised, want, strict=True):
        np.testing.assert_array_equal(g, w)
    for x, c in zip(flat, copies, strict=True):
        assert np.asarray(x).tobytes() == c.tobytes(), "an input was written to"
    return closed, program.source


# ---- the source ---------------------------------------------------------------------------


def test_one_line_per_equation_and_dels() -> None:
    closed = tg.make_jaxpr(lambda x: tnp.sum(tnp.sin(x) * tnp.cos(x)))(np.ones(3))
    src = generate(closed).source
    body = [ln.strip() for ln in src.splitlines()[1:]]
    calls = [ln for ln in body if not ln.startswith(("del ", "return"))]
    assert len(calls) == len(closed.eqns)
    assert calls[0] == "b = np_sin(a)"
    assert "np_add_reduce(" in src
    assert body[-1].startswith("return [")


def test_as_text_is_the_generated_code_of_the_optimised_jaxpr() -> None:
    f = tg.jit(lambda x: tnp.sum(tnp.sin(x) * 1.0 - 0.0))
    lowered = f.lower(np.ones(3))
    text = lowered.as_text()
    assert text.startswith("def program(a):")
    assert "np_sin(a)" in text and "np_multiply" not in text and "np_add(" not in text
    assert [e.primitive.name for e in lowered.jaxpr.eqns] == ["sin", "reduce_sum"]


def test_compiled_once_per_jaxpr_and_optimised_once_per_signature(monkeypatch) -> None:
    """A signature's first call runs the traced program; its second optimises it (once)."""
    from tracegrad.transforms import jit as jit_module

    calls = []
    real = jit_module.optimize
    monkeypatch.setattr(jit_module, "optimize", lambda c: calls.append(1) or real(c))
    f = tg.jit(lambda x: tnp.sin(x) * 2.0)
    x = np.ones(3)
    f(x)
    closed = f.lower(x).jaxpr
    program = compile_program(closed)
    f(x)
    f(x + 1.0)
    assert compile_program(closed) is program
    assert len(calls) == 1
    f(np.ones(4))  # a new signature, called once: traced, run, not optimised
    assert len(calls) == 1
    f(np.ones(4))
    assert len(calls) == 2
    f(np.ones(4))
    assert len(calls) == 2


def test_literals_keep_their_types() -> None:
    x32 = np.linspace(-1, 1, 4).astype(np.float32)
    run_all_ways(lambda x: x * 2.0 + 1.5, x32)
    assert tg.jit(lambda x: x * 2.0 + 1.5)(x32).dtype == np.float32
    # A weakly typed Python scalar literal: inline with 0-d operands (float32: float64 ones
    # run on Python floats, scalar.py); with arrays, a read-only 0-d array of the operands'
    # dtype (NumPy converts a scalar at every call).
    cases = [
        ((), F32, "np_add(a, 2.5)"),
        ((3,), F32, "np_add(a, lit0)"),
        ((3,), F64, "np_add(a, lit0)"),
    ]
    for shape, dtype, text in cases:
        x = Var(ShapedArray(shape, dtype))
        lit = Literal(2.5, ShapedArray((), dtype, True))
        e = JaxprEqn(sx.add_any_p, (x, lit), (Var(x.aval),), {})
        closed = ClosedJaxpr(Jaxpr((), (x,), e.outvars, (e,)), ())
        program = generate(closed)
        assert text in program.source
        same_bits(program(np.ones(shape, dtype)), evaluate(closed, np.ones(shape, dtype)))
    lit0 = program.run.__globals__["lit0"]
    assert lit0.shape == () and lit0.dtype == F64 and not lit0.flags.writeable


def test_scalar_results_keep_their_kind() -> None:
    # 0-d results are NumPy scalars where the implementation gives one, 0-d arrays where it
    # gives one (np.where), never a reused buffer.
    for f in (
        lambda x: tnp.sin(x) * 2.0,
        lambda x: tnp.where(x > 0, x, -x),
        lambda x: x.astype(np.float32),
        lambda x: tnp.sum(x * x),
    ):
        run_all_ways(f, np.float64(0.5))
        run_all_ways(f, 0.5)


def test_variables_named_like_keywords() -> None:
    def f(x):
        for _ in range(400):  # names run past 'if', 'in', 'is', 'or'
            x = tnp.sin(x)
        return x

    _, src = run_all_ways(f, np.ones(2))
    assert "\n    if = " not in src and "if_ = " in src


# ---- emitters -----------------------------------------------------------------------------


def test_fallback_calls_the_implementation_with_its_params() -> None:
    pair = Primitive("pair", multiple_results=True)
    pair.def_impl(lambda x, *, scale, name: [x * scale, np.asarray(name == "a")])
    pair.def_abstract_eval(lambda x, *, scale, name: [x, ShapedArray((), np.dtype(np.bool_))])
    x = Var(ShapedArray((2,), F64))
    outs = (Var(x.aval), Var(ShapedArray((), np.dtype(np.bool_))))
    e = JaxprEqn(pair, (x,), outs, {"scale": 3.0, "name": "a"})
    closed = ClosedJaxpr(Jaxpr((), (x,), outs, (e,)), ())
    src = generate(closed).source
    assert "b, c = pair_impl(a, scale=3.0, name='a')" in src
    same_bits(generate(closed)(np.ones(2)), evaluate(closed, np.ones(2)))


def test_named_emitters_only_for_their_own_primitives() -> None:
    # A primitive called "reshape" from elsewhere gets no reshape emitter.
    impostor = Primitive("reshape")
    impostor.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes)[::-1])
    impostor.def_abstract_eval(lambda x, *, new_sizes: x.update(shape=new_sizes))
    x = Var(ShapedArray((2, 3), F64))
    e = JaxprEqn(impostor, (x,), (Var(ShapedArray((6,), F64)),), {"new_sizes": (6,)})
    closed = ClosedJaxpr(Jaxpr((), (x,), e.outvars, (e,)), ())
    assert "reshape_impl" in generate(closed).source
    x_val = np.arange(6.0).reshape(2, 3)
    same_bits(generate(closed)(x_val), evaluate(closed, x_val))


@pytest.mark.parametrize(
    "f, args",
    [
        (lambda x, y: x @ y, (np.ones((3, 4)), np.ones((4, 2)))),
        (lambda x, y: x @ y.T, (np.ones((3, 4)), np.ones((2, 4)))),
        (lambda x, y: x.T @ y, (np.ones((4, 3)), np.ones((4, 2)))),
        (lambda x, y: x.T @ y.T, (np.ones((4, 3)), np.ones((2, 4)))),
        (lambda x, y: x @ y, (np.ones(4), np.ones((4, 2)))),
        (lambda x, y: tnp.tensordot(x, y, 2), (np.ones((2, 3, 4)), np.ones((3, 4, 5)))),
        (lambda x, y: tnp.matmul(x, y), (np.ones((2, 3, 4)), np.ones((2, 4, 5)))),
    ],
)
def test_dot_general_emitters_match_the_implementation(f, args) -> None:
    rng = np.random.default_rng(1)
    args = tuple(rng.normal(size=np.shape(a)) for a in args)
    run_all_ways(f, *args)
    grad_args = tuple(range(len(args)))
    run_all_ways(tg.grad(lambda *a: tnp.sum(tnp.sin(f(*a))), argnums=grad_args), *args)


def test_square_and_power_give_the_same_bits() -> None:
    rng = np.random.default_rng(2)
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.int64):
        x = (rng.normal(size=1000) * 1e3).astype(dtype)
        closed = tg.make_jaxpr(lambda v: v**2)(x)
        assert "np_square" in generate(closed).source
        with np.errstate(over="ignore"):  # float16 overflows: inf both ways
            same_bits(generate(closed)(x), evaluate(closed, x))


# ---- buffer reuse -------------------------------------------------------------------------


def buffers_written(source: str) -> list[str]:
    """The buffers that ufunc calls write into (their ``out``, passed by position), in order."""
    found = []
    for callee, args in re.findall(r"= (np_\w+)\(([^()]*)\)", source):
        fn = getattr(np, callee.removeprefix("np_"), None)
        parts = args.split(", ")
        if isinstance(fn, np.ufunc) and len(parts) == fn.nin + 1:
            found.append(parts[-1])
    return found


def test_reuse_happens_in_a_chain() -> None:
    _, src = run_all_ways(lambda x: tnp.exp(tnp.sin(x) * 2.0 + 1.0), np.ones(5))
    assert buffers_written(src) == ["b", "c", "d"]


def test_inputs_and_constants_are_never_buffers() -> None:
    w = np.linspace(0.0, 1.0, 5)
    _, src = run_all_ways(lambda x: tnp.sin(x * w) + w, np.ones(5))
    written = buffers_written(src)
    assert written and "a" not in written and "b" not in written  # the constant, the input


def test_outputs_that_are_inputs_or_views() -> None:
    def f(x):
        y = tnp.sin(x)
        return x, y, y.T, y.reshape(-1), tnp.cos(y) + 1.0

    closed, _ = run_all_ways(f, np.arange(6.0).reshape(2, 3))
    out = compile_program(closed)(np.arange(6.0).reshape(2, 3))
    # y and its views survive: nothing was written into y's buffer.
    np.testing.assert_array_equal(out[1], np.sin(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(out[2], out[1].T)


def test_no_reuse_of_a_buffer_still_seen_through_a_view() -> None:
    def f(x):
        y = tnp.sin(x)
        t = y.T  # a view of y, alive after y's last direct use
        u = y * 2.0  # y dies here, but t still reads its memory
        return u + t.T * tnp.exp(u)

    _, src = run_all_ways(f, np.linspace(0.0, 1.0, 6).reshape(2, 3))
    assert "d = np_multiply(b, lit0)\n" in src  # not into b: c still views b


def test_value_used_twice_after_a_reuse_candidate() -> None:
    def f(x):
        y = tnp.sin(x)
        z = tnp.exp(y)  # could reuse nothing: y lives on
        w = z * y  # z dies: in place
        return w + y * y

    run_all_ways(f, np.linspace(0.0, 1.0, 7))


def test_broadcast_views_are_not_buffers() -> None:
    def f(x, s):
        b = tnp.broadcast_to(s, x.shape)  # a view of s's memory
        return tnp.sin(x) + b, b * 2.0, tnp.exp(b)

    run_all_ways(f, np.ones((3, 4)), np.arange(4.0))
    run_all_ways(
        lambda x, s: tnp.sin(tnp.broadcast_to(s * 2.0, x.shape)) + x,
        np.ones((3, 4)),
        np.arange(4.0),
    )


def test_dtype_mismatch_is_not_reused() -> None:
    def f(x):
        y = tnp.sin(x)  # float64, dies
        z = (y > 0).astype(np.float32)  # float32 of the same shape
        return tnp.exp(z)

    _, src = run_all_ways(f, np.linspace(-1.0, 1.0, 6))
    assert "e = np_exp(d, d)" in src  # the float32 cast's own buffer, not b (float64)


def test_returned_constants_are_copies() -> None:
    f = tg.jit(tg.grad(lambda x: -tnp.mean(x * 3.0)))  # folds to a constant
    first = f(np.ones(2))
    first += 100.0
    np.testing.assert_array_equal(f(np.ones(2)), [-1.5, -1.5])
    w = np.arange(3.0)
    g = tg.jit(lambda x: (x, w.reshape(3, 1)))
    out = g(1.0)[1]
    out[0] = 7.0
    assert w[0] == 0.0


def test_multiple_outputs_of_one_buffer() -> None:
    def f(x):
        y = tnp.sin(x) * 2.0
        return y, y, y + 1.0

    closed, _ = run_all_ways(f, np.ones(3))
    a, b, c = compile_program(closed)(np.ones(3))
    assert a is b
    np.testing.assert_array_equal(c, a + 1.0)


def test_stop_gradient_is_its_input_when_the_program_runs() -> None:
    def f(x):
        y = tnp.sin(x)
        s = tg.stop_gradient(y)  # the same array: y's buffer must outlive s
        z = tnp.exp(y)  # y's last direct use
        return s * z + s, s

    closed, src = run_all_ways(f, np.linspace(0.0, 1.0, 5))
    assert "stop_gradient" not in src
    x = np.linspace(0.0, 1.0, 5)
    out = compile_program(closed)(x)
    np.testing.assert_array_equal(out[1], np.sin(x))
    # The marker stays in the IR that jit binds: derivatives through jit still stop there.
    g = tg.grad(lambda v: tnp.sum(tg.jit(f)(v)[0]))(x)
    np.testing.assert_allclose(g, np.sin(x) * np.exp(np.sin(x)) * np.cos(x), rtol=1e-15)


def test_generated_lines_outlive_a_collection_until_the_next_compilation() -> None:
    # linecache.checkcache (pdb, doctest) raises KeyError when an entry vanishes while it
    # walks the cache; a collected program's lines must not vanish inside the collector.
    import gc
    import linecache

    closed = tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(np.ones(3))
    program = generate(closed)
    filename = program.run.__code__.co_filename
    assert "".join(linecache.getlines(filename)) == program.source
    del program
    gc.collect()
    assert filename in linecache.cache  # a walk begun before the collection still finds it
    generate(closed)
    assert filename not in linecache.cache  # and the next compilation forgets it
