"""The composed forms of ops/array_api_*.py (control flow, gather/scatter,
dynamic_update_slice, fft, erf and erfc, pooling, convolution) on other libraries' arrays: on
``array_api_strict`` (only the standard's functions exist) and on Dask (small chunked
arrays, lazy until computed, then the threaded scheduler), each equal to NumPy's values,
with and without a gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
import tracegrad.numpy.fft as tfft
from tracegrad import lax
from tracegrad.ops import indexing as ix

xs = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")

R = np.random.default_rng(3)
V = R.normal(size=(5, 4))
I2 = np.array([[4, 0], [2, 2]])
DUP = np.array([1, 3, 1])

# name, f, whether its gradient runs too, whether building its Dask graph computes nothing
CASES: list[tuple[str, Callable[..., Any], bool, bool]] = [
    ("cond", lambda x: lax.cond(tnp.sum(x) > 0, tnp.sin, tnp.cos, x), True, True),
    (
        "switch clamped",
        lambda x: lax.switch(tnp.sum(x > 0) - 3, [tnp.sin, tnp.cos, lambda v: v * v], x),
        True,
        True,
    ),
    ("fori_loop", lambda x: lax.fori_loop(0, 3, lambda i, v: v * 1.1 + tnp.sin(v), x), True, True),
    (
        "scan",
        lambda x: (lambda c, ys: ys + c)(*lax.scan(lambda c, v: (c + v, c * v), tnp.zeros(4), x)),
        True,
        True,
    ),
    (
        "scan reversed",
        lambda x: lax.scan(lambda c, v: (c * 0.5 + v, tnp.sin(c)), x[0], x, reverse=True)[1],
        True,
        True,
    ),
    ("scan of length 0", lambda x: lax.scan(lambda c, v: (c, v * c), x[0], x[:0])[1], True, True),
    # the predicate is computed each turn
    (
        "while_loop",
        lambda x: lax.while_loop(lambda v: tnp.sum(v) < 50.0, lambda v: v * 2.0, x + 3),
        False,
        False,
    ),
    ("checkpoint", lambda x: tg.checkpoint(lambda v: tnp.sin(tnp.sin(v)) * v)(x), True, True),
    ("gather", lambda x: x[I2] * 2.0, True, True),
    ("gather wrap", lambda x: tnp.take(x, np.array([-1, 7, 2]), axis=1, mode="wrap"), True, True),
    ("gather fill", lambda x: ix.gather(x, np.array([7, 1, -9]), mode="fill"), True, True),
    (
        "take_along_axis",
        lambda x: tnp.take_along_axis(x, np.array([[3], [0], [1], [1], [2]]), axis=1),
        True,
        True,
    ),
    ("scatter", lambda x: tnp.at(x)[DUP].set(x[:3] * 3.0), True, True),
    ("scatter_add", lambda x: tnp.at(x)[DUP, 2].add(x[:3, 0]), True, True),
    ("scatter_add drop", lambda x: ix.scatter_add(x, x[:3], np.array([1, 9, -1])), True, True),
    ("scatter_mul", lambda x: tnp.at(x)[DUP].multiply(x[:3]), False, True),
    ("scatter_min", lambda x: tnp.at(x)[DUP].min(x[:3] * 0.5), True, True),
    ("scatter_max", lambda x: tnp.at(x)[I2, 1].max(-x[:2, :2]), True, True),
    ("fft", lambda x: tnp.abs(tfft.fft(x)) + tnp.real(tfft.ifft(tfft.rfft(x), n=4)), True, True),
    (
        "fft2 and norms",
        lambda x: (
            tfft.irfft2(tfft.rfft2(x, norm="ortho"), s=(5, 4), norm="ortho")
            * tnp.abs(tfft.fftn(x, norm="forward"))
        ),
        True,
        True,
    ),
    ("rfft of float32", lambda x: tfft.irfft(tfft.rfft(x.astype(np.float32)), n=5), True, True),
    ("erf", lambda x: tg.scipy.special.erf(x * 2.0) - tg.scipy.special.erfc(x * 5.0), True, True),
    (
        "max pool",
        lambda x: lax.reduce_window(x, -np.inf, lax.max, (3, 2), (2, 2), "SAME"),
        True,
        True,
    ),
    (
        "sum pool, dilated and cropped",
        lambda x: lax.reduce_window(
            x, 0.0, lax.add, (2, 3), (1, 2), ((1, 2), (-1, 1)), (2, 1), window_dilation=(1, 2)
        ),
        True,
        True,
    ),
    (
        "min pool, dilated",
        lambda x: lax.reduce_window(x, np.inf, lax.min, (2, 2), (3, 1), "VALID", (1, 2), (2, 1)),
        True,
        True,
    ),
    (
        "max pool's jvp, ties",
        lambda x: tg.jvp(
            lambda v: lax.reduce_window(v, -np.inf, lax.max, (2, 2), (1, 1), "VALID"),
            (tnp.round(x),),
            (x,),
        )[1],
        True,
        True,
    ),
    # the derivative of a sort at tied keys averages over each run (tie_average)
    ("sort with ties", lambda x: tnp.sort(tnp.concat([x, x[:, :2]], axis=1), axis=1), True, True),
    ("median", lambda x: tnp.median(tnp.concat([x, x[:2]]), axis=0), True, True),
    (
        "dynamic_update_slice",
        lambda x: lax.dynamic_update_slice(x, x[:2, 1:3] * 5.0, (np.int32(4), np.int32(1))),
        True,
        False,  # the start indices are read
    ),
]


def close(got: Any, want: Any) -> None:
    got = np.asarray(got)
    assert got.shape == np.shape(want) and got.dtype == np.asarray(want).dtype
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def programs(f: Callable[..., Any], diff: bool) -> list[Callable[..., Any]]:
    return [f, tg.grad(lambda x: tnp.sum(tnp.sin(f(x))))] if diff else [f]


@pytest.mark.parametrize("name, f, diff, lazy", CASES, ids=[c[0] for c in CASES])
def test_on_array_api_strict(name: str, f: Callable[..., Any], diff: bool, lazy: bool) -> None:
    for g in programs(f, diff):
        got = tg.jit(g)(xs.asarray(V))
        assert type(got) is type(xs.asarray(0.0))
        close(got, g(V))


@pytest.mark.parametrize("name, f, diff, lazy", CASES, ids=[c[0] for c in CASES])
def test_on_dask(name: str, f: Callable[..., Any], diff: bool, lazy: bool) -> None:
    from dask.callbacks import Callback

    for g in programs(f, diff):
        ran: list[Any] = []
        with Callback(pretask=lambda key, dsk, state: ran.append(key)):
            got = tg.jit(g)(da.from_array(V, chunks=2))
        assert isinstance(got, da.Array)
        assert (ran == []) == lazy
        close(got.compute(scheduler="threads"), g(V))


def test_cond_on_an_eager_library_runs_the_chosen_branch_only() -> None:
    """The index is read: the other branch, a NumPy-only callback, never runs (on Dask,
    both run and the error names the callback)."""
    numpy_only = lambda v: tg.pure_callback(np.cos, v, v)
    f = tg.jit(lambda x: lax.cond(x[0] > -1.0, lambda v: v * 2.0, numpy_only, x))
    close(f(xs.asarray(np.abs(V[0]))), np.abs(V[0]) * 2.0)
    with pytest.raises(NotImplementedError, match=r"'pure_callback'.*dask"):
        f(da.from_array(np.abs(V[0]), chunks=2))


def test_scatter_past_the_one_hot_limit_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limit, the scatters but scatter_add stop (scatter_add runs by chunks)."""
    from tracegrad.ops import array_api_indexing

    monkeypatch.setattr(array_api_indexing, "ONE_HOT_LIMIT", 20)
    with pytest.raises(
        NotImplementedError,
        match=r"'scatter_max'.*array_api_strict.*12 update.*\(5, 4\): 240 elements.*20.*NumPy",
    ):
        tg.jit(lambda x: tnp.at(x)[DUP].max(1.0))(xs.asarray(V))
    close(tg.jit(lambda x: tnp.at(x)[DUP].add(1.0))(xs.asarray(V)), tnp.at(V)[DUP].add(1.0))


