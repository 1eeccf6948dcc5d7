"""``tracegrad.lax`` checked with NumPy alone: values against NumPy / Python references,
derivatives with ``check_grads`` (finite differences and the vjp/jvp identity, to second
order), the form of the staged program, and the exception classes. The comparison with
JAX itself is tests/conformance/test_lax.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad import lax
from tracegrad.core import DTypeError, ShapeError
from tracegrad.test_util import check_grads

X = np.random.default_rng(0).uniform(-2.0, 2.0, (3, 4))


def numpy_dynamic_slice(x: np.ndarray, starts: list[int], sizes: tuple[int, ...]) -> np.ndarray:
    idx = []
    for s, k, n in zip(starts, sizes, x.shape, strict=True):
        s = s + n if s < 0 else s
        s = min(max(s, 0), n - k)
        idx.append(slice(s, s + k))
    return x[tuple(idx)]


@st.composite
def slices(draw):  # type: ignore[no-untyped-def]
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    sizes = tuple(draw(st.integers(0, n)) for n in shape)
    starts = [draw(st.integers(-2 * n, 2 * n)) for n in shape]
    return shape, sizes, starts


@given(slices())
def test_dynamic_slice_clamps_as_documented(spec) -> None:  # type: ignore[no-untyped-def]
    shape, sizes, starts = spec
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    want = numpy_dynamic_slice(x, starts, sizes)
    np.testing.assert_array_equal(lax.dynamic_slice(x, starts, sizes), want)
    traced = tg.jit(lambda a, i: lax.dynamic_slice(a, list(i), sizes))(x, np.array(starts))
    np.testing.assert_array_equal(traced, want)
    updated = x.copy()
    updated[tuple(slice(s, s + k) for s, k in _clamped(starts, sizes, shape))] = -1.0
    got = tg.jit(lambda a, i: lax.dynamic_update_slice(a, -np.ones(sizes), list(i)))(
        x, np.array(starts)
    )
    np.testing.assert_array_equal(got, updated)
    np.testing.assert_array_equal(lax.dynamic_update_slice(x, -np.ones(sizes), starts), updated)


def _clamped(starts, sizes, shape):  # type: ignore[no-untyped-def]
    for s, k, n in zip(starts, sizes, shape, strict=True):
        s = s + n if s < 0 else s
        yield min(max(s, 0), n - k), k


def test_concrete_starts_stage_a_slice_and_traced_ones_the_primitive() -> None:
    static = tg.make_jaxpr(lambda a: lax.dynamic_slice(a, (1, 2), (2, 2)))(X)
    traced = tg.make_jaxpr(lambda a, i: lax.dynamic_slice(a, (i, 2), (2, 2)))(X, 1)
    assert [e.primitive.name for e in static.eqns] == ["slice"]
    assert [e.primitive for e in traced.eqns] == [lax.dynamic_slice_p]
    upd = tg.make_jaxpr(lambda a, u, i: lax.dynamic_update_slice(a, u, (i, 0)))(X, X[:1], 1)
    assert [e.primitive for e in upd.eqns] == [lax.dynamic_update_slice_p]
    # A batched start: each member its own block, through a gather / scatter.
    batched = tg.make_jaxpr(tg.vmap(lambda i: lax.dynamic_slice(X, (i, 0), (2, 2))))(np.arange(3))
    assert "gather" in [e.primitive.name for e in batched.eqns]


def test_dynamic_slicing_derivatives_second_order() -> None:
    u = X[:2, :3] * 0.5
    for i in (0, 2, -1, 7):
        check_grads(lambda a: lax.dynamic_slice(a, (i, 1), (2, 3)) ** 2, (X,), order=2)
        check_grads(lambda a, b: lax.dynamic_update_slice(a, b * b, (1, i)) * a, (X, u), order=2)
    traced = tg.jit(lambda a, i: lax.dynamic_slice(a, (i, 1), (2, 3)))
    check_grads(lambda a: traced(a, np.int32(2)) ** 3, (X,), order=2)
    batched = tg.vmap(lambda i: lax.dynamic_index_in_dim(X, i, 1, keepdims=False))
    np.testing.assert_array_equal(batched(np.array([0, 3, -1, 9])), X[:, [0, 3, 3, 3]].T)


def test_pad_negative_and_interior_against_numpy() -> None:
    x = np.arange(1.0, 6.0)
    interior = np.zeros(9)
    interior[::2] = x
    np.testing.assert_array_equal(lax.pad(x, 0.0, [(0, 0, 1)]), interior)
    np.testing.assert_array_equal(lax.pad(x, 0.0, [(-2, -1, 1)]), interior[2:-1])
    np.testing.assert_array_equal(lax.pad(x, 9.0, [(-1, 2, 0)]), [2, 3, 4, 5, 9, 9])
    check_grads(lambda a: lax.pad(a, 0.0, [(-1, 2, 1), (1, -2, 0)]) ** 2, (X,), order=2)


def test_bit_operations_against_python() -> None:
    x = np.array([5, -8, 1, 0, -1, 2**30], np.int32)
    s = np.array([1, 2, 31, 32, -1, 1], np.int32)
    bits = 32
    want_left = [(int(v) << int(k)) & 0xFFFFFFFF if 0 <= k < bits else 0 for v, k in zip(x, s)]
    got_left = lax.shift_left(x, s).astype(np.int64) & 0xFFFFFFFF
    np.testing.assert_array_equal(got_left, want_left)
    want_logical = [(int(v) & 0xFFFFFFFF) >> int(k) if 0 <= k < bits else 0 for v, k in zip(x, s)]
    got_logical = lax.shift_right_logical(x, s).astype(np.int64) & 0xFFFFFFFF
    np.testing.assert_array_equal(got_logical, want_logical)
    want_arith = [
        int(v) >> int(min(k, 31)) if k >= 0 else (-1 if v < 0 else 0) for v, k in zip(x, s)
    ]
    np.testing.assert_array_equal(lax.shift_right_arithmetic(x, s), want_arith)
    np.testing.assert_array_equal(
        lax.population_count(x), [bin(int(v) & 0xFFFFFFFF).count("1") for v in x]
    )
    np.testing.assert_array_equal(
        lax.clz(x), [bits - (int(v) & 0xFFFFFFFF).bit_length() for v in x]
    )
    assert lax.clz(x).dtype == np.int32
    with pytest.raises(TypeError, match="does not accept dtype float64"):
        lax.shift_left(np.ones(2), np.ones(2))


def test_integer_div_rounds_toward_zero_and_round_methods() -> None:
    a = np.array([7, -7, 7, -7, 6, 0], np.int64)
    b = np.array([2, 2, -2, -2, 3, 5], np.int64)
    np.testing.assert_array_equal(lax.div(a, b), np.trunc(a / b).astype(np.int64))
    v = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.4999999, -0.3])
    np.testing.assert_array_equal(lax.round(v), np.sign(v) * np.floor(np.abs(v) + 0.5))
    np.testing.assert_array_equal(lax.round(v, lax.RoundingMethod.TO_NEAREST_EVEN), np.round(v))
    assert tg.grad(lambda t: lax.round(t * 3.0))(0.7) == 0.0


def test_no_promotion() -> None:
    with pytest.raises(DTypeError, match=r"lax\.add requires arguments to have the same dtypes"):
        lax.add(np.ones(2), np.ones(2, np.float32))
    with pytest.raises(ShapeError, match="same number of dimensions"):
        lax.mul(np.ones((2, 2)), np.ones(2))
    assert lax.add(np.ones(2, np.float32), np.float32(1)).dtype == np.float32
    assert lax.add(np.ones((2, 3)), np.ones((1, 3))).shape == (2, 3)


def test_reductions_and_generic_reduce() -> None:
    ints = np.array([[3, 5, 6], [1, 2, 4]])
    np.testing.assert_array_equal(lax.reduce_xor(ints, (1,)), np.bitwise_xor.reduce(ints, 1))
    np.testing.assert_array_equal(lax.reduce_and(ints, (0,)), np.bitwise_and.reduce(ints, 0))
    np.testing.assert_array_equal(lax.reduce_or(ints, (0, 1)), np.bitwise_or.reduce(ints, None))
    assert lax.reduce_xor(np.zeros((2, 0), np.int8), (1,)).tolist() == [0, 0]
    # A monoid becomes its reduction primitive; another computation a tree of applications.
    staged = tg.make_jaxpr(lambda a: lax.reduce(a, 0.0, lax.add, (0,)))(X)
    assert "reduce_sum" in [e.primitive.name for e in staged.eqns]
    for n in range(1, 8):
        x = np.arange(1.0, n + 1.0)
        assert lax.reduce(x, 2.0, lambda a, b: a * b, (0,)) == 2.0 * np.prod(x)
    assert lax.reduce(np.zeros(0), 5.0, lambda a, b: a + b, (0,)) == 5.0
    check_grads(lambda a: lax.reduce(a, 1.0, lambda u, v: u * v, (1,)), (X,), order=2)
    check_grads(lambda a: lax.cummax(a, axis=1) * lax.cumlogsumexp(a, axis=0), (X,), order=2)


def test_sort_top_k_and_map() -> None:
    keys = np.array([2, 1, 2, 1, 0])
    second = np.array([0, 5, -1, 3, 9])
    vals = np.arange(5.0)
    *_, v = lax.sort([keys, second, vals], num_keys=2)
    order = np.lexsort((second, keys))
    np.testing.assert_array_equal(v, vals[order])
    _, idx = lax.top_k(np.array([[1.0, 4.0, 4.0, -2.0]]), 3)
    np.testing.assert_array_equal(idx, [[1, 2, 0]])
    assert idx.dtype == np.int32
    check_grads(lambda a: lax.top_k(a, 2)[0], (X,), order=2)
    out = lax.map(lambda r: tnp.sum(r**2), X, batch_size=2)
    np.testing.assert_allclose(out, (X**2).sum(1))
    check_grads(lambda a: lax.map(lambda r: tnp.sin(r) * r, a, batch_size=2), (X,), order=2)


def test_dot_general_dtypes_and_second_order() -> None:
    a8, b8 = np.ones((2, 3), np.int8), np.ones((3, 4), np.int8)
    out = lax.dot_general(a8, b8, (((1,), (0,)), ((), ())), preferred_element_type=np.int32)
    assert out.dtype == np.int32 and out[0, 0] == 3
    y = np.random.default_rng(1).uniform(size=(3, 5, 4))
    dims = (((1,), (2,)), ((0,), (0,)))
    check_grads(
        lambda a, b: lax.dot_general(a, b, dims) ** 2,
        (X.reshape(3, 4, 1) + 0 * X[:, :1, None], y),
        order=2,
    )
    assert lax.dot(X, X.T, precision=lax.Precision.HIGHEST).shape == (3, 3)


def test_stop_gradient_is_one_function_on_pytrees() -> None:
    assert tg.stop_gradient is lax.stop_gradient
    g = tg.grad(lambda x: tg.stop_gradient({"a": x, "b": [x * 2.0]})["b"][0] * x)(3.0)
    assert g == 6.0


def test_primitives_exposed_under_jax_names() -> None:
    staged = tg.make_jaxpr(lambda a: lax.sin(lax.add(a, a)))(X)
    assert [e.primitive for e in staged.eqns] == [lax.add_p, lax.sin_p]
    assert lax.dot_general_p.name == "dot_general" and "add_p" in lax.__all__


def test_dynamic_slicing_primitives_batch_every_way() -> None:
    xs = np.stack([X, X * 2.0, -X])
    us = np.random.default_rng(3).uniform(size=(3, 2, 2))
    starts = np.array([0, 2, -1])

    def ds(x, i):  # type: ignore[no-untyped-def]
        return lax.dynamic_slice(x, (i, np.int64(1)), (2, 2))

    def dus(x, u, i):  # type: ignore[no-untyped-def]
        return lax.dynamic_update_slice(x, u * u, (np.int32(1), i))

    for axes, args in (
        ((0, None), (xs, np.int64(5))),
        ((None, 0), (X, starts)),
        ((0, 0), (xs, starts)),
    ):
        got = tg.jit(tg.vmap(ds, axes))(*args)
        want = [ds(*(a[k] if ax == 0 else a for a, ax in zip(args, axes))) for k in range(3)]
        np.testing.assert_array_equal(got, np.stack(want))
    for axes, args in (
        ((0, 0, None), (xs, us, np.int64(3))),
        ((None, 0, 0), (X, us, starts)),
        ((0, None, 0), (xs, us[0], starts)),
    ):
        got = tg.jit(tg.vmap(dus, axes))(*args)
        want = [dus(*(a[k] if ax == 0 else a for a, ax in zip(args, axes))) for k in range(3)]
        np.testing.assert_array_equal(got, np.stack(want))
    traced = tg.jit(dus)
    check_grads(lambda a, b: traced(a, b, np.int64(2)) ** 2, (X, us[0]), order=2)
    check_grads(lambda a: tg.vmap(lambda i: ds(a, i) ** 2)(starts), (X,), order=2, modes=("rev",))


def test_eager_cumulative_reductions_agree_with_the_staged_scan() -> None:
    x = np.random.default_rng(4).normal(size=(5, 7))
    x[1, 2] = np.nan
    for fn in (lax.cummax, lax.cummin, lax.cumlogsumexp):
        for axis, reverse in ((0, False), (0, True), (1, False), (1, True)):
            with np.errstate(invalid="ignore"):  # the NaN
                eager = fn(x, axis=axis, reverse=reverse)
                staged = tg.jit(lambda a, f=fn, ax=axis, r=reverse: f(a, axis=ax, reverse=r))(x)
            np.testing.assert_allclose(eager, staged, rtol=1e-13)
            assert eager.dtype == staged.dtype


def test_map_batch_sizes_and_pytrees() -> None:
    xs = {"a": np.arange(7.0), "b": np.arange(14.0).reshape(7, 2)}

    def f(d):  # type: ignore[no-untyped-def]
        return {"s": d["a"] + tnp.sum(d["b"]), "p": d["b"] * d["a"]}

    want = lax.map(f, xs)
    for batch_size in (1, 2, 3, 7, 10):
        got = lax.map(f, xs, batch_size=batch_size)
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])
    empty = lax.map(lambda v: v * 2.0, np.zeros((0, 3)), batch_size=2)
    assert empty.shape == (0, 3)
