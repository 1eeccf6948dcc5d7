"""tracegrad.scipy.linalg.schur and sqrtm: the Schur form's defining properties with NumPy
alone (reconstruction, unitary ``z``, (quasi) triangular ``t`` in LAPACK's standard form),
square roots that square back, JAX's dtypes, errors and missing derivative; values against
SciPy and JAX."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.scipy.linalg as tsl

RNG = np.random.default_rng(12)


def matrices() -> list[Any]:
    """Real and complex, symmetric, defective, repeated and zero eigenvalues, triangular."""
    out: list[Any] = [np.array([[2.0]]), np.zeros((3, 3)), np.eye(4), np.diag([3.0, -1.0, 2.0])]
    for n in (2, 3, 5, 8, 13):
        a = RNG.standard_normal((n, n))
        q = np.linalg.qr(RNG.standard_normal((n, n)))[0]
        out += [a, a + a.T, np.triu(a), q @ np.triu(np.ones((n, n))) @ q.T]
        out.append(a + 1j * RNG.standard_normal((n, n)))
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    out.append(np.kron(np.eye(3), rotation) + 0.1 * RNG.standard_normal((6, 6)))
    return out


def check_schur_form(a: Any, t: Any, z: Any, real: bool) -> None:
    n = a.shape[-1]
    scale = max(1.0, float(np.abs(a).max()))
    np.testing.assert_allclose(z @ t @ z.conj().T, a, atol=1e-12 * scale)
    np.testing.assert_allclose(z.conj().T @ z, np.eye(n), atol=1e-12)
    if not real:
        np.testing.assert_array_equal(np.tril(t, -1), 0)
        return
    np.testing.assert_array_equal(np.tril(t, -2), 0)
    sub = np.flatnonzero(np.diagonal(t, -1))
    assert not np.any(np.diff(sub) == 1), "2 x 2 blocks overlap"
    for k in sub:  # standard form: equal diagonal, off-diagonal entries of opposite signs
        (p, q), (r, s) = t[k : k + 2, k : k + 2]
        assert p == s and q * r < 0, t[k : k + 2, k : k + 2]


@pytest.mark.parametrize("output", ["real", "complex"])
def test_schur_form(output: str) -> None:
    for a in matrices():
        t, z = tsl.schur(a, output=output)
        real = output == "real" and a.dtype.kind == "f"
        assert t.dtype == z.dtype == (np.float64 if real else np.complex128)
        check_schur_form(a, t, z, real)


def test_schur_dtypes_batches_and_staging() -> None:
    a = RNG.standard_normal((3, 4, 4))
    for dtype, output, want in [
        (np.float32, "real", np.float32),
        (np.float32, "complex", np.complex64),
        (np.complex64, "real", np.complex64),
        (np.float64, "complex", np.complex128),
    ]:
        t, z = tsl.schur(a.astype(dtype), output=output)
        assert t.dtype == z.dtype == want
        assert t.shape == z.shape == (3, 4, 4)
    t, z = tsl.schur(a)
    for k in range(3):
        np.testing.assert_array_equal(t[k], tsl.schur(a[k])[0])
        check_schur_form(a[k], t[k], z[k], True)
    mapped = tg.vmap(lambda m: tsl.schur(m, "complex")[0])(a)
    np.testing.assert_array_equal(mapped, tsl.schur(a, "complex")[0])
    np.testing.assert_array_equal(tg.jit(lambda m: tsl.schur(m)[1])(a[0]), tsl.schur(a[0])[1])


def test_sqrtm_squares_back() -> None:
    for a in matrices():
        root = tsl.sqrtm(a)
        assert root.dtype == np.complex128
        if np.any(np.abs(np.linalg.eigvals(a)) < 1e-8):
            continue  # singular: a root may not exist (nan) or be ill conditioned
        scale = max(1.0, float(np.abs(a).max()))
        np.testing.assert_allclose(root @ root, a, atol=1e-9 * scale)


def test_sqrtm_known_values_and_dtypes() -> None:
    np.testing.assert_allclose(tsl.sqrtm(np.array([[4.0, 1.0], [0.0, 9.0]])), [[2, 0.2], [0, 3]])
    np.testing.assert_allclose(tsl.sqrtm(np.diag([-1.0, 4.0])), np.diag([1j, 2.0]))
    np.testing.assert_allclose(tsl.sqrtm(np.array([[1.0, 1.0], [0.0, 1.0]])), [[1, 0.5], [0, 1]])
    np.testing.assert_array_equal(tsl.sqrtm(np.zeros((3, 3))), np.zeros((3, 3)))
    assert np.isnan(tsl.sqrtm(np.array([[0.0, 1.0], [0.0, 0.0]]))).all()  # no root exists
    assert tsl.sqrtm(np.eye(2, dtype=np.float32)).dtype == np.complex64
    assert tsl.sqrtm(np.eye(2, dtype=np.complex64)).dtype == np.complex64
    assert tsl.sqrtm(np.array([[1, 2], [3, 4]])).dtype == np.complex128
    a = np.array([[5.0, 2.0], [1.0, 4.0]])
    np.testing.assert_allclose(tg.jit(tsl.sqrtm)(a), tsl.sqrtm(a))
    stack = np.stack([a, 2 * a, np.eye(2)])
    looped = np.stack([tsl.sqrtm(m) for m in stack])
    np.testing.assert_allclose(tg.vmap(tsl.sqrtm)(stack), looped, rtol=1e-14)


def test_bad_arguments_as_jax() -> None:
    with pytest.raises(NotImplementedError, match="Blocked version"):
        tsl.sqrtm(np.eye(2), blocksize=2)
    for shape in [(3,), (2, 3), (2, 2, 2)]:
        with pytest.raises(ValueError, match="square matrix"):
            tsl.sqrtm(np.ones(shape))
    with pytest.raises(ValueError, match="either 'real' or 'complex'"):
        tsl.schur(np.eye(2), output="foo")
    with pytest.raises(TypeError, match="rank at least 2"):
        tsl.schur(np.ones(3))
    with pytest.raises(ValueError, match="must be a square matrix"):
        tsl.schur(np.ones((2, 3)))
    with pytest.raises(TypeError, match="does not accept dtype int64"):
        tsl.schur(np.array([[1, 2], [3, 4]]))


def test_no_derivative_as_jax() -> None:
    a = np.array([[4.0, 1.0], [0.0, 9.0]])
    for f in (lambda m: tsl.sqrtm(m).real.sum(), lambda m: tsl.schur(m)[0].sum()):
        with pytest.raises(NotImplementedError, match="Differentiation rule for 'schur'"):
            tg.grad(f)(a)
        with pytest.raises(NotImplementedError, match="Differentiation rule for 'schur'"):
            tg.jvp(f, (a,), (a,))
    # A constant operand (a symbolic zero tangent) is no derivative: it passes.
    _, tangent = tg.jvp(lambda x: x * tsl.sqrtm(a).real.sum(), (2.0,), (1.0,))
    assert tangent == tsl.sqrtm(a).real.sum()


# ---- against SciPy and JAX ---------------------------------------------------------------------
def test_sqrtm_against_scipy_and_jax() -> None:
    sl = pytest.importorskip("scipy.linalg")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.linalg as jsl

    for a in [*matrices(), np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)]:
        ours = tsl.sqrtm(a)
        theirs = np.asarray(jsl.sqrtm(a))
        assert ours.dtype == theirs.dtype
        if np.isnan(theirs).any():
            assert np.isnan(ours).all()
            continue
        tol = 1e-5 if a.dtype == np.float32 else 1e-9
        scale = max(1.0, np.abs(theirs).max())
        eig = np.linalg.eigvals(a)
        if np.abs(eig).min() > 1e-8:
            np.testing.assert_allclose(ours, sl.sqrtm(a), atol=tol * scale)
        # A real matrix's negative eigenvalue: JAX's branch (+-i) follows the sign of the
        # rounding error in the imaginary part LAPACK gives it; SciPy's and ours: +i.
        if a.dtype.kind == "c" or not np.any((eig.real < 0) & (eig.imag == 0)):
            np.testing.assert_allclose(ours, theirs, atol=tol * scale)


def test_schur_against_scipy_and_jax() -> None:
    sl = pytest.importorskip("scipy.linalg")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.linalg as jsl

    # The Schur form is unique up to the order of the eigenvalues and the phases of z's
    # columns: compare the eigenvalues on the diagonal (blocks) and the dtypes; not where
    # they are ill conditioned (a defective matrix: both are as far from the exact ones).
    for a in matrices():
        if np.linalg.cond(np.linalg.eig(a)[1]) > 1e6:
            continue
        for output in ("real", "complex"):
            t = tsl.schur(a, output=output)[0]
            want = sl.schur(a, output=output)[0]
            assert t.dtype == np.asarray(jsl.schur(a, output=output)[0]).dtype == want.dtype
            np.testing.assert_allclose(
                spectrum(t), spectrum(want), atol=1e-7 * max(1.0, np.abs(a).max())
            )


def spectrum(t: Any) -> Any:
    """The eigenvalues, in an order that rounding does not change."""
    w = np.linalg.eigvals(t)
    return w[np.lexsort((np.round(w.imag, 6), np.round(w.real, 6)))]
