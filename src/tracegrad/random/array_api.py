"""The array-API implementation of ``threefry2x32`` (the Threefry hash behind every key and
random bit of ``tracegrad.random``): uint32 arithmetic, which wraps modulo 2**32 as the
NumPy implementation's, so its values exactly. ``ops/array_api.py`` loads this table with
its own (by name: ``tracegrad.random`` is a layer above ``ops``).
"""

from __future__ import annotations

from typing import Any

from tracegrad.backend.namespace import NamespaceRule
from tracegrad.core import Primitive
from tracegrad.random import threefry


def _threefry2x32(xp: Any, *args: Any) -> list[Any]:
    """``random.threefry._hash`` with ``xp``: uint32 arithmetic wraps modulo 2**32."""

    def u32(v: int) -> Any:
        return xp.asarray(v, dtype=xp.uint32)

    k1, k2, x1, x2 = xp.broadcast_arrays(*(xp.astype(a, xp.uint32) for a in args))
    keys = (k1, k2, k1 ^ k2 ^ u32(int(threefry._PARITY)))
    a, b = x1 + keys[0], x2 + keys[1]
    for i in range(5):
        for r in threefry._ROTATIONS[i % 2]:
            a = a + b
            b = ((b << u32(r)) | (b >> u32(32 - r))) ^ a
        a = a + keys[(i + 1) % 3]
        b = b + keys[(i + 2) % 3] + u32(i + 1)
    return [a, b]


THREEFRY_RULES: dict[Primitive, NamespaceRule] = {threefry.threefry2x32_p: _threefry2x32}
