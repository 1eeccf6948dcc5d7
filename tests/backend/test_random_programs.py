"""Each pass, the pipeline and the code generator keep the semantics of randomly generated
programs (hypothesis), measured against the reference interpreter."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.programs import inputs_for, recipes, run_recipe, stage
from harness import jit_calls
from tracegrad.backend import cse, dce, fold_constants, generate, inline_calls, optimize, simplify
from tracegrad.backend.codegen import compile_program
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import check_jaxpr

PASSES = {
    "dce": dce,
    "cse": cse,
    "fold_constants": fold_constants,
    "simplify": simplify,
    "inline_calls": inline_calls,
    "optimize": optimize,
}


def assert_same(got: list, want: list, *, bits: bool) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        assert np.asarray(g).dtype == np.asarray(w).dtype
        if bits:
            # Bit for bit, and the same kind of object (array or NumPy scalar).
            assert type(g) is type(w) or (np.ndim(w) == 0 and np.isscalar(g) == np.isscalar(w))
            assert np.asarray(g).tobytes() == np.asarray(w).tobytes(), (g, w)
        else:
            assert_same_values(g, w)


def assert_same_values(g: object, w: object) -> None:
    """Equal values, and equal signs of zeros (1 / -0.0 is -inf): only the algebra's
    exact rewrites may change which NumPy calls run."""
    np.testing.assert_array_equal(g, w)
    g_arr, w_arr = np.asarray(g), np.asarray(w)
    if w_arr.dtype.kind == "f":
        numbers = ~np.isnan(w_arr)
        np.testing.assert_array_equal(np.signbit(g_arr)[numbers], np.signbit(w_arr)[numbers])


@settings(deadline=None)
@given(recipes(), st.integers(0, 2**16))
def test_each_pass_keeps_semantics(recipe, seed) -> None:
    closed = stage(recipe)
    xs = inputs_for(recipe, seed)
    with np.errstate(all="ignore"):
        want = evaluate(closed, *xs)
        for name, p in PASSES.items():
            out = p(closed)
            check_jaxpr(out.jaxpr)
            assert [(a.shape, a.dtype, a.weak_type) for a in out.out_avals] == [
                (a.shape, a.dtype, a.weak_type) for a in closed.out_avals
            ], name
            assert out.in_avals == closed.in_avals, name
            # Only the algebra changes which NumPy calls run.
            bits = name in ("dce", "cse", "inline_calls")
            assert_same(evaluate(out, *xs), want, bits=bits)


# Buffer reuse has many more cases than a few examples reach: more examples here (each
# takes about a millisecond).
@settings(deadline=None, max_examples=300)
@given(recipes(max_steps=14), st.integers(0, 2**16))
def test_generated_code_matches_interpreter(recipe, seed) -> None:
    closed = stage(recipe)
    xs = inputs_for(recipe, seed)
    copies = [x.copy() for x in xs]
    with np.errstate(all="ignore"):
        want = evaluate(closed, *xs)
        # Unoptimised, with and without buffer reuse: the same NumPy calls, the same bits.
        for reuse in (False, True):
            got = generate(closed, reuse_buffers=reuse)(*xs)
            assert_same(got, want, bits=True)
        got = compile_program(closed)(*xs)
        assert_same(got, want, bits=False)
        again = compile_program(closed)(*xs)  # a second run sees no state of the first
        assert_same(again, got, bits=True)
    for x, c in zip(xs, copies):  # buffers are never an input
        assert x.tobytes() == c.tobytes()


@settings(deadline=None, max_examples=100)
@given(recipes(max_steps=14), st.integers(0, 2**16))
def test_outputs_do_not_share_reused_memory(recipe, seed) -> None:
    """No two outputs share memory unless the program says so (a view of one another), and
    writing into one output leaves a second run unchanged."""
    closed = stage(recipe)
    xs = inputs_for(recipe, seed)
    program = compile_program(closed)
    with np.errstate(all="ignore"):
        first = program(*xs)
        want = [np.array(o, copy=True) for o in first]
        for o in first:
            if isinstance(o, np.ndarray) and o.flags.writeable and o.size:
                if not any(o is x or np.shares_memory(o, x) for x in xs):
                    o[...] = 7.0  # a caller scribbling on a result
        second = program(*xs)
    for s, w in zip(second, want):
        np.testing.assert_array_equal(s, w)


def _shares(a, b) -> bool:
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.shares_memory(a, b)


@settings(deadline=None, max_examples=200)
@given(recipes(max_steps=14), st.integers(0, 2**16))
def test_jit_results_are_eager_results(recipe, seed) -> None:
    """jit against the same program run eagerly: values, dtypes, the kind of object (array or
    NumPy scalar) and memory: a jit result shares memory with an argument or another result
    only where the eager one does (docs/jit.md, "Results are the caller's")."""
    xs = inputs_for(recipe, seed)
    copies = [x.copy() for x in xs]
    with np.errstate(all="ignore"):
        want = run_recipe(recipe, *xs)
        calls = jit_calls(lambda *a: run_recipe(recipe, *a), *xs)
    for got in calls:  # the first call runs the traced program, the second generated code
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert np.shape(g) == np.shape(w)
            assert np.asarray(g).dtype == np.asarray(w).dtype
            assert_same_values(g, w)
            if np.ndim(w) == 0:  # a NumPy scalar, also where eager built a 0-d array
                assert isinstance(g, np.generic), (type(g), type(w))
                assert type(g) is type(w) or isinstance(w, np.ndarray)
            else:
                assert type(g) is np.ndarray
            for x in xs:
                assert not _shares(g, x) or _shares(w, x)
        for i, j in itertools.combinations(range(len(got)), 2):
            assert not _shares(got[i], got[j]) or _shares(want[i], want[j])
    got = calls[1]
    for o in got:  # a caller writing into every result changes nothing it passed
        if isinstance(o, np.ndarray) and o.flags.writeable:
            o[...] = 7.0
    for x, c in zip(xs, copies):
        assert x.tobytes() == c.tobytes()
