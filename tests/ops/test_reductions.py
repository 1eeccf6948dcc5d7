"""Reductions and cumulative ops: per-function records (values, dtypes, vmap, derivatives to
order 2), and targeted checks of ties, zeros, argmax semantics, dtypes and empty inputs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import EVERY_DTYPE, F32, F64, OpRecord, record_tests
from tracegrad.core.dtypes import float0
from tracegrad.ops import elementwise as ew
from tracegrad.ops import reductions as red

ONE = [((3,),), ((2, 3),), ((2, 3, 4),)]
MATRIX = [((2, 3),), ((3, 4),), ((2, 3, 4),)]
CUBE = [((2, 3, 4),), ((3, 2, 2),)]
INTS = (np.dtype(np.int8), np.dtype(np.int64), np.dtype(np.bool_))


def distinct(rng: np.random.Generator, shapes: Any, dtype: np.dtype[Any]) -> list[np.ndarray]:
    """Values at least 0.2 apart, so finite differences never cross a tie of max/min."""
    out = []
    for shape in shapes:
        n = int(np.prod(shape))
        v = (rng.permutation(n) - n / 2) * 0.3 + rng.uniform(-0.05, 0.05, n)
        out.append(v.reshape(shape).astype(dtype))
    return out


def with_zeros(rng: np.random.Generator, shapes: Any, dtype: np.dtype[Any]) -> list[np.ndarray]:
    """Values with exact zeros in places (for prod, cumprod, all, any)."""
    return [(rng.uniform(-1.5, 1.5, s) * rng.integers(0, 2, s)).astype(dtype) for s in shapes]


def weighted(rng: np.random.Generator, shapes: Any, dtype: np.dtype[Any]) -> list[np.ndarray]:
    a_shape, w_shape = shapes
    return [rng.uniform(-2, 2, a_shape).astype(dtype), rng.uniform(0.5, 2, w_shape).astype(dtype)]


def reverse_cumulative(np_fn: Any, axis: int) -> Any:
    return lambda x: np.flip(np_fn(np.flip(x, axis), axis=axis), axis)


RECORDS = [
    OpRecord("sum", tnp.sum, np.sum, ONE),
    OpRecord("sum_axis_neg", tnp.sum, np.sum, MATRIX, kwargs={"axis": -1}),
    OpRecord("sum_keepdims", tnp.sum, np.sum, CUBE, kwargs={"axis": (0, 2), "keepdims": True}),
    OpRecord("sum_ints", tnp.sum, np.sum, MATRIX, dtypes=INTS, kwargs={"axis": 0}, diff_argnums=()),
    OpRecord("prod", tnp.prod, np.prod, ONE, domain=(-1.5, 1.5)),
    OpRecord("prod_axis", tnp.prod, np.prod, CUBE, kwargs={"axis": (0, 2)}, domain=(-1.5, 1.5)),
    OpRecord(
        "prod_zeros",
        tnp.prod,
        np.prod,
        MATRIX,
        kwargs={"axis": 1, "keepdims": True},
        make_args=with_zeros,
    ),
    OpRecord(
        "prod_ints", tnp.prod, np.prod, MATRIX, dtypes=INTS, kwargs={"axis": -1}, diff_argnums=()
    ),
    OpRecord("mean", tnp.mean, np.mean, ONE),
    OpRecord("mean_axis", tnp.mean, np.mean, CUBE, kwargs={"axis": (1, -1), "keepdims": True}),
    OpRecord(
        "mean_ints", tnp.mean, np.mean, MATRIX, dtypes=INTS, kwargs={"axis": 1}, diff_argnums=()
    ),
    OpRecord("var", tnp.var, np.var, ONE),
    OpRecord("var_ddof", tnp.var, np.var, MATRIX, kwargs={"axis": 0, "ddof": 1}),
    OpRecord("var_keepdims", tnp.var, np.var, CUBE, kwargs={"axis": (0, 2), "keepdims": True}),
    OpRecord("std", tnp.std, np.std, ONE, make_args=distinct),
    OpRecord(
        "std_ddof", tnp.std, np.std, MATRIX, kwargs={"axis": -1, "ddof": 1}, make_args=distinct
    ),
    OpRecord("max", tnp.max, np.max, ONE, make_args=distinct),
    OpRecord("max_axis", tnp.max, np.max, CUBE, kwargs={"axis": (0, 2)}, make_args=distinct),
    OpRecord(
        "amax_keepdims",
        tnp.amax,
        np.amax,
        MATRIX,
        kwargs={"axis": 0, "keepdims": True},
        make_args=distinct,
    ),
    OpRecord("min", tnp.min, np.min, ONE, make_args=distinct),
    OpRecord("amin_axis", tnp.amin, np.amin, MATRIX, kwargs={"axis": -1}, make_args=distinct),
    OpRecord("ptp", tnp.ptp, np.ptp, MATRIX, kwargs={"axis": 1}, make_args=distinct),
    OpRecord("argmax", tnp.argmax, np.argmax, ONE, diff_argnums=()),
    OpRecord(
        "argmax_axis",
        tnp.argmax,
        np.argmax,
        CUBE,
        kwargs={"axis": -2, "keepdims": True},
        dtypes=(F64, F32, *INTS),
        diff_argnums=(),
    ),
    OpRecord("argmin_axis", tnp.argmin, np.argmin, MATRIX, kwargs={"axis": 0}, diff_argnums=()),
    OpRecord("cumsum", tnp.cumsum, np.cumsum, ONE),
    OpRecord("cumsum_axis", tnp.cumsum, np.cumsum, CUBE, kwargs={"axis": -2}),
    OpRecord(
        "cumsum_ints",
        tnp.cumsum,
        np.cumsum,
        MATRIX,
        dtypes=INTS,
        kwargs={"axis": 1},
        diff_argnums=(),
    ),
    OpRecord(
        "cumsum_reverse",
        lambda x: red.cumsum(x, 1, reverse=True),
        reverse_cumulative(np.cumsum, 1),
        MATRIX,
    ),
    OpRecord("cumprod", tnp.cumprod, np.cumprod, ONE, domain=(-1.5, 1.5)),
    OpRecord(
        "cumprod_axis_zeros",
        tnp.cumprod,
        np.cumprod,
        CUBE,
        kwargs={"axis": 1},
        make_args=with_zeros,
    ),
    OpRecord(
        "cumprod_reverse",
        lambda x: red.cumprod(x, 0, reverse=True),
        reverse_cumulative(np.cumprod, 0),
        MATRIX,
        make_args=with_zeros,
    ),
    OpRecord("all", tnp.all, np.all, MATRIX, make_args=with_zeros, diff_argnums=()),
    OpRecord(
        "any_axis",
        tnp.any,
        np.any,
        CUBE,
        kwargs={"axis": (0, 1), "keepdims": True},
        make_args=with_zeros,
        diff_argnums=(),
    ),
    OpRecord(
        "average",
        lambda a, w: tnp.average(a, weights=w),
        lambda a, w: np.average(a, weights=w),
        [((2, 3), (2, 3)), ((4,), (4,))],
        make_args=weighted,
    ),
    OpRecord(
        "average_axis_returned",
        lambda a, w: tnp.average(a, 1, w, returned=True),
        lambda a, w: np.average(a, 1, w, returned=True),
        [((2, 3), (3,)), ((3, 4), (4,))],
        make_args=weighted,
    ),
    OpRecord(
        "average_tuple_axis",
        lambda a, w: tnp.average(a, (2, 0), w, keepdims=True),
        lambda a, w: np.average(a, (2, 0), w, keepdims=True),
        [((2, 3, 4), (4, 2))],
        make_args=weighted,
    ),
]

test_value, test_derivatives = record_tests(RECORDS)


# ---- ties in max / min ------------------------------------------------------------
@pytest.mark.parametrize("fn", [tnp.max, tnp.min])
def test_ties_split_the_gradient_evenly(fn: Any) -> None:
    x = np.array([1.0, 3.0, 3.0, 2.0]) * (1 if fn is tnp.max else -1)
    np.testing.assert_array_equal(tg.grad(fn)(x), [0.0, 0.5, 0.5, 0.0])
    three = np.array([2.0, 2.0, 2.0])
    np.testing.assert_array_equal(tg.grad(fn)(three), np.full(3, 1 / 3))
    _, t = tg.jvp(fn, (x,), (np.array([0.0, 1.0, 0.0, 5.0]),))
    assert t == 0.5
    # Second order: the weights are piecewise constant, so both modes give exact zeros.
    np.testing.assert_array_equal(tg.hessian(fn)(x), np.zeros((4, 4)))
    np.testing.assert_array_equal(tg.jacfwd(tg.grad(fn))(x), np.zeros((4, 4)))
    np.testing.assert_array_equal(tg.jacrev(tg.jacfwd(fn))(x), np.zeros((4, 4)))


def test_ties_per_row_and_inside_products() -> None:
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_array_equal(
        tg.grad(lambda x: tnp.sum(tnp.max(x, axis=1)))(x), [[0.5, 0.5], [0.0, 1.0]]
    )
    # d/dx max(x)^2 at a tie: 2 * max * 0.5 each; the Hessian is 2 * w w^T.
    f = lambda v: tnp.max(v) * tnp.max(v)
    v = np.array([3.0, 3.0, 1.0])
    np.testing.assert_array_equal(tg.grad(f)(v), [3.0, 3.0, 0.0])
    w = np.array([0.5, 0.5, 0.0])
    np.testing.assert_array_equal(tg.hessian(f)(v), 2 * np.outer(w, w))


def test_ptp_ties() -> None:
    np.testing.assert_array_equal(
        tg.grad(tnp.ptp)(np.array([2.0, 0.0, 2.0, 0.0, 1.0])), [0.5, -0.5, 0.5, -0.5, 0.0]
    )


# ---- prod and cumprod with zeros --------------------------------------------------
def test_prod_gradient_with_one_zero() -> None:
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(tg.grad(tnp.prod)(x), [0.0, 30.0, 0.0, 0.0])
    np.testing.assert_array_equal(tg.jacfwd(tnp.prod)(x), [0.0, 30.0, 0.0, 0.0])
    h = np.zeros((4, 4))
    h[1, [0, 2, 3]] = h[[0, 2, 3], 1] = [15.0, 10.0, 6.0]
    np.testing.assert_array_equal(tg.hessian(tnp.prod)(x), h)
    np.testing.assert_array_equal(tg.jacfwd(tg.jacfwd(tnp.prod))(x), h)


def test_prod_gradient_with_two_zeros() -> None:
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    np.testing.assert_array_equal(tg.grad(tnp.prod)(x), np.zeros(5))
    h = np.zeros((5, 5))
    h[1, 3] = h[3, 1] = 30.0
    np.testing.assert_array_equal(tg.hessian(tnp.prod)(x), h)


def test_prod_gradient_along_an_axis_of_odd_length() -> None:
    x = np.array([[1.0, 0.0, 4.0], [2.0, 3.0, 0.5]])
    np.testing.assert_array_equal(
        tg.grad(lambda x: tnp.sum(tnp.prod(x, axis=1)))(x), [[0.0, 4.0, 0.0], [1.5, 1.0, 6.0]]
    )


def test_cumprod_gradient_with_zeros() -> None:
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    # d/dx_i sum_k prod_{j<=k} x_j = sum_{k>=i} prod_{j<=k, j!=i} x_j.
    want = [1.0, 2.0 + 6.0, 0.0, 0.0, 0.0]
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(tnp.cumprod(x)))(x), want)
    np.testing.assert_array_equal(tg.jacfwd(lambda x: tnp.sum(tnp.cumprod(x)))(x), want)
    h = tg.hessian(lambda x: tnp.sum(tnp.cumprod(x)))(x)
    assert h[1, 3] == 2.0 * 3.0 * (1 + 5.0) and h[0, 1] == 1.0 + 3.0 and h[2, 4] == 0.0
    np.testing.assert_array_equal(h, h.T)


# ---- argmax / argmin ----------------------------------------------------------------
def test_argmax_first_occurrence_and_nan_like_numpy() -> None:
    cases = [
        np.array([1.0, 3.0, 3.0, 0.0]),
        np.array([1.0, np.nan, 3.0, np.nan]),
        np.array([[2.0, 2.0], [1.0, 5.0], [5.0, 1.0]]),
    ]
    for x in cases:
        for fn, np_fn in ((tnp.argmax, np.argmax), (tnp.argmin, np.argmin)):
            for kwargs in ({}, {"axis": 0}, {"axis": -1, "keepdims": True}, {"keepdims": True}):
                got = tg.eval_jaxpr(tg.make_jaxpr(lambda x: fn(x, **kwargs))(x), x)[0]
                want = np_fn(x, **kwargs)
                np.testing.assert_array_equal(got, want)
                assert np.asarray(got).dtype == np.asarray(want).dtype == np.intp


def test_argmax_has_no_gradient() -> None:
    x = np.array([1.0, 3.0, 2.0])
    i, t = tg.jvp(lambda x: tnp.argmax(x), (x,), (np.ones(3),))
    assert i == 1 and t.dtype == float0
    (ct,) = tg.vjp(lambda x: tnp.argmin(x, axis=0, keepdims=True), x)[1](np.zeros(1, float0))
    np.testing.assert_array_equal(ct, np.zeros(3))


# ---- dtypes -----------------------------------------------------------------------
DTYPES = EVERY_DTYPE


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(
    "name",
    [
        "sum",
        "prod",
        "mean",
        "var",
        "std",
        "cumsum",
        "cumprod",
        "max",
        "ptp",
        "all",
        "any",
        "average",
    ],
)
def test_result_dtypes_match_numpy(name: str, dtype: Any) -> None:
    x = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
    np_fn, fn = getattr(np, name), getattr(tnp, name)
    try:
        want = np_fn(x, axis=0)
    except TypeError:
        with pytest.raises(TypeError):
            tg.make_jaxpr(lambda x: fn(x, axis=0))(x)
        return
    closed = tg.make_jaxpr(lambda x: fn(x, axis=0))(x)
    (got,) = tg.eval_jaxpr(closed, x)
    assert closed.out_avals[0].dtype == np.asarray(want).dtype
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-3)


def test_dtype_arguments() -> None:
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    cases = [
        (tnp.mean, np.mean, {"dtype": np.float32}),
        (tnp.sum, np.sum, {"dtype": np.int8}),
        (tnp.var, np.var, {"dtype": np.float32, "ddof": 1}),
        (tnp.cumsum, np.cumsum, {"dtype": np.float64}),
        (tnp.std, np.std, {"dtype": np.float32}),
    ]
    for fn, np_fn, kw in cases:
        got = tg.eval_jaxpr(tg.make_jaxpr(lambda x: fn(x, **kw))(x), x)[0]
        want = np_fn(x, **kw)
        assert np.asarray(got).dtype == want.dtype, (fn, kw)
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_var_std_of_complex_are_real() -> None:
    z = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0 + 0j]], np.complex64)
    for fn, np_fn in ((tnp.var, np.var), (tnp.std, np.std)):
        got = tg.eval_jaxpr(tg.make_jaxpr(lambda z: fn(z, axis=1, ddof=1))(z), z)[0]
        want = np_fn(z, axis=1, ddof=1)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_var_of_too_few_elements_is_inf_or_nan_like_numpy() -> None:
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for ddof in (2, 3):
            got = tg.eval_jaxpr(tg.make_jaxpr(lambda x: tnp.var(x, ddof=ddof))(x), x)[0]
            np.testing.assert_array_equal(got, np.var(x, ddof=ddof))


# ---- empty inputs -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min", "amax", "ptp", "argmax", "argmin"])
def test_empty_reductions_without_identity_raise_value_error(name: str) -> None:
    fn = getattr(tnp, name)
    for shape, axis in (((0,), None), ((0, 3), 0), ((2, 0), 1)):
        x = np.zeros(shape)
        with pytest.raises(ValueError):
            getattr(np, name)(x, axis=axis)
        with pytest.raises(ValueError, match=r"empty sequence|zero-size array"):
            tg.make_jaxpr(lambda x: fn(x, axis=axis))(x)
    # Reducing a non-empty axis of an empty array is fine, as in NumPy.
    x = np.zeros((0, 3))
    assert tg.make_jaxpr(lambda x: fn(x, axis=1))(x).out_avals[0].shape == (0,)


def test_empty_reductions_with_identity() -> None:
    x = np.zeros((0, 3))
    for fn, np_fn, kw in (
        (tnp.sum, np.sum, {}),
        (tnp.prod, np.prod, {"axis": 0}),
        (tnp.max, np.max, {"axis": 0, "initial": -1.0}),
        (tnp.all, np.all, {}),
        (tnp.any, np.any, {"axis": 0}),
        (tnp.cumsum, np.cumsum, {}),
        (tnp.cumprod, np.cumprod, {"axis": 0}),
    ):
        got = tg.eval_jaxpr(tg.make_jaxpr(lambda x: fn(x, **kw))(x), x)[0]
        np.testing.assert_array_equal(got, np_fn(x, **kw))
    g = tg.grad(lambda x: tnp.sum(x) + tnp.prod(x))(x)
    assert g.shape == (0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(tg.eval_jaxpr(tg.make_jaxpr(tnp.mean)(x), x)[0])


# ---- std at a constant input: the minimum-norm subgradient 0 ------------------------
def test_std_derivative_at_constant_input_is_zero() -> None:
    x = np.full((2, 3), 4.0)
    np.testing.assert_array_equal(tg.grad(tnp.std)(x), np.zeros((2, 3)))
    np.testing.assert_array_equal(tg.jacfwd(tnp.std)(x), np.zeros((2, 3)))
    np.testing.assert_array_equal(
        tg.hessian(lambda v: tnp.std(v, ddof=1))(np.ones(3)), np.zeros((3, 3))
    )
    g = tg.grad(lambda x: tnp.sum(tnp.std(x, axis=1)))(np.array([[1.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.0], [-0.5, 0.5]])
    assert np.isnan(tg.grad(tnp.std)(np.array([1.0, np.nan]))).all()


# ---- extremum with initial, average, methods, errors ---------------------------------
def test_max_with_initial() -> None:
    x = np.array([0.5, 0.2])
    assert tg.eval_jaxpr(tg.make_jaxpr(lambda x: tnp.max(x, initial=3.0))(x), x)[0] == 3.0
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.max(x, initial=0.1))(x), [1.0, 0.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.min(x, initial=0.2))(x), [0.0, 0.5])


def test_average_errors_like_numpy() -> None:
    a = np.ones((2, 3))
    f = lambda w, **kw: tg.make_jaxpr(lambda a: tnp.average(a, weights=w, **kw))(a)
    with pytest.raises(TypeError, match="Axis must be specified"):
        f(np.ones(3))
    with pytest.raises(ValueError, match="Shape of weights"):
        f(np.ones(2), axis=1)
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        f(np.array([1.0, -1.0, 0.0]), axis=1)
    avg, scl = tg.eval_jaxpr(tg.make_jaxpr(lambda a: tnp.average(a, 0, returned=True))(a), a)
    want_avg, want_scl = np.average(a, 0, returned=True)
    np.testing.assert_array_equal(avg, want_avg)
    np.testing.assert_array_equal(scl, want_scl)


def test_tracer_methods() -> None:
    x = np.array([[1.0, 4.0, 2.0], [3.0, 0.5, 6.0]])

    def f(x: Any) -> Any:
        return (
            x.sum(0),
            x.prod(),
            x.mean(axis=1),
            x.var(ddof=1),
            x.std(),
            x.max(1),
            x.min(),
            x.argmax(),
            x.argmin(axis=0),
            x.cumsum(1),
            x.cumprod(),
            x.all(),
            x.any(0),
            x.ptp(axis=1),
        )

    got = tg.eval_jaxpr(tg.make_jaxpr(f)(x), x)
    want = (
        x.sum(0),
        x.prod(),
        x.mean(axis=1),
        x.var(ddof=1),
        x.std(),
        x.max(1),
        x.min(),
        x.argmax(),
        x.argmin(axis=0),
        x.cumsum(1),
        x.cumprod(),
        x.all(),
        x.any(0),
        np.ptp(x, axis=1),
    )
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w)


def test_unsupported_arguments_raise_not_implemented() -> None:
    x = np.ones(3)
    with pytest.raises(NotImplementedError, match=r"tracegrad\.numpy\.mean"):
        tg.make_jaxpr(lambda x: tnp.mean(x, where=np.ones(3, bool)))(x)
    with pytest.raises(NotImplementedError, match="out"):
        tg.make_jaxpr(lambda x: tnp.max(x, out=np.empty(())))(x)


def test_axis_errors() -> None:
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        tg.make_jaxpr(lambda x: tnp.max(x, axis=2))(x)
    with pytest.raises(ValueError, match="repeated axis"):
        tg.make_jaxpr(lambda x: tnp.sum(x, axis=(0, -2)))(x)
    with pytest.raises(np.exceptions.AxisError):
        tg.make_jaxpr(lambda x: tnp.cumsum(x, axis=-3))(x)


# ---- batching rules with the batch dimension anywhere --------------------------------
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_batching_at_every_position(in_axis: int) -> None:
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, (3, 4, 5))
    fns = [
        lambda x: red.reduce_max(x, (0,)),
        lambda x: red.reduce_min(x, (1,)),
        lambda x: red.reduce_prod(x, (0, 1)),
        lambda x: red.argmax(x, 1),
        lambda x: red.argmin(x, 0),
        lambda x: red.cumsum(x, 1, True),
        lambda x: red.cumprod(x, 0),
        lambda x: red.reduce_or(ew.gt(x, np.float64(0)), (1,)),
        lambda x: red.reduce_and(ew.gt(x, np.float64(-0.5)), (0,)),
    ]
    for fn in fns:
        got = tg.vmap(fn, in_axes=in_axis)(xs)
        want = np.stack([fn(np.take(xs, i, axis=in_axis)) for i in range(xs.shape[in_axis])])
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_jaxpr_of_reductions_reads_well() -> None:
    text = str(tg.make_jaxpr(lambda x: tnp.max(x, axis=0))(np.ones((2, 3), np.float32)))
    assert "reduce_max[axes=(0,)]" in text
