"""Matrix functions and constructors of ``tracegrad.scipy.linalg`` written with
``tracegrad.numpy``: ``expm`` (Padé 13 with scaling and squaring), ``sqrtm`` (from the
complex Schur form), ``polar`` (from the SVD), ``block_diag`` and ``toeplitz``."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer, get_aval
from tracegrad.numpy.frontend import promote_inexact
from tracegrad.ops.linalg_schur import schur
from tracegrad.ops.stop_gradient import stop_gradient

# Higham (2005): the Padé [13/13] coefficients of exp, and the largest 1-norm for which the
# approximant is exact to double precision.
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
    129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
    40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def _concrete(x: Any) -> np.ndarray | None:
    value = x.to_concrete_value() if isinstance(x, Tracer) else x
    return None if value is None else np.asarray(value)


def expm(A: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Any:
    """The matrix exponential of each square matrix in the last two axes: the Padé [13/13]
    approximant of ``A / 2**s``, squared ``s`` times, ``s`` chosen from the 1-norm as SciPy
    does (at most ``max_squarings``). Differentiable through that computation, as in JAX.

    >>> expm(np.array([[0.0, 1.0], [0.0, 0.0]]))
    array([[1., 1.],
           [0., 1.]])
    """
    (a,) = promote_inexact(A)
    shape = get_aval(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"expm: expected a (stack of) square matrix, got shape {shape}.")
    n = shape[-1]
    norm = tnp.max(tnp.sum(tnp.abs(stop_gradient(a)), axis=-2), axis=-1)
    tiny = np.finfo(get_aval(a).dtype).tiny
    s = tnp.clip(tnp.ceil(tnp.log2(tnp.maximum(norm, tiny) / _THETA13)), 0, max_squarings)
    a = a / (2.0**s)[..., None, None]
    eye = np.eye(n, dtype=get_aval(a).dtype)
    b = _PADE13
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
             + b[1] * eye)  # fmt: skip
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = tnp.linalg.solve(v - u, v + u)
    known = _concrete(s)
    rounds = max_squarings if known is None else int(np.max(known, initial=0))
    for i in range(rounds):
        r = (
            r @ r
            if known is not None and np.all(known > i)
            else tnp.where((s > i)[..., None, None], r @ r, r)
        )
    return r


def sqrtm(A: Any, blocksize: int = 1) -> Any:
    """The principal square root of a square matrix, by Björck and Hammarling's recurrence on
    its complex Schur form: always complex, as ``jax.scipy.linalg.sqrtm`` (complex64 from
    float32 or complex64, complex128 otherwise). Where no square root exists (a nilpotent
    block) the result is nan, as JAX's. Not differentiable, as in JAX (docs/decisions.md).

    >>> sqrtm(np.array([[4.0, 1.0], [0.0, 9.0]]))
    array([[2. +0.j, 0.2+0.j],
           [0. +0.j, 3. +0.j]])
    """
    if blocksize > 1:
        raise NotImplementedError("Blocked version is not implemented yet.")
    (a,) = promote_inexact(A)
    shape = get_aval(a).shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(
            f"sqrtm: the input must be a square matrix of shape (N, N), got shape {shape}; "
            "for a stack of matrices, use tracegrad.vmap(sqrtm)."
        )
    t, z = schur(a, output="complex")
    r = _sqrtm_upper(t)
    with np.errstate(invalid="ignore"):  # inf * 0 where no square root exists: nan, as JAX
        return z @ r @ tnp.conj(tnp.transpose(z))


def _sqrtm_upper(t: Any) -> Any:
    """The upper-triangular square root ``r`` of the upper-triangular ``t``, one
    superdiagonal after the other: ``r[i, j] = (t[i, j] - r[i, i+1:j] @ r[i+1:j, j]) /
    (r[i, i] + r[j, j])``, 0 where the numerator is (as JAX: a zero block stays zero)."""
    n = get_aval(t).shape[0]
    root = tnp.sqrt(tnp.diagonal(t))
    r = tnp.diag(root)
    for k in range(1, n):
        i = np.arange(n - k)
        j = i + k
        between = i[:, None] + np.arange(1, k)[None, :]
        done = tnp.sum(r[i[:, None], between] * r[between, j[:, None]], axis=1)
        numerator = t[i, j] - done
        with np.errstate(divide="ignore", invalid="ignore"):
            value = tnp.where(numerator == 0, 0, numerator / (root[i] + root[j]))
        r = tnp.at(r)[i, j].set(value)
    return r


def polar(
    a: Any,
    side: str = "right",
    *,
    method: str = "svd",
    eps: float | None = None,
    max_iterations: int | None = None,
) -> tuple[Any, Any]:
    """The polar decomposition ``a = u @ p`` (``side='right'``) or ``p @ u`` ('left'):
    ``u`` with orthonormal columns, ``p`` Hermitian positive semi-definite; computed from
    the SVD whatever ``method`` says.

    >>> u, p = polar(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> u, p
    (array([[0., 1.],
           [1., 0.]]), array([[3., 0.],
           [0., 2.]]))
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}.")
    w, s, vh = tnp.linalg.svd(a, full_matrices=False)
    u = w @ vh
    basis = tnp.conj(tnp.swapaxes(vh, -1, -2)) if side == "right" else w
    p = (basis * s[..., None, :]) @ tnp.conj(tnp.swapaxes(basis, -1, -2))
    return u, p


def block_diag(*arrs: Any) -> Any:
    """The block-diagonal matrix of the given blocks (scalars and 1-D arrays are one row).

    >>> block_diag(np.array([[1.0, 2.0]]), 3.0)
    array([[1., 2., 0.],
           [0., 0., 3.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    blocks = [tnp.atleast_2d(x) for x in arrs]
    for x in blocks:
        if get_aval(x).ndim != 2:
            raise ValueError(
                f"block_diag: arguments must have dimension <= 2, got shape {get_aval(x).shape}."
            )
    dtype = np.result_type(*(get_aval(x).dtype for x in blocks))
    width = sum(get_aval(x).shape[1] for x in blocks)
    rows, left = [], 0
    for x in blocks:
        cols = get_aval(x).shape[1]
        rows.append(tnp.pad(tnp.asarray(x, dtype), ((0, 0), (left, width - left - cols))))
        left += cols
    return tnp.concatenate(rows, axis=0)


def toeplitz(c: Any, r: Any = None) -> Any:
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``conj(c)`` if not
    given; ``r[0]`` is ignored). Both are flattened, as SciPy does.

    >>> toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0]))
    array([[1., 4.],
           [2., 1.],
           [3., 2.]])
    """
    c = tnp.ravel(c)
    r = tnp.conj(c) if r is None else tnp.ravel(r)
    m, n = get_aval(c).shape[0], get_aval(r).shape[0]
    values = tnp.concatenate([c[::-1], r[1:]])
    index = (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]
    return values[index]
