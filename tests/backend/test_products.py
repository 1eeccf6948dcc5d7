"""Chains of products as one reduction (backend/products.py): jitted programs whose
products run as ``np.multiply.reduce`` over rows give eager's results bit for bit, and no
row is written over before the reduction reads it."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import products

FACTORS = {
    "sin": tnp.sin,
    "cos": tnp.cos,
    "exp": tnp.exp,
    "tanh": tnp.tanh,
    "square": lambda x: tnp.power(x, 2),
    "one_minus": lambda x: 1.0 - x,
    "lit": None,  # a literal factor
    "input": None,  # the argument itself (not computed into a row)
    "aux": None,  # a value computed from an earlier one between the products, not a factor
    # factors computed (by steps that batches.py batches) from values that are no factors
    "via_tanh": lambda t: 1.0 - t**2,  # t read elsewhere by a ufunc: computed into a row
    "via_flip": lambda t: tnp.cos(t) * 0.5,  # t read elsewhere through a view: not in a row
}


def program(steps: list[tuple[str, int]]):
    """x -> a product of factors of x and of earlier values, the values also read between
    the products and after them."""

    def f(x):
        values = [x]
        extras = [x]
        acc = tnp.cos(x)
        for name, i in steps:
            v = values[i % len(values)]
            if name == "aux":  # where v dies, its buffer could be written in place
                extras.append(tnp.sin(v) + 1.0)
                continue
            if name in ("via_tanh", "via_flip"):
                t = tnp.tanh(v * 0.5)
                extras.append(t * 2.0 if name == "via_tanh" else tnp.flip(t))
                factor = FACTORS[name](t)
            elif name == "lit":
                factor = 0.75
            elif name == "input":
                factor = x
            else:
                factor = FACTORS[name](v)
                values.append(factor)
            acc = acc * factor
        # the factors are read again after the chain, and may die there (in place)
        return acc, tnp.sin(values[-1]) + values[len(values) // 2] * 2.0, sum(extras)

    return f


def same_as_eager(f, *args) -> str:
    jf = tg.jit(f)
    with np.errstate(all="ignore"):
        want = f(*args)
        jf(*args)
        got = jf(*args)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.asarray(g).tobytes() == np.asarray(w).tobytes()
    return jf.lower(*args).as_text()


@settings(deadline=None, max_examples=150)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(FACTORS)), st.integers(0, 9)), min_size=2, max_size=14
    ),
    st.sampled_from([(2,), (10,), (3, 4), (1, 5), (64,)]),
    st.sampled_from([np.float64, np.float32]),
)
def test_chains_of_products_match_eager_bit_for_bit(steps, shape, dtype) -> None:
    x = np.linspace(-1.5, 1.5, int(np.prod(shape))).reshape(shape).astype(dtype)
    same_as_eager(program(steps), x)


def test_the_gradient_of_a_chain_is_one_reduction() -> None:
    def f(x):
        for _ in range(4):
            x = tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1))
        return tnp.sum(x)

    source = same_as_eager(lambda x: [tg.grad(f)(x)], np.linspace(-1.0, 1.0, 10))
    assert source.count("np_multiply_reduce(") == 1
    # the factors of the four blocks in batches (batches.py): the cosines of the last three
    # blocks' inputs in one call, 1 - t ** 2 in two, then the rows in the chain's order
    assert source.count("np_cos(") == 2 and source.count("np_subtract(") == 1
    assert source.count("np_square(") == 1 and source.count(".take(order") == 1
    assert "np_multiply(" in source  # the forward's own products stay
    assert "= np_cos(a, row" in source  # a factor computed into its row
    assert source.count("= take") == 1 and source.count("give") == 1  # rows from a pool


def test_a_factor_seen_through_a_view_is_no_row() -> None:
    """A row is written again by the next call: a view of one must not outlive a call."""

    def f(x):
        c = tnp.cos(x)
        p = tnp.sin(x) * c * tnp.exp(x) * 2.0 * tnp.tan(x) * tnp.sinh(x) * 3.0
        return p, c.reshape(2, 3)

    kept_after_the_next_call(f)


def kept_after_the_next_call(f) -> None:
    jf = tg.jit(f)
    x1, x2 = np.linspace(0.1, 0.9, 6), np.linspace(-0.9, -0.1, 6)
    jf(x1)
    first = jf(x1)
    jf(x2)
    for got, want in zip(first, f(x1), strict=True):
        assert got.tobytes() == np.asarray(want).tobytes()


def test_a_source_seen_through_a_view_is_in_no_row() -> None:
    """The same for the values a batch computes factors from (batches.py)."""

    def f(x, seen=True):
        acc, v, ts = tnp.cos(x), x, []
        for _ in range(4):
            t = tnp.tanh(v * 0.5)
            ts.append(t)
            v = tnp.exp(t)
            acc = acc * (1.0 - t**2) * v
        return acc, (ts[1].reshape(2, 3) if seen else ts[1] * 2.0)

    kept_after_the_next_call(f)
    source = tg.jit(lambda x: f(x, seen=False)).lower(np.ones(6)).as_text()
    assert ".take(order" in source  # read by a ufunc only: in a row


def test_threads_take_rows_of_their_own() -> None:
    def f(x):
        for _ in range(3):
            x = tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1))
        return tnp.sum(x)

    g = tg.jit(tg.grad(f))
    inputs = [np.linspace(-1.0, 1.0, 10) * (k + 1) for k in range(4)]
    wants = [tg.grad(f)(x).tobytes() for x in inputs]
    g(inputs[0])
    bad: list[int] = []

    def work(k: int) -> None:
        for _ in range(300):
            if g(inputs[k]).tobytes() != wants[k]:
                bad.append(k)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads between the program's lines
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not bad


BLOCKS = {
    "exp_tanh_sin": lambda x: tnp.exp(tnp.tanh(tnp.sin(x) * 0.9 + 0.1)),
    "tanh_tanh": lambda x: tnp.tanh(tnp.tanh(x) * 1.5),
    "cos_sin": lambda x: tnp.cos(tnp.sin(x)) + 0.25,
    "sigmoid": lambda x: 1.0 / (1.0 + tnp.exp(-x)),
}


@pytest.mark.parametrize("block", sorted(BLOCKS))
@pytest.mark.parametrize("shape", [(10,), (3, 4), (1, 5)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_of_repeated_blocks_batch_their_factors(block, shape, dtype) -> None:
    def f(x):
        for _ in range(5):
            x = BLOCKS[block](x)
        return tnp.sum(x)

    x = np.linspace(-1.2, 1.3, int(np.prod(shape))).reshape(shape).astype(dtype)
    source = same_as_eager(lambda x: [tg.grad(f)(x)], x)
    assert (".take(order" in source) == (block in ("exp_tanh_sin", "tanh_tanh"))


def test_a_factor_a_batch_computes_is_no_source_of_another() -> None:
    """c1 is read by cos(c1): it is computed into its row where it is computed, and the
    batch computing the cos(c1) reads those rows."""

    def f(x):
        acc = tnp.sin(x)
        for k in range(3):
            c1 = tnp.cos(tnp.tanh(x * (k + 1.0)))
            acc = acc * tnp.cos(c1) * c1  # cos(c1) first: its batch would run first
        return acc

    source = same_as_eager(f, np.linspace(-1.0, 1.0, 5))
    assert ".take(order" in source


@pytest.mark.parametrize(
    ("f", "why"),
    [
        (lambda x: x * x * x * x * x * x * x, "a factor twice"),
        (lambda x: tnp.sin(x) * 2.0 * x * x * 3.0 * x * x, "inputs are not rows"),
        (lambda x: tnp.sin(x) * tnp.cos(x) * tnp.exp(x) * 2.0 * tnp.tan(x), "too short"),
        (
            lambda x: tnp.sin(x) * tnp.cos(x) * tnp.exp(x) * 2.0 * tnp.tan(x) * tnp.sinh(x) * 3.0,
            "ok",
        ),
    ],
)
def test_which_chains_qualify(f, why) -> None:
    closed = tg.make_jaxpr(f)(np.ones(4))
    found = products.chains(closed.eqns, closed.jaxpr.outvars)
    assert bool(found) == (why == "ok"), why
    big = tg.make_jaxpr(f)(np.ones(products.MAX_SIZE + 1))
    assert not products.chains(big.eqns, big.jaxpr.outvars)  # large arrays: as they are


def test_a_product_read_twice_ends_the_chain() -> None:
    def f(x):
        p = tnp.sin(x) * tnp.cos(x) * tnp.exp(x)
        q = p * tnp.tan(x) * tnp.sinh(x) * tnp.cosh(x) * 2.0 * tnp.tanh(x) * 3.0
        return q, p  # p is also an output

    same_as_eager(f, np.linspace(0.1, 0.9, 6))
