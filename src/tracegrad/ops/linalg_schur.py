"""The Schur decomposition as a primitive, ``schur`` (as ``jax.lax.linalg.schur``): ``[t, z]``
with ``a = z @ t @ z^H``, ``z`` unitary and ``t`` upper triangular (the complex Schur form),
or for real ``a`` and ``output="real"`` real and quasi upper triangular (the real Schur form:
a 2 x 2 block on the diagonal for each pair of complex eigenvalues, its diagonal equal and
its off-diagonal entries of opposite signs, as LAPACK standardises it).

The kernel is NumPy: a Householder reduction to Hessenberg form, then shifted QR steps
(Francis' double shift with Householder reflections for real matrices, Wilkinson's shift
with Givens rotations for complex ones), deflating where a subdiagonal entry falls below the
rounding of its neighbours; the complex form of a real matrix comes from its real form
(SciPy's ``rsf2csf``), so that its real eigenvalues are exactly real, as LAPACK's are. It
computes in double precision whatever the input (single precision is rounded at the end);
the QR steps are Python loops over NumPy slices, O(n) NumPy calls per step, about 0.3 s for
a 100 x 100 matrix: fine for the matrices ``sqrtm`` meets, slow for thousands of rows.

No derivative, as in JAX (differentiating raises JAX's ``NotImplementedError``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, ShapedArray, Zero, get_aval
from tracegrad.ops.linalg_decomp import matrix_aval, stack_batch

__all__ = ["schur", "schur_kernel"]

Array = np.ndarray[Any, Any]
_EPS = float(np.finfo(np.float64).eps)


def _hessenberg(h: Array, z: Array) -> None:
    """Reduce ``h`` to upper Hessenberg form in place by Householder reflections,
    accumulating them into ``z`` (``a = z h z^H`` holds throughout)."""
    n = h.shape[0]
    for k in range(n - 2):
        x = h[k + 1 :, k]
        alpha = np.linalg.norm(x)
        if alpha == 0.0:
            continue
        v = x.copy()
        phase = x[0] / abs(x[0]) if x[0] != 0 else 1.0
        v[0] += phase * alpha
        v /= np.linalg.norm(v)
        h[k + 1 :, k:] -= 2.0 * np.outer(v, v.conj() @ h[k + 1 :, k:])
        h[:, k + 1 :] -= 2.0 * np.outer(h[:, k + 1 :] @ v, v.conj())
        z[:, k + 1 :] -= 2.0 * np.outer(z[:, k + 1 :] @ v, v.conj())
        h[k + 2 :, k] = 0.0


def _negligible(h: Array, k: int) -> bool:
    """Whether the subdiagonal entry ``h[k, k-1]`` is below the rounding of its neighbours."""
    scale = abs(h[k, k]) + abs(h[k - 1, k - 1])
    if scale == 0.0:
        scale = np.abs(h).sum()
    return bool(abs(h[k, k - 1]) <= _EPS * scale)


def _deflation_point(h: Array, lo: int, hi: int) -> int:
    """The start of the unreduced block that ends at ``hi`` (zeroing the subdiagonal entry
    that separates it)."""
    for k in range(hi, lo, -1):
        if _negligible(h, k):
            h[k, k - 1] = 0.0
            return k
    return lo


def _iterate(h: Array, z: Array, step: Any, blocks: bool) -> None:
    """Shifted QR steps (``step(h, z, lo, hi, exceptional)``) on the unreduced block that ends
    at ``hi``, deflating as its last subdiagonal entry (or, with ``blocks``, the one above a
    2 x 2 block, then standardised) becomes negligible; nan if it does not converge."""
    n = h.shape[0]
    hi, stalled = n - 1, 0
    while hi > 0:
        lo = _deflation_point(h, 0, hi)
        if lo == hi:
            hi, stalled = hi - 1, 0
        elif blocks and lo == hi - 1:
            _standardise(h, z, hi - 1)
            hi, stalled = hi - 2, 0
        elif stalled > 30 * n:
            h[:] = np.nan
            return
        else:
            stalled += 1
            step(h, z, lo, hi, stalled % 11 == 10)  # now and then an exceptional shift


def _complex_step(h: Array, z: Array, lo: int, hi: int, exceptional: bool) -> None:
    """One single-shift QR step on ``h[lo:hi+1, lo:hi+1]`` by Givens rotations."""
    a, b, c, d = h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi]
    if exceptional:
        mu = d + abs(c)
    else:  # Wilkinson's: the eigenvalue of the trailing 2 x 2 block nearer to d
        half = (a - d) / 2
        root = np.sqrt(half * half + b * c)
        mu = d + half - root if abs(half - root) < abs(half + root) else d + half + root
    x, y = h[lo, lo] - mu, h[lo + 1, lo]
    for k in range(lo, hi):
        r = np.hypot(abs(x), abs(y))
        if r == 0.0:
            cos, sin = 1.0, 0.0j
        elif x == 0:
            cos, sin = 0.0, np.conj(y) / abs(y)
        else:
            cos, sin = abs(x) / r, (x / abs(x)) * np.conj(y) / r
        rot = np.array([[cos, sin], [-np.conj(sin), cos]])
        first = max(k - 1, 0)
        h[k : k + 2, first:] = rot @ h[k : k + 2, first:]
        last = min(k + 3, hi + 1)
        h[:last, k : k + 2] = h[:last, k : k + 2] @ rot.conj().T
        z[:, k : k + 2] = z[:, k : k + 2] @ rot.conj().T
        if k < hi - 1:
            x, y = h[k + 1, k], h[k + 2, k]


def _reflector(x: Array) -> tuple[Array, float]:
    """A unit vector ``v`` and ``beta = 2`` with ``(I - beta v v^T) x`` a multiple of e1
    (``beta = 0`` when ``x`` is already one)."""
    alpha = np.linalg.norm(x)
    if alpha == 0.0 or (x[1:] == 0).all():
        return x, 0.0
    v = x.copy()
    v[0] += np.copysign(alpha, x[0])
    return v / np.linalg.norm(v), 2.0


def _real_step(h: Array, z: Array, lo: int, hi: int, exceptional: bool) -> None:
    """One Francis double-shift QR step on ``h[lo:hi+1, lo:hi+1]`` by 3 x 3 reflectors."""
    if exceptional:  # as EISPACK's hqr
        s = abs(h[hi, hi - 1]) + abs(h[hi - 1, hi - 2])
        trace, det = 1.5 * s, s * s
    else:
        a, b, c, d = h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi]
        trace, det = a + d, a * d - b * c
    # The first column of (H - s1)(H - s2), then the bulge chased down by reflectors.
    x = h[lo, lo] * h[lo, lo] + h[lo, lo + 1] * h[lo + 1, lo] - trace * h[lo, lo] + det
    y = h[lo + 1, lo] * (h[lo, lo] + h[lo + 1, lo + 1] - trace)
    w = h[lo + 1, lo] * h[lo + 2, lo + 1]
    for k in range(lo, hi - 1):
        v, beta = _reflector(np.array([x, y, w]))
        if beta:
            first = max(k - 1, lo)
            h[k : k + 3, first:] -= beta * np.outer(v, v @ h[k : k + 3, first:])
            last = min(k + 4, hi + 1)
            h[:last, k : k + 3] -= beta * np.outer(h[:last, k : k + 3] @ v, v)
            z[:, k : k + 3] -= beta * np.outer(z[:, k : k + 3] @ v, v)
        x, y = h[k + 1, k], h[k + 2, k]
        w = h[k + 3, k] if k < hi - 2 else 0.0
    v, beta = _reflector(np.array([x, y]))
    if beta:
        h[hi - 1 : hi + 1, hi - 2 :] -= beta * np.outer(v, v @ h[hi - 1 : hi + 1, hi - 2 :])
        h[: hi + 1, hi - 1 : hi + 1] -= beta * np.outer(h[: hi + 1, hi - 1 : hi + 1] @ v, v)
        z[:, hi - 1 : hi + 1] -= beta * np.outer(z[:, hi - 1 : hi + 1] @ v, v)
    for k in range(lo + 2, hi + 1):  # rounding left below the subdiagonal
        h[k, lo : k - 1] = 0.0


def _sign(x: float) -> float:
    return -1.0 if x < 0 else 1.0  # Fortran's SIGN(1, x): +1 at zero


def _lanv2(a: float, b: float, c: float, d: float) -> tuple[float, ...]:
    """LAPACK's ``dlanv2``: the standard form ``(a, b, c, d)`` of a real 2 x 2 block and the
    rotation ``(cs, sn)`` that takes it there (upper triangular when the eigenvalues are
    real; equal diagonal and off-diagonal entries of opposite signs when complex)."""
    if c == 0.0:
        return a, b, c, d, 1.0, 0.0
    if b == 0.0:
        return d, -c, 0.0, a, 0.0, 1.0
    if a == d and _sign(b) != _sign(c):
        return a, b, c, d, 1.0, 0.0
    p = 0.5 * (a - d)
    bcmax, bcmis = max(abs(b), abs(c)), min(abs(b), abs(c)) * _sign(b) * _sign(c)
    scale = max(abs(p), bcmax)
    zz = (p / scale) * p + (bcmax / scale) * bcmis
    if zz >= 4.0 * _EPS:  # real eigenvalues
        zz = p + _sign(p) * np.sqrt(scale) * np.sqrt(zz)
        tau = float(np.hypot(c, zz))
        return d + zz, b - c, 0.0, d - (bcmax / zz) * bcmis, zz / tau, c / tau
    sigma = b + c  # complex or nearly equal eigenvalues: make the diagonal equal
    tau = float(np.hypot(sigma, a - d))
    cs = np.sqrt(0.5 * (1.0 + abs(sigma) / tau))
    sn = -(p / (tau * cs)) * _sign(sigma)
    aa, bb, cc, dd = a * cs + b * sn, -a * sn + b * cs, c * cs + d * sn, -c * sn + d * cs
    a, b, c, d = aa * cs + cc * sn, bb * cs + dd * sn, -aa * sn + cc * cs, -bb * sn + dd * cs
    mean = 0.5 * (a + d)
    a = d = mean
    if c != 0.0:
        if b == 0.0:
            b, c, cs, sn = -c, 0.0, -sn, cs
        elif _sign(b) == _sign(c):  # real after all: split into a triangle
            sab, sac = np.sqrt(abs(b)), np.sqrt(abs(c))
            p = _sign(c) * sab * sac
            tau = 1.0 / np.sqrt(abs(b + c))
            a, d, b, c = mean + p, mean - p, b - c, 0.0
            cs1, sn1 = sab * tau, sac * tau
            cs, sn = cs * cs1 - sn * sn1, cs * sn1 + sn * cs1
    return a, b, c, d, cs, sn


def _standardise(h: Array, z: Array, k: int) -> None:
    """Rotate the 2 x 2 diagonal block of ``h`` at ``k`` into :func:`_lanv2`'s form."""
    a, b, c, d, cs, sn = _lanv2(*(float(v) for v in h[k : k + 2, k : k + 2].ravel()))
    rot = np.array([[cs, sn], [-sn, cs]])
    h[k : k + 2, k + 2 :] = rot @ h[k : k + 2, k + 2 :]
    h[:k, k : k + 2] = h[:k, k : k + 2] @ rot.T
    z[:, k : k + 2] = z[:, k : k + 2] @ rot.T
    h[k : k + 2, k : k + 2] = [[a, b], [c, d]]


