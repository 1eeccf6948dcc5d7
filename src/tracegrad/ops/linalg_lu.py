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
from tracegrad.ops.linalg_decomp import const_like, matrix_aval, mm, mT, solve, stack_batch
from tracegrad.ops.structural import broadcast_in_dim, convert_element_type

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
    n = aval.shape[-1]
    if aval.shape[-2] != n:
        raise NotImplementedError(
            f"lu: derivatives are implemented for square matrices only, got shape {aval.shape}."
        )
    # P^T a = L U  =>  L^-1 P^T da U^-1 = L^-1 dL + dU U^-1: its strictly lower part gives
    # dL, its upper part dU.
    strict = np.tril(np.ones((n, n)), -1)
    unit_lower = ew.add(ew.mul(packed, const_like(packed, strict)), const_like(packed, np.eye(n)))
    upper = ew.mul(packed, const_like(packed, np.triu(np.ones((n, n)))))
    middle = solve(unit_lower, mm(permutation_matrix(perm, get_aval(t).dtype), t))
    middle = mT(solve(mT(upper), mT(middle)))
    d_lower = mm(unit_lower, ew.mul(middle, const_like(middle, strict)))
    d_upper = mm(ew.mul(middle, const_like(middle, np.triu(np.ones((n, n))))), upper)
    return [packed, pivots, perm], [ew.add(d_lower, d_upper), out_zeros[1], out_zeros[2]]


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
