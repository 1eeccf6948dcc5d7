"""Chunked elementwise kernels (backend/chunking.py): jitted programs over large arrays run
chunk by chunk and give eager's results bit for bit, whatever the size, the layout or the
alignment of their inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import chunking, compile_program, threads

UNARY = [tnp.sin, tnp.cos, tnp.tan, tnp.exp, tnp.tanh, tnp.arcsinh, tnp.expm1, tnp.log1p,
         tnp.sqrt, tnp.log, tnp.negative, tnp.square, tnp.reciprocal]  # fmt: skip
BINARY = [tnp.add, tnp.subtract, tnp.multiply, tnp.divide, tnp.maximum, tnp.power]


def chain(unary: list, binary: list):
    def f(x, y):
        a = x
        for i, u in enumerate(unary):
            a = u(tnp.abs(a) + 0.5) * 0.75 if i % 2 else u(a * 0.5)
            a = binary[i % len(binary)](a, y)
        return a, a * y

    return f


def check_against_eager(f, *args, thread_counts=(1, 3)) -> str:
    """The generated code of ``jit(f)`` gives eager's bits, run on each number of threads."""
    jf = tg.jit(f)
    saved = threads.count()
    with np.errstate(all="ignore"):
        want = f(*args)
        jf(*args)  # the traced program
        for n in thread_counts:
            threads.set_count(n)
            try:
                got = jf(*args)  # generated code
            finally:
                threads.set_count(saved)
            for g, w in zip(got, want, strict=True):
                assert g.dtype == w.dtype and g.shape == w.shape
                assert g.tobytes() == np.asarray(w).tobytes()
    return jf.lower(*args).as_text()


@pytest.mark.usefixtures("small_chunks")
@settings(deadline=None, max_examples=120)
@given(
    st.lists(st.sampled_from(UNARY), min_size=1, max_size=6),
    st.lists(st.sampled_from(BINARY), min_size=1, max_size=3),
    st.integers(128, 700),
    st.integers(0, 7),
    st.sampled_from([np.float64, np.float32]),
    st.sampled_from(["contiguous", "offset", "strided", "transposed", "fortran"]),
    st.integers(2, 5),
)
def test_chunked_kernels_match_eager_bit_for_bit(unary, binary, n, offset, dtype, layout, count):
    """On one thread and on ``count`` threads (threads.py), each chunk written by whichever
    thread took it."""
    rng = np.random.default_rng(n)
    base = rng.normal(size=2 * n + 16).astype(dtype) * 3
    x = {
        "contiguous": base[:n].copy(),
        "offset": base[offset : offset + n],  # not aligned as an allocation is
        "strided": base[: 2 * n : 2],
        "transposed": base[:n].reshape(1, n).T[:, 0],
        "fortran": np.asfortranarray(base[: n - n % 4].reshape(4, -1)),
    }[layout]
    y = rng.uniform(0.5, 2.0, x.shape).astype(dtype)
    source = check_against_eager(chain(unary, binary), x, y, thread_counts=(1, count))
    assert "chunk by chunk" in source


def test_gradient_of_a_long_chain_at_full_size() -> None:
    """W3 of the benchmark at the real chunk size: forward and backward in one kernel, its
    only full-size array the result."""

    def f(x):
        for _ in range(4):
            x = tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1))
        return tnp.sum(x)

    x = np.linspace(-1.0, 1.0, chunking.MIN_SIZE + 3)
    g = tg.jit(tg.grad(f))
    source = check_against_eager(lambda x: [tg.grad(f)(x)], x)
    assert source.count("chunk by chunk") == 1 and "np_cos" in source
    body = source.split("def program")[1]
    assert body.count("np_") == 0  # everything is in the kernel
    assert g(x).dtype == np.float64


@pytest.mark.usefixtures("small_chunks")
def test_kernels_stop_at_other_operations_and_shapes() -> None:
    def f(x, m):
        a = tnp.sin(x) * 2.0  # a kernel of x's shape
        s = tnp.sum(a)  # stops it; its 0-d result is an input of the next kernel
        b = tnp.exp(a * s) - a  # a kernel reading a (an output of the first)
        c = (m @ m) * 2.0 + 1.0  # another shape, after a matrix product
        return b, c, tnp.cos(b)

    x = np.linspace(0.0, 1.0, 300)
    m = np.linspace(0.0, 1.0, 256).reshape(16, 16)
    source = check_against_eager(f, x, m)
    assert source.count("chunk by chunk") == 3
    program = source.split("def program")[1]
    assert "np_add_reduce" in program and "np_dot" in program


def test_short_runs_are_not_chunked() -> None:
    x = np.ones(chunking.MIN_SIZE)
    assert "chunk by chunk" not in check_against_eager(lambda x: [tnp.sin(x) * 2.0 - x], x)
    assert "chunk by chunk" in check_against_eager(lambda x: [tnp.sin(x) * 2.0 - x + 1.0], x)
    small = np.ones(chunking.MIN_SIZE - 1)
    assert "chunk by chunk" not in check_against_eager(
        lambda x: [tnp.sin(x) * 2.0 - x + 1.0], small
    )


@pytest.mark.usefixtures("small_chunks")
def test_small_arrays_and_single_operations_are_not_chunked() -> None:
    assert "chunk by chunk" not in check_against_eager(lambda x: [tnp.sin(x) * 2.0], np.ones(100))
    assert "chunk by chunk" not in check_against_eager(lambda x: [tnp.sin(x)], np.ones(1000))
    # operands of other dtypes or shapes (broadcasts): NumPy's own rules, whole arrays
    source = check_against_eager(
        lambda x, r: [tnp.sin(x) * r + 1.0], np.ones((10, 30)), np.arange(30.0)
    )
    assert "chunk by chunk" not in source


def test_rules_in_the_jaxpr() -> None:
    closed = tg.make_jaxpr(lambda x: tnp.sum(tnp.exp(tnp.sin(x) * 2.0 + x)))(np.ones(10))
    eqns = chunking.regions(closed.eqns, closed.jaxpr.outvars, min_size=8)
    assert [e.primitive.name for e in eqns] == ["chunked_kernel", "reduce_sum"]
    body = eqns[0].params["body"]
    assert [e.primitive.name for e in body.eqns] == ["sin", "mul", "add", "exp"]
    assert len(body.jaxpr.outvars) == 1  # only exp's result is read after the kernel
    assert chunking.regions(closed.eqns, closed.jaxpr.outvars, min_size=11) == list(closed.eqns)


def test_compile_program_outputs_are_fresh_and_reusable() -> None:
    closed = tg.make_jaxpr(lambda x: (tnp.sin(x) + 1.0, tnp.cos(x) * 2.0))(np.ones(10**5))
    program = compile_program(closed)
    a, b = program(np.ones(10**5))
    assert not np.shares_memory(a, b) and a.flags.c_contiguous
    np.testing.assert_array_equal(a, np.sin(1.0) + 1.0)
