"""Products and diagonals of tracegrad.numpy: values against NumPy, derivatives to order 2,
an einsum catalogue, agreement with jax.numpy, promotion, batching and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import OpRecord, record_tests
from tracegrad.core import ShapeError

C64, C128 = np.dtype(np.complex64), np.dtype(np.complex128)

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (1, 4, 3, 2)), ((4, 3), (2, 3, 1)),
    ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((1, 2, 3), (3, 2)), ((2, 0, 3), (3, 2)),
]  # fmt: skip

EINSUM_CATALOGUE = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ii", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,j", [(2,), (3,)]),
    ("Ba,aC", [(2, 3), (3, 2)]),  # upper case sorts before lower case
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(1, 2, 3), (5, 3, 4)]),  # ellipsis broadcasting
    ("...i,...i->...", [(2, 3), (4, 1, 3)]),
    ("i...i", [(2, 4, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # size-1 labels broadcast
    ("ijk,kji", [(2, 3, 4), (4, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),  # three operands
    ("i,i,i", [(3,), (3,), (3,)]),
    ("ijk,jl,lk->i", [(2, 3, 4), (3, 5), (5, 4)]),
    ("ab,bc,cd,da", [(2, 3), (3, 4), (4, 2), (2, 2)]),
    ("i,", [(3,), ()]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
]


def einsum_record(
    subscripts: str, shapes: list[tuple[int, ...]], optimize: object = False
) -> OpRecord:
    suffix = "" if optimize is False else f"_opt_{optimize}"
    return OpRecord(
        f"einsum[{subscripts}]{suffix}",
        lambda *a: tnp.einsum(subscripts, *a, optimize=optimize),
        lambda *a: np.einsum(subscripts, *a),
        [tuple(shapes)],
    )


RECORDS = [
    OpRecord("dot", tnp.dot, np.dot, [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 4, 3), (5, 3, 2)),
        ((), (2, 3)), ((2, 3), ()), ((4, 2, 3), (3,)),
    ]),
    OpRecord("dot_method", lambda a, b: a.dot(b), lambda a, b: a.dot(b),
             [((2, 3), (3, 4)), ((3,), (3,))]),
    OpRecord("vdot", tnp.vdot, np.vdot, [((3,), (3,)), ((2, 3), (3, 2)), ((), ())]),
    OpRecord("inner", tnp.inner, np.inner,
             [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3, 4), (4,)), ((), (3,)), ((2, 3), ())]),
    OpRecord("outer", tnp.outer, np.outer, [((3,), (4,)), ((2, 2), (3,)), ((), (2,))]),
    OpRecord("matmul", tnp.matmul, np.matmul, MATMUL_SHAPES),
    OpRecord("matmul_operator", lambda a, b: a @ b, lambda a, b: a @ b, MATMUL_SHAPES[:8]),
    OpRecord("rmatmul_operator", lambda a: [[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]] @ a,
             lambda a: np.array([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]]) @ a,
             [((3,),), ((3, 4),), ((2, 3, 4),)], dtypes=(np.dtype(np.float64),)),
    OpRecord("tensordot_2", tnp.tensordot, np.tensordot, [((2, 3, 4), (3, 4, 5)), ((3, 4),
                                                                                   (3, 4))]),
    OpRecord("tensordot_0", tnp.tensordot, np.tensordot, [((2, 3), (4,)), ((), (2,))],
             kwargs={"axes": 0}),
    OpRecord("tensordot_1", tnp.tensordot, np.tensordot, [((2, 3), (3, 4))],
             kwargs={"axes": 1}),
    OpRecord("tensordot_pairs", tnp.tensordot, np.tensordot, [((2, 3, 4), (4, 5, 3))],
             kwargs={"axes": ((1, -1), (2, 0))}),
    OpRecord("tensordot_ints", tnp.tensordot, np.tensordot, [((2, 3), (3, 4))],
             kwargs={"axes": (1, 0)}),
    OpRecord("kron", tnp.kron, np.kron, [
        ((2,), (3,)), ((2, 3), (2, 2)), ((2,), (2, 3)), ((), (2,)), ((2, 1, 2), (3, 2)),
    ]),
    OpRecord("trace", tnp.trace, np.trace, [((3, 3),), ((3, 4),), ((2, 3, 4),)]),
    OpRecord("trace_offset_axes", tnp.trace, np.trace, [((2, 3, 4),), ((4, 3, 3),)],
             kwargs={"offset": 1, "axis1": 2, "axis2": 1}),
    OpRecord("trace_method", lambda a: a.trace(-1), lambda a: a.trace(-1), [((3, 4),)]),
    OpRecord("diag_vector", tnp.diag, np.diag, [((3,),), ((1,),)]),
    OpRecord("diag_vector_k", tnp.diag, np.diag, [((3,),), ((2,),)], kwargs={"k": -2}),
    OpRecord("diag_matrix", tnp.diag, np.diag, [((3, 4),), ((4, 3),)], kwargs={"k": 1}),
    OpRecord("diagonal", tnp.diagonal, np.diagonal, [((3, 4),), ((2, 3, 4),)]),
    OpRecord("diagonal_axes", tnp.diagonal, np.diagonal, [((2, 3, 4),), ((4, 4, 4),)],
             kwargs={"offset": -1, "axis1": -1, "axis2": 0}),
    OpRecord("diagonal_method", lambda a: a.diagonal(1), lambda a: a.diagonal(1),
             [((3, 4),)]),
    OpRecord("tril", tnp.tril, np.tril, [((3,),), ((3, 4),), ((2, 3, 4),)]),
    OpRecord("tril_k", tnp.tril, np.tril, [((3, 4),), ((2, 4, 3),)], kwargs={"k": -1}),
    OpRecord("triu", tnp.triu, np.triu, [((3,),), ((3, 4),), ((2, 3, 4),)]),
    OpRecord("triu_k", tnp.triu, np.triu, [((3, 4),), ((2, 4, 3),)], kwargs={"k": 2}),
    OpRecord("vdot_complex", tnp.vdot, np.vdot, [((3,), (3,)), ((2, 3), (6,))], dtypes=(C128,)),
    OpRecord("matmul_complex", tnp.matmul, np.matmul, MATMUL_SHAPES[4:8], dtypes=(C128, C64)),
    *(einsum_record(s, shapes) for s, shapes in EINSUM_CATALOGUE),
    einsum_record("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], optimize=True),
    einsum_record("ab,bc,cd,da", [(2, 3), (3, 4), (4, 2), (2, 2)], optimize="optimal"),
]  # fmt: skip

test_value, test_derivatives = record_tests(RECORDS)


# ---- dtypes and promotion ------------------------------------------------------
def _both_ways(f, *args):
    """``f`` eagerly and through make_jaxpr/eval_jaxpr."""
    closed = tg.make_jaxpr(f)(*args)
    return f(*args), tg.eval_jaxpr(closed, *args)[0], closed.out_avals[0]


@pytest.mark.parametrize(
    "fn",
    [
        tnp.dot,
        tnp.matmul,
        tnp.inner,
        tnp.outer,
        tnp.kron,
        tnp.vdot,
        tnp.tensordot,
        lambda a, b: tnp.einsum("i,i", a, b),
    ],
)
def test_float32_stays_float32_and_mixed_promotes(fn) -> None:
    a32, b32 = np.ones(3, np.float32), np.arange(3, dtype=np.float32)
    ref = {tnp.tensordot: lambda a, b: np.tensordot(a, b, 1)}.get(fn, None)
    call = (lambda a, b: fn(a, b, 1)) if ref is not None else fn
    for b, want in [
        (b32, np.float32),
        (b32.astype(np.float64), np.float64),
        (np.arange(3, dtype=np.int32), np.float64),
        (np.arange(3, dtype=np.int8), np.float32),
    ]:
        eager, traced, aval = _both_ways(call, a32, b)
        assert np.asarray(eager).dtype == want
        assert np.asarray(traced).dtype == want
        assert aval.dtype == want


def test_python_scalars_convert_as_numpy_products_do() -> None:
    """np.dot and its kin convert Python scalars to strong float64 arrays (not NEP 50)."""
    x = np.ones(3, np.float32)
    for fn, np_fn in [(tnp.dot, np.dot), (tnp.inner, np.inner), (tnp.kron, np.kron)]:
        eager, traced, aval = _both_ways(lambda a: fn(a, 2.0), x)
        assert np.asarray(eager).dtype == np.asarray(np_fn(x, 2.0)).dtype == np.float64
        assert np.asarray(traced).dtype == aval.dtype == np.float64


def test_integer_products_stay_integer() -> None:
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    b = np.arange(6, dtype=np.int8).reshape(3, 2)
    for fn in (tnp.matmul, tnp.dot, lambda x, y: tnp.einsum("ij,jk", x, y)):
        eager, traced, aval = _both_ways(fn, a, b)
        np.testing.assert_array_equal(traced, a.astype(np.int64) @ b)
        assert aval.dtype == np.asarray(traced).dtype == np.asarray(eager).dtype == np.int8
    _eager, traced, aval = _both_ways(tnp.trace, a)
    assert aval.dtype == np.asarray(traced).dtype == np.trace(a).dtype


# ---- transformations -----------------------------------------------------------
def test_vmap_matmul_matches_loop() -> None:
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 3))
    got = tg.vmap(tnp.matmul)(xs, ys)
    np.testing.assert_allclose(got, np.stack([x @ y for x, y in zip(xs, ys)]))
    got = tg.vmap(lambda x: tnp.einsum("ii->i", x), in_axes=2)(rng.standard_normal((3, 3, 5)))
    assert got.shape == (5, 3)
    got = tg.vmap(tnp.trace)(rng.standard_normal((4, 3, 3)))
    assert got.shape == (4,)


def test_plain_numpy_calls_dispatch() -> None:
    a = np.arange(6.0).reshape(3, 2)
    x = np.ones((2, 3))
    row_sums = np.broadcast_to(a.sum(1), (2, 3))
    for f, want in [
        (lambda x: np.sum(np.dot(x, a)), row_sums),
        (lambda x: np.sum(np.matmul(x, a)), row_sums),
        (lambda x: np.sum(np.tensordot(x, a, 1)), row_sums),
        (lambda x: np.trace(x @ a), a.T),
        (lambda x: np.einsum("ij,ji", x, a), a.T),
    ]:
        np.testing.assert_allclose(tg.grad(f)(x), want)


def test_grad_of_trace_and_jaxpr() -> None:
    x = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(tg.grad(tnp.trace)(x), np.eye(3))
    np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(tnp.tril(x)))(x), np.tri(3))
    text = str(
        tg.make_jaxpr(lambda a, b: a @ b)(np.ones((2, 3), np.float32), np.ones((3,), np.float32))
    )
    assert "dot_general" in text and "f32[2]" in text


# ---- agreement with jax.numpy --------------------------------------------------
JAX_CASES = [
    ("dot", [(2, 3), (3, 4)]), ("matmul", [(5, 1, 2, 3), (4, 3, 2)]), ("inner", [(2, 3), (3,)]),
    ("outer", [(3,), (2, 2)]), ("vdot", [(2, 3), (6,)]), ("kron", [(2, 3), (3, 2)]),
    ("trace", [(3, 4)]), ("diagonal", [(2, 3, 4)]), ("tril", [(3, 4)]), ("triu", [(2, 3, 3)]),
    ("diag", [(3,)]), ("tensordot", [(2, 3, 4), (3, 4, 2)]),
]  # fmt: skip


@pytest.mark.parametrize("name,shapes", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_values_and_gradients_match_jax(name, shapes) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in shapes]
    ours, theirs = getattr(tnp, name), getattr(jnp, name)
    out, f_vjp = tg.vjp(ours, *args)
    jout, j_vjp = jax.vjp(theirs, *args)
    np.testing.assert_allclose(out, np.asarray(jout), rtol=1e-12, atol=1e-12)
    ct = rng.standard_normal(np.shape(out))
    for g, jg in zip(f_vjp(ct), j_vjp(ct), strict=True):
        np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "subscripts,shapes", EINSUM_CATALOGUE[::3], ids=[c[0] for c in EINSUM_CATALOGUE[::3]]
)
def test_einsum_matches_jax(subscripts, shapes) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(4)
    args = [rng.standard_normal(s) for s in shapes]
    out, f_vjp = tg.vjp(lambda *a: tnp.einsum(subscripts, *a), *args)
    jout, j_vjp = jax.vjp(lambda *a: jax.numpy.einsum(subscripts, *a), *args)
    np.testing.assert_allclose(out, np.asarray(jout), rtol=1e-12, atol=1e-12)
    ct = rng.standard_normal(np.shape(out))
    for g, jg in zip(f_vjp(ct), j_vjp(ct), strict=True):
        np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-12, atol=1e-12)


# ---- errors --------------------------------------------------------------------
def _eager_and_traced(f, *args):
    """Run ``f`` eagerly and under make_jaxpr; both must raise the same error type."""
    errors = []
    for run in (lambda: f(*args), lambda: tg.make_jaxpr(f)(*args)):
        with pytest.raises(Exception) as info:
            run()
        errors.append(info.value)
    return errors


def test_matmul_shape_mismatch() -> None:
    for err in _eager_and_traced(tnp.matmul, np.ones((2, 3)), np.ones((4, 5))):
        assert isinstance(err, ShapeError) and isinstance(err, ValueError)
        assert isinstance(err, TypeError)
        msg = str(err)
        assert "matmul: Input operand 1 has a mismatch in its core dimension 0" in msg
        assert "(2,3)" in msg and "(4,5)" in msg
    for err in _eager_and_traced(lambda a, b: a @ b, np.ones((2, 3)), np.ones((4, 5))):
        assert isinstance(err, ValueError)  # eager: NumPy's own; traced: ShapeError
    (err,) = _eager_and_traced(lambda a, b: a @ b, np.ones((2, 3)), np.ones((4, 5)))[1:]
    assert isinstance(err, ShapeError)
    for err in _eager_and_traced(tnp.matmul, np.ones(()), np.ones((4, 5))):
        assert isinstance(err, ShapeError) and "does not have enough dimensions" in str(err)
    for err in _eager_and_traced(tnp.matmul, np.ones((2, 2, 3)), np.ones((3, 3, 4))):
        assert isinstance(err, ShapeError) and "(2,2,3)" in str(err) and "(3,3,4)" in str(err)


def test_other_shape_mismatches() -> None:
    cases = [
        (tnp.dot, (np.ones((2, 3)), np.ones((4, 5))), "shapes (2,3) and (4,5) not aligned"),
        (tnp.inner, (np.ones((2, 3)), np.ones((4, 5))), "not aligned"),
        (tnp.vdot, (np.ones((2, 3)), np.ones(5)), "different sizes"),
        (tnp.tensordot, (np.ones((2, 3)), np.ones((4, 5))), "shape-mismatch for sum"),
        (
            lambda a, b: tnp.einsum("ij,jk", a, b),
            (np.ones((2, 3)), np.ones((4, 5))),
            "could not be broadcast",
        ),
        (lambda a: tnp.einsum("ii", a), (np.ones((2, 3)),), "collapsing index 'i'"),
    ]
    for fn, args, text in cases:
        for err in _eager_and_traced(fn, *args):
            assert isinstance(err, ShapeError), (fn, err)
            assert text in str(err), (text, str(err))


def test_value_errors_as_numpy() -> None:
    cases = [
        (lambda a: tnp.einsum("ij,jk", a), (np.ones((2, 3)),), "fewer operands"),
        (lambda a: tnp.einsum("i", a, a), (np.ones(3),), "more operands"),
        (lambda a: tnp.einsum("i1", a), (np.ones((3, 3)),), "invalid subscript '1'"),
        (lambda a: tnp.einsum("ijk", a), (np.ones((2, 3)),), "too many subscripts"),
        (lambda a: tnp.einsum("i", a), (np.ones((2, 3)),), "more dimensions than subscripts"),
        (lambda a: tnp.einsum("i->j", a), (np.ones(3),), "never appeared"),
        (lambda a: tnp.einsum("i->ii", a), (np.ones(3),), "multiple times"),
        (lambda a: tnp.einsum("...i->i", a), (np.ones((2, 3)),), "no '...'"),
        (tnp.diag, (np.ones((2, 2, 2)),), "1- or 2-d"),
        (tnp.diagonal, (np.ones(3),), "at least two dimensions"),
        (lambda a: tnp.diagonal(a, 0, 1, -1), (np.ones((2, 2)),), "cannot be the same"),
    ]
    for fn, args, text in cases:
        errs = _eager_and_traced(fn, *args)
        assert isinstance(errs[1], ValueError) and text in str(errs[1]), (text, errs[1])
        assert isinstance(errs[0], ValueError), errs[0]


def test_out_argument_is_refused_when_traced() -> None:
    with pytest.raises(NotImplementedError, match="out="):
        tg.make_jaxpr(lambda a: tnp.dot(a, a, out=np.empty(())))(np.ones(3))
