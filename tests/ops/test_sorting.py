"""The sorting primitives (sort, argsort, tie_average) and their tracegrad.numpy front end:
values, derivatives to order 2, ties, batching and the eager/traced agreement on ties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import OpRecord, record_tests
from tracegrad.ops import sorting
from tracegrad.ops import structural as st
from tracegrad.test_util import check_grads

SHAPES = [((5,),), ((3, 4),), ((2, 3, 2),)]


def separated(rng: np.random.Generator, shapes: Any, dtype: Any) -> list[np.ndarray]:
    """Shuffled values at least 0.3 apart, so that finite differences (float32 steps are
    1e-2) never cross a point where two values swap places."""
    out = []
    for shape in shapes:
        n = int(np.prod(shape))
        v = rng.permutation(n) * 0.5 - n / 4 + rng.uniform(-0.1, 0.1, n)
        if np.dtype(dtype).kind == "c":
            v = v + 1j * rng.uniform(-1, 1, n)
        out.append(v.reshape(shape).astype(dtype))
    return out


RECORDS = [
    OpRecord("sort_last", tnp.sort, np.sort, SHAPES, make_args=separated),
    OpRecord("sort_axis0", tnp.sort, np.sort, SHAPES, kwargs={"axis": 0}, make_args=separated),
    OpRecord("sort_flat", tnp.sort, np.sort, SHAPES, kwargs={"axis": None}, make_args=separated),
    OpRecord(
        "sort_method",
        lambda x: x.sort(axis=0) if not isinstance(x, np.ndarray) else np.sort(x, axis=0),
        lambda x: np.sort(x, axis=0),
        SHAPES,
        make_args=separated,
    ),
    OpRecord("argsort", tnp.argsort, np.argsort, SHAPES, diff_argnums=()),
    OpRecord(
        "argsort_flat", tnp.argsort, np.argsort, SHAPES, kwargs={"axis": None}, diff_argnums=()
    ),
    OpRecord(
        "sort_of_product",
        lambda x, y: tnp.sort(x * y, axis=0),
        lambda x, y: np.sort(x * y, axis=0),
        [((3, 2), (3, 2)), ((4,), (4,))],
        make_args=lambda rng, shapes, dtype: [
            separated(rng, shapes[:1], dtype)[0],
            rng.uniform(1.0, 1.05, shapes[1]).astype(dtype),
        ],
    ),
    OpRecord(
        "sort_complex",
        tnp.sort,
        np.sort,
        [((4,),)],
        dtypes=(np.dtype(np.complex128),),
        make_args=separated,
    ),
]

test_value, test_derivatives = record_tests(RECORDS)


def last(v: Any) -> Any:
    """``v[-1]`` with structural primitives only."""
    n = v.shape[0]
    return st.reshape(st.slice_in_dim(v, n - 1, n, 0), ())


def test_ties_split_the_gradient_evenly() -> None:
    x = np.array([1.0, 3.0, 3.0, 0.0, 3.0])
    g = tg.grad(lambda x: last(tnp.sort(x)))(x)
    np.testing.assert_allclose(g, [0, 1 / 3, 1 / 3, 0, 1 / 3])
    jac = tg.jacfwd(tnp.sort)(x)
    np.testing.assert_allclose(jac, tg.jacrev(tnp.sort)(x))
    np.testing.assert_allclose(jac.sum(axis=0), np.ones(5))  # each input counted once
    if hasattr(tnp, "max"):
        np.testing.assert_allclose(g, tg.grad(tnp.max)(x))


def test_ties_under_staging_and_higher_order() -> None:
    x = np.array([[2.0, 2.0], [1.0, 5.0]])
    f = tg.grad(lambda x: tnp.sum(tnp.sort(x, axis=1) * np.array([0.0, 1.0])))
    closed = tg.make_jaxpr(f)(x)
    assert "tie_average" in str(closed)
    np.testing.assert_allclose(tg.eval_jaxpr(closed, x)[0], [[0.5, 0.5], [0.0, 1.0]])
    # No finite differences at a tie: forward and reverse mode agree there, to order 2.
    f = lambda x: tnp.sort(x, axis=1) * tnp.sort(x, axis=0)
    np.testing.assert_allclose(tg.jacfwd(f)(x), tg.jacrev(f)(x))
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(f))(x), tg.jacrev(tg.jacfwd(f))(x))


def test_tie_average_primitive() -> None:
    keys = np.array([[0.0, 0.0, 1.0, 1.0, 1.0], [2.0, 3.0, 3.0, 4.0, np.nan]])
    t = np.arange(10.0).reshape(2, 5)
    want = [[0.5, 0.5, 3.0, 3.0, 3.0], [5.0, 6.5, 6.5, 8.0, 9.0]]
    np.testing.assert_allclose(sorting.tie_average(t, keys, 1), want)
    # Symmetric linear map: it is its own transpose.
    fn = lambda t: sorting.tie_average(t, keys, 1)
    np.testing.assert_allclose(tg.linear_transpose(fn, t)(t)[0], want)
    check_grads(fn, (t,), order=2)
    batched = tg.vmap(lambda t, k: sorting.tie_average(t, k, 0), in_axes=(1, 1))(t.T, keys.T)
    np.testing.assert_allclose(batched, want)


def test_argsort_is_stable_eager_and_traced() -> None:
    x = np.array([2.0, 1.0, 2.0, 1.0] * 10)
    want = np.argsort(x, kind="stable")
    np.testing.assert_array_equal(tnp.argsort(x), want)
    np.testing.assert_array_equal(tg.eval_jaxpr(tg.make_jaxpr(tnp.argsort)(x), x)[0], want)
    assert tnp.argsort(x).dtype == np.argsort(x).dtype
    np.testing.assert_array_equal(tnp.argsort(np.array(3.0)), np.argsort(np.array(3.0)))


def test_sort_nan_and_integers() -> None:
    x = np.array([3.0, np.nan, -1.0, np.inf])
    np.testing.assert_array_equal(tg.eval_jaxpr(tg.make_jaxpr(tnp.sort)(x), x)[0], np.sort(x))
    i = np.array([[3, 1, 2], [0, 0, -5]], dtype=np.int32)
    got = tg.eval_jaxpr(tg.make_jaxpr(lambda i: tnp.sort(i, axis=None))(i), i)[0]
    np.testing.assert_array_equal(got, np.sort(i, axis=None))
    assert got.dtype == np.int32


def test_vmap_matches_a_loop() -> None:
    xs = np.random.default_rng(1).standard_normal((3, 4, 5))
    for f in (
        lambda x: tnp.sort(x, axis=0),
        tnp.argsort,
        lambda x: tnp.sort(x, axis=None),
        tg.grad(lambda x: tnp.sum(tnp.sort(x) * x)),
    ):
        want = np.stack([f(x) for x in xs])
        np.testing.assert_allclose(tg.vmap(f)(xs), want)
        np.testing.assert_allclose(tg.vmap(f, in_axes=1)(np.moveaxis(xs, 0, 1)), want)


def test_sort_multi_and_transpose() -> None:
    keys = np.array([3.0, 1.0, 2.0])
    vals = np.array([30.0, 10.0, 20.0])
    _, v = sorting.sort_multi([keys, vals])
    np.testing.assert_array_equal(v, [10.0, 20.0, 30.0])
    # Reordering values by fixed keys is linear; its transpose restores the order.
    f = lambda v: sorting.sort_multi([keys, v])[1]
    np.testing.assert_array_equal(
        tg.linear_transpose(f, vals)(np.array([1.0, 2.0, 3.0]))[0], [3.0, 1.0, 2.0]
    )
    with pytest.raises(tg.ShapeError, match="same shape"):
        tg.make_jaxpr(lambda k: sorting.sort_multi([k, np.ones(2)]))(keys)


def test_numpy_dispatch_and_errors() -> None:
    x = np.array([[2.0, 1.0], [0.0, 3.0]])
    g = tg.grad(lambda x: tnp.sum(np.sort(x, axis=0) * np.array([[0.0], [1.0]])))(x)
    np.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 1.0]])
    got = tg.eval_jaxpr(tg.make_jaxpr(lambda x: np.argsort(x, axis=0))(x), x)[0]
    np.testing.assert_array_equal(got, np.argsort(x, axis=0))
    with pytest.raises(NotImplementedError, match="order="):
        tg.make_jaxpr(lambda x: tnp.sort(x, order="f"))(x)
    with pytest.raises(np.exceptions.AxisError):
        tg.make_jaxpr(tnp.sort)(1.0)