def added_at(x: np.ndarray, u: np.ndarray, *indices: np.ndarray) -> np.ndarray:
    """NumPy's np.add.at on a copy of x, the out-of-bounds updates dropped."""
    keep = np.logical_and.reduce([(i >= 0) & (i < n) for i, n in zip(indices, x.shape)])
    out = x.copy()
    with np.errstate(invalid="ignore"):
        np.add.at(out, tuple(i[keep] for i in indices), u[keep])
    return out


def scatter_add_cases() -> list[tuple[str, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]]:
    r = np.random.default_rng(5)
    x, u = r.normal(size=(7, 3)), r.normal(size=(40, 3))
    i = r.integers(0, 7, size=40)
    i[:6] = 2  # repeated: +inf, -inf, nan and finite values at one position
    u[:6, 0] = [np.inf, -np.inf, 1.0, 2.0, 3.0, 4.0]  # -> nan
    u[:6, 1] = [np.inf, np.inf, 1.0, 2.0, 3.0, 4.0]  # -> inf
    u[:6, 2] = [np.nan, -np.inf, 1.0, 2.0, 3.0, 4.0]  # -> nan
    u[20, 1], i[20] = -np.inf, 5  # one -inf alone
    x[0, 0] = np.inf  # an infinite operand under finite updates
    j = r.integers(-2, 5, size=(4, 6))  # out of bounds: dropped
    n = r.integers(-9, 9, size=(5, 2)).astype(np.int32)
    c = (r.normal(size=(4, 2)) + 1j * r.normal(size=(4, 2))).astype(np.complex128)
    uc = r.normal(size=(9, 2)) + 1j * r.normal(size=(9, 2))
    uc[3, 1] = complex(np.inf, 1.0)
    return [
        ("floats with inf and nan", x, u, (i,)),
        (
            "float32, two index arrays",
            x.astype(np.float32),
            r.normal(size=(4, 6)).astype(np.float32),
            (j, j[::-1] % 3),
        ),
        ("int32", n, r.integers(-9, 9, size=(30, 2)).astype(np.int32), (r.integers(0, 5, 30),)),
        ("complex with inf", c, uc, (r.integers(0, 4, 9),)),
        (
            "uint8, wrapping",
            n.astype(np.uint8) * 30,
            n[:4].astype(np.uint8) * 70,
            (DUP[[0, 1, 2, 0]],),
        ),
        ("bool: or", n[:, 0] > 3, n[:, 1] > 0, (np.array([0, 0, 4, 1, 4]),)),
    ]


