"""The functions added toward ``dir(jax.numpy)`` (issue 12, item 3), against NumPy alone:
traced values (``jit``) equal NumPy's eager ones with NumPy's dtypes, derivatives agree with
finite differences (``check_grads``), and bad input raises NumPy's or JAX's error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import ConcretizationTypeError
from tracegrad.test_util import check_grads

RNG = np.random.default_rng(12)
X = RNG.normal(size=(3, 5, 4))
XN = X.copy()
XN[0, 1, 2] = XN[1, :, 0] = XN[2, 3, 1] = np.nan  # one all-NaN line along axis 1
INTS = RNG.integers(-6, 7, (3, 4))

# NumPy warns of all-NaN slices and empty means; the values are what is compared.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def same_as_numpy(f: Callable[[Any], Any], *args: Any) -> None:
    """``f(tnp)`` eagerly and under ``jit`` equals ``f(np)``: values, shapes and dtypes."""
    want = f(np, *args)
    with np.errstate(all="ignore"):
        for got in (f(tnp, *args), tg.jit(lambda *a: f(tnp, *a))(*args)):
            for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want), strict=True):
                g, w = np.asarray(g), np.asarray(w)
                assert g.shape == w.shape and g.dtype == w.dtype, (g, w)
                np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, equal_nan=True)


NAN_FUNCTIONS = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]


@pytest.mark.parametrize("name", NAN_FUNCTIONS)
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_nan_reductions_match_numpy(name: str, axis: Any) -> None:
    with np.errstate(all="ignore"):
        same_as_numpy(lambda xp, a: getattr(xp, name)(a, axis=axis), XN)
        same_as_numpy(lambda xp, a: getattr(xp, name)(a, axis=axis, keepdims=True), XN)
        same_as_numpy(lambda xp, a: getattr(xp, name)(a, axis=axis), XN.astype(np.float32))
        same_as_numpy(lambda xp: getattr(xp, name)(INTS, axis=axis if axis != (0, 2) else 0))


def test_nan_functions_derivatives_skip_nans() -> None:
    x = np.array([1.0, np.nan, 3.0, 0.5])
    mask = ~np.isnan(x)
    for name in ["nansum", "nanmean", "nanvar", "nanstd", "nanmax"]:
        g = tg.grad(lambda a, n=name: getattr(tnp, n)(a))(x)
        assert g[1] == 0.0 and np.all(np.isfinite(g))
        check_grads(
            lambda a, n=name: getattr(tnp, n)(tnp.where(mask, a, np.nan)),
            (np.where(mask, x, 0.7),),
            order=2,
        )
    assert tg.jit(lambda a: tnp.nanargmax(a, axis=1))(XN)[1, 0] == -1
    for f in (tnp.nanargmax, tg.grad(lambda a: tnp.nanargmax(a, axis=1) * tnp.sum(a))):
        with pytest.raises(ValueError, match="All-NaN"):
            f(XN, axis=1) if f is tnp.nanargmax else f(XN)


METHODS = [
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
    "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
    "midpoint", "nearest",
]  # fmt: skip


@pytest.mark.parametrize("method", METHODS)
def test_quantiles_match_numpy_for_every_method(method: str) -> None:
    q = np.array([0.0, 0.13, 0.5, 0.77, 1.0])
    for name, arr in [("quantile", X), ("nanquantile", XN), ("quantile", XN)]:
        for axis in [None, 1, (0, 2)]:
            same_as_numpy(lambda xp, a: getattr(xp, name)(a, q, axis=axis, method=method), arr)
    same_as_numpy(lambda xp: xp.percentile(INTS, 30, axis=0, method=method, keepdims=True))
    same_as_numpy(lambda xp, a: xp.nanpercentile(a, 30.0, method=method), XN.astype(np.float32))


def test_median_and_quantile_derivatives() -> None:
    check_grads(lambda a: tnp.median(a, axis=1), (X,), order=2)
    check_grads(lambda a: tnp.quantile(a, np.array([0.1, 0.6]), axis=0), (X,), order=2)
    check_grads(lambda q: tnp.quantile(X, q, axis=1), (np.array([0.11, 0.52, 0.93]),), order=2)
    some = np.isnan(XN) & (np.arange(4) != 0)  # no all-NaN line
    check_grads(lambda a: tnp.nanmedian(tnp.where(some, np.nan, a), axis=1), (X,), order=2)
    with pytest.raises(ValueError, match=r"Quantiles must be in the range \[0, 1\]"):
        tg.grad(lambda a: tnp.quantile(a, 1.5))(X)
    with pytest.raises(ValueError, match="is not a valid method"):
        tg.jit(lambda a: tnp.quantile(a, 0.5, method="bogus"))(X)


def test_statistics_match_numpy() -> None:
    m, w, w5 = X[0], RNG.uniform(0.5, 2.0, 4), RNG.uniform(size=5)
    fw = RNG.integers(1, 4, 4)
    same_as_numpy(lambda xp, a: xp.cov(a), m)
    same_as_numpy(lambda xp, a: xp.cov(a, rowvar=False, aweights=w5), m)
    same_as_numpy(lambda xp, a: xp.cov(a, fweights=fw, aweights=w, ddof=2), m)
    same_as_numpy(lambda xp, a: xp.corrcoef(a), m.astype(np.float32))
    same_as_numpy(lambda xp, a: xp.corrcoef(a[0], a[1]), m)
    same_as_numpy(lambda xp, a: xp.histogram(a, bins=4, weights=w[: a.size]), m[0])
    same_as_numpy(
        lambda xp, a: xp.histogram(a, bins=np.array([-2.0, 0.0, 0.5, 2.0]), density=True), X.ravel()
    )
    same_as_numpy(lambda xp: xp.histogram(X, bins=3, range=(-1, 1)))
    same_as_numpy(lambda xp: xp.histogram2d(X[0, 0], X[0, 1], bins=(2, 3)))
    same_as_numpy(lambda xp: xp.histogramdd(X[0].T, bins=2, density=True))
    same_as_numpy(lambda xp: xp.histogram_bin_edges(X, bins=5))
    same_as_numpy(lambda xp: xp.bincount(np.abs(INTS.ravel()), minlength=9))
    same_as_numpy(lambda xp, v: xp.bincount(np.abs(INTS.ravel()), weights=v), RNG.normal(size=12))
    same_as_numpy(
        lambda xp: (
            xp.digitize(X.ravel(), [-1.0, 0.0, 1.0]),
            xp.digitize(X.ravel(), [1.0, 0.0, -1.0], right=True),
        )
    )
    check_grads(lambda a: tnp.corrcoef(a), (m,), order=2)
    check_grads(lambda a, v: tnp.cov(a, aweights=v), (m, w), order=2)
    check_grads(lambda v: tnp.histogram(X[0, 0], bins=3, weights=v)[0], (w,), order=1)


def test_np_functions_on_tracers_find_the_new_ones() -> None:
    # NumPy's own function, given a tracer, dispatches to tracegrad.numpy's.
    g = tg.grad(lambda a: np.median(a) + np.nansum(a) + np.percentile(a, 30))(X[0, 0])
    assert np.isfinite(g).all()


def test_interp_trapezoid_unwrap() -> None:
    xp_, fp = np.array([0.0, 0.5, 1.3, 3.0]), RNG.normal(size=4)
    x = np.concatenate([RNG.uniform(-1, 4, 9), xp_])
    same_as_numpy(lambda m, a, b: m.interp(a, xp_, b), x, fp)
    same_as_numpy(lambda m, a, b: m.interp(a, xp_, b, left=-9.0, right=9.0, period=None), x, fp)
    same_as_numpy(lambda m, a, b: m.interp(a, xp_, b, period=2.0), x, fp)
    same_as_numpy(lambda m, b: m.interp(x, xp_, b), fp + 1j)
    assert tnp.interp(3.0, xp_, fp) == fp[-1]
    check_grads(lambda a, b, c: tnp.interp(a, b, c), (x[:9], xp_, fp), order=2)
    same_as_numpy(lambda m, a: m.trapezoid(a, x=np.cumsum(np.ones(4)), axis=-1), X)
    same_as_numpy(lambda m, a: m.unwrap(4 * a, axis=1), X)
    same_as_numpy(lambda m: m.unwrap(np.array([0, 5, 9, 2, 8]), period=6))
    same_as_numpy(lambda m, a: m.ediff1d(a, to_begin=[0.5]), X[0])
    with pytest.raises(ValueError, match="fp and xp are not of the same length"):
        tg.jit(lambda b: tnp.interp(0.5, xp_, b))(fp[:3])
    with pytest.raises(TypeError, match="same_kind"):
        tnp.ediff1d(np.arange(3), to_end=[0.5])


def test_set_operations() -> None:
    a = np.array([3.0, 1.0, np.nan, 3.0, 2.0, np.nan])
    for kw in [
        {},
        {"equal_nan": False},
        {"return_index": True, "return_inverse": True, "return_counts": True},
    ]:
        want = np.unique(a, **kw)
        traced = tg.jvp(lambda v: tnp.unique(v, **kw), (a,), (np.ones(6),))[0]
        for g, w in zip(tg.tree.leaves(traced), tg.tree.leaves(want), strict=True):
            np.testing.assert_array_equal(g, w)
    out = tg.jit(lambda v: tnp.unique(v, size=6, fill_value=-1.0, return_counts=True))(a)
    np.testing.assert_array_equal(out[0], [1.0, 2.0, 3.0, np.nan, -1.0, -1.0])
    np.testing.assert_array_equal(out[1], [1, 1, 2, 2, 0, 0])
    with pytest.raises(ConcretizationTypeError, match="size="):
        tg.jit(tnp.unique)(a)
    b, c = np.array([5, 1, 2, 2]), np.array([2, 3, 5])
    for name in ["union1d", "intersect1d", "setdiff1d", "setxor1d"]:
        np.testing.assert_array_equal(getattr(tnp, name)(b, c), getattr(np, name)(b, c))
        traced = tg.jit(lambda u, v, n=name: getattr(tnp, n)(u, v, size=6))(b, c)
        want = getattr(np, name)(b, c)
        np.testing.assert_array_equal(traced[: want.size], want)
    same_as_numpy(lambda m: (m.isin(b, c), m.isin(INTS, c, invert=True)))
    g = tg.grad(lambda v: tnp.sum(tnp.setdiff1d(v, c) ** 2))(b.astype(float))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0, 0.0])


def test_editing_matches_numpy() -> None:
    a, v = X[0], RNG.normal(size=3)
    same_as_numpy(lambda m, x, y: m.insert(x, [1, 3], y[:2], axis=1), a, v)
    same_as_numpy(lambda m, x, y: m.insert(x, 2, y[0]), a, v)
    same_as_numpy(lambda m, x: m.delete(x, slice(None, None, 2), axis=0), a)
    same_as_numpy(lambda m, x: m.resize(x, (3, 9)), a)
    same_as_numpy(lambda m, x: m.extract(a > 0, x), a)
    same_as_numpy(lambda m, x: m.compress([True, False, True], x, axis=1), a)
    same_as_numpy(lambda m, x, y: m.choose(np.array([0, 3, 1]), [x[0, :3], y], mode="clip"), a, v)
    check_grads(lambda x, y: tnp.insert(x, [0, 4], y[:2], axis=1), (a, v), order=2)
    for name, args in [("put", ([0, 7], v[:2])), ("place", (a > 0, v)), ("fill_diagonal", (v,))]:
        want = a.copy()
        assert getattr(np, name)(want, *args) is None
        out = getattr(tnp, name)(a, *args, inplace=False)
        np.testing.assert_array_equal(out, want)
        inplace = a.copy()
        assert getattr(tnp, name)(inplace, *args) is None
        np.testing.assert_array_equal(inplace, want)
        with pytest.raises(NotImplementedError, match="must use inplace=False"):
            tg.jit(lambda x, n=name, r=args: getattr(tnp, n)(x, *r))(a)
    with pytest.raises(IndexError):
        tnp.put(a, [99], 1.0, inplace=False)


def test_polynomials() -> None:
    p, q = RNG.normal(size=4), RNG.normal(size=2)
    for f in [
        lambda m, a, b: m.polyval(a, X),
        lambda m, a, b: m.polyadd(a, b),
        lambda m, a, b: m.polysub(b, a),
        lambda m, a, b: m.polymul(a, b),
        lambda m, a, b: m.polyder(a, 2),
        lambda m, a, b: m.polyint(a, 2, k=[1.0, 2.0]),
        lambda m, a, b: m.poly(a),
        lambda m, a, b: m.vander(a, 5),
        lambda m, a, b: m.polyfit(np.arange(6.0), np.arange(6.0) ** 2 + a[0], 2),
    ]:
        same_as_numpy(f, p, q)
    for got, want in zip(tnp.polydiv(p, q), np.polydiv(p, q), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    check_grads(lambda a: tnp.polydiv(a, q)[0], (p,), order=2)
    with pytest.raises(ConcretizationTypeError, match="polydiv"):
        tg.jit(tnp.polydiv)(p, q)
    r = np.array([1.0, -6.0, 11.0, -6.0])  # roots 3, 2, 1
    np.testing.assert_allclose(tnp.roots(r), np.roots(r))
    check_grads(lambda c: tnp.roots(c), (r,), order=1, modes=["rev"])
    check_grads(lambda a, b: tnp.polymul(a, b), (p, q), order=2)
    with pytest.raises(ValueError, match="Order of derivative must be positive"):
        tnp.polyder(p, -1)


def test_index_tricks_and_array_api() -> None:
    same_as_numpy(lambda m, x: x[m.tril_indices_from(x, -1)], X[0])
    same_as_numpy(
        lambda m, x: x[m.ix_(np.array([2, 0]), np.array([True, False, True, True]))], X[0]
    )
    same_as_numpy(lambda m: m.ravel_multi_index((INTS, INTS), (5, 5), mode="wrap"))
    same_as_numpy(lambda m: m.unravel_index(np.abs(INTS), (2, 7), order="F"))
    with pytest.raises(ValueError, match="invalid entry in coordinates array"):
        tnp.ravel_multi_index((np.array([5]),), (3,))
    same_as_numpy(lambda m, x, y: m.vecdot(x, y), X, X[0, 0])
    same_as_numpy(lambda m, x, y: (m.matvec(x, y), m.vecmat(x[0, :, 0], x)), X, X[0, 0])
    same_as_numpy(lambda m, x: m.block([[x, x[:, :1]], [x[:1], x[:1, :1]]]), X[0])
    same_as_numpy(
        lambda m, x: (m.unstack(x, axis=1), m.matrix_transpose(x), m.permute_dims(x, (1, 2, 0))), X
    )
    same_as_numpy(lambda m, x: m.geomspace(x, 10 * x, 4, axis=1), np.array([1.0, -2.0]))
    same_as_numpy(
        lambda m: (m.cumulative_sum(INTS, axis=1, include_initial=True), m.cumulative_prod(INTS[0]))
    )


def test_functional() -> None:
    same_as_numpy(
        lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda t: -t, 2.0, lambda t: t * t]), X
    )
    same_as_numpy(lambda m, x: m.apply_along_axis(lambda r: r[::-1] * r[0], 1, x), X)
    same_as_numpy(lambda m, x: m.apply_over_axes(m.sum, x, [0, 2]), X)
    f = tnp.vectorize(lambda a, b: tnp.dot(a, b), signature="(n),(n)->()")
    np.testing.assert_allclose(f(X, X[0, 0]), X @ X[0, 0])
    check_grads(lambda x: f(x, x[0, 0]), (X,), order=2)
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        tnp.vectorize(lambda a: a, signature="(n->()")(X)


def test_bits_and_float_representation() -> None:
    same_as_numpy(
        lambda m: (m.gcd(INTS, 4), m.lcm(INTS, 6), m.left_shift(INTS, 2), m.right_shift(INTS, 1))
    )
    same_as_numpy(
        lambda m: (
            m.bitwise_count(INTS),
            m.packbits(INTS > 0, axis=0),
            m.unpackbits(np.uint8([7, 200])),
        )
    )
    special = np.array([0.0, -0.0, 1.0, -3.5, np.inf, -np.inf, np.nan, 5e-324, 1.7e308])
    with np.errstate(all="ignore"):
        same_as_numpy(
            lambda m, x: (m.frexp(x), m.modf(x), m.spacing(x), m.nextafter(x, 0.0)), special
        )
        same_as_numpy(
            lambda m, x: m.ldexp(x, np.array([1074, -1074, 1, 3, 0, 0, 0, 1, -1])), special
        )
    check_grads(lambda x: tnp.ldexp(x, np.array([3, -2])), (np.array([0.7, -1.3]),), order=2)
    np.testing.assert_array_equal(
        tg.grad(lambda x: tnp.sum(tnp.frexp(x)[0]))(np.array([8.0, 0.75])), [1 / 16, 1.0]
    )
    with pytest.raises(tg.core.DTypeError, match="integer arrays only"):
        tg.jit(tnp.gcd)(np.ones(2), np.ones(2))


def test_i0_and_windows() -> None:
    scipy_special = pytest.importorskip("scipy.special")
    x = np.array([0.0, 1e-3, 1.0, 5.0, 29.9, 30.0, 31.0, 100.0, 700.0, -3.0, -45.0])
    np.testing.assert_allclose(tg.jit(tnp.i0)(x), scipy_special.i0(x), rtol=2e-15)
    g = tg.vmap(tg.grad(tnp.i0))(x)
    np.testing.assert_allclose(g, np.sign(x) * scipy_special.i1(np.abs(x)), rtol=2e-15)
    h = tg.vmap(tg.grad(tg.grad(tnp.i0)))(x)
    np.testing.assert_allclose(h, scipy_special.ivp(0, x, 2), rtol=2e-15)
    same_as_numpy(lambda m, b: m.kaiser(7, b), np.float64(4.0))
    same_as_numpy(lambda m: (m.bartlett(5), m.blackman(4), m.hamming(3), m.hanning(6)))
    check_grads(lambda b: tnp.kaiser(6, b), (np.float64(3.0),), order=2)
