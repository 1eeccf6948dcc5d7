"""``tracegrad.numpy.linalg``: NumPy's linear-algebra functions (norms, inverses, solves,
determinants and decompositions) with NumPy's signatures, on stacks of matrices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.core.dtypes import is_complex
from tracegrad.numpy._products import np_shape
from tracegrad.numpy.frontend import asarray_or_tracer, numpy_when_eager, promote_inexact
from tracegrad.ops import elementwise as ew
from tracegrad.ops import linalg_decomp as ld
from tracegrad.ops import linalg_svd as ls
from tracegrad.ops.elementwise_transcendental import sqrt
from tracegrad.ops.reductions import reduce_max, reduce_min
from tracegrad.ops.structural import broadcast_to, canonical_axis, reduce_sum, reshape, transpose

__all__ = [
    "LinAlgError", "norm", "inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh",
    "svd", "qr", "pinv", "matrix_power",
]  # fmt: skip

LinAlgError = np.linalg.LinAlgError


class LinAlgShapeError(ShapeError, LinAlgError):
    """A matrix of the wrong shape: NumPy's ``LinAlgError`` and tracegrad's ``ShapeError``."""


# NumPy's own result types (named tuples in NumPy 2), so that eager and traced calls return
# the same pytree structure.
_ONE = np.eye(1)
SlogdetResult: Any = type(np.linalg.slogdet(_ONE))
EighResult: Any = type(np.linalg.eigh(_ONE))
SVDResult: Any = type(np.linalg.svd(_ONE))
QRResult: Any = type(np.linalg.qr(_ONE))


def _result(cls: Any, *parts: Any) -> Any:
    return cls(*parts) if hasattr(cls, "_fields") else tuple(parts)


def _matrix(a: Any, *, square: bool = True) -> Any:
    """``a`` as a floating or complex stack of matrices, checked as NumPy checks it."""
    (a,) = promote_inexact(a)
    shape = get_aval(a).shape
    if len(shape) < 2:
        raise LinAlgShapeError(
            f"{len(shape)}-dimensional array given. Array must be at least "
            f"two-dimensional (shape {np_shape(shape)})."
        )
    if square and shape[-1] != shape[-2]:
        raise LinAlgShapeError(
            f"Last 2 dimensions of the array must be square, got shape {np_shape(shape)}."
        )
    return a


# ---- norm --------------------------------------------------------------------------
def _two_norm(x: Any, axes: tuple[int, ...]) -> Any:
    """sqrt(sum |x|^2) with derivative 0 (the minimum-norm subgradient) at x == 0."""
    squares = ew.real(ew.mul(x, ew.conj(x))) if is_complex(get_aval(x).dtype) else ew.mul(x, x)
    total = reduce_sum(squares, axes)
    zero = ew.eq(total, ew.scalar_like(total, 0))
    root = sqrt(ew.select_n(zero, total, ew.scalar_like(total, 1)))
    return ew.select_n(zero, root, ew.scalar_like(total, 0))


def _vector_norm(x: Any, ord: Any, axis: int) -> Any:
    if ord is None or ord == 2:
        return _two_norm(x, (axis,))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order {ord!r} for vectors")
    absx = ew.abs(x)
    if ord == np.inf:
        return reduce_max(absx, (axis,))
    if ord == -np.inf:
        return reduce_min(absx, (axis,))
    if ord == 0:
        nonzero = ew.ne(absx, ew.scalar_like(absx, 0))
        return reduce_sum(
            ew.select_n(nonzero, ew.scalar_like(absx, 0), ew.scalar_like(absx, 1)), (axis,)
        )
    if ord == 1:
        return reduce_sum(absx, (axis,))
    p = ew.scalar_like(absx, float(ord))
    total = reduce_sum(ew.pow(absx, p), (axis,))
    if float(ord) < 0:
        return ew.pow(total, ew.div(ew.scalar_like(total, 1), p))
    # as for the 2-norm: derivative 0 at the zero vector instead of 0 * inf
    zero = ew.eq(total, ew.scalar_like(total, 0))
    root = ew.pow(
        ew.select_n(zero, total, ew.scalar_like(total, 1)), ew.div(ew.scalar_like(total, 1), p)
    )
    return ew.select_n(zero, root, ew.scalar_like(total, 0))


def _singular_values(x: Any, row: int, col: int) -> Any:
    nd = get_aval(x).ndim
    rest = [d for d in range(nd) if d not in (row, col)]
    (s,) = ls.svd(transpose(x, [*rest, row, col]), compute_uv=False)
    return s


def _matrix_norm(x: Any, ord: Any, row: int, col: int) -> Any:
    if ord is None or ord in ("fro", "f"):
        return _two_norm(x, tuple(sorted((row, col))))
    if ord == "nuc":
        s = _singular_values(x, row, col)
        return reduce_sum(s, (get_aval(s).ndim - 1,))
    if ord in (2, -2):
        s = _singular_values(x, row, col)
        last = (get_aval(s).ndim - 1,)
        return reduce_max(s, last) if ord == 2 else reduce_min(s, last)
    if ord in (1, -1, np.inf, -np.inf):
        # 1: largest column sum (sum over rows); inf: largest row sum (sum over columns)
        summed, kept = (row, col) if ord in (1, -1) else (col, row)
        sums = reduce_sum(ew.abs(x), (summed,))
        kept -= kept > summed
        return reduce_max(sums, (kept,)) if ord in (1, np.inf) else reduce_min(sums, (kept,))
    raise ValueError(
        f"Invalid norm order for matrices: {ord!r}. Use None, 'fro', 'nuc', "
        "1, -1, 2, -2, inf or -inf."
    )


@numpy_when_eager(np.linalg.norm)
def norm(
    x: Any, ord: Any = None, axis: int | Sequence[int] | None = None, keepdims: bool = False
) -> Any:
    """Vector or matrix norm, as ``numpy.linalg.norm``. Its derivative at the zero vector
    (or matrix, for the Frobenius norm) is 0.

    >>> norm(np.array([3.0, 4.0]))
    np.float64(5.0)
    >>> norm(np.eye(2), "nuc")
    np.float64(2.0)
    """
    (x,) = promote_inexact(x)
    nd = get_aval(x).ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = _two_norm(x, tuple(range(nd)))
            return reshape(out, (1,) * nd) if keepdims else out
        axes: tuple[int, ...] = tuple(range(nd))
    else:
        axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    axes = tuple(canonical_axis(int(a), nd) for a in axes)
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes[0])
    elif len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError(f"Duplicate axes given: axis={axis!r}.")
        out = _matrix_norm(x, ord, axes[0], axes[1])
    else:
        raise ValueError(
            f"Improper number of dimensions to norm: axis={axis!r} for an array "
            f"of {nd} dimensions; give one axis (vector) or two (matrix)."
        )
    if keepdims:
        out = reshape(out, tuple(1 if d in axes else n for d, n in enumerate(get_aval(x).shape)))
    return out


# ---- inverses and solves -------------------------------------------------------
@numpy_when_eager(np.linalg.inv)
def inv(a: Any) -> Any:
    """Inverse of each square matrix in the last two axes.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return ld.inv(_matrix(a))


