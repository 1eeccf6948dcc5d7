"""Matrix functions and decompositions as primitives (inverse, solve, determinants,
Cholesky, eigh, SVD, QR, pseudo-inverse) on stacks of matrices in the last two axes.

Their jvp rules are written with bind-based operations, these primitives included, so
every derivative is itself differentiable. Batching moves the batch dimension to the
front: the NumPy implementations all take stacks of matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    ShapeError,
    Zero,
    get_aval,
    is_undefined_primal,
)
from tracegrad.core.dtypes import is_complex, is_inexact, real_dtype
from tracegrad.ops import elementwise as ew
from tracegrad.ops import linalg as la
from tracegrad.ops.combinators import defjvp, defjvp_using_output
from tracegrad.ops.structural import (
    bdim_at_front,
    broadcast_in_dim,
    convert_element_type,
    reduce_sum,
    reshape,
    transpose,
)

# ---- helpers on stacks of matrices ---------------------------------------------


def mT(x: Any) -> Any:
    """Swap the last two axes."""
    nd = get_aval(x).ndim
    return transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def mH(x: Any) -> Any:
    """Conjugate transpose of the last two axes."""
    x = mT(x)
    return ew.conj(x) if is_complex(get_aval(x).dtype) else x


def mm(a: Any, b: Any) -> Any:
    """``a @ b`` for stacks ``(..., m, k)`` and ``(..., k, n)`` of one batch shape."""
    nd = get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return la.dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def trace_last(x: Any) -> Any:
    """Trace over the last two axes."""
    nd = get_aval(x).ndim
    return reduce_sum(la.diagonal(x, 0, nd - 2, nd - 1), (nd - 2,))


def sum_last_two(x: Any) -> Any:
    """Sum over the last two axes: ``sum_last_two(x * y)`` is ``tr(x^T y)``."""
    nd = get_aval(x).ndim
    return reduce_sum(x, (nd - 2, nd - 1))


def expand_last(x: Any, n: int = 2) -> Any:
    """Append ``n`` size-1 axes (to scale matrices by a stack of scalars)."""
    shape = get_aval(x).shape
    return reshape(x, (*shape, *(1,) * n))


def eye_like(x: Any, n: int) -> np.ndarray:
    return np.eye(n, dtype=get_aval(x).dtype)


def const_like(x: Any, value: Any) -> np.ndarray:
    """A constant array (broadcastable) in the dtype of ``x``."""
    return np.asarray(value, dtype=get_aval(x).dtype)


def stack_batch(prim: Primitive) -> None:
    """Batching: every operand's batch dimension in front, as a stack dimension."""

    def rule(args: Sequence[Any], dims: Sequence[int | None], **params: Any) -> tuple[Any, Any]:
        size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
        moved = [bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True)]
        out = prim.bind(*moved, **params)
        return (out, [0] * len(out)) if prim.multiple_results else (out, 0)

    prim.def_batch(rule)


def matrix_aval(name: str, x: ShapedArray, *, square: bool) -> ShapedArray:
    if x.ndim < 2:
        raise ShapeError(
            f"{name}: {x.ndim}-dimensional array given. Array must be at least "
            f"two-dimensional (a stack of matrices in the last two axes), got "
            f"shape {x.shape}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise ShapeError(
            f"{name}: Last 2 dimensions of the array must be square, got shape {x.shape}."
        )
    if not is_inexact(x.dtype):
        raise DTypeError(
            f"{name} takes floating or complex arrays, got dtype "
            f"{x.dtype.name} (tracegrad.numpy.linalg converts integers first)."
        )
    return x


def _symmetrize(t: Any) -> Any:
    """The Hermitian part of a tangent: functions that read one triangle of a Hermitian
    matrix are differentiated as functions of Hermitian matrices, as in JAX."""
    return ew.mul(ew.add(t, mH(t)), const_like(t, 0.5))


