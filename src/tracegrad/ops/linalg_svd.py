"""Orthogonal decompositions as primitives: the singular value decomposition, QR, and the
pseudo-inverse, with jvp rules built from bind-based operations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, Zero, get_aval
from tracegrad.core.dtypes import is_complex, real_dtype
from tracegrad.ops import elementwise as ew
from tracegrad.ops import linalg as la
from tracegrad.ops.combinators import defjvp_using_output
from tracegrad.ops.linalg_decomp import (
    const_like,
    matrix_aval,
    mH,
    mm,
    mT,
    off_diagonal_reciprocal,
    solve,
    stack_batch,
)
from tracegrad.ops.structural import (
    broadcast_in_dim,
    concatenate,
    convert_element_type,
    slice_in_dim,
)


def _rows(s: Any, m: int) -> Any:
    """Broadcast the (..., k) vector ``s`` along a new second-to-last axis of size ``m``:
    ``x / _rows(s, m)`` divides column ``j`` of x by ``s_j``."""
    shape = get_aval(s).shape
    nd = len(shape)
    return broadcast_in_dim(s, (*shape[:-1], m, shape[-1]), (*range(nd - 1), nd))


def _cols(s: Any, n: int) -> Any:
    """Broadcast ``s`` along a new last axis: ``_cols(s, n) * x`` scales row ``i`` by s_i."""
    shape = get_aval(s).shape
    nd = len(shape)
    return broadcast_in_dim(s, (*shape, n), tuple(range(nd)))


# ---- svd ----------------------------------------------------------------------------
def svd(a: Any, full_matrices: bool = False, compute_uv: bool = True) -> list[Any]:
    """``[u, s, vh]`` with ``a = u @ diag(s) @ vh`` (or ``[s]`` without ``compute_uv``),
    singular values in descending order.

    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    [array([4., 3.])]
    """
    return list(svd_p.bind(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv)))


def _svd_impl(a: Any, *, full_matrices: bool, compute_uv: bool) -> list[Any]:
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    return list(np.linalg.svd(a, full_matrices=full_matrices))


def _svd_abstract_eval(
    a: ShapedArray, *, full_matrices: bool, compute_uv: bool
) -> list[ShapedArray]:
    matrix_aval("svd", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    s = ShapedArray((*batch, k), real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    u_cols, vh_rows = (m, n) if full_matrices else (k, k)
    return [
        ShapedArray((*batch, m, u_cols), a.dtype),
        s,
        ShapedArray((*batch, vh_rows, n), a.dtype),
    ]


def _svd_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, full_matrices: bool, compute_uv: bool
) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    outs = svd(a, full_matrices, compute_uv)
    if type(t) is Zero:
        return outs, [Zero.like_primal(get_aval(o)) for o in outs]
    *_, m, n = get_aval(a).shape
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            f"svd: derivatives of the full_matrices=True decomposition of a non-square matrix "
            f"(shape {get_aval(a).shape}) are not unique; pass full_matrices=False."
        )
    dtype = get_aval(a).dtype
    u, s, vh = svd(a, False, True)
    v = mH(vh)
    # d_sigma = u^H da v: its diagonal moves the singular values.
    d_sigma = mm(mH(u), mm(t, v))
    nd = get_aval(a).ndim
    ds = la.diagonal(d_sigma, 0, nd - 2, nd - 1)
    ds = ew.real(ds) if is_complex(dtype) else ds
    if not compute_uv:
        return outs, [ds]
    k = min(m, n)
    s_c = convert_element_type(s, dtype)
    # f_ij = 1 / (s_j^2 - s_i^2) off the diagonal (distinct singular values assumed).
    f = off_diagonal_reciprocal(ew.mul(s, s), dtype)
    ds_s = ew.mul(d_sigma, _rows(s_c, k))  # d_sigma @ diag(s)
    s_ds = ew.mul(_cols(s_c, k), d_sigma)  # diag(s) @ d_sigma
    inner_u = ew.mul(f, ew.add(ds_s, mH(ds_s)))
    if is_complex(dtype):
        # the phase freedom of complex singular vectors: fixed as JAX fixes it
        skew_diag = ew.mul(ew.sub(d_sigma, mH(d_sigma)), const_like(d_sigma, 0.5 * np.eye(k)))
        inner_u = ew.add(inner_u, ew.div(skew_diag, _rows(s_c, k)))
    du = mm(u, inner_u)
    dv = mm(v, ew.mul(f, ew.add(s_ds, mH(s_ds))))
    if m > k:  # the part of da outside the column space of u
        da_v = mm(t, v)
        du = ew.add(du, ew.div(ew.sub(da_v, mm(u, mm(mH(u), da_v))), _rows(s_c, m)))
    if n > k:
        da_u = mm(mH(t), u)
        dv = ew.add(dv, ew.div(ew.sub(da_u, mm(v, mm(vh, da_u))), _rows(s_c, n)))
    return outs, [du, ds, mH(dv)]


svd_p = Primitive("svd", multiple_results=True)
svd_p.def_impl(_svd_impl)
svd_p.def_abstract_eval(_svd_abstract_eval)
svd_p.def_jvp(_svd_jvp)
stack_batch(svd_p)


# ---- qr -----------------------------------------------------------------------------
def qr(a: Any, mode: str = "reduced") -> list[Any]:
    """``[q, r]`` with ``a = q @ r`` (``[r]`` for ``mode='r'``), as ``numpy.linalg.qr``.

    >>> [x.shape for x in qr(np.ones((3, 2)))]
    [(3, 2), (2, 2)]
    """
    return list(qr_p.bind(a, mode=mode))


def _qr_impl(a: Any, *, mode: str) -> list[Any]:
    out = np.linalg.qr(a, mode=mode)  # type: ignore[call-overload]
    return [out] if mode == "r" else list(out)


def _qr_abstract_eval(a: ShapedArray, *, mode: str) -> list[ShapedArray]:
    matrix_aval("qr", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    q_cols, r_rows = (m, m) if mode == "complete" else (k, k)
    r = ShapedArray((*batch, r_rows, n), a.dtype)
    return [r] if mode == "r" else [ShapedArray((*batch, m, q_cols), a.dtype), r]


def _qr_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, mode: str) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    outs = qr(a, mode)
    if type(t) is Zero:
        return outs, [Zero.like_primal(get_aval(o)) for o in outs]
    *_, m, n = get_aval(a).shape
    if mode == "complete" and m > n:
        raise NotImplementedError(
            f"qr: derivatives of mode 'complete' of a matrix with more rows than columns "
            f"(shape {get_aval(a).shape}) are not implemented: the extra columns of q are "
            "one completion among many. Use mode 'reduced' (or 'r')."
        )
    q, r = qr(a, "reduced")
    if m >= n:
        dq, dr = _thin_qr_jvp(q, r, t)
    else:
        # a = [a1 a2] with a1 square: q r1 = a1 is its QR, and r2 = q^H a2.
        nd = get_aval(a).ndim
        a2 = slice_in_dim(a, m, n, nd - 1)
        t1, t2 = slice_in_dim(t, 0, m, nd - 1), slice_in_dim(t, m, n, nd - 1)
        dq, dr1 = _thin_qr_jvp(q, slice_in_dim(r, 0, m, nd - 1), t1)
        dr2 = ew.add(mm(mH(dq), a2), mm(mH(q), t2))
        dr = concatenate([dr1, dr2], nd - 1)
    return outs, ([dr] if mode == "r" else [dq, dr])


def _thin_qr_jvp(q: Any, r: Any, t: Any) -> tuple[Any, Any]:
    """Tangents of ``q`` and ``r`` in ``a = q r``, q with orthonormal columns, r square."""
    n = get_aval(r).shape[-1]
    dtype = get_aval(r).dtype
    # a = q r: with c = q^H da r^-1, q^H dq = omega is skew-Hermitian and dr r^-1 is upper
    # triangular, so omega's lower part is c's, and dr = (c - omega) r.
    da_rinv = mT(solve(mT(r), mT(t)))
    c = mm(mH(q), da_rinv)
    lower = ew.mul(c, const_like(c, np.tri(n, n, -1)))
    omega = ew.sub(lower, mH(lower))
    if is_complex(dtype):
        imag_diag = convert_element_type(ew.imag(ew.mul(c, const_like(c, np.eye(n)))), dtype)
        omega = ew.add(omega, ew.mul(imag_diag, const_like(c, 1j)))
    dq = ew.add(mm(q, ew.sub(omega, c)), da_rinv)
    dr = mm(ew.sub(c, omega), r)
    return dq, dr


qr_p = Primitive("qr", multiple_results=True)
qr_p.def_impl(_qr_impl)
qr_p.def_abstract_eval(_qr_abstract_eval)
qr_p.def_jvp(_qr_jvp)
stack_batch(qr_p)


# ---- pinv ---------------------------------------------------------------------------
def pinv(a: Any, rcond: float | None = None, hermitian: bool = False) -> Any:
    """Moore-Penrose pseudo-inverse, singular values below ``rcond`` times the largest cut
    (NumPy's default when None).

    >>> pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    return pinv_p.bind(a, rcond=None if rcond is None else float(rcond), hermitian=bool(hermitian))


def _pinv_impl(a: Any, *, rcond: float | None, hermitian: bool) -> Any:
    if rcond is None:
        return np.linalg.pinv(a, hermitian=hermitian)
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian)


def _pinv_abstract_eval(a: ShapedArray, *, rcond: float | None, hermitian: bool) -> ShapedArray:
    matrix_aval("pinv", a, square=hermitian)
    return ShapedArray((*a.shape[:-2], a.shape[-1], a.shape[-2]), a.dtype)


def _pinv_jvp(t: Any, p: Any, a: Any, *, rcond: float | None, hermitian: bool) -> Any:
    # Golub & Pereyra: valid where the rank is locally constant.
    *_, m, n = get_aval(a).shape
    t_h, p_h = mH(t), mH(p)
    first = ew.neg(mm(mm(p, t), p))
    second = mm(mm(mm(p, p_h), t_h), ew.sub(const_like(a, np.eye(m)), mm(a, p)))
    third = mm(mm(ew.sub(const_like(a, np.eye(n)), mm(p, a)), t_h), mm(p_h, p))
    return ew.add(ew.add(first, second), third)


pinv_p = Primitive("pinv")
pinv_p.def_impl(_pinv_impl)
pinv_p.def_abstract_eval(_pinv_abstract_eval)
defjvp_using_output(pinv_p, _pinv_jvp)
stack_batch(pinv_p)