@numpy_when_eager(np.linalg.solve)
def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b``: ``b`` of shape (M,) is one vector, otherwise (..., M, K) with
    stack dimensions broadcasting against those of ``a`` (NumPy 2's rules).

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0]))
    array([0.5 , 0.25])
    """
    a, b = promote_inexact(a, b)
    a = _matrix(a)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    vector = len(b_shape) == 1
    rows = b_shape[0] if vector else (b_shape[-2] if len(b_shape) >= 2 else None)
    if rows != a_shape[-1]:
        signature = "(m,m),(m)->(m)" if vector else "(m,m),(m,n)->(m,n)"
        raise ShapeError(
            f"solve: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature {signature} (size {rows} is different from {a_shape[-1]}): shapes "
            f"{np_shape(a_shape)} and {np_shape(b_shape)}. b must be (M,) or (..., M, K)."
        )
    batch = a_shape[:-2]
    if vector:
        b = broadcast_to(reshape(b, (rows, 1)), (*batch, rows, 1))
        return reshape(ld.solve(a, b), (*batch, rows))
    try:
        batch = tuple(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]))
    except ValueError:
        raise ShapeError(
            f"solve: the stack dimensions of a {np_shape(a_shape)} and b "
            f"{np_shape(b_shape)} do not broadcast."
        ) from None
    a = broadcast_to(a, (*batch, *a_shape[-2:]))
    b = broadcast_to(b, (*batch, *b_shape[-2:]))
    return ld.solve(a, b)


@numpy_when_eager(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """Moore-Penrose pseudo-inverse; singular values below ``rcond`` (or ``rtol``) times the
    largest are cut. Its derivative holds where the rank does not change.

    >>> pinv(np.array([[1.0, 0.0], [0.0, 0.0]]))
    array([[1., 0.],
           [0., 0.]])
    """
    a = _matrix(a, square=False)
    cut = rcond if rcond is not None else rtol
    if cut is not None and np.ndim(cut) != 0:
        raise NotImplementedError(
            "tracegrad.numpy.linalg.pinv: a per-matrix array of rcond "
            "values is not supported on traced values; pass a float."
        )
    return ls.pinv(a, None if cut is None else float(cut), hermitian)


@numpy_when_eager(np.linalg.matrix_power)
def matrix_power(a: Any, n: int) -> Any:
    """``a`` to the integer power ``n`` by repeated squaring (inverse first if n < 0).

    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    if not isinstance(n, int | np.integer):
        raise TypeError(f"exponent must be an integer, got {n!r}.")
    a = asarray_or_tracer(a)
    shape = get_aval(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise LinAlgShapeError(
            f"matrix_power: Last 2 dimensions of the array must be square, "
            f"got shape {np_shape(shape)}."
        )
    n = int(n)
    if n == 0:
        return broadcast_to(np.eye(shape[-1], dtype=get_aval(a).dtype), shape)
    if n < 0:
        a, n = ld.inv(_matrix(a)), -n
    result, power = None, a
    while True:
        if n & 1:
            result = power if result is None else ld.mm(result, power)
        n >>= 1
        if not n:
            return result
        power = ld.mm(power, power)


# ---- determinants ----------------------------------------------------------------
@numpy_when_eager(np.linalg.det)
def det(a: Any) -> Any:
    """Determinant of each square matrix; its derivative is the (transposed) adjugate, exact
    at singular matrices too.

    >>> det(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(-2.0...)
    """
    return ld.det(_matrix(a))


@numpy_when_eager(np.linalg.slogdet)
def slogdet(a: Any) -> Any:
    """``(sign, logabsdet)`` of the determinant of each square matrix.

    >>> slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]])).sign
    np.float64(-1.0)
    """
    sign, logabsdet = ld.slogdet(_matrix(a))
    return _result(SlogdetResult, sign, logabsdet)


# ---- decompositions ----------------------------------------------------------------
@numpy_when_eager(np.linalg.cholesky)
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor of each Hermitian positive-definite matrix: lower ``l`` with
    ``a = l @ l^H`` (``upper=True``: ``u`` with ``a = u^H @ u``).

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    low = ld.cholesky(_matrix(a))
    return ld.mH(low) if upper else low


@numpy_when_eager(np.linalg.eigh)
def eigh(a: Any, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) and eigenvectors (columns) of each Hermitian matrix, read from
    its ``UPLO`` triangle. Derivatives treat ``a`` as Hermitian and assume distinct
    eigenvalues for the eigenvectors.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    array([1., 3.])
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"UPLO argument must be 'L' or 'U', got {UPLO!r}.")
    w, v = ld.eigh(_matrix(a), UPLO)
    return _result(EighResult, w, v)


