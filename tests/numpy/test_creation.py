"""Array creation in tracegrad.numpy: values, dtypes and shapes exactly as NumPy's, eager and
traced, and derivatives where values are traced (array of tracers, fills, linspace ends)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import F32, OpRecord, record_tests


def both(name: str, f: Any, shapes: list[Any], **options: Any) -> OpRecord:
    return OpRecord(name, lambda *xs: f(tnp, *xs), lambda *xs: f(np, *xs), shapes, **options)


RECORDS = [
    both("array_of_tracers", lambda m, x, y: m.array([[x, y], [y, x]]), [((), ()), ((2,), (2,))]),
    both("array_with_scalars", lambda m, x: m.array([x, 1.0, 2]), [((),)]),
    both(
        "array_dtype_ndmin",
        lambda m, x: m.array(x, dtype=np.float32, ndmin=3),
        [((2,),)],
        atol=2e-2,
        rtol=2e-2,
        eps=1e-2,
    ),
    both("asarray_tuple", lambda m, x, y: m.asarray((x, y)), [((3,), (3,))]),
    both("full_traced", lambda m, x: m.full((2, 3), x), [((),), ((3,),)]),
    both(
        "full_like_traced",
        lambda m, x: m.full_like(np.zeros((2, 2), np.float64), x),
        [((),), ((2,),)],
    ),
    both("full_like_prototype", lambda m, x: m.full_like(x, 2.5) * x, [((3,),)]),
    both(
        "zeros_ones_like",
        lambda m, x: m.ones_like(x) * x + m.zeros_like(x) + m.empty_like(x) * 0,
        [((2, 3),)],
    ),
    both("linspace", lambda m, a, b: m.linspace(a, b, 5), [((), ()), ((2,), ())]),
    both(
        "linspace_open_axis",
        lambda m, a, b: m.linspace(a, b, 4, endpoint=False, axis=-1),
        [((2,), (2,)), ((), ())],
    ),
    both("linspace_retstep", lambda m, a, b: m.linspace(a, b, 3, retstep=True), [((), ())]),
    both("linspace_one", lambda m, a, b: m.linspace(a, b, 1), [((), ())]),
    both(
        "logspace", lambda m, a, b: m.logspace(a, b, 4), [((), ()), ((2,), ())], domain=(-1.0, 1.0)
    ),
    both(
        "logspace_base",
        lambda m, a, b: m.logspace(0.5, a, 3, base=b, axis=-1),
        [((2,), ()), ((), ())],
        domain=[(-1.0, 1.0), (1.5, 3.0)],
    ),
    both("meshgrid_xy", lambda m, x, y: m.meshgrid(x, y), [((3,), (2,)), ((2,), ())]),
    both(
        "meshgrid_ij", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij"), [((3,), (2,), (4,))]
    ),
    both("meshgrid_sparse", lambda m, x, y: m.meshgrid(x, y, sparse=True), [((3,), (2,))]),
    both(
        "astype",
        lambda m, x: m.astype(x, np.float32) * 2,
        [((3,),)],
        atol=2e-2,
        rtol=2e-2,
        eps=1e-2,
    ),
    both("astype_method", lambda m, x: x.astype(np.complex128), [((3,),)]),
]

test_value, test_derivatives = record_tests(RECORDS)


def traced(f: Any) -> Any:
    """``f()`` run under make_jaxpr (the traced path), evaluated."""
    return tg.eval_jaxpr(tg.make_jaxpr(f)())


CALLS = [
    ("array", ([[1, 2], [3, 4]],), {}),
    ("array", ([1, 2.5],), {"dtype": np.float32, "ndmin": 2}),
    ("array", (3,), {}),
    ("asarray", ([True, False],), {}),
    ("asarray", (np.float32(1.0),), {"dtype": np.complex64}),
    ("zeros", ((2, 3),), {}),
    ("zeros", (4,), {"dtype": np.int8}),
    ("ones", ((2,),), {"dtype": bool}),
    ("empty", ((2, 0),), {}),
    ("full", ((2,), 3), {}),
    ("full", ((2, 2), 1.5), {"dtype": np.float32}),
    ("full", ((2, 3), [1, 2, 3]), {}),
    ("zeros_like", (np.ones((2, 3), np.int32),), {}),
    ("ones_like", ([1.0, 2.0],), {"dtype": np.float32}),
    ("full_like", (np.ones(3, np.int64), 2.7), {}),
    ("full_like", (np.ones(3), 1), {"shape": (2, 2)}),
    ("empty_like", (np.ones((2, 2), np.float32),), {}),
    ("arange", (5,), {}),
    ("arange", (1.0, 2.0, 0.25), {}),
    ("arange", (0, 10, 3), {"dtype": np.float32}),
    ("arange", (5, 1, -1), {}),
    ("linspace", (0, 1), {}),
    ("linspace", (np.float32(0), 1.0, 7), {"endpoint": False}),
    ("linspace", ([0, 1], 10, 4), {"axis": 1}),
    ("linspace", (0, 10, 4), {"dtype": int}),
    ("linspace", (np.int8(0), np.int8(5), 3), {}),
    ("logspace", (0, 3, 4), {}),
    ("logspace", (0, 2, 3), {"base": 2, "dtype": np.float32}),
    ("logspace", (np.float32(0), np.float32(1), 3), {}),
    ("logspace", (np.zeros(2, np.float32), 1, 3), {"base": [2.0, 3.0], "axis": -1}),
    ("eye", (3,), {}),
    ("eye", (2, 4), {"k": -1, "dtype": int}),
    ("identity", (3,), {"dtype": np.float32}),
    ("tri", (3, 4), {"k": 1}),
    ("meshgrid", (np.arange(3), np.linspace(0, 1, 2)), {}),
    ("astype", (np.array([1.5, -2.5]), np.int16), {}),
]


@pytest.mark.parametrize(
    ("name", "args", "kwargs"), CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)]
)
def test_values_and_dtypes_as_numpy(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    want = getattr(np, name)(*args, **kwargs)
    for got in (
        getattr(tnp, name)(*args, **kwargs),
        traced(lambda: getattr(tnp, name)(*args, **kwargs)),
    ):
        got_leaves = tg.tree_util.tree_leaves(got)
        want_leaves = tg.tree_util.tree_leaves(want)
        assert len(got_leaves) == len(want_leaves)
        for g, w in zip(got_leaves, want_leaves, strict=True):
            g, w = np.asarray(g), np.asarray(w)
            assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
            if not name.startswith("empty"):  # NumPy's values are undefined there
                np.testing.assert_array_equal(g, w)


def test_array_promotes_as_numpy() -> None:
    x = np.float32(2.0)
    for build in (
        lambda x: [x, 1.0],
        lambda x: [x, np.float32(1)],
        lambda x: [[x], [3]],
        lambda x: (x, True),
    ):
        closed = tg.make_jaxpr(lambda x: tnp.array(build(x)))(x)
        assert closed.out_avals[0].dtype == np.array(build(x)).dtype, build(x)


def test_like_functions_of_tracers_are_concrete() -> None:
    seen = []

    def f(x: Any) -> Any:
        for make in (
            tnp.zeros_like,
            tnp.ones_like,
            tnp.empty_like,
            lambda x: tnp.full_like(x, 3.0),
        ):
            seen.append(type(make(x)))
        return x

    tg.make_jaxpr(f)(np.ones((2, 3), np.float32))
    tg.grad(lambda x: tnp.sum(f(x)))(np.ones(3))
    assert set(seen) == {np.ndarray}


def test_traced_arange_and_linspace_derivatives() -> None:
    _, t = tg.jvp(lambda s: tnp.arange(s, 4.0, 0.5), (1.0,), (1.0,))
    np.testing.assert_array_equal(t, np.ones(6))
    _, t = tg.jvp(lambda step: tnp.arange(0.0, 2.0, step), (0.5,), (1.0,))
    np.testing.assert_array_equal(t, np.arange(4.0))
    with pytest.raises(tg.ConcretizationTypeError, match="arange"):
        tg.make_jaxpr(lambda s: tnp.arange(s, 4.0))(1.0)
    g = tg.grad(lambda a, b: tnp.sum(tnp.linspace(a, b, 5)), argnums=(0, 1))(0.0, 1.0)
    np.testing.assert_allclose(g, (2.5, 2.5))
    y, step = tg.jvp(lambda b: tnp.linspace(0.0, b, 3, retstep=True)[1], (2.0,), (1.0,))
    assert (y, step) == (1.0, 0.5)
    closed = tg.make_jaxpr(lambda a: tnp.linspace(a, 10.0, 4, dtype=int))(0.0)
    np.testing.assert_array_equal(
        tg.eval_jaxpr(closed, 0.0)[0], np.linspace(0.0, 10.0, 4, dtype=int)
    )


def test_errors_as_numpy() -> None:
    with pytest.raises(ValueError, match="indexing"):
        tg.make_jaxpr(lambda x: tnp.meshgrid(x, indexing="yx"))(np.ones(2))
    with pytest.raises(ValueError, match="non-negative"):
        tg.make_jaxpr(lambda a: tnp.linspace(a, 1.0, -1))(0.0)
    with pytest.raises(ValueError, match="broadcast"):
        tg.make_jaxpr(lambda v: tnp.full((2, 3), v))(np.ones(2))
    with pytest.raises(TypeError, match="safe"):
        tg.make_jaxpr(lambda x: x.astype(np.int32, casting="safe"))(np.ones(2))
    with pytest.raises(tg.ConcretizationTypeError, match="shape"):
        tg.make_jaxpr(lambda n: tnp.zeros(n))(3)


def test_methods_astype_copy() -> None:
    closed = tg.make_jaxpr(lambda x: x.astype(np.float32).copy())(np.ones(2))
    assert closed.out_avals[0].dtype == F32
