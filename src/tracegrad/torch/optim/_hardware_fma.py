"""Hardware fused multiply-adds over whole arrays, where NumPy's world has them: PyTorch's
kernels of ``add(alpha=)``, ``lerp`` and ``addcmul`` round ``a + x * y`` once (an FMA
instruction), and these compute it with the same instruction in one or a few passes instead
of the emulation's seven.

- BLAS's ``axpy`` (``y += alpha * x``, a scalar multiplier), as SciPy's OpenBLAS computes
  it on CPUs with FMA instructions (:func:`axpy_`).
- NumPy's complex multiply, whose vectorised loop computes the real part
  ``zr * wr - zi * wi`` as ``fma(zr, wr, -(zi * wi))``, the second product rounded first
  (AVX2's and AVX-512's ``fmaddsub``): with ``z = y + i a`` and ``w = x - i s`` that is
  ``s * a`` rounded, plus ``x * y``, rounded once: PyTorch's ``a.mul_(s).addcmul_(x, y)``
  (:func:`cmul_fma_`).

Nothing promises either result, so each route is checked once per process before it is
trusted: at every length up to well past the widest vector loop, at several alignments, and
on long arrays, it must round ``(1 + u) + ((1 - u) * u / 2) * (1 + u)`` (``u`` the dtype's
epsilon) back to ``1 + u``, signs mixed. A multiply then add, and a sum computed in a wider
type and rounded again, both land on ``1 + 2u`` or ``1`` there. The complex route must
also round the scaled addend first: ``(1 - u/2) * (1 + u)`` rounds to 1, plus ``u/2`` (a
tie, to even) is 1, where the sum rounded once would be ``1 + u``. Where a route is missing
(no SciPy, a CPU without FMA, NumPy's scalar loop) or the check fails, callers emulate.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.torch.optim._workspace import Workspace

Array = np.ndarray[Any, Any]
Run = Callable[[Array, Any, Array], None]  # out += alpha * y, over 1-d arrays

_BLAS = {np.dtype(np.float32): "saxpy", np.dtype(np.float64): "daxpy"}
_COMPLEX: dict[np.dtype[Any], np.dtype[Any]] = {
    np.dtype(np.float32): np.dtype(np.complex64),
    np.dtype(np.float64): np.dtype(np.complex128),
}
# A complex64 read as a uint64 holds its real part in the low half on a little-endian
# machine: a truncating cast takes the real parts out in one vectorised pass (a strided
# copy of ``.real`` takes twice as long; complex128 has no integer that wide). The dtype
# whose results leave that way (None on a big-endian machine).
_TRUNCATE_TO_REAL = np.dtype(np.float32) if sys.byteorder == "little" else None
# OpenBLAS runs axpy on several threads above 10,000 entries: on a busy machine its threads
# spin and take the CPU from the caller (a 200k-entry call cost milliseconds of process time
# instead of 25 us), so arrays go through in chunks it runs on the calling thread, unless it
# has one thread (:func:`_blas_chunk`).
CHUNK = 8192
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
# NumPy multiplies a single complex number in its scalar loop, unfused: the complex route
# is for arrays of at least this many entries (much shorter ones cost little emulated).
MIN_COMPLEX = 16
_LENGTHS = (*range(1, 161), CHUNK - 1, CHUNK, 3 * CHUNK + 5)  # tails, vector loops, chunks


def axpy_(out: Array, a: Array, alpha: Any, y: Array) -> bool:
    """``out[...] = a + alpha * y`` rounded once per entry (``out`` may be ``a``), if a fused
    BLAS routine is at hand and the arrays suit it (one dtype and shape, C-contiguous, ``y``
    not overlapping ``out``); returns False, ``out`` untouched, otherwise.

    >>> u = 2.0**-23
    >>> a = np.full(3, 1 + u, np.float32)
    >>> out = np.empty_like(a)
    >>> if axpy_(out, a, (1 - u) * u / 2, a):  # otherwise the caller emulates
    ...     assert (out == a).all()
    """
    dtype, shape = out.dtype, out.shape
    routine = _blas(dtype)
    if (
        routine is None
        or a.dtype != dtype
        or y.dtype != dtype
        or a.shape != shape
        or y.shape != shape
        or not (out.flags.c_contiguous and y.flags.c_contiguous and out.flags.writeable)
        or np.may_share_memory(out, y)
    ):
        return False
    if a is not out:
        np.copyto(out, a)
    routine(out.reshape(-1), out.dtype.type(alpha), y.reshape(-1))
    return True


def cmul_fma_(
    out: Array,
    a: Array,
    x: Any,
    y: Array,
    ws: Workspace | None = None,
    scales: tuple[Any, Any] = (None, None),
) -> bool:
    """``out[...] = a + x * y`` rounded once per entry (``x`` an array or a scalar; any of
    them may be ``out``), through NumPy's complex multiply, if it is fused here and the
    operands suit it (arrays of ``out``'s dtype, float32 or float64, broadcasting to its
    shape, at least ``MIN_COMPLEX`` entries; ``x`` may be a scalar); returns False, ``out``
    untouched, otherwise. ``scales`` (scalars of ``out``'s dtype, or None) first multiply
    ``a`` and ``x``, rounded (``a.mul_(s).addcmul_(b, c, value=v)``): ``x``'s in the pass
    that gathers it, ``a``'s in the complex multiply.

    >>> u = 2.0**-23
    >>> a = np.full(20, 1 + u, np.float32)
    >>> out = np.empty_like(a)
    >>> if cmul_fma_(out, a, np.full(20, (1 - u) * u / 2, np.float32), a):
    ...     assert (out == a).all()
    """
    dtype = out.dtype
    if (
        dtype not in _COMPLEX
        or out.size < MIN_COMPLEX
        or not (isinstance(a, np.ndarray) and a.dtype == dtype)
        or not (isinstance(y, np.ndarray) and y.dtype == dtype)
        or not (x.dtype == dtype if isinstance(x, np.ndarray) else is_scalar(x))
        or not _complex_fused(dtype)
    ):
        return False
    _complex_fma(out, a, x, y, Workspace() if ws is None else ws, scales)
    return True


def _complex_fma(
    out: Array, a: Array, x: Any, y: Array, ws: Workspace, scales: tuple[Any, Any]
) -> None:
    """:func:`cmul_fma_` without its checks: ``(y + i a) (x - i s)``, whose real part is
    ``fma(y, x, s * a rounded)``. Three passes gather the operands (a cast, one strided copy
    each for ``a`` and ``x``; ``-s`` stays in the second operand from call to call, written
    again when ``s`` changes), then the multiply and a truncating cast out."""
    dtype = out.dtype
    cdtype = _COMPLEX[dtype]
    s = 1.0 if scales[0] is None else float(dtype.type(scales[0]))
    lhs = ws.take("complex", out.shape, cdtype)  # y + i a
    rhs = ws.take("complex, -i s", out.shape, cdtype, fill=complex(0, -s))  # x - i s
    np.copyto(lhs, y)  # a cast: the imaginary parts 0
    np.copyto(lhs.imag, a)
    if scales[1] is None:
        np.copyto(rhs.real, x, casting="unsafe")  # a Python scalar rounded as in opmath
    else:
        np.multiply(x, scales[1], out=rhs.real, casting="unsafe")
    _complex_multiply(lhs, rhs)
    if dtype is _TRUNCATE_TO_REAL:
        np.copyto(out.view(np.uint32), lhs.view(np.uint64), casting="unsafe")
    else:
        np.copyto(out, lhs.real)


def is_scalar(v: Any) -> bool:
    """Whether ``v`` is 0-d (a Python number, a NumPy scalar or a 0-d array)."""
    return getattr(v, "ndim", 0) == 0  # np.ndim converts a Python float to an array first


def _complex_multiply(lhs: Array, rhs: Array) -> None:
    with np.errstate(all="ignore"):  # the imaginary parts are scratch
        np.multiply(lhs, rhs, out=lhs)


def _blas_chunk() -> int:
    """The most entries per ``axpy`` call: all of them if OpenBLAS runs on one thread (it
    reads the first of these variables that is set to a positive number when it loads, and
    otherwise takes every core the process may use), else ``CHUNK``."""
    for name in _THREAD_VARIABLES:
        value = os.environ.get(name, "")
        if value.strip().isdigit() and int(value) > 0:
            return sys.maxsize if int(value) == 1 else CHUNK
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count()
    return sys.maxsize if cores == 1 else CHUNK


def _blas_run(routine: Callable[..., Array], chunk: int = CHUNK) -> Run:
    def run(out: Array, alpha: Any, y: Array) -> None:
        for start in range(0, out.size, chunk):
            n = min(chunk, out.size - start)
            result = routine(y, out, n, alpha, start, 1, start, 1)  # n a offx incx offy incy
            if result is not out:  # SciPy writes in place when it need not copy
                np.copyto(out[start : start + n], result[start : start + n])

    return run


def _complex_run(out: Array, alpha: Any, y: Array) -> None:
    _complex_fma(out, out, alpha, y, Workspace(), (None, None))


@functools.cache
def _blas(dtype: np.dtype[Any]) -> Run | None:
    name = _BLAS.get(dtype)
    if name is None:
        return None
    try:
        routine = getattr(importlib.import_module("scipy.linalg.blas"), name)
    except ImportError:
        return None
    run = _blas_run(routine, _blas_chunk())
    return run if rounds_once(run, dtype) else None


@functools.cache
def _complex_fused(dtype: np.dtype[Any]) -> bool:
    return rounds_once(_complex_run, dtype, min_length=MIN_COMPLEX) and _scaled_first(dtype)


def _scaled_first(dtype: np.dtype[Any]) -> bool:
    """Whether the complex route rounds ``s * a`` before adding ``x * y`` (as PyTorch's
    ``mul_`` then ``addcmul_``), not the whole sum once."""
    u = float(np.finfo(dtype).eps)
    n = 3 * MIN_COMPLEX + 5
    out = np.empty(n, dtype)
    a, x, y = np.full(n, 1 + u, dtype), np.ones(n, dtype), np.full(n, u / 2, dtype)
    _complex_fma(out, a, x, y, Workspace(), (1 - u / 2, None))
    return bool((out == 1).all())


def rounds_once(run: Run, dtype: np.dtype[Any], min_length: int = 1) -> bool:
    """Whether ``run`` (``out += alpha * y``) rounds once on the tie cases, at every length
    of ``_LENGTHS`` from ``min_length`` on."""
    u = float(np.finfo(dtype).eps)
    alpha = dtype.type((1 - u) * u / 2)
    signs = np.random.default_rng(0).choice([-1.0, 1.0], (2, max(_LENGTHS) + 3))
    a_all, y_all = (signs * (1 + u)).astype(dtype)
    for n in _LENGTHS:
        if n < min_length:
            continue
        i, j = n % 4, n // 4 % 4  # the starts' alignments
        out = a_all[: i + n].copy()[i:]
        run(out, alpha, y_all[j : j + n])
        if not np.array_equal(out, a_all[i : i + n]):
            return False
    return True
