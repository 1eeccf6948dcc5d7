"""Samplers of random vectors and matrices, as ``jax.random`` draws them:
``multivariate_normal`` and ``orthogonal``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.random import _lapack32 as lapack
from tracegrad.random._fma import fma
from tracegrad.random.continuous import cast, check_shape, float_dtype, normal_data, shape_of
from tracegrad.random.keys import canonical_shape, unwrap

Shape = Sequence[int]


def multivariate_normal(
    key: Any,
    mean: Any,
    cov: Any,
    shape: Shape | None = None,
    dtype: Any = None,
    method: str = "cholesky",
) -> Any:
    """Samples of N(mean, cov) (``method``: how cov is factored: "cholesky", "eigh" or
    "svd"), differentiable in ``mean`` and ``cov``.

    >>> from tracegrad.random import PRNGKey
    >>> multivariate_normal(PRNGKey(0), np.zeros(2), np.eye(2), (3,)).shape
    (3, 2)
    """
    data, _ = unwrap(key, "multivariate_normal")
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dt = float_dtype(dtype, "multivariate_normal")
    promoted = np.result_type(tnp.result_type(mean), tnp.result_type(cov))
    promoted = promoted if promoted.kind in "fc" else np.dtype(np.float64)
    mean, cov = cast(mean, promoted), cast(cov, promoted)
    mshape, cshape = shape_of(mean), shape_of(cov)
    if len(mshape) < 1:
        raise ValueError(
            f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {len(mshape)}"
        )
    if len(cshape) < 2:
        raise ValueError(
            f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {len(cshape)}"
        )
    n = mshape[-1]
    if cshape[-2:] != (n, n):
        raise ValueError(
            f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but got "
            f"cov.shape == {cshape}."
        )
    if shape is None:
        shp = tuple(np.broadcast_shapes(mshape[:-1], cshape[:-2]))
    else:
        shp = canonical_shape(shape, "multivariate_normal")
        check_shape("normal", shp, mshape[:-1], cshape[:-2])
    # LAPACK's factors as JAX's (float32: not NumPy's, which computes in float64).
    if method == "svd":
        u, s, _ = lapack.svd(cov)
        factor = u * tnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = lapack.eigh(cov)
        factor = v * tnp.sqrt(w[..., None, :])
    else:
        factor = lapack.cholesky(cov)
    samples = normal_data(data, (*shp, n), dt)
    return mean + _fused_matvec(factor, samples, np.dtype(np.result_type(promoted, dt)))


def _fused_matvec(matrix: Any, vectors: Any, dtype: np.dtype[Any]) -> Any:
    """``einsum("...ij,...j->...i")`` as XLA's CPU dot computes it: the first column's
    product, then each next column's added with a fused multiply-add."""
    matrix, vectors = tnp.astype(matrix, dtype), tnp.astype(vectors, dtype)
    out = matrix[..., :, 0] * vectors[..., 0:1]
    for j in range(1, shape_of(matrix)[-1]):
        out = fma(matrix[..., :, j], vectors[..., j : j + 1], out, dtype)
    return out


def orthogonal(key: Any, n: int, shape: Shape = (), dtype: Any = None, m: int | None = None) -> Any:
    """Uniformly random (Haar) n x m matrices with orthonormal columns or rows (square when
    ``m`` is None), from the QR factorisation of a normal matrix.

    >>> from tracegrad.random import PRNGKey
    >>> q = orthogonal(PRNGKey(0), 3)
    >>> bool(np.allclose(q @ q.T, np.eye(3)))
    True
    """
    data, _ = unwrap(key, "orthogonal")
    dt = float_dtype(dtype, "orthogonal")
    shp = canonical_shape(shape, "orthogonal")
    cols = n if m is None else m
    z = normal_data(data, (*shp, max(n, cols), min(n, cols)), dt)
    q, r = lapack.qr(z)
    d = tnp.diagonal(r, axis1=-2, axis2=-1)
    x = q * tnp.expand_dims(tnp.sign(d), -2)
    return tnp.swapaxes(x, -1, -2) if n < cols else x