SCATTER_ADD = scatter_add_cases()


@pytest.mark.parametrize("limit", [2**24, 5, 1])
@pytest.mark.parametrize("name, x, u, indices", SCATTER_ADD, ids=[c[0] for c in SCATTER_ADD])
def test_scatter_add_by_chunks_is_np_add_at(
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    name: str,
    x: np.ndarray,
    u: np.ndarray,
    indices: tuple[np.ndarray, ...],
) -> None:
    """scatter_add at any size: each chunk's one-hot mask within ONE_HOT_LIMIT (lowered
    here: chunks of one update and more), exact at infinities and nans (no 0 * inf), on
    array_api_strict and lazily on Dask (chunked index arrays), against np.add.at."""
    from dask.callbacks import Callback

    from tracegrad.ops import array_api_indexing

    monkeypatch.setattr(array_api_indexing, "ONE_HOT_LIMIT", limit)
    want = added_at(x, u, *indices)
    f = tg.jit(lambda x, u, *i: ix.scatter_add(x, u, *i))
    strict = f(xs.asarray(x), xs.asarray(u), *map(xs.asarray, indices))
    ran: list[Any] = []
    with Callback(pretask=lambda key, dsk, state: ran.append(key)):
        lazy = f(x, da.from_array(u, chunks=3), *(da.from_array(i, chunks=3) for i in indices))
    assert ran == [] and isinstance(lazy, da.Array)
    rtol = 1e-6 if x.dtype == np.float32 else 1e-12  # sums in another order than add.at's
    parts = lambda a: np.stack([a.real, a.imag])  # an infinite complex: each part compared
    for got in (np.asarray(strict), lazy.compute(scheduler="threads")):
        assert got.dtype == x.dtype
        np.testing.assert_allclose(parts(got), parts(want), rtol=rtol, atol=rtol)


