"""tracegrad.numpy.linalg: norms, inverses, solves, determinants and decompositions against
NumPy, derivatives to order 2, agreement with jax.numpy.linalg, edge points and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import F32, F64, OpRecord, record_tests
from tracegrad.core import ShapeError
from tracegrad.test_util import check_grads

la, nla = tnp.linalg, np.linalg
C128 = np.dtype(np.complex128)


def well_conditioned(rng, shapes, dtype):
    """Square matrices near a multiple of the identity (other operands plain normal)."""
    out = []
    for shape in shapes:
        x = rng.uniform(-1, 1, shape)
        if len(shape) >= 2 and shape[-1] == shape[-2]:
            x = x + (shape[-1] + 1) * np.eye(shape[-1])  # strictly diagonally dominant
        out.append(np.asarray(x, dtype))
    return out


def spread(rng, shapes, dtype):
    """Matrices whose eigen/singular values are well apart (2, 4, 6, ... plus noise), so
    that vector derivatives, which divide by their gaps, stay well conditioned."""
    out = []
    for shape in shapes:
        k = min(shape[-2:])
        base = np.zeros(shape)
        base[..., range(k), range(k)] = 2.0 * np.arange(1, k + 1)
        out.append(np.asarray(base + rng.uniform(-0.3, 0.3, shape), dtype))
    return out


def gram(xp):
    """x -> x x^T + n I: a positive-definite matrix from any square one, so that
    derivatives are taken through symmetric matrices."""

    def f(x):
        n = x.shape[-1]
        return xp.matmul(x, xp.swapaxes(x, -1, -2)) + n * xp.eye(n, dtype=x.dtype)

    return f


def symmetric(xp):
    return lambda x: x + xp.swapaxes(x, -1, -2)


def sign_free(parts):
    """A function of eigen/singular vectors that does not depend on their signs."""
    return [p * p for p in parts]


def positive(lo=0.3, hi=2.0):
    """Values of random sign, bounded away from zero."""

    def make(rng, shapes, dtype):
        return [np.asarray(rng.uniform(lo, hi, s) * rng.choice([-1, 1], s), dtype) for s in shapes]

    return make


VEC = [((3,),), ((5,),)]
MAT = [((3, 3),), ((2, 3, 4),), ((4, 2),)]
SQUARE = [((3, 3),), ((2, 3, 3),), ((1, 1),)]

RECORDS = [
    OpRecord("norm", la.norm, nla.norm, [((3,),), ((2, 3),), ((2, 3, 2),)]),
    *(OpRecord(f"norm_vector_{o}", la.norm, nla.norm, VEC, kwargs={"ord": o},
               make_args=positive(), dtypes=(F64,) if o in (np.inf, -np.inf) else (F64, F32))
      for o in (2, 1, np.inf, -np.inf, 3, 0.5, -1, 0)),
    OpRecord("norm_axis_keepdims", la.norm, nla.norm, [((2, 3, 4),)],
             kwargs={"axis": 1, "keepdims": True}),
    # the max/min-based norms in float64 only: a float32 finite-difference step of 1e-2
    # would often cross a kink where two sums or singular values swap
    *(OpRecord(f"norm_matrix_{o}", la.norm, nla.norm, [((3, 3),), ((4, 2),)], kwargs={"ord": o},
               dtypes=(F64, F32) if o in ("fro", "nuc") else (F64,), make_args=spread)
      for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)),
    OpRecord("norm_matrix_axes", la.norm, nla.norm, [((2, 3, 4),)],
             kwargs={"ord": "nuc", "axis": (2, 0), "keepdims": True}),
    OpRecord("norm_matrix_axes_inf", la.norm, nla.norm, [((2, 3, 4),)],
             kwargs={"ord": np.inf, "axis": (-1, 0)}, dtypes=(F64,)),
    OpRecord("norm_complex", la.norm, nla.norm, [((3,),), ((2, 2),)], dtypes=(C128,)),
    OpRecord("inv", la.inv, nla.inv, SQUARE, make_args=well_conditioned),
    OpRecord("inv_complex", la.inv, nla.inv, SQUARE[:1], make_args=well_conditioned,
             dtypes=(C128,)),
    OpRecord("solve", la.solve, nla.solve, [
        ((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((2, 3, 3), (3,)),
        ((3, 3), (2, 3, 1)),
    ], make_args=well_conditioned),
    OpRecord("det", la.det, nla.det, [((3, 3),), ((2, 2),), ((2, 4, 4),), ((1, 1),)]),
    OpRecord("det_complex", la.det, nla.det, [((3, 3),)], dtypes=(C128,)),
    OpRecord("slogdet", la.slogdet, nla.slogdet, [((3, 3),), ((2, 3, 3),)],
             make_args=well_conditioned),
    OpRecord("cholesky", lambda x: la.cholesky(gram(tnp)(x)),
             lambda x: nla.cholesky(gram(np)(x)), SQUARE),
    OpRecord("cholesky_upper", lambda x: la.cholesky(gram(tnp)(x), upper=True),
             lambda x: nla.cholesky(gram(np)(x), upper=True), SQUARE[:1]),
    OpRecord("eigh", lambda x: sign_free(la.eigh(symmetric(tnp)(x))),
             lambda x: sign_free(nla.eigh(symmetric(np)(x))), SQUARE, make_args=spread),
    OpRecord("eigh_upper", lambda x: la.eigh(symmetric(tnp)(x), UPLO="U")[0],
             lambda x: nla.eigh(symmetric(np)(x), UPLO="U")[0], SQUARE[:2], make_args=spread),
    OpRecord("eigvalsh", lambda x: la.eigvalsh(symmetric(tnp)(x)),
             lambda x: nla.eigvalsh(symmetric(np)(x)), SQUARE, make_args=spread),
    OpRecord("svd", lambda x: sign_free(la.svd(x, full_matrices=False)),
             lambda x: sign_free(nla.svd(x, full_matrices=False)), MAT, make_args=spread),
    OpRecord("svd_square_full", lambda x: sign_free(la.svd(x)),
             lambda x: sign_free(nla.svd(x)), [((3, 3),)], make_args=spread),
    OpRecord("svd_values", lambda x: la.svd(x, compute_uv=False),
             lambda x: nla.svd(x, compute_uv=False), MAT, make_args=spread),
    # Householder QR flips the sign of a row of r when a pivot crosses zero: keep pivots
    # away from zero (spread) so that finite differences do not straddle a jump
    OpRecord("qr", la.qr, nla.qr, [((4, 3),), ((3, 3),), ((2, 4, 3),), ((3, 5),), ((2, 2, 3),)],
             make_args=spread),
    OpRecord("qr_r", lambda x: la.qr(x, mode="r"), lambda x: nla.qr(x, mode="r"),
             [((4, 3),), ((3, 3),), ((3, 4),)], make_args=spread),
    OpRecord("qr_complete", lambda x: la.qr(x, mode="complete"),
             lambda x: nla.qr(x, mode="complete"), [((3, 3),), ((3, 4),)], make_args=spread),
    OpRecord("pinv", la.pinv, nla.pinv, [((4, 3),), ((3, 4),), ((2, 3, 3),)],
             make_args=spread),
    *(OpRecord(f"matrix_power_{n}", la.matrix_power, nla.matrix_power, SQUARE,
               kwargs={"n": n}, make_args=spread)
      for n in (0, 1, 2, 3, -2)),
]  # fmt: skip

test_value, test_derivatives = record_tests(RECORDS)


# ---- dtypes and transformations ------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        la.inv,
        la.det,
        la.norm,
        lambda x: la.svd(x)[1],
        lambda x: la.eigh(x)[1],
        lambda x: la.qr(x)[0],
        la.pinv,
        lambda x: la.slogdet(x)[1],
        lambda x: la.solve(x, x[0]),
    ],
)
def test_float32_stays_float32(fn) -> None:
    x = (np.diag([2.0, 3.0, 4.0]) + 0.1).astype(np.float32)  # distinct eigenvalues
    closed = tg.make_jaxpr(fn)(x)
    assert closed.out_avals[0].dtype == np.float32
    assert np.asarray(tg.eval_jaxpr(closed, x)[0]).dtype == np.float32
    assert tg.grad(lambda x: tnp.sum(fn(x)))(x).dtype == np.float32


def test_integers_convert_to_float64() -> None:
    a = np.array([[2, 1], [1, 3]])
    closed = tg.make_jaxpr(la.inv)(a)
    assert closed.out_avals[0].dtype == np.float64
    np.testing.assert_allclose(tg.eval_jaxpr(closed, a)[0], nla.inv(a))


def test_vmap_matches_loop() -> None:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4, 3, 3)) + 3 * np.eye(3)
    bs = rng.standard_normal((4, 3))
    for f in (
        la.det,
        la.inv,
        la.norm,
        lambda x: la.eigh(x + x.T)[0],
        lambda x: la.svd(x)[1],
        lambda x: la.slogdet(x)[1],
        lambda x: la.qr(x)[1],
    ):
        np.testing.assert_allclose(tg.vmap(f)(xs), np.stack([f(x) for x in xs]), atol=1e-12)
    np.testing.assert_allclose(
        tg.vmap(la.solve)(xs, bs), np.stack([nla.solve(x, b) for x, b in zip(xs, bs)])
    )
    np.testing.assert_allclose(
        tg.vmap(la.solve, in_axes=(None, 0))(xs[0], bs), np.stack([nla.solve(xs[0], b) for b in bs])
    )


def test_results_are_named_like_numpy() -> None:
    x = np.diag([2.0, 3.0])
    closed = tg.make_jaxpr(lambda a: la.slogdet(a).logabsdet)(x)
    assert closed.out_avals[0].shape == ()
    out = tg.jvp(lambda a: la.eigh(a).eigenvalues, (x,), (np.eye(2),))[1]
    np.testing.assert_allclose(out, [1.0, 1.0])
    assert tg.jvp(lambda a: la.svd(a).S, (x,), (np.eye(2),))[1].shape == (2,)
    assert tg.jvp(lambda a: la.qr(a).R, (x,), (np.eye(2),))[1].shape == (2, 2)


# ---- edge points (SPEC 7) --------------------------------------------------------
@pytest.mark.parametrize("ord", [None, 2, 1, 3, np.inf])
def test_norm_gradient_is_zero_at_zero_vector(ord) -> None:
    zero = np.zeros(3)
    np.testing.assert_array_equal(tg.grad(lambda x: la.norm(x, ord))(zero), zero)
    hess = tg.hessian(lambda x: la.norm(x, ord))(zero)
    assert np.all(np.isfinite(hess))


def test_frobenius_gradient_is_zero_at_zero_matrix() -> None:
    zero = np.zeros((2, 3))
    np.testing.assert_array_equal(tg.grad(lambda x: la.norm(x, "fro"))(zero), zero)
    np.testing.assert_array_equal(tg.grad(la.norm)(zero), zero)


def test_det_derivative_at_singular_matrices() -> None:
    rank2 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cofactors = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(tg.grad(la.det)(rank2), cofactors, atol=1e-12)
    check_grads(la.det, [rank2], order=1)
    rank1 = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])
    np.testing.assert_allclose(tg.grad(la.det)(rank1), np.zeros((3, 3)), atol=1e-12)
    np.testing.assert_array_equal(tg.grad(la.det)(np.zeros((3, 3))), np.zeros((3, 3)))
    # 2x2: the adjugate is linear, so every order is exact at singular matrices
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    check_grads(la.det, [singular], order=2)
    hess = tg.hessian(la.det)(np.zeros((2, 2))).reshape(4, 4)
    np.testing.assert_array_equal(hess, np.rot90(np.diag([1.0, -1.0, -1.0, 1.0])))


# ---- agreement with jax.numpy.linalg ----------------------------------------------
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


JAX_CASES = [
    ("norm", (), {}), ("norm", (), {"ord": 1}), ("norm", (), {"ord": "nuc"}),
    ("norm", (), {"ord": 2}), ("norm", (), {"ord": np.inf, "axis": 0}),
    ("inv", (), {}), ("det", (), {}), ("slogdet", (), {}), ("pinv", (), {}),
    ("solve", ((3, 2),), {}),
]  # fmt: skip


@pytest.mark.parametrize("name,extra,kwargs", JAX_CASES, ids=[f"{c[0]}{c[2]}" for c in JAX_CASES])
def test_matches_jax(name, extra, kwargs) -> None:
    jax = _jax()
    rng = np.random.default_rng(5)
    args = [rng.standard_normal((3, 3)) + 2 * np.eye(3), *(rng.standard_normal(s) for s in extra)]
    ours = lambda *a: getattr(la, name)(*a, **kwargs)
    theirs = lambda *a: getattr(jax.numpy.linalg, name)(*a, **kwargs)
    out, f_vjp = tg.vjp(ours, *args)
    jout, j_vjp = jax.vjp(theirs, *args)
    for o, j in zip(tg.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(jout), strict=True):
        np.testing.assert_allclose(o, np.asarray(j), rtol=1e-10, atol=1e-10)
    ct = tg.tree_util.tree_map(lambda o: rng.standard_normal(np.shape(o)), out)
    jct = type(jout)(*ct) if isinstance(jout, tuple) else ct
    for g, jg in zip(f_vjp(ct), j_vjp(jct), strict=True):
        np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name", ["cholesky", "eigh", "svd", "qr"])
def test_decomposition_gradients_match_jax(name) -> None:
    jax = _jax()
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 3))
    weights = rng.standard_normal((3, 3))

    def scalar(xp, mod):
        def f(x):
            if name == "cholesky":
                return xp.sum(mod.cholesky(gram(xp)(x)) * weights)
            if name == "eigh":
                w, v = mod.eigh(symmetric(xp)(x))
                return xp.sum(w * weights[0]) + xp.sum(v * v * weights)
            if name == "svd":
                u, s, vh = mod.svd(x)
                return xp.sum(s * weights[0]) + xp.sum(u * u * weights) + xp.sum(vh * vh)
            q, r = mod.qr(x)
            return xp.sum(q * weights) + xp.sum(r * weights.T)

        return f

    np.testing.assert_allclose(
        tg.grad(scalar(tnp, la))(x),
        np.asarray(jax.grad(scalar(jax.numpy, jax.numpy.linalg))(x)),
        rtol=1e-8,
        atol=1e-8,
    )


# ---- errors -------------------------------------------------------------------------
def test_shape_errors() -> None:
    for fn in (la.inv, la.det, la.cholesky, lambda a: la.eigh(a)[0], la.slogdet):
        for bad in (np.ones((2, 3)), np.ones(3)):
            with pytest.raises(nla.LinAlgError):
                fn(bad)
            with pytest.raises(nla.LinAlgError) as info:
                tg.make_jaxpr(fn)(bad)
            assert isinstance(info.value, ShapeError)
    with pytest.raises(ShapeError, match=r"mismatch in its core dimension 0.*\(3,3\) and \(2,\)"):
        tg.make_jaxpr(la.solve)(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        tg.make_jaxpr(lambda x: la.norm(x, "fro"))(np.ones(3))
    with pytest.raises(ValueError, match="Invalid norm order for matrices"):
        tg.make_jaxpr(lambda x: la.norm(x, 3))(np.ones((3, 3)))
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        tg.make_jaxpr(lambda x: la.norm(x, 1))(np.ones((3, 3, 3)))


def test_unsupported_derivatives_say_so() -> None:
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tg.jvp(lambda x: la.svd(x)[0], (np.ones((3, 2)),), (np.ones((3, 2)),))
    with pytest.raises(NotImplementedError, match="mode 'complete' of a matrix with more rows"):
        tg.jvp(lambda x: la.qr(x, mode="complete")[0], (np.ones((3, 2)),), (np.ones((3, 2)),))
    with pytest.raises(nla.LinAlgError):  # singular: NumPy's error, also when traced
        tg.grad(lambda x: tnp.sum(la.inv(x)))(np.zeros((2, 2)))


COMPLEX_JVP_CASES = {
    "slogdet": (lambda m, a: m.slogdet(a), "general"),
    "det": (lambda m, a: m.det(a), "general"),
    "inv": (lambda m, a: m.inv(a), "general"),
    "eigh": (lambda m, a: m.eigh(a)[0], "hermitian"),
    "svd_values": (lambda m, a: m.svd(a, compute_uv=False), "tall"),
    "svd_u": (lambda m, a: (lambda u: u * u.conj())(m.svd(a, full_matrices=False)[0]), "tall"),
    "qr": (lambda m, a: m.qr(a), "tall"),
    "qr_wide": (lambda m, a: m.qr(a), "wide"),
    "cholesky": (lambda m, a: m.cholesky(a), "hermitian"),
    "pinv": (lambda m, a: m.pinv(a), "tall"),
}


@pytest.mark.parametrize("name", list(COMPLEX_JVP_CASES))
def test_complex_jvp_matches_jax(name) -> None:
    """Forward mode has no cotangent convention to differ on, so complex jvps must agree."""
    jax = _jax()
    rng = np.random.default_rng(7)
    cplx = lambda *s: rng.standard_normal(s) + 1j * rng.standard_normal(s)
    f, kind = COMPLEX_JVP_CASES[name]
    shape = {"tall": (4, 3), "wide": (3, 5)}.get(kind, (3, 3))
    x, t = cplx(*shape), cplx(*shape)
    if kind == "general":
        x = x + 3 * np.eye(3)
    if kind == "hermitian":
        x, t = x @ x.conj().T + 3 * np.eye(3), t + t.conj().T
    _, ours = tg.jvp(lambda a: f(la, a), (x,), (t,))
    _, theirs = jax.jvp(lambda a: f(jax.numpy.linalg, a), (x,), (t,))
    for o, j in zip(tg.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs), strict=True):
        np.testing.assert_allclose(o, np.asarray(j), rtol=1e-8, atol=1e-8)
