"""tracegrad.scipy.linalg: known values with NumPy alone, values against SciPy, derivatives by
finite differences (check_grads, order 2), jit and vmap, and gradients against JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.scipy.linalg as tsl
from harness import jit_calls
from tracegrad.ops.linalg_lu import lu as lu_primitive
from tracegrad.test_util import check_grads

RNG = np.random.default_rng(7)  # not 0: check_grads draws its tangents from seed 0
A = RNG.standard_normal((4, 4))
SPD = A @ A.T + 4 * np.eye(4)
B = RNG.standard_normal((4, 2))
b = RNG.standard_normal(4)
TALL = RNG.standard_normal((5, 3))


# ---- NumPy only --------------------------------------------------------------------------
def test_lu_reconstructs_and_pivots() -> None:
    for a in (A, TALL, TALL.T, np.zeros((3, 3))):
        p, lower, upper = tsl.lu(a)
        np.testing.assert_allclose(p @ lower @ upper, a, atol=1e-12)
        assert np.all(np.abs(lower) <= 1 + 1e-12)  # partial pivoting
        np.testing.assert_array_equal(np.triu(lower, 1), 0)
        np.testing.assert_array_equal(np.tril(upper, -1), 0)
    pl, upper = tsl.lu(A, permute_l=True)
    np.testing.assert_allclose(pl @ upper, A, atol=1e-12)


def test_lu_primitive_batches() -> None:
    stack = RNG.standard_normal((3, 4, 4))
    packed, pivots, perm = lu_primitive(stack)
    looped = [lu_primitive(m) for m in stack]
    np.testing.assert_array_equal(packed, np.stack([x[0] for x in looped]))
    np.testing.assert_array_equal(perm, np.stack([x[2] for x in looped]))
    mapped = tg.vmap(lambda m: lu_primitive(m)[0])(stack)
    np.testing.assert_array_equal(mapped, packed)
    assert pivots.dtype == np.int32


def test_solves_agree_with_numpy() -> None:
    want = np.linalg.solve(SPD, B)
    np.testing.assert_allclose(tsl.cho_solve(tsl.cho_factor(SPD), B), want)
    np.testing.assert_allclose(tsl.cho_solve(tsl.cho_factor(SPD, lower=True), B), want)
    np.testing.assert_allclose(tsl.lu_solve(tsl.lu_factor(SPD), B), want)
    np.testing.assert_allclose(tsl.lu_solve(tsl.lu_factor(A), b, trans=1), np.linalg.solve(A.T, b))
    for assume_a in ("gen", "sym", "her", "pos"):
        for lower in (True, False):
            # Only one triangle is read: garbage in the other must not matter.
            mess = SPD + (np.triu(A, 1) if lower else np.tril(A, -1))
            a = SPD if assume_a == "gen" else mess
            got = tsl.solve(a, b, assume_a=assume_a, lower=lower)
            np.testing.assert_allclose(got, np.linalg.solve(SPD, b), err_msg=assume_a)


def test_cholesky_is_upper_by_default() -> None:
    u = tsl.cholesky(SPD)
    np.testing.assert_array_equal(np.tril(u, -1), 0)
    np.testing.assert_allclose(u.T @ u, SPD)
    np.testing.assert_allclose(tsl.cholesky(SPD, lower=True), u.T)


def test_expm_known_values() -> None:
    np.testing.assert_allclose(tsl.expm(np.zeros((3, 3))), np.eye(3))
    rot = tsl.expm(np.array([[0.0, -np.pi / 3], [np.pi / 3, 0.0]]))
    c, s = np.cos(np.pi / 3), np.sin(np.pi / 3)
    np.testing.assert_allclose(rot, [[c, -s], [s, c]], atol=1e-15)
    d = np.diag([1.0, -2.0, 30.0])  # 30 needs squarings
    np.testing.assert_allclose(tsl.expm(d), np.diag(np.exp(np.diag(d))), rtol=1e-13)
    stack = np.stack([A, 10 * A])
    np.testing.assert_allclose(tg.vmap(tsl.expm)(stack), tsl.expm(stack))
    for got in jit_calls(tsl.expm, stack):  # traced scaling: squarings chosen by select
        np.testing.assert_allclose(got, tsl.expm(stack), rtol=1e-12)


def test_constructors_and_polar() -> None:
    np.testing.assert_array_equal(
        tsl.block_diag(np.ones((1, 2)), 2.0, np.array([3.0, 4.0])),
        [[1, 1, 0, 0, 0], [0, 0, 2, 0, 0], [0, 0, 0, 3, 4]],
    )
    np.testing.assert_array_equal(tsl.toeplitz([1.0, 2.0, 3.0]), [[1, 2, 3], [2, 1, 2], [3, 2, 1]])
    u, p = tsl.polar(A)
    np.testing.assert_allclose(u @ p, A, atol=1e-12)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-12)
    u, p = tsl.polar(A, side="left")
    np.testing.assert_allclose(p @ u, A, atol=1e-12)


def test_decomposition_shapes_and_modes() -> None:
    q, r = tsl.qr(TALL)
    assert q.shape == (5, 5) and r.shape == (5, 3)
    q, r = tsl.qr(TALL, mode="economic")
    assert q.shape == (5, 3) and r.shape == (3, 3)
    (r,) = tsl.qr(TALL, mode="r")
    assert r.shape == (5, 3)
    u, s, vh = tsl.svd(TALL)
    assert u.shape == (5, 5) and vh.shape == (3, 3)
    np.testing.assert_allclose(tsl.svd(TALL, compute_uv=False), s)
    w = tsl.eigh(SPD, eigvals_only=True)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(SPD))
    np.testing.assert_allclose(tsl.det(A), np.linalg.det(A))
    np.testing.assert_allclose(tsl.inv(A), np.linalg.inv(A))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="trans"):
        tsl.solve_triangular(A, b, trans=3)
    with pytest.raises(ValueError, match="assume_a"):
        tsl.solve(A, b, assume_a="banded")
    with pytest.raises(ValueError, match="square"):
        tsl.expm(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match="pivoting"):
        tsl.qr(A, pivoting=True)
    with pytest.raises(NotImplementedError, match="generalized"):
        tsl.eigh(SPD, SPD)


# ---- derivatives -----------------------------------------------------------------------------
FUNCTIONS = {
    "expm": lambda a: tsl.expm(a),
    "expm_large": lambda a: tsl.expm(8 * a),
    "lu": lambda a: tsl.lu(a)[1] + tsl.lu(a)[2],
    "lu_solve": lambda a: tsl.lu_solve(tsl.lu_factor(a), B),
    "lu_solve_T": lambda a: tsl.lu_solve(tsl.lu_factor(a), B, trans=1),
    "solve_triangular": lambda a: tsl.solve_triangular(a, B, trans=1, lower=True),
    "solve_triangular_unit": lambda a: tsl.solve_triangular(a, B, unit_diagonal=True),
    "cho_solve": lambda a: tsl.cho_solve(tsl.cho_factor(a @ a.T + 4 * np.eye(4)), B),
    "solve_pos": lambda a: tsl.solve(a @ a.T + 4 * np.eye(4), b, assume_a="pos"),
    "cholesky": lambda a: tsl.cholesky(a @ a.T + 4 * np.eye(4)),
    "polar": lambda a: tsl.polar(a)[1],
    "toeplitz": lambda a: tsl.toeplitz(a[0], a[1]),
    "block_diag": lambda a: tsl.block_diag(a, a[0]),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_derivatives(name: str) -> None:
    check_grads(FUNCTIONS[name], (A,), order=2)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 3)])
def test_lu_derivatives_rectangular(shape: tuple[int, ...]) -> None:
    a = RNG.standard_normal(shape)
    check_grads(lambda a: lu_primitive(a)[0], (a,), order=2)
    check_grads(lambda a: tsl.lu(a)[1] @ tsl.lu(a)[2], (a,), order=1)


def test_derivatives_under_jit() -> None:
    check_grads(tg.jit(FUNCTIONS["expm"]), (A,), order=1)
    check_grads(tg.jit(FUNCTIONS["lu_solve"]), (A,), order=1)


# ---- against SciPy and JAX ---------------------------------------------------------------------
def test_values_against_scipy() -> None:
    sl = pytest.importorskip("scipy.linalg")
    for got, want in zip(tsl.lu(TALL), sl.lu(TALL), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-14)
    packed, piv = tsl.lu_factor(A)
    want_packed, want_piv = sl.lu_factor(A)
    np.testing.assert_allclose(packed, want_packed, rtol=1e-13)
    np.testing.assert_array_equal(piv, want_piv)
    for trans in (0, 1, 2):
        for lower in (True, False):
            for unit in (True, False):
                np.testing.assert_allclose(
                    tsl.solve_triangular(A, B, trans=trans, lower=lower, unit_diagonal=unit),
                    sl.solve_triangular(A, B, trans=trans, lower=lower, unit_diagonal=unit),
                    rtol=1e-10,
                )
    for scale in (0.01, 1.0, 10.0):
        want = sl.expm(scale * A)
        np.testing.assert_allclose(
            tsl.expm(scale * A), want, rtol=1e-11, atol=1e-12 * abs(want).max()
        )
    for side in ("right", "left"):
        np.testing.assert_allclose(tsl.polar(A, side)[1], sl.polar(A, side)[1], atol=1e-12)
    np.testing.assert_allclose(tsl.block_diag(A, b, 2.0), sl.block_diag(A, b, 2.0))
    np.testing.assert_allclose(tsl.toeplitz(b, B[:, 0]), sl.toeplitz(b, B[:, 0]))
    np.testing.assert_allclose(
        tsl.cho_solve(tsl.cho_factor(SPD), B), sl.cho_solve(sl.cho_factor(SPD), B)
    )
    for mode in ("full", "economic", "r"):
        for got, want in zip(tsl.qr(TALL, mode=mode), sl.qr(TALL, mode=mode), strict=True):
            np.testing.assert_allclose(np.abs(got), np.abs(want), atol=1e-12)


def test_gradients_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.linalg as jsl

    pairs: dict[str, tuple[Any, Any]] = {
        "expm": (tsl.expm, jsl.expm),
        "lu": (lambda a: tsl.lu(a)[2], lambda a: jsl.lu(a)[2]),
        "lu_tall": (lambda a: tsl.lu(a[:, :3])[1], lambda a: jsl.lu(a[:, :3])[1]),
        "lu_wide": (lambda a: tsl.lu(a[:3])[2], lambda a: jsl.lu(a[:3])[2]),
        "lu_solve": (
            lambda a: tsl.lu_solve(tsl.lu_factor(a), B, trans=1),
            lambda a: jsl.lu_solve(jsl.lu_factor(a), B, trans=1),
        ),
        "solve_triangular": (
            lambda a: tsl.solve_triangular(a, B, trans=2, unit_diagonal=True),
            lambda a: jsl.solve_triangular(a, B, trans=2, unit_diagonal=True),
        ),
        "cho_solve": (
            lambda a: tsl.cho_solve(tsl.cho_factor(a @ a.T + 4 * np.eye(4)), B),
            lambda a: jsl.cho_solve(jsl.cho_factor(a @ a.T + 4 * np.eye(4)), B),
        ),
    }
    for name, (f_tg, f_jax) in pairs.items():
        want = jax.jit(jax.grad(lambda a, f=f_jax: (f(a) ** 2).sum()))(A)
        got = tg.grad(lambda a, f=f_tg: (f(a) ** 2).sum())(A)
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-9, err_msg=name)
