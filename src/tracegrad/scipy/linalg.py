"""``tracegrad.scipy.linalg``: SciPy's linear algebra with the signatures and defaults of
``jax.scipy.linalg`` (``cholesky`` upper by default, ``qr`` and ``svd`` full by default),
built on the primitives of ``tracegrad.numpy.linalg`` and the ``lu`` primitive, so every
function is differentiable, batched and staged (docs/decisions.md)."""

from __future__ import annotations

from typing import Any as _Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.numpy.frontend import promote_inexact as _promote_inexact
from tracegrad.ops import linalg_svd as ls
from tracegrad.ops.linalg_lu import lu as _lu_primitive
from tracegrad.ops.linalg_lu import permutation_matrix as _permutation_matrix
from tracegrad.ops.linalg_schur import schur as _schur_primitive
from tracegrad.scipy._matrices import block_diag as block_diag
from tracegrad.scipy._matrices import expm as expm
from tracegrad.scipy._matrices import polar as polar
from tracegrad.scipy._matrices import sqrtm as sqrtm
from tracegrad.scipy._matrices import toeplitz as toeplitz


def _square(name: str, a: _Any) -> _Any:
    (a,) = _promote_inexact(a)
    shape = _get_aval(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{name}: expected a (stack of) square matrix, got shape {shape}.")
    return a


def _triangle(a: _Any, lower: bool, unit_diagonal: bool = False) -> _Any:
    """The ``lower`` (or upper) triangle of ``a``, with ones on the diagonal if
    ``unit_diagonal``; the other entries are not read (their derivative is 0)."""
    m, n = _get_aval(a).shape[-2:]
    below = -1 if unit_diagonal else 0
    keep = (
        np.tril(np.ones((m, n), bool), below) if lower else np.triu(np.ones((m, n), bool), -below)
    )
    out = tnp.where(keep, a, 0)
    return out + np.eye(m, n, dtype=_get_aval(a).dtype) if unit_diagonal else out


def _solve(a: _Any, b: _Any) -> _Any:
    """``a^-1 b`` for ``b`` of shape (n,) or (..., n, k)."""
    return tnp.linalg.solve(*_promote_inexact(a, b))


def cholesky(
    a: _Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> _Any:
    """The Cholesky factor of a Hermitian positive-definite matrix: upper ``u`` with
    ``a = u^H u`` by default (as SciPy), lower ``l`` with ``a = l l^H`` if ``lower``.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 1.],
           [0., 2.]])
    """
    return tnp.linalg.cholesky(_square("cholesky", a), upper=not lower)


def cho_factor(
    a: _Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[_Any, bool]:
    """``(c, lower)`` for ``cho_solve``: ``c`` is ``cholesky(a, lower)`` (zeros in the other
    triangle, as JAX; SciPy leaves arbitrary values there).

    >>> cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)[0]
    array([[2., 0.],
           [1., 2.]])
    """
    return cholesky(a, lower=lower), lower


def cho_solve(
    c_and_lower: tuple[_Any, bool], b: _Any, overwrite_b: bool = False, check_finite: bool = True
) -> _Any:
    """Solve ``a x = b`` given ``cho_factor(a)``; only the factor's triangle is read.

    >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
    >>> cho_solve(cho_factor(a), np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    first = solve_triangular(c, b, trans=0 if lower else 2, lower=lower)
    return solve_triangular(c, first, trans=2 if lower else 0, lower=lower)


def solve_triangular(
    a: _Any,
    b: _Any,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: _Any = None,
    check_finite: bool = True,
) -> _Any:
    """Solve ``op(a) x = b`` for triangular ``a``, ``op`` given by ``trans``: 0 or 'N' (``a``),
    1 or 'T' (``a^T``), 2 or 'C' (``a^H``). Only the ``lower`` (or upper) triangle is read;
    ``unit_diagonal`` takes the diagonal as ones.

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    codes = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}
    if trans not in codes:
        raise ValueError(f"Invalid 'trans' value {trans!r}; use 0, 1, 2 or 'N', 'T', 'C'.")
    tri = _triangle(_square("solve_triangular", a), lower, unit_diagonal)
    code = codes[trans]
    if code:
        tri = tnp.swapaxes(tri, -1, -2)
        tri = tnp.conj(tri) if code == 2 else tri
    return _solve(tri, b)


def solve(
    a: _Any,
    b: _Any,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    debug: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
) -> _Any:
    """Solve ``a x = b``; ``assume_a`` 'gen', 'sym', 'her' or 'pos' (for 'sym', 'her' and
    'pos' only the ``lower`` or upper triangle of ``a`` is read; 'pos' solves by Cholesky).

    >>> solve(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([9.0, 8.0]))
    array([2., 3.])
    """
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got {assume_a!r}.")
    a = _square("solve", a)
    if assume_a == "gen":
        return _solve(a, b)
    tri = _triangle(a, lower)
    strict = _triangle(a, lower, unit_diagonal=True) - np.eye(_get_aval(a).shape[-1])
    mirrored = tnp.swapaxes(strict, -1, -2)
    full = tri + (tnp.conj(mirrored) if assume_a in ("her", "pos") else mirrored)
    if assume_a == "pos":
        return cho_solve(cho_factor(full, lower=True), b)
    return _solve(full, b)


def inv(a: _Any, overwrite_a: bool = False, check_finite: bool = True) -> _Any:
    """The inverse of a square matrix.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return tnp.linalg.inv(_square("inv", a))


def det(a: _Any, overwrite_a: bool = False, check_finite: bool = True) -> _Any:
    """The determinant of a square matrix.

    >>> det(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(-2.0...)
    """
    return tnp.linalg.det(_square("det", a))


def eigh(
    a: _Any,
    b: _Any = None,
    lower: bool = True,
    eigvals_only: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    turbo: bool = True,
    eigvals: None = None,
    type: int = 1,
    check_finite: bool = True,
) -> _Any:
    """Eigenvalues (ascending) and eigenvectors (columns) of a Hermitian matrix read from
    its ``lower`` (or upper) triangle; ``eigvals_only`` returns the eigenvalues alone.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    """
    if b is not None or eigvals is not None or type != 1:
        raise NotImplementedError(
            "tracegrad.scipy.linalg.eigh: the generalized problem (b, eigvals, type) is not "
            "supported, as in JAX; solve the standard problem for cholesky-whitened a."
        )
    w, v = tnp.linalg.eigh(_square("eigh", a), UPLO="L" if lower else "U")
    return w if eigvals_only else (w, v)


def schur(a: _Any, output: str = "real") -> tuple[_Any, _Any]:
    """The Schur decomposition ``a = z @ t @ z^H`` of each square matrix: ``(t, z)``, ``z``
    unitary, ``t`` upper triangular (``output='complex'``, or a complex ``a``) or, for real
    ``a`` and ``output='real'``, real and quasi upper triangular with a 2 x 2 block for each
    pair of complex eigenvalues. Not differentiable, as in JAX (docs/decisions.md).

    >>> t, z = schur(np.array([[0.0, -1.0], [1.0, 0.0]]))
    >>> t
    array([[ 0., -1.],
           [ 1.,  0.]])
    >>> schur(np.array([[2.0, 1.0], [0.0, 3.0]]), output="complex")[0]
    array([[2.+0.j, 1.+0.j],
           [0.+0.j, 3.+0.j]])
    """
    if output not in ("real", "complex"):
        raise ValueError(f"Expected 'output' to be either 'real' or 'complex', got {output=!r}.")
    aval = _get_aval(a)
    if aval.ndim < 2:
        raise TypeError(
            f"Input 0 to schur must have rank at least 2, but got shape={aval.shape}: pass a "
            "(stack of) square matrix."
        )
    if aval.shape[-1] != aval.shape[-2]:
        raise ValueError(
            f"The input to schur must be a square matrix. Got shape {aval.shape}: pass an "
            "(N, N) matrix or a stack of them."
        )
    if aval.dtype.kind not in "fc":
        raise TypeError(
            f"schur does not accept dtype {aval.dtype.name} at position 0. Accepted dtypes at "
            "position 0 are subtypes of floating, complexfloating: convert with astype first."
        )
    t, z = _schur_primitive(a, output=output)
    return t, z


def svd(
    a: _Any,
    full_matrices: bool = True,
    compute_uv: bool = True,
    overwrite_a: bool = False,
    check_finite: bool = True,
    lapack_driver: str = "gesdd",
) -> _Any:
    """The singular value decomposition ``a = u @ diag(s) @ vh``: ``(u, s, vh)``, or ``s``
    alone if not ``compute_uv``.

    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    out = tnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(
    a: _Any,
    overwrite_a: bool = False,
    lwork: _Any = None,
    mode: str = "full",
    pivoting: bool = False,
    check_finite: bool = True,
) -> _Any:
    """The QR decomposition: ``(q, r)`` for ``mode`` 'full' (square ``q``) or 'economic',
    ``(r,)`` for 'r' (a one-tuple, as SciPy and JAX).

    >>> qr(np.array([[3.0], [4.0]]), mode="economic")[1]
    array([[-5.]])
    """
    if pivoting:
        raise NotImplementedError(
            "tracegrad.scipy.linalg.qr: pivoting=True is not supported; call with pivoting=False."
        )
    modes = {"full": "complete", "economic": "reduced", "r": "r"}
    if mode not in modes:
        raise ValueError(f"qr: mode must be 'full', 'r' or 'economic', got {mode!r}.")
    (a,) = _promote_inexact(a)
    if mode == "r":
        return (ls.qr(a, "complete")[1],)
    q, r = ls.qr(a, modes[mode])
    return q, r


def lu_factor(a: _Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple[_Any, _Any]:
    """``(lu, piv)``: ``L`` (unit diagonal not stored) and ``U`` packed into one matrix, and
    the row interchanges (row ``i`` was swapped with row ``piv[i]``), for ``lu_solve``.

    >>> lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    (a,) = _promote_inexact(a)
    packed, pivots, _ = _lu_primitive(a)
    return packed, pivots


def _pivots_to_permutation(piv: _Any, m: int) -> _Any:
    """The row order ``perm`` (``a[perm] = L U``) from LAPACK's interchanges ``piv``."""
    perm: _Any = np.arange(m, dtype=np.int32)
    for i in range(_get_aval(piv).shape[-1]):
        j = piv[..., i]
        at_i, at_j = perm[..., i], tnp.take_along_axis(perm, j[..., None], axis=-1)[..., 0]
        perm = tnp.where(np.arange(m) == i, at_j[..., None], perm)
        perm = tnp.where(np.arange(m) == j[..., None], at_i[..., None], perm)
    return perm


def lu_solve(
    lu_and_piv: tuple[_Any, _Any],
    b: _Any,
    trans: int = 0,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> _Any:
    """Solve ``a x = b`` (``trans`` 0), ``a^T x = b`` (1) or ``a^H x = b`` (2) given
    ``lu_factor(a)``.

    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> lu_solve(lu_factor(a), np.array([5.0, 11.0]))
    array([1., 2.])
    """
    packed, piv = lu_and_piv
    (packed,) = _promote_inexact(packed)
    n = _get_aval(packed).shape[-1]
    p_t = _permutation_matrix(_pivots_to_permutation(piv, n), _get_aval(packed).dtype)
    vector = _get_aval(b).ndim == 1
    rhs = b[:, None] if vector else b
    if trans == 0:
        x = solve_triangular(packed, p_t @ rhs, lower=True, unit_diagonal=True)
        x = solve_triangular(packed, x)
    elif trans in (1, 2):
        x = solve_triangular(packed, rhs, trans=trans)
        x = solve_triangular(packed, x, trans=trans, lower=True, unit_diagonal=True)
        x = tnp.swapaxes(p_t, -1, -2) @ x
    else:
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}.")
    return x[:, 0] if vector else x


def lu(
    a: _Any, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> _Any:
    """``(p, l, u)`` with ``a = p @ l @ u``: ``p`` a permutation matrix, ``l`` unit lower
    triangular (trapezoidal), ``u`` upper; ``(p @ l, u)`` if ``permute_l``.

    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    array([[0., 1.],
           [1., 0.]])
    """
    (a,) = _promote_inexact(a)
    packed, _, perm = _lu_primitive(a)
    m, n = _get_aval(a).shape[-2:]
    k = min(m, n)
    dtype = _get_aval(a).dtype
    lower = _triangle(packed[..., :, :k], lower=True, unit_diagonal=True)
    upper = _triangle(packed[..., :k, :], lower=False)
    p = tnp.swapaxes(_permutation_matrix(perm, dtype), -1, -2)
    return (p @ lower, upper) if permute_l else (p, lower, upper)


__all__ = _public_names(globals())
