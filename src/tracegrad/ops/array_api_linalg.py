"""The array-API implementations of the primitives of the standard's optional extensions:
the linear-algebra ones through ``xp.linalg`` and ``fft`` through ``xp.fft``, where the
namespace has the extension (see ``ops/array_api.py``).
"""

from __future__ import annotations

from typing import Any

from tracegrad.backend.namespace import NamespaceRule, namespace_name
from tracegrad.core import Primitive
from tracegrad.ops import linalg_decomp as ld
from tracegrad.ops import linalg_svd as ls
from tracegrad.ops.fft import fft_p


def _linalg(xp: Any, prim: Primitive, name: str, extension: str = "linalg") -> Any:
    """``xp.<extension>.<name>``, or an error naming the primitive and the library."""
    fn = getattr(getattr(xp, extension, None), name, None)
    if fn is None:
        raise NotImplementedError(
            f"The primitive {prim.name!r} needs {extension}.{name} of the array API's "
            f"{extension} extension, which the namespace {namespace_name(xp)!r} does not have. "
            f"Run this program on NumPy arrays, or on a library that implements the extension."
        )
    return fn


def _simple(prim: Primitive, name: str) -> NamespaceRule:
    return lambda xp, *args: _linalg(xp, prim, name)(*args)


def _eigh(xp: Any, a: Any, *, uplo: str) -> list[Any]:
    if uplo != "L":  # the standard reads the lower triangle only
        a = xp.matrix_transpose(xp.conj(a))
    return list(_linalg(xp, ld.eigh_p, "eigh")(a))


def _slogdet(xp: Any, a: Any) -> list[Any]:
    return list(_linalg(xp, ld.slogdet_p, "slogdet")(a))


def _svd(xp: Any, a: Any, *, full_matrices: bool, compute_uv: bool) -> list[Any]:
    if not compute_uv:
        return [_linalg(xp, ls.svd_p, "svdvals")(a)]
    return list(_linalg(xp, ls.svd_p, "svd")(a, full_matrices=full_matrices))


def _qr(xp: Any, a: Any, *, mode: str) -> list[Any]:
    if mode not in ("reduced", "complete"):
        raise NotImplementedError(
            f"The primitive 'qr' with mode={mode!r} has no array API form (the standard's qr "
            f"takes mode='reduced' or 'complete'). Use one of those, or NumPy arrays."
        )
    return list(_linalg(xp, ls.qr_p, "qr")(a, mode=mode))


def _pinv(xp: Any, a: Any, *, rcond: float | None, hermitian: bool) -> Any:
    return _linalg(xp, ls.pinv_p, "pinv")(a, rtol=rcond)


def _fft(xp: Any, x: Any, *, fft_type: str, fft_lengths: tuple[int, ...], norm: str) -> Any:
    # over the trailing axes, as the NumPy implementation (ops/fft.py)
    fn = _linalg(xp, fft_p, f"{fft_type}n", "fft")
    axes = tuple(range(-len(fft_lengths), 0))
    chunks = getattr(x, "chunks", None)
    if chunks is not None and any(len(chunks[a]) > 1 for a in axes):
        x = x.rechunk({x.ndim + a: -1 for a in axes})  # Dask transforms whole axes only
    if fft_type == "irfft":
        return fn(x, s=fft_lengths, axes=axes, norm=norm)
    return fn(x, axes=axes, norm=norm)


def _adjugate(xp: Any, a: Any) -> Any:
    # The NumPy implementation's form, defined at singular matrices too: with a = u s vh,
    # adj(a) = det(u) det(vh) vh^H diag(prod_{j != i} s_j) u^H.
    if a.shape[-1] == 0:
        return a
    u, s, vh = _linalg(xp, ld.adjugate_p, "svd")(a, full_matrices=False)
    det = _linalg(xp, ld.adjugate_p, "det")
    ones = xp.ones_like(s[..., :1])
    before = xp.cumulative_prod(xp.concat([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.cumulative_prod(xp.concat([ones, xp.flip(s[..., 1:], axis=-1)], axis=-1), axis=-1)
    others = xp.astype(before * xp.flip(after, axis=-1), a.dtype)
    phase = xp.reshape(det(u) * det(vh), (*a.shape[:-2], 1, 1))
    vh_h, u_h = (xp.conj(xp.matrix_transpose(m)) for m in (vh, u))
    return xp.astype(phase * xp.matmul(vh_h * others[..., None, :], u_h), a.dtype)


LINALG_RULES: dict[Primitive, NamespaceRule] = {
    ld.inv_p: _simple(ld.inv_p, "inv"),
    ld.det_p: _simple(ld.det_p, "det"),
    ld.solve_p: _simple(ld.solve_p, "solve"),
    ld.cholesky_p: _simple(ld.cholesky_p, "cholesky"),
    ld.eigh_p: _eigh,
    ld.slogdet_p: _slogdet,
    ls.svd_p: _svd,
    ls.qr_p: _qr,
    ls.pinv_p: _pinv,
    fft_p: _fft,
    ld.adjugate_p: _adjugate,
}