def test_embedding_gradient_past_the_old_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gradient of a table lookup over a chunked index array, with the one-hot
    form of the whole (updates x rows x columns) many times ONE_HOT_LIMIT: lazy on Dask,
    equal to NumPy's."""
    from tracegrad.ops import array_api_indexing

    monkeypatch.setattr(array_api_indexing, "ONE_HOT_LIMIT", 100)
    table, rows = R.normal(size=(30, 4)), R.integers(0, 30, size=600)
    y = R.normal(size=600)
    loss = lambda t, i, y: tnp.mean((tnp.sum(t[i] * t[i], axis=1) - y) ** 2)
    g = tg.jit(tg.grad(loss))(table, da.from_array(rows, chunks=150), da.from_array(y, 150))
    assert isinstance(g, da.Array) and g.shape == table.shape
    want = tg.grad(loss)(table, rows, y)
    np.testing.assert_allclose(g.compute(scheduler="threads"), want, rtol=1e-12, atol=1e-14)
    strict = tg.jit(tg.grad(loss))(table, xs.asarray(rows), xs.asarray(y))
    np.testing.assert_allclose(np.asarray(strict), want, rtol=1e-12, atol=1e-14)


def test_scatter_of_integers_and_empty_operands() -> None:
    n = np.array([[7, -2], [0, 5], [3, 3]], np.int32)
    f = lambda n: (
        tnp.at(n)[DUP % 3].max(n[:3] * 2),
        tnp.at(n)[DUP % 3].min(-n[:3]),
        ix.gather(n[:0], np.array([0, 1]), mode="fill"),
    )
    for got, want in zip(tg.jit(f)(xs.asarray(n)), f(n), strict=True):
        close(got, want)


def test_fft_without_the_fft_extension_names_it() -> None:
    with (
        xs.ArrayAPIStrictFlags(enabled_extensions=("linalg",)),
        pytest.raises(NotImplementedError, match=r"'fft' needs fft.fftn .*'array_api_strict'"),
    ):
        tg.jit(lambda x: tfft.fft(x))(xs.asarray(V))


