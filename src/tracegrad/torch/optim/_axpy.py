"""A hardware fused multiply-add over whole arrays, where NumPy's world has one: BLAS's
``axpy`` (``y += alpha * x``), as SciPy's OpenBLAS computes it on CPUs with FMA instructions,
rounds each ``y + alpha * x`` once. That is PyTorch's ``add(alpha=)`` and ``lerp`` kernel
arithmetic for a scalar multiplier, in one pass instead of the emulation's seven.

Nothing in BLAS promises a fused result, so each routine is checked once per process before
it is trusted: at every position of every length up to well past the widest vector loop, at
every alignment, and on one long (threadable) array, it must round
``(1 + u) + ((1 - u) * u / 2) * (1 + u)`` (``u`` the dtype's epsilon) back to ``1 + u``, signs
mixed. A float multiply then add, and a sum computed in a wider type and rounded again, both
land on ``1 + 2u`` or ``1`` there. Without SciPy, or where the check fails, callers emulate.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

_ROUTINES = {np.dtype(np.float32): "saxpy", np.dtype(np.float64): "daxpy"}
# OpenBLAS runs axpy on several threads above 10,000 entries: on a busy machine its threads
# spin and take the CPU from the caller (a 200k-entry call cost milliseconds of process time
# instead of 25 us), so arrays go through in chunks it runs on the calling thread.
CHUNK = 8192
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
    routine = _routine(out.dtype)
    if (
        routine is None
        or not all(v.dtype == out.dtype and v.shape == out.shape for v in (a, y))
        or not (out.flags.c_contiguous and y.flags.c_contiguous and out.flags.writeable)
        or np.may_share_memory(out, y)
    ):
        return False
    if a is not out:
        np.copyto(out, a)
    _run(routine, out.reshape(-1), out.dtype.type(alpha), y.reshape(-1))
    return True


def _run(routine: Callable[..., Array], out: Array, alpha: Any, y: Array) -> None:
    """``out += alpha * y`` over 1-d arrays, by the chunk."""
    for start in range(0, out.size, CHUNK):
        n = min(CHUNK, out.size - start)
        result = routine(y, out, n=n, a=alpha, offx=start, offy=start)
        if result is not out:  # SciPy writes in place when it need not copy
            np.copyto(out[start : start + n], result[start : start + n])


@functools.cache
def _routine(dtype: np.dtype[Any]) -> Callable[..., Array] | None:
    name = _ROUTINES.get(dtype)
    if name is None:
        return None
    try:
        routine: Callable[..., Array] = getattr(importlib.import_module("scipy.linalg.blas"), name)
    except ImportError:
        return None
    return routine if _rounds_once(routine, dtype) else None


def _rounds_once(routine: Callable[..., Array], dtype: np.dtype[Any]) -> bool:
    u = float(np.finfo(dtype).eps)
    alpha = dtype.type((1 - u) * u / 2)
    signs = np.random.default_rng(0).choice([-1.0, 1.0], (2, max(_LENGTHS) + 3))
    a_all, y_all = (signs * (1 + u)).astype(dtype)
    for n in _LENGTHS:
        i, j = n % 4, n // 4 % 4  # the starts' alignments
        out = a_all[: i + n].copy()[i:]
        _run(routine, out, alpha, y_all[j : j + n])
        if not np.array_equal(out, a_all[i : i + n]):
            return False
    return True