@numpy_when_eager(np.linalg.eigvalsh)
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) of each Hermitian matrix.

    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return eigh(a, UPLO)[0]


@numpy_when_eager(np.linalg.svd)
def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """Singular value decomposition ``a = U @ diag(S) @ Vh`` of each matrix. Derivatives of
    ``U`` and ``Vh`` assume distinct non-zero singular values (and ``full_matrices=False``
    for non-square matrices); those of ``S`` hold everywhere singular values are distinct.
    ``hermitian`` is accepted and computes the general decomposition.

    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    a = _matrix(a, square=False)
    if not compute_uv:
        return ls.svd(a, compute_uv=False)[0]
    u, s, vh = ls.svd(a, full_matrices, True)
    return _result(SVDResult, u, s, vh)


@numpy_when_eager(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> Any:
    """QR decomposition of each matrix, ``mode`` 'reduced', 'complete' or 'r'.

    >>> qr(np.eye(2)).R
    array([[1., 0.],
           [0., 1.]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(
            f"tracegrad.numpy.linalg.qr: mode {mode!r} is not supported "
            "on traced values; use 'reduced', 'complete' or 'r'."
        )
    outs = ls.qr(_matrix(a, square=False), mode)
    return outs[0] if mode == "r" else _result(QRResult, *outs)
