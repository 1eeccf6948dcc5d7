"""The array-API implementations of the linear-algebra primitives: the standard's optional
``linalg`` extension (``xp.linalg``), where the namespace has it (see ``ops/array_api.py``).
"""

from __future__ import annotations

from typing import Any

from tracegrad.backend.namespace import NamespaceRule, namespace_name
from tracegrad.core import Primitive
from tracegrad.ops import linalg_decomp as ld
from tracegrad.ops import linalg_svd as ls


def _linalg(xp: Any, prim: Primitive, name: str) -> Any:
    """``xp.linalg.<name>``, or an error naming the primitive and the library."""
    fn = getattr(getattr(xp, "linalg", None), name, None)
    if fn is None:
        raise NotImplementedError(
            f"The primitive {prim.name!r} needs linalg.{name} of the array API's linalg "
            f"extension, which the namespace {namespace_name(xp)!r} does not have. "
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
}