def _to_complex(t: Array, z: Array) -> tuple[Array, Array]:
    """The complex Schur form from the real one: each 2 x 2 block made triangular by a complex
    rotation (SciPy's ``rsf2csf``), real eigenvalues staying exactly real."""
    t, z = t.astype(np.complex128), z.astype(np.complex128)
    for m in range(t.shape[0] - 1, 0, -1):
        if t[m, m - 1] != 0:
            mu = np.linalg.eigvals(t[m - 1 : m + 1, m - 1 : m + 1]) - t[m, m]
            r = np.hypot(abs(mu[0]), abs(t[m, m - 1]))
            c, s = mu[0] / r, t[m, m - 1] / r
            rot = np.array([[np.conj(c), s], [-s, c]])
            t[m - 1 : m + 1, m - 1 :] = rot @ t[m - 1 : m + 1, m - 1 :]
            t[: m + 1, m - 1 : m + 1] = t[: m + 1, m - 1 : m + 1] @ rot.conj().T
            z[:, m - 1 : m + 1] = z[:, m - 1 : m + 1] @ rot.conj().T
        t[m, m - 1] = 0.0
    return t, z


def _schur_one(a: Array, output: str) -> tuple[Array, Array]:
    real = a.dtype.kind != "c"
    h = np.array(a, np.float64 if real else np.complex128)
    z = np.eye(h.shape[0], dtype=h.dtype)
    _hessenberg(h, z)
    if not real:
        _iterate(h, z, _complex_step, blocks=False)
        return np.triu(h), z
    _iterate(h, z, _real_step, blocks=True)
    return (h, z) if output == "real" else _to_complex(h, z)