X4, W4 = R.normal(size=(2, 3, 7, 6)), R.normal(size=(4, 3, 3, 2))
CONVOLUTIONS: list[tuple[str, Callable[..., Any], tuple[np.ndarray, np.ndarray]]] = [
    ("SAME", lambda x, w: lax.conv(x, w, (1, 1), "SAME"), (X4, W4)),
    (
        "strided, dilated, cropped",
        lambda x, w: lax.conv_general_dilated(
            x, w, (2, 1), ((1, 2), (0, -1)), lhs_dilation=(1, 2), rhs_dilation=(2, 1)
        ),
        (X4, W4),
    ),
    (
        "feature groups",
        lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID", feature_group_count=3),
        (X4, W4[:3, :1]),
    ),
    (
        "channels last",
        lambda x, w: lax.conv_general_dilated(
            x, w, (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC")
        ),
        (R.normal(size=(3, 9, 4)), R.normal(size=(3, 4, 2))),
    ),
    (
        "transposed",
        lambda x, w: lax.conv_transpose(
            x, w, (2, 2), "SAME", dimension_numbers=("NCHW", "IOHW", "NCHW")
        ),
        (X4, W4.transpose(1, 0, 2, 3).copy()),
    ),
]


@pytest.mark.parametrize("name, f, args", CONVOLUTIONS, ids=[c[0] for c in CONVOLUTIONS])
def test_convolution(name: str, f: Callable[..., Any], args: tuple[np.ndarray, ...]) -> None:
    """Values and both gradients (the kernel's is a convolution of few output positions,
    the other form) on array_api_strict and, lazily, on Dask."""
    import dask
    from dask.callbacks import Callback

    both = tg.grad(lambda x, w: tnp.sum(tnp.sin(f(x, w))), argnums=(0, 1))
    for g in (f, both):
        want = tg.tree_util.tree_leaves(g(*args))
        strict = tg.jit(g)(*map(xs.asarray, args))
        ran: list[Any] = []
        with Callback(pretask=lambda key, dsk, state: ran.append(key)):
            lazy = tg.jit(g)(da.from_array(args[0], chunks=2), args[1])
        assert ran == []
        (computed,) = dask.compute(lazy, scheduler="threads")
        for got in (strict, computed):
            for u, v in zip(tg.tree_util.tree_leaves(got), want, strict=True):
                np.testing.assert_allclose(np.asarray(u), v, rtol=1e-10, atol=1e-12)


KEY = tg.random.PRNGKey(3)
RANDOM: list[tuple[str, Callable[..., Any]]] = [
    ("bits", lambda k, x: x + tg.random.bits(k, x.shape).astype(np.float64)),
    ("split and uniform", lambda k, x: x * tg.random.uniform(tg.random.split(k)[1], x.shape)),
    ("randint", lambda k, x: x + tg.random.randint(k, x.shape, 0, 10)),
    ("dropout", lambda k, x: tnp.where(tg.random.bernoulli(k, 0.3, x.shape), x / 0.3, 0.0)),
    ("permutation", lambda k, x: x[tg.random.permutation(k, x.shape[0])]),
    ("argsort on both axes", lambda k, x: tnp.argsort(x, axis=0) + tnp.argsort(x, axis=1)),
]


@pytest.mark.parametrize("name, f", RANDOM, ids=[c[0] for c in RANDOM])
def test_random_bits_and_sorts_by_key(name: str, f: Callable[..., Any]) -> None:
    """The Threefry hash is integer arithmetic, so the samplers built on bits alone give
    NumPy's values exactly; a sort by key takes along an axis without the namespace's
    take_along_axis (Dask has none)."""
    want = f(KEY, V)
    np.testing.assert_array_equal(np.asarray(tg.jit(f)(KEY, xs.asarray(V))), want)
    lazy = tg.jit(f)(KEY, da.from_array(V, chunks=2))
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), want)


def test_tie_average_with_nan_keys_and_complex_values() -> None:
    """A nan key is a run of its own; complex and float32 values are averaged as NumPy's
    (the Dask result computed by np.asarray)."""
    from tracegrad.ops import sorting

    keys = np.sort(R.integers(0, 3, size=(4, 7)).astype(np.float64), axis=1)
    keys[1, -2:] = np.nan
    for dtype in (np.float64, np.float32, np.complex128):
        t = (R.normal(size=(4, 7)) + (1j if dtype is np.complex128 else 0)).astype(dtype)
        for dim, k, v in ((1, keys, t), (0, keys.T.copy(), t.T.copy())):
            f = tg.jit(lambda a, b, dim=dim: sorting.tie_average_p.bind(a, b, dimension=dim))
            want = sorting.tie_average_p.impl(v, k, dimension=dim)
            rtol = 1e-6 if dtype is np.float32 else 1e-14  # sums of 3 in another order
            for got in (f(xs.asarray(v), xs.asarray(k)), f(da.from_array(v, chunks=2), k)):
                got = np.asarray(got)
                assert got.dtype == want.dtype
                np.testing.assert_allclose(got, want, rtol=rtol)
