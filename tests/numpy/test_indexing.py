"""Indexing: ``Tracer.__getitem__`` (basic and advanced), ``take``, ``take_along_axis`` and the
functional updates ``x.at[idx]``, against NumPy (values), finite differences (derivatives to
order 2), loops (vmap) and JAX (gradients at repeated indices and ties)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import ShapeError
from tracegrad.numpy._indexing import NonConcreteBooleanIndexError
from tracegrad.ops import elementwise as ew
from tracegrad.ops import indexing as ix
from tracegrad.test_util import check_grads

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((4, 5, 3))
MASK4 = np.array([True, False, True, True])
MASK5 = np.array([False, True, True, False, True])
MASK45 = RNG.standard_normal((4, 5)) > 0


def traced(f: Callable[..., Any], *args: Any) -> Any:
    """``f`` run through make_jaxpr and eval_jaxpr, with the avals checked against the values."""
    closed = tg.make_jaxpr(f)(*args)
    outs = tg.eval_jaxpr(closed, *args)
    for out, aval in zip(outs, closed.out_avals, strict=True):
        assert np.shape(out) == aval.shape
        assert np.asarray(out).dtype == aval.dtype
    return outs[0] if len(outs) == 1 else outs


def assert_same(got: Any, want: Any) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


def check_vmap(f: Callable[..., Any], *args: np.ndarray) -> None:
    """vmap over a new leading axis of every argument agrees with a loop."""
    batch = [np.stack([a, a[::-1] if a.ndim else a]) for a in args]
    out = tg.vmap(f)(*batch)
    for i in range(2):
        assert_same(np.asarray(out)[i], f(*[b[i] for b in batch]))


# ---- basic indexing, drawn by hypothesis -----------------------------------------
_slices = st.builds(
    slice,
    st.none() | st.integers(-6, 6),
    st.none() | st.integers(-6, 6),
    st.none() | st.integers(-3, 3).filter(bool),
)


@st.composite
def basic_cases(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    shape = tuple(draw(st.lists(st.integers(1, 4) | st.just(0), max_size=3)))
    items: list[Any] = draw(
        st.lists(st.integers(-4, 3) | _slices | st.none(), max_size=len(shape) + 2)
    )
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), Ellipsis)
    return shape, tuple(items)


@given(basic_cases())
def test_basic_index_matches_numpy(case: tuple[tuple[int, ...], tuple[Any, ...]]) -> None:
    shape, index = case
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        want = x[index]
    except IndexError:
        with pytest.raises(IndexError):
            traced(lambda x: x[index], x)
        return
    assert_same(traced(lambda x: x[index], x), want)
    closed = tg.make_jaxpr(lambda x: x[index])(x)
    assert {e.primitive.name for e in closed.jaxpr.eqns} <= {"slice", "rev", "reshape"}
    if np.size(want):
        check_grads(lambda x: x[index], (x + 0.5,), order=2)
        check_vmap(lambda x: x[index], x)


# ---- advanced indexing: a fixed catalogue ---------------------------------------------
ADVANCED = [
    (np.array([0, 2, -1]),),
    ([1, 1, 3],),
    (np.array([[0, 1], [2, 3]]),),
    (slice(None), [0, -1]),
    (slice(None), [0, -1], 1),
    ([0, 1], slice(None), [2, 0]),
    (0, slice(None), [1, 2]),
    (Ellipsis, [0, 2]),
    (None, [1, 2], None),
    ([1, 2], None, [0, 1]),
    (np.array(2),),
    (np.array(2), slice(None, None, -1)),
    (MASK4,),
    (slice(None), MASK5),
    (MASK45, 1),
    (slice(None, None, -1), MASK5),
    (MASK45,),
    (True,),
    (False, 0),
    (slice(None), True, [0, 1]),
    ([[0], [2]], [1, 3]),
    (slice(1, None, 2), [[0, 1]], slice(None, None, -1)),
    ([],),
    (np.array([], dtype=np.int64), slice(None)),
    ([3, 0], [4, 0], [2, 1]),
    (-1, [-5, 4]),
    (np.array([1, 2], dtype=np.uint8), Ellipsis, np.array([0, 2], dtype=np.int32)),
    ([0, 1, 0], slice(None), 2),
    (None, [0, 1], slice(None), [1, 2]),  # separated after a new axis: index dims first
    (slice(None), 0, None, [1, 2]),
]
IDS = [f"case{i}" for i in range(len(ADVANCED))]


@pytest.mark.parametrize("index", ADVANCED, ids=IDS)
def test_advanced_index_value_vmap_and_grads(index: tuple[Any, ...]) -> None:
    f = lambda x: x[index]
    assert_same(traced(f, X3), X3[index])
    check_vmap(f, X3)
    if X3[index].size:
        check_grads(f, (X3,), order=2)


def test_repeated_indices_accumulate_in_the_gradient() -> None:
    g = tg.grad(lambda x: tnp.sum(x[np.array([0, 0, 2, 0])]))(np.arange(3.0))
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])


def test_traced_index_arrays() -> None:
    i = np.array([[2, 0], [-1, 1]])
    f = lambda x, i: x[:, i, 1]
    assert_same(traced(f, X3, i), X3[:, i, 1])
    check_vmap(f, X3, i)
    for in_axes in [(0, None), (None, 0)]:
        xs, is_ = (np.stack([X3, -X3]), i) if in_axes[0] == 0 else (X3, np.stack([i, i[::-1]]))
        out = tg.vmap(f, in_axes=in_axes)(xs, is_)
        for k in range(2):
            want = f(xs[k] if in_axes[0] == 0 else xs, is_[k] if in_axes[1] == 0 else is_)
            assert_same(out[k], want)
    # Derivatives with a traced index: jvp and grad staged together with it.
    t = RNG.standard_normal(X3.shape)
    jv = traced(lambda x, i: tg.jvp(lambda x: f(x, i), (x,), (t,))[1], X3, i)
    assert_same(jv, t[:, i, 1])
    gr = traced(lambda x, i: tg.grad(lambda x: tnp.sum(f(x, i)))(x), X3, i)
    want = np.zeros_like(X3)
    np.add.at(want, (slice(None), i, 1), 1.0)
    assert_same(gr, want)


def test_traced_integer_scalar_index() -> None:
    f = lambda x, i: x[i] * 2.0
    for i in [0, 3, -2]:
        assert_same(traced(f, X3, np.int64(i)), X3[i] * 2.0)
    g = traced(lambda x, i: tg.grad(lambda x: tnp.sum(x[i]))(x), X3, np.int64(1))
    assert_same(g, np.eye(4)[1][:, None, None] * np.ones_like(X3))


def test_index_from_argmax() -> None:
    if not hasattr(tnp, "argmax"):
        pytest.skip("tracegrad.numpy.argmax is not available")
    f = lambda x: x[tnp.argmax(x)] * 2.0
    x = np.array([1.0, 5.0, 3.0])
    assert_same(traced(f, x), np.float64(10.0))
    assert_same(traced(tg.grad(f), x), np.array([0.0, 2.0, 0.0]))
    assert_same(tg.vmap(f)(np.array([[1.0, 5.0, 3.0], [7.0, 0.0, 1.0]])), np.array([10.0, 14.0]))


def test_traced_out_of_bounds_indices_clamp_as_jax() -> None:
    closed = tg.make_jaxpr(lambda x, i: x[i])(np.arange(4.0), np.array([0]))
    got = tg.eval_jaxpr(closed, np.arange(4.0), np.array([9, -9, -1]))[0]
    np.testing.assert_array_equal(got, [3.0, 0.0, 3.0])


def test_indexing_stages_canonical_primitives() -> None:
    text = str(tg.make_jaxpr(lambda x: x[::-1, None, 2])(np.ones((3, 4))))
    assert "rev" in text and "slice" in text and "gather" not in text
    text = str(tg.make_jaxpr(lambda x: x[np.array([0, 1])])(np.ones((3, 4))))
    assert "gather[mode=clip]" in text


# ---- take, take_along_axis ----------------------------------------------------
TAKE_CASES = [
    ([1, -1, 0], None, None),
    ([[0, 2], [1, 1]], 1, None),
    ([-3, 2], -1, "raise"),
    (np.int64(3), 0, None),
    ([7, -6, 2], 1, "wrap"),
    ([7, -6, 2], 1, "clip"),
    ([], 2, None),
]


@pytest.mark.parametrize(("indices", "axis", "mode"), TAKE_CASES)
def test_take(indices: Any, axis: int | None, mode: str | None) -> None:
    kw = {"axis": axis} | ({"mode": mode} if mode else {})
    f = lambda x: tnp.take(x, indices, **kw)
    want = np.take(X3, indices, **kw)
    assert_same(f(X3), want)
    assert_same(traced(f, X3), want)
    if want.size:
        check_grads(f, (X3,), order=2)
    if mode is None and np.ndim(indices):
        traced_i = lambda x, i: tnp.take(x, i, **kw)
        assert_same(traced(traced_i, X3, np.asarray(indices, np.int64)), want)


TAKE_ALONG = [
    (np.argsort(X3, axis=1), 1),
    (np.argsort(X3, axis=-1)[..., :2], -1),
    (np.array([[[0]], [[2]]]), 0),
    (np.array([[[-1, 0, 1]]]), 1),
    (np.array([5, 0, -1]), None),
]


@pytest.mark.parametrize(("indices", "axis"), TAKE_ALONG)
def test_take_along_axis(indices: np.ndarray, axis: int | None) -> None:
    f = lambda x: tnp.take_along_axis(x, indices, axis=axis)
    want = np.take_along_axis(X3, indices, axis=axis)
    assert_same(f(X3), want)
    assert_same(traced(f, X3), want)
    assert_same(traced(lambda x, i: tnp.take_along_axis(x, i, axis=axis), X3, indices), want)
    check_grads(f, (X3,), order=2)
    check_vmap(f, X3)


# ---- x.at[idx] -----------------------------------------------------------------
def positions(shape: tuple[int, ...], index: Any) -> np.ndarray:
    """Flat positions addressed by ``index``, laid out as ``x[index]``."""
    return np.arange(int(np.prod(shape))).reshape(shape)[index]


def reference_update(op: str, x: np.ndarray, index: Any, v: Any) -> np.ndarray:
    pos = positions(x.shape, index)
    v = np.broadcast_to(np.asarray(v, x.dtype), pos.shape)
    out = x.copy().ravel()
    if op == "set":
        out[pos] = v
    else:
        ufunc = {
            "add": np.add,
            "subtract": np.subtract,
            "multiply": np.multiply,
            "divide": np.divide,
            "power": np.power,
            "min": np.minimum,
            "max": np.maximum,
        }[op]
        ufunc.at(out, pos, v)
    return out.reshape(x.shape)


AT_INDICES = [
    (1,),
    (slice(None, None, -2), 0),
    ([0, 2, 0], slice(1, 4)),
    ([1, 2], None, [0, 1]),
    (MASK4, Ellipsis, -1),
    (0, slice(None), [1, 2]),
    (np.array([[3], [0]]), [1, 1, 4], 2),
    ([],),
    (slice(None), 0, None, [1, 2, 1]),
]
AT_OPS = ["set", "add", "subtract", "multiply", "divide", "power", "min", "max"]


@pytest.mark.parametrize("op", AT_OPS)
@pytest.mark.parametrize("index", AT_INDICES, ids=[f"idx{i}" for i in range(len(AT_INDICES))])
def test_at_updates(op: str, index: Any) -> None:
    shape = positions(X3.shape, index).shape
    v = RNG.uniform(0.5, 1.5, shape)
    x = np.abs(X3) + 0.5 if op == "power" else X3.copy()
    f = lambda x, v: getattr(tnp.at(x)[index], op)(v)
    want = reference_update(op, x, index, v)
    np.testing.assert_allclose(f(x, v), want, rtol=1e-12)
    np.testing.assert_array_equal(x, np.abs(X3) + 0.5 if op == "power" else X3)  # not mutated
    np.testing.assert_allclose(
        traced(lambda x, v: getattr(x.at[index], op)(v), x, v), want, rtol=1e-12
    )
    check_grads(f, (x, v), order=2)
    # A scalar update broadcasts; a traced update and operand stage through the same path.
    np.testing.assert_allclose(
        traced(lambda x: getattr(x.at[index], op)(1.25), x),
        reference_update(op, x, index, 1.25),
        rtol=1e-12,
    )


@pytest.mark.parametrize("op", [*AT_OPS, "get"])
def test_at_with_traced_indices_and_vmap(op: str) -> None:
    i = np.array([3, 0, 3, -1])
    X = np.abs(X3) + 0.5 if op == "power" else X3
    v = RNG.uniform(0.5, 1.5, (4, 5))

    def f(x: Any, i: Any, v: Any) -> Any:
        ref = x.at[i, :, 1] if not isinstance(x, np.ndarray) else tnp.at(x)[i, :, 1]
        if op == "get":
            return ref.get() * v
        return getattr(ref, op)(v)

    want = X[i, :, 1] * v if op == "get" else reference_update(op, X, (i, slice(None), 1), v)
    np.testing.assert_allclose(traced(f, X, i, v), want, rtol=1e-12)
    batch_x, batch_i, batch_v = np.stack([X, 2 * X]), np.stack([i, i[::-1]]), np.stack([v, 2 * v])
    out = tg.vmap(f)(batch_x, batch_i, batch_v)
    for k in range(2):
        np.testing.assert_allclose(out[k], f(batch_x[k], batch_i[k], batch_v[k]), rtol=1e-12)
    out = tg.vmap(f, in_axes=(None, 0, None))(X, batch_i, v)
    for k in range(2):
        np.testing.assert_allclose(out[k], f(X, batch_i[k], v), rtol=1e-12)
    if op not in ("multiply", "divide", "power"):  # derivatives with the traced index
        jv = traced(lambda x, i, v: tg.jvp(lambda x, v: f(x, i, v), (x, v), (x, v))[1], X, i, v)
        np.testing.assert_allclose(jv, tg.jvp(lambda x, v: f(x, i, v), (X, v), (X, v))[1])


def test_at_multiply_repeated_indices_exact_at_zero() -> None:
    index = ([1, 1, 2, 1], 0, 0)
    v = np.array([0.0, 2.0, 3.0, 0.5])
    f = lambda x, v: tnp.at(x)[index].multiply(v)
    np.testing.assert_allclose(f(X3, v), reference_update("multiply", X3, index, v))
    check_grads(f, (X3, v), order=2)
    g = tg.grad(lambda v: tnp.sum(f(X3, v)))(v)
    np.testing.assert_allclose(g, [X3[1, 0, 0] * 2.0 * 0.5, 0.0, X3[2, 0, 0], 0.0])


def test_at_multiply_traced_repeated_indices_needs_unique_indices() -> None:
    f = lambda v, i: tg.grad(lambda v: tnp.sum(tnp.at(np.ones(3))[i].multiply(v)))(v)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        tg.make_jaxpr(f)(np.ones(2), np.array([0, 0]))
    g = traced(
        lambda v, i: tg.grad(
            lambda v: tnp.sum(tnp.at(np.ones(3))[i].multiply(v, unique_indices=True))
        )(v),
        np.ones(2),
        np.array([0, 2]),
    )
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_at_duplicates_semantics() -> None:
    x = np.zeros(3)
    assert_same(tnp.at(x)[[0, 0, 2]].add(np.array([1.0, 2.0, 3.0])), np.array([3.0, 0.0, 3.0]))
    assert_same(tnp.at(x)[[0, 0]].set(np.array([1.0, 2.0])), np.array([2.0, 0.0, 0.0]))
    assert_same(tnp.at(x)[[0, 0]].min(np.array([-1.0, -2.0])), np.array([-2.0, 0.0, 0.0]))
    g = tg.grad(lambda v: tnp.sum(tnp.at(x)[[0, 0]].set(v)))(np.array([1.0, 2.0]))
    assert_same(g, np.array([0.0, 1.0]))  # only the kept (last) update gets the gradient


def test_at_modes_and_get() -> None:
    x = np.arange(5.0)
    assert_same(tnp.at(x)[10].add(10.0), x)
    assert_same(tnp.at(x)[20].add(10.0, mode="clip"), np.array([0, 1, 2, 3, 14.0]))
    assert_same(tnp.at(x)[20].get(), np.float64(4.0))
    assert np.isnan(tnp.at(x)[20].get(mode="fill"))
    assert_same(tnp.at(x)[np.array([1, 20])].get(mode="fill", fill_value=-1), np.array([1, -1.0]))
    assert_same(tnp.at(x)[-1].set(99.0), np.array([0, 1, 2, 3, 99.0]))
    assert_same(tnp.at(x)[-1].set(99.0, wrap_negative_indices=False, mode="drop"), x)
    assert_same(tnp.at(x)[1:3].get(), x[1:3])
    assert_same(tnp.at(np.arange(4))[1].divide(2), np.array([0, 0.5, 2, 3]))
    assert_same(tnp.at(np.arange(4))[[1, 1]].add(1), np.array([0, 3, 2, 3]))
    with pytest.raises(ValueError, match="mode"):
        tnp.at(x)[0].set(1.0, mode="bogus")
    jaxpr = str(tg.make_jaxpr(lambda x: x.at[1:3].get(mode="fill"))(x))
    assert "gather" not in jaxpr


def test_set_gradients_and_transpose() -> None:
    index = (np.array([2, 0, 2]), slice(1, 3))
    v = RNG.standard_normal((3, 2, 3))
    f = lambda x, v: tnp.at(x)[index].set(v)
    gx, gv = tg.grad(lambda x, v: tnp.sum(f(x, v) * X3), argnums=(0, 1))(X3, v)
    want_gx = X3.copy()
    want_gx[index] = 0.0
    assert_same(gx, want_gx)
    want_gv = X3[index].copy()
    want_gv[0] = 0.0  # the first update at position 2 is overwritten by the last
    assert_same(gv, want_gv)
    (ct,) = tg.linear_transpose(lambda x: x[index], X3)(v)
    want = np.zeros_like(X3)
    np.add.at(want, index, v)
    assert_same(ct, want)


def test_compositions_of_updates() -> None:
    i = np.array([1, 1, 2])
    f = lambda x, v: tnp.sum(tnp.at(x)[i].set(v) * np.arange(4.0))
    xs, vs = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 3))
    gx, gv = tg.vmap(tg.grad(f, argnums=(0, 1)))(xs, vs)
    for k in range(3):
        want_x, want_v = tg.grad(f, argnums=(0, 1))(xs[k], vs[k])
        assert_same(gx[k], want_x)
        assert_same(gv[k], want_v)
    sq = lambda v: tnp.sum(tnp.at(np.zeros(4))[i].max(v) * tnp.at(np.zeros(4))[i].max(v))
    assert_same(tg.hessian(sq)(np.array([1.0, 2.0, 3.0])), np.diag([0.0, 2.0, 2.0]))
    assert_same(tg.jacrev(lambda x: x[[0, 0, 2]])(np.arange(3.0)), np.eye(3)[[0, 0, 2]])


# ---- comparisons with JAX ----------------------------------------------------------
@pytest.fixture(scope="module")
def jax_modules() -> tuple[Any, Any]:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, pytest.importorskip("jax.numpy")


@pytest.mark.parametrize("op", ["set", "add", "min", "max"])
def test_at_gradients_match_jax(op: str, jax_modules: tuple[Any, Any]) -> None:
    jax, jnp = jax_modules
    x = np.array([1.0, 2.0, 3.0, 4.0])
    i = np.array([1, 1, 2, 0, 2])
    # Ties everywhere: repeated updates equal to each other and to the operand.
    v = np.array([2.0, 2.0, 1.0, 1.0, 5.0]) if op in ("min", "max") else np.arange(5.0)
    w = np.array([1.0, -2.0, 3.0, 0.5])

    def ours(x: Any, v: Any) -> Any:
        return tnp.sum(getattr(tnp.at(x)[i], op)(v) * w)

    def theirs(x: Any, v: Any) -> Any:
        return jnp.sum(getattr(x.at[i], op)(v) * w)

    got = tg.grad(ours, argnums=(0, 1))(x, v)
    want = jax.grad(theirs, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(v))
    for g, w_ in zip(got, want, strict=True):
        np.testing.assert_allclose(g, np.asarray(w_), rtol=1e-12)
    gather_ours = tg.grad(lambda x: tnp.sum(x[i] * v))(x)
    gather_jax = jax.grad(lambda x: jnp.sum(x[i] * v))(jnp.asarray(x))
    np.testing.assert_allclose(gather_ours, np.asarray(gather_jax))


# ---- errors ------------------------------------------------------------------------
def test_out_of_bounds_concrete_indices_raise_index_error() -> None:
    x = np.zeros((3, 4))
    for index in [5, (0, -5), ([0, 3],), (slice(None), np.array([4]))]:
        with pytest.raises(IndexError, match="out of bounds"):
            tg.make_jaxpr(lambda x: x[index])(x)
    with pytest.raises(IndexError, match="out of bounds"):
        tg.make_jaxpr(lambda x: tnp.take(x, [12]))(x)
    with pytest.raises(IndexError, match="out of bounds"):
        tg.make_jaxpr(lambda x: tnp.take_along_axis(x, np.array([[4]]), axis=1))(x)


def test_traced_boolean_mask_raises() -> None:
    with pytest.raises(NonConcreteBooleanIndexError) as info:
        tg.make_jaxpr(lambda x, m: x[m])(np.zeros(3), np.array([True, False, True]))
    assert isinstance(info.value, IndexError) and isinstance(info.value, TypeError)
    assert "Array boolean indices must be concrete" in str(info.value)
    assert "(3,)" in str(info.value)
    # A concrete mask, even under grad, is fine.
    g = tg.grad(lambda x: tnp.sum(x[ew.gt(x, 0.0)]))(np.array([-1.0, 2.0, 3.0]))
    assert_same(g, np.array([0.0, 1.0, 1.0]))


def test_setitem_raises_type_error() -> None:
    def f(x: Any) -> Any:
        x[0] = 1.0
        return x

    with pytest.raises(TypeError, match=r"immutable.*x\.at\[idx\]\.set\(y\)"):
        tg.make_jaxpr(f)(np.zeros(3))


@pytest.mark.parametrize(
    ("index", "match"),
    [
        ((0, 0, 0), "too many indices"),
        ((Ellipsis, Ellipsis), "single ellipsis"),
        (1.5, "valid indices"),
        ([0.5], "valid indices"),
        (np.array([True, False]), "boolean index did not match"),
        (([0, 1], [0, 1, 2]), "shape mismatch"),
    ],
)
def test_index_errors(index: Any, match: str) -> None:
    with pytest.raises(IndexError, match=match):
        tg.make_jaxpr(lambda x: x[index])(np.zeros((3, 4)))


def test_traced_slice_bounds_and_update_shape_errors() -> None:
    with pytest.raises(IndexError, match="static start/stop/step"):
        tg.make_jaxpr(lambda x, i: x[i:])(np.zeros(3), np.int64(1))
    with pytest.raises(ShapeError, match="could not be broadcast"):
        tnp.at(np.zeros((3, 4)))[0].set(np.ones(3))
    with pytest.raises(ValueError, match="clipmode"):
        tg.make_jaxpr(lambda x: tnp.take(x, [0], mode="bogus"))(np.zeros(3))


# ---- the primitives' own rules --------------------------------------------------------
def test_batch_rules_against_a_loop() -> None:
    x = RNG.standard_normal((2, 4, 3))
    u = RNG.standard_normal((2, 5, 3))
    i = np.array([[0, 3, 3, 1, 9], [2, 2, 0, 1, -1]])
    for mode in ["clip", "wrap", "fill"]:
        out, d = ix.gather_p.batch([x, i], [0, 0], mode=mode)
        for k in range(2):
            assert_same(np.moveaxis(out, d, 0)[k], ix.gather(x[k], i[k], mode=mode))
    for prim in [ix.scatter_p, ix.scatter_add_p, ix.scatter_min_p, ix.scatter_max_p]:
        for dims in [(0, 0, 0), (None, 0, 0), (0, None, 0), (0, 0, None)]:
            args = [
                x if dims[0] == 0 else x[0],
                u if dims[1] == 0 else u[0],
                i if dims[2] == 0 else i[0],
            ]
            out, d = prim.batch(args, list(dims), mode="drop")
            for k in range(2):
                want = prim.bind(
                    *[a[k] if dd == 0 else a for a, dd in zip(args, dims)], mode="drop"
                )
                assert_same(np.moveaxis(out, d, 0)[k], want)
