"""The LU decomposition with partial pivoting as a primitive, ``lu`` (as ``jax.lax.linalg.lu``):
``[lu, pivots, permutation]`` with ``a[..., permutation, :] = L @ U``, ``L`` unit lower
triangular and ``U`` upper triangular packed into ``lu``; ``pivots`` are LAPACK's row
interchanges (0-based). The kernel is NumPy (elimination vectorized over the stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, Zero, get_aval
from tracegrad.ops import elementwise as ew
from tracegrad.ops.elementwise import scalar_like
from tracegrad.ops.linalg_decomp import const_like, matrix_aval, mm, mT, solve, stack_batch
from tracegrad.ops.structural import broadcast_in_dim, concatenate, convert_element_type, pad, slice

__all__ = ["lu", "lu_kernel", "permutation_matrix"]


def lu_kernel(a: Any) -> list[np.ndarray]:
    """``[lu, pivots, permutation]`` of each matrix in the last two axes of ``a``."""
    a = np.asarray(a)
    *batch, m, n = a.shape
    k = min(m, n)
    out = a.reshape(-1, m, n).copy()
    stack = np.arange(out.shape[0])
    pivots = np.zeros((out.shape[0], k), np.int32)
    perm = np.broadcast_to(np.arange(m, dtype=np.int32), (out.shape[0], m)).copy()
    for j in range(k):
        p = j + np.argmax(np.abs(out[:, j:, j]), axis=1)
        pivots[:, j] = p
        out[stack, j], out[stack, p] = out[stack, p], out[stack, j].copy()
        perm[stack, j], perm[stack, p] = perm[stack, p], perm[stack, j].copy()
        diag = out[:, j, j]
        # A zero pivot (singular matrix) leaves its column as it is, as LAPACK does.
        safe = np.where(diag == 0, 1, diag)
        out[:, j + 1 :, j] /= safe[:, None]
        out[:, j + 1 :, j + 1 :] -= out[:, j + 1 :, j, None] * out[:, j, None, j + 1 :]
    return [out.reshape(a.shape), pivots.reshape(*batch, k), perm.reshape(*batch, m)]


def lu(a: Any) -> list[Any]:
    """``[lu, pivots, permutation]`` of each matrix (partial pivoting).

    >>> packed, pivots, perm = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> packed
    array([[3.        , 4.        ],
           [0.33333333, 0.66666667]])
    >>> pivots, perm
    (array([1, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    return list(lu_p.bind(a))


def _lu_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    matrix_aval("lu", a, square=False)
    *batch, m, n = a.shape
    int32 = np.dtype(np.int32)
    return [
        a.strip_weak_type(),
        ShapedArray((*batch, min(m, n)), int32),
        ShapedArray((*batch, m), int32),
    ]


def _lu_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (t,) = primals, tangents
    packed, pivots, perm = lu(a)
    aval = get_aval(a)
    out_zeros = [Zero.like_primal(get_aval(v)) for v in (packed, pivots, perm)]
    if type(t) is Zero:
        return [packed, pivots, perm], out_zeros
    *batch, m, n = aval.shape
    k, nd = min(m, n), aval.ndim

    def block(x: Any, r0: int, r1: int, c0: int, c1: int) -> Any:
        return slice(x, (*(0,) * len(batch), r0, c0), (*batch, r1, c1))

    rows = mm(permutation_matrix(perm, aval.dtype), t)  # P^T da
    unit_lower = _masked(block(packed, 0, m, 0, k), -1, lower=True)
    upper = _masked(block(packed, 0, k, 0, n), 0, lower=False)
    # The leading k x k block: P^T da U^-1 = L^-1 dL + dU U^-1, L^-1 dL strictly lower
    # and dU U^-1 upper.
    low_k, up_k = block(unit_lower, 0, k, 0, k), block(upper, 0, k, 0, k)
    middle = mT(solve(mT(up_k), mT(solve(low_k, block(rows, 0, k, 0, k)))))
    d_low = mm(low_k, _masked(middle, -1, lower=True, unit=False))
    d_up = mm(_masked(middle, 0, lower=False, unit=False), up_k)
    if m > n:  # the rows below: da2 = dL2 U + L2 dU
        below = ew.sub(block(rows, k, m, 0, n), mm(block(unit_lower, k, m, 0, k), d_up))
        d_low = concatenate([d_low, mT(solve(mT(up_k), mT(below)))], nd - 2)
    elif n > m:  # the columns right: da2 = dL U2 + L dU2
        right = ew.sub(block(rows, 0, m, k, n), mm(d_low, block(upper, 0, k, k, n)))
        d_up = concatenate([d_up, solve(low_k, right)], nd - 1)
    d_packed = ew.add(_pad_to(d_low, aval.shape), _pad_to(d_up, aval.shape))
    return [packed, pivots, perm], [d_packed, out_zeros[1], out_zeros[2]]


def _masked(x: Any, offset: int, *, lower: bool, unit: bool = True) -> Any:
    """The lower (below diagonal ``offset``) or upper triangle of ``x``; ``unit`` adds ones
    on the diagonal when lower (L's unit diagonal is not stored in the packed factor)."""
    rows, cols = get_aval(x).shape[-2:]
    keep = (
        np.tril(np.ones((rows, cols)), offset) if lower else np.triu(np.ones((rows, cols)), offset)
    )
    out = ew.mul(x, const_like(x, keep))
    return ew.add(out, const_like(x, np.eye(rows, cols))) if lower and unit else out


def _pad_to(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` zero-padded at the end of its last two axes to ``shape``."""
    have = get_aval(x).shape
    if have == shape:
        return x
    return pad(
        x,
        scalar_like(x, 0),
        [(0, 0, 0)] * (len(shape) - 2)
        + [(0, shape[-2] - have[-2], 0), (0, shape[-1] - have[-1], 0)],
    )


def permutation_matrix(perm: Any, dtype: np.dtype[Any]) -> Any:
    """The matrices ``p`` with ``p @ x == x[..., perm, :]``, in ``dtype``."""
    shape = get_aval(perm).shape
    m = shape[-1]
    nd = len(shape)
    rows = broadcast_in_dim(perm, (*shape, m), tuple(range(nd)))
    return convert_element_type(ew.eq(rows, np.arange(m, dtype=np.int32)), dtype)


lu_p = Primitive("lu", multiple_results=True)
lu_p.def_impl(lu_kernel)
lu_p.def_abstract_eval(_lu_abstract_eval)
lu_p.def_jvp(_lu_jvp)
stack_batch(lu_p)