# ---- inv ------------------------------------------------------------------------
def inv(a: Any) -> Any:
    """Inverse of each square matrix.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return inv_p.bind(a)


inv_p = Primitive("inv")
inv_p.def_impl(np.linalg.inv)
inv_p.def_abstract_eval(lambda a: matrix_aval("inv", a, square=True))
defjvp_using_output(inv_p, lambda t, out, a: ew.neg(mm(mm(out, t), out)))
stack_batch(inv_p)


# ---- solve ----------------------------------------------------------------------
def solve(a: Any, b: Any) -> Any:
    """``inv(a) @ b`` for ``a`` of shape (..., n, n) and ``b`` (..., n, k), one batch shape.

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.ones((2, 1)))
    array([[0.5 ],
           [0.25]])
    """
    return solve_p.bind(a, b)


def _solve_abstract_eval(a: ShapedArray, b: ShapedArray) -> ShapedArray:
    matrix_aval("solve", a, square=True)
    matrix_aval("solve", b, square=False)
    if a.dtype != b.dtype or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ShapeError(
            f"solve: a of shape {a.shape} ({a.dtype.name}) and b of shape "
            f"{b.shape} ({b.dtype.name}) must have one dtype, one batch shape and "
            "b.shape[-2] == a.shape[-1]."
        )
    return b


def _solve_transpose(ct: Any, a: Any, b: Any) -> list[Any]:
    if is_undefined_primal(a):
        raise TypeError("solve is linear in b only, not in the matrix a.")
    return [None, solve(mT(a), ct)]


solve_p = Primitive("solve", linear=True)
solve_p.def_impl(np.linalg.solve)
solve_p.def_abstract_eval(_solve_abstract_eval)
defjvp_using_output(
    solve_p,
    lambda t, out, a, b: ew.neg(solve(a, mm(t, out))),
    lambda t, out, a, b: solve(a, t),
)
solve_p.def_transpose(_solve_transpose)
stack_batch(solve_p)


# ---- det and the adjugate ------------------------------------------------------
def det(a: Any) -> Any:
    """Determinant of each square matrix. Its derivative ``tr(adj(a) da)`` uses the
    adjugate, so it is exact at singular matrices too.

    >>> det(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(-2.0...)
    """
    return det_p.bind(a)


def adjugate(a: Any) -> Any:
    """Adjugate (classical adjoint) of each square matrix: ``det(a) * inv(a)`` where ``a``
    is invertible, and defined (through the SVD) where it is not.

    >>> adjugate(np.array([[1.0, 2.0], [2.0, 4.0]]))
    array([[ 4., -2.],
           [-2.,  1.]])
    """
    return adjugate_p.bind(a)


det_p = Primitive("det")
det_p.def_impl(np.linalg.det)
det_p.def_abstract_eval(lambda a: matrix_aval("det", a, square=True).update(shape=a.shape[:-2]))
defjvp(det_p, lambda t, a: sum_last_two(ew.mul(mT(adjugate(a)), t)))
stack_batch(det_p)


def _adjugate_impl(a: Any) -> Any:
    a = np.asarray(a)
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    # a = u diag(s) vh  =>  adj(a) = det(u) det(vh) vh^H diag(prod_{j != i} s_j) u^H,
    # well defined at every a: singular matrices included.
    u, s, vh = np.linalg.svd(a)
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).astype(a.dtype)
    phase = (np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    vh_h, u_h = np.conj(np.swapaxes(vh, -1, -2)), np.conj(np.swapaxes(u, -1, -2))
    return (phase * ((vh_h * others[..., None, :]) @ u_h)).astype(a.dtype)


def _adjugate_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    out = adjugate(a)
    n = get_aval(a).shape[-1]
    if type(t) is Zero or n <= 1:  # adj of a 1x1 matrix is the constant [[1]]
        return out, Zero.like_primal(get_aval(out))
    if n == 2:  # adj is linear on 2x2 matrices: exact everywhere
        return out, adjugate(t)
    # d adj = (tr(adj da) adj - adj da adj) / det for invertible a (nan where det == 0).
    adj_t = mm(out, t)
    num = ew.sub(ew.mul(expand_last(trace_last(adj_t)), out), mm(adj_t, out))
    return out, ew.div(num, expand_last(det(a)))


adjugate_p = Primitive("adjugate", linear=True)
adjugate_p.def_impl(_adjugate_impl)
adjugate_p.def_abstract_eval(lambda a: matrix_aval("adjugate", a, square=True))
adjugate_p.def_jvp(_adjugate_jvp)


def _adjugate_transpose(ct: Any, a: Any) -> list[Any]:
    # Only the 2x2 adjugate is linear (its jvp applies it to the tangent); it is self-adjoint.
    if a.aval.shape[-1] != 2:
        raise TypeError("adjugate is linear only on 2x2 matrices.")
    return [adjugate(ct)]


adjugate_p.def_transpose(_adjugate_transpose)
stack_batch(adjugate_p)


# ---- slogdet ----------------------------------------------------------------------
def slogdet(a: Any) -> list[Any]:
    """``[sign, log|det|]`` of each square matrix.

    >>> slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]]))
    [array(-1.), array(1.791...)]
    """
    return list(slogdet_p.bind(a))


def _slogdet_impl(a: Any) -> list[Any]:
    sign, logabsdet = np.linalg.slogdet(a)
    return [np.asarray(sign), np.asarray(logabsdet)]


def _slogdet_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    matrix_aval("slogdet", a, square=True)
    return [ShapedArray(a.shape[:-2], a.dtype), ShapedArray(a.shape[:-2], real_dtype(a.dtype))]


def _slogdet_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    sign, logabsdet = slogdet(a)
    if type(t) is Zero:
        return [sign, logabsdet], [
            Zero.like_primal(get_aval(sign)),
            Zero.like_primal(get_aval(logabsdet)),
        ]
    d = trace_last(solve(a, t))  # d log det = tr(inv(a) da)
    if not is_complex(get_aval(a).dtype):
        return [sign, logabsdet], [Zero.like_primal(get_aval(sign)), d]
    # log det = log|det| + i arg(det): the real part moves log|det|, the imaginary the sign
    imag_d = convert_element_type(ew.imag(d), get_aval(a).dtype)
    d_sign = ew.mul(ew.mul(sign, imag_d), const_like(a, 1j))
    return [sign, logabsdet], [d_sign, ew.real(d)]


slogdet_p = Primitive("slogdet", multiple_results=True)
slogdet_p.def_impl(_slogdet_impl)
slogdet_p.def_abstract_eval(_slogdet_abstract_eval)
slogdet_p.def_jvp(_slogdet_jvp)
stack_batch(slogdet_p)


# ---- cholesky -------------------------------------------------------------------
def cholesky(a: Any) -> Any:
    """Lower Cholesky factor ``l`` of each Hermitian positive-definite matrix
    (``a = l @ l^H``), read from the lower triangle of ``a``.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    return cholesky_p.bind(a)


