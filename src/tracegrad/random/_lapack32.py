"""Single-precision matrix factorisations as JAX computes them on the CPU, for
``orthogonal`` and ``multivariate_normal``: LAPACK's float32 routines (``sgeqrf`` and
``sorgqr``, ``spotrf``, ``ssyevd``, ``sgesdd``), which JAX's CPU kernels take from SciPy.
NumPy factors a float32 matrix in float64 and rounds the factors, a few ulps from
LAPACK's single-precision arithmetic (an orthogonal 4x4 sample differs in 3 of 4 entries).

Each factorisation is a twin of ``tracegrad.numpy.linalg``'s primitive with the same
shapes, batching and derivative (the tangent is the original rule's), whose
implementation calls SciPy's LAPACK for float32 matrices; without SciPy (JAX requires
it, so it is there whenever JAX is), and for other dtypes, it is the original's."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops import linalg_decomp as ld
from tracegrad.ops import linalg_svd as ls

_F32 = np.dtype(np.float32)


def _scipy_lapack() -> Any:
    try:
        return importlib.import_module("scipy.linalg.lapack")
    except ImportError:
        return None


def _qr(lapack: Any, a: np.ndarray, *, mode: str) -> list[np.ndarray] | None:
    m, n = a.shape
    k = min(m, n)
    lwork, _ = lapack.sgeqrf_lwork(m, n)
    qr, tau, _, info = lapack.sgeqrf(a, lwork=int(lwork))
    r = np.triu(qr[: m if mode == "complete" else k])
    if mode == "r":
        return [r]
    cols = m if mode == "complete" else k
    reflectors = np.zeros((m, cols), _F32)
    reflectors[:, : min(cols, n)] = qr[:, : min(cols, n)]
    q, _, info_q = lapack.sorgqr(reflectors, tau, lwork=max(int(lwork), cols, 1))
    return None if info or info_q else [q, r]


def _cholesky(lapack: Any, a: np.ndarray) -> list[np.ndarray] | None:
    low, info = lapack.spotrf(a, lower=1, clean=1)
    return None if info else [low]


def _eigh(lapack: Any, a: np.ndarray, *, uplo: str) -> list[np.ndarray] | None:
    lower = int(uplo == "L")
    lwork, liwork, _ = lapack.ssyevd_lwork(a.shape[0], compute_v=1, lower=lower)
    w, v, info = lapack.ssyevd(a, 1, lower, int(lwork), int(liwork))
    return None if info else [w, v]


def _svd(
    lapack: Any, a: np.ndarray, *, full_matrices: bool, compute_uv: bool
) -> list[np.ndarray] | None:
    flags = {"compute_uv": int(compute_uv), "full_matrices": int(full_matrices)}
    lwork, _ = lapack.sgesdd_lwork(*a.shape, **flags)
    u, s, vh, info = lapack.sgesdd(a, lwork=int(lwork), **flags)
    return None if info else ([u, s, vh] if compute_uv else [s])


def _twin(original: Primitive, factor: Callable[..., list[np.ndarray] | None]) -> Primitive:
    """``original`` with an implementation that factors float32 matrices with LAPACK (one
    at a time; any matrix LAPACK reports a failure for makes the whole call the
    original's, so bad input behaves as it does there)."""
    twin = Primitive(f"{original.name}_lapack32", multiple_results=original.multiple_results)
    original_impl, original_jvp, abstract_eval = original.impl, original.jvp, original.abstract_eval
    assert original_impl and original_jvp and abstract_eval

    def impl(a: Any, **params: Any) -> Any:
        a = np.asarray(a)
        lapack = _scipy_lapack() if a.dtype == _F32 and a.size else None
        if lapack is not None:
            batch = a.shape[:-2]
            parts = [factor(lapack, np.asfortranarray(a[i]), **params) for i in np.ndindex(*batch)]
            if all(p is not None for p in parts):
                outs = [np.stack(p).reshape(*batch, *p[0].shape) for p in zip(*parts)]
                return outs if original.multiple_results else outs[0]
        return original_impl(a, **params)

    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        _, tangents_out = original_jvp(primals, tangents, **params)
        return twin.bind(*primals, **params), tangents_out

    twin.def_impl(impl)
    twin.def_abstract_eval(abstract_eval)
    twin.def_jvp(jvp)
    ld.stack_batch(twin)
    return twin


qr_p = _twin(ls.qr_p, _qr)
cholesky_p = _twin(ld.cholesky_p, _cholesky)
eigh_p = _twin(ld.eigh_p, _eigh)
svd_p = _twin(ls.svd_p, _svd)


def qr(a: Any, mode: str = "reduced") -> list[Any]:
    """``[q, r]`` (``[r]`` for ``mode="r"``) of each matrix, as JAX's CPU QR (of
    ``[[3, 1], [4, 2]]`` in float32, ``r[1, 1]`` is 0.39999998 where NumPy's is 0.4).

    >>> a = np.array([[3.0, 1.0], [4.0, 2.0]], np.float32)
    >>> q, r = qr(a)
    >>> r.dtype, bool(np.allclose(q @ r, a))
    (dtype('float32'), True)
    """
    return list(qr_p.bind(a, mode=mode))


def cholesky(a: Any) -> Any:
    """The lower Cholesky factor of each positive-definite matrix, as JAX's CPU Cholesky.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]], np.float32))
    array([[2., 0.],
           [1., 2.]], dtype=float32)
    """
    return cholesky_p.bind(a)


def eigh(a: Any) -> list[Any]:
    """``[w, v]``: ascending eigenvalues and eigenvectors of each symmetric matrix (from
    its lower triangle), as JAX's CPU ``eigh``.

    >>> eigh(np.array([[2.0, 0.0], [0.0, 1.0]], np.float32))[0]
    array([1., 2.], dtype=float32)
    """
    return list(eigh_p.bind(a, uplo="L"))


def svd(a: Any) -> list[Any]:
    """``[u, s, vh]`` (full matrices) of each matrix, as JAX's CPU SVD.

    >>> svd(np.array([[3.0, 0.0], [0.0, 4.0]], np.float32))[1]
    array([4., 3.], dtype=float32)
    """
    return list(svd_p.bind(a, full_matrices=True, compute_uv=True))