def schur_kernel(a: Any, *, output: str) -> list[Array]:
    """``[t, z]`` of each matrix in the last two axes of ``a``."""
    a = np.asarray(a)
    real = output == "real" and a.dtype.kind != "c"
    dtype = np.result_type(a.dtype, np.float32 if real else np.complex64)
    n = a.shape[-1]
    t = np.empty(a.shape, dtype)
    z = np.empty(a.shape, dtype)
    flat_a, flat_t, flat_z = a.reshape(-1, n, n), t.reshape(-1, n, n), z.reshape(-1, n, n)
    for i in range(flat_a.shape[0]):
        flat_t[i], flat_z[i] = _schur_one(flat_a[i], output)
    return [t, z]


def schur(a: Any, *, output: str = "real") -> list[Any]:
    """``[t, z]``: the Schur form ``t`` and unitary ``z`` of each matrix, ``a = z t z^H``.

    >>> t, z = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> t
    array([[1., 2.],
           [0., 3.]])
    """
    return list(schur_p.bind(a, output=output))


def _schur_abstract_eval(a: ShapedArray, *, output: str) -> list[ShapedArray]:
    matrix_aval("schur", a, square=True)
    complex_out = output == "complex" or a.dtype.kind == "c"
    dtype = np.result_type(a.dtype, np.complex64 if complex_out else np.float32)
    out = ShapedArray(a.shape, dtype)
    return [out, out]


def _schur_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, output: str) -> tuple[Any, Any]:
    t, z = schur(primals[0], output=output)
    if type(tangents[0]) is not Zero:
        raise NotImplementedError(
            "Differentiation rule for 'schur' not implemented (as in JAX: the Schur form is "
            "not unique, and neither jax.scipy.linalg.schur nor sqrtm has a derivative)."
        )
    return [t, z], [Zero.like_primal(get_aval(t)), Zero.like_primal(get_aval(z))]


schur_p = Primitive("schur", multiple_results=True)
schur_p.def_impl(schur_kernel)
schur_p.def_abstract_eval(_schur_abstract_eval)
schur_p.def_jvp(_schur_jvp)
stack_batch(schur_p)