def _cholesky_jvp(t: Any, out: Any, a: Any) -> Any:
    # a = l l^H  =>  dl = l phi(l^-1 da l^-H), phi: lower triangle, diagonal halved.
    n = get_aval(a).shape[-1]
    left = solve(out, _symmetrize(t))
    middle = solve(out, mH(left))
    phi = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return mm(out, ew.mul(middle, const_like(middle, phi)))


cholesky_p = Primitive("cholesky")
cholesky_p.def_impl(np.linalg.cholesky)
cholesky_p.def_abstract_eval(lambda a: matrix_aval("cholesky", a, square=True))
defjvp_using_output(cholesky_p, _cholesky_jvp)
stack_batch(cholesky_p)


# ---- eigh -----------------------------------------------------------------------
def eigh(a: Any, uplo: str = "L") -> list[Any]:
    """``[w, v]``: ascending eigenvalues and orthonormal eigenvectors (columns) of each
    Hermitian matrix, read from its ``uplo`` triangle.

    >>> eigh(np.array([[2.0, 0.0], [0.0, 1.0]]))[0]
    array([1., 2.])
    """
    return list(eigh_p.bind(a, uplo=uplo))


def _eigh_abstract_eval(a: ShapedArray, *, uplo: str) -> list[ShapedArray]:
    matrix_aval("eigh", a, square=True)
    return [ShapedArray(a.shape[:-1], real_dtype(a.dtype)), a.strip_weak_type()]


def off_diagonal_reciprocal(w: Any, dtype: np.dtype[Any]) -> Any:
    """``f[..., i, j] = 1 / (w_j - w_i)`` off the diagonal and 0 on it, in ``dtype``; the
    diagonal never divides by zero, so derivatives stay finite there."""
    n = get_aval(w).shape[-1]
    nd = get_aval(w).ndim
    shape = (*get_aval(w).shape, n)
    w_j = broadcast_in_dim(w, shape, (*range(nd - 1), nd))
    w_i = broadcast_in_dim(w, shape, tuple(range(nd)))
    on_diag = np.eye(n, dtype=bool)
    gap = ew.select_n(on_diag, ew.sub(w_j, w_i), const_like(w, 1))
    f = ew.select_n(on_diag, ew.div(const_like(w, 1), gap), const_like(w, 0))
    return convert_element_type(f, dtype)


def _eigh_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, uplo: str) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    w, v = eigh(a, uplo)
    if type(t) is Zero:
        return [w, v], [Zero.like_primal(get_aval(w)), Zero.like_primal(get_aval(v))]
    dtype = get_aval(a).dtype
    # v^H da v: its diagonal moves the eigenvalues, its off-diagonal part divided by the
    # eigenvalue gaps rotates the eigenvectors (distinct eigenvalues assumed).
    rotated = mm(mH(v), mm(_symmetrize(t), v))
    nd = get_aval(a).ndim
    dw = la.diagonal(rotated, 0, nd - 2, nd - 1)
    dw = ew.real(dw) if is_complex(dtype) else dw
    dv = mm(v, ew.mul(off_diagonal_reciprocal(w, dtype), rotated))
    return [w, v], [dw, dv]


eigh_p = Primitive("eigh", multiple_results=True)
eigh_p.def_impl(lambda a, *, uplo: list(np.linalg.eigh(a, UPLO=uplo)))
eigh_p.def_abstract_eval(_eigh_abstract_eval)
eigh_p.def_jvp(_eigh_jvp)
stack_batch(eigh_p)
