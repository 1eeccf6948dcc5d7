"""The Threefry-2x32 hash (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
SC 2011; 20 rounds, as JAX uses it) as the primitive ``threefry2x32_p``, and the two ways
JAX feeds it counters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray
from tracegrad.core.primitive import BatchRule
from tracegrad.ops.combinators import defbroadcasting
from tracegrad.ops.rules import broadcast_shapes, defjvp_zero

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)  # the Skein key-schedule constant


def threefry2x32(k1: Any, k2: Any, x1: Any, x2: Any) -> list[Any]:
    """The Threefry-2x32 hash of the counter pairs ``(x1, x2)`` under the key ``(k1, k2)``,
    all ``uint32`` arrays that broadcast together; two ``uint32`` arrays of their shape.

    Known answer from the Random123 test vectors (key and counter all ones):

    >>> ones = np.uint32(0xFFFFFFFF)
    >>> [hex(int(v)) for v in threefry2x32(ones, ones, ones, ones)]
    ['0x1cb996fc', '0xbb002be7']
    """
    return threefry2x32_p.bind(k1, k2, x1, x2)  # type: ignore[no-any-return]


def _rotate_left(v: np.ndarray, r: int) -> np.ndarray:
    return np.asarray((v << np.uint32(r)) | (v >> np.uint32(32 - r)))


def _threefry2x32_impl(k1: Any, k2: Any, x1: Any, x2: Any) -> list[np.ndarray]:
    with np.errstate(over="ignore"):  # unsigned arithmetic wraps modulo 2**32, as intended
        return _hash(k1, k2, x1, x2)


def _hash(k1: Any, k2: Any, x1: Any, x2: Any) -> list[np.ndarray]:
    k1, k2, x1, x2 = np.broadcast_arrays(*(np.asarray(a, np.uint32) for a in (k1, k2, x1, x2)))
    keys = (k1, k2, k1 ^ k2 ^ _PARITY)
    a, b = x1 + keys[0], x2 + keys[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            a = a + b
            b = _rotate_left(b, r) ^ a
        a = a + keys[(i + 1) % 3]
        b = b + keys[(i + 2) % 3] + np.uint32(i + 1)
    return [a, b]


def _threefry2x32_abstract_eval(*avals: ShapedArray) -> list[ShapedArray]:
    if any(a.dtype != np.uint32 for a in avals):
        listed = ", ".join(a.dtype.name for a in avals)
        raise DTypeError(
            f"Arguments to threefry2x32 must have uint32 type, got {listed}. "
            "Convert keys and counters with astype(np.uint32)."
        )
    shape = broadcast_shapes("threefry2x32", *(a.shape for a in avals))
    return [ShapedArray(shape, np.dtype(np.uint32))] * 2


threefry2x32_p = Primitive("threefry2x32", multiple_results=True)
threefry2x32_p.def_impl(_threefry2x32_impl)
threefry2x32_p.def_abstract_eval(_threefry2x32_abstract_eval)
defjvp_zero(threefry2x32_p)  # integer outputs: nothing to differentiate
defbroadcasting(threefry2x32_p)
_broadcast_batch = cast(BatchRule, threefry2x32_p.batch)


def _threefry2x32_batch(
    args: Sequence[Any], dims: Sequence[int | None]
) -> tuple[list[Any], list[int]]:
    outs, dim = _broadcast_batch(args, dims)
    return outs, [dim, dim]


threefry2x32_p.def_batch(_threefry2x32_batch)


# ---- counters -----------------------------------------------------------------------
def iota_2x32(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The row-major index of every position of ``shape`` as a 64-bit counter split into
    (high, low) ``uint32`` words: JAX's counters for ``split`` and ``bits``.

    >>> iota_2x32((2, 2))[1]
    array([[0, 1],
           [2, 3]], dtype=uint32)
    """
    index = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
    return (index >> np.uint64(32)).astype(np.uint32), index.astype(np.uint32)
