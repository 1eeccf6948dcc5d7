"""The threefry2x32 primitive: known answers, its abstract value, batching and staging."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.core import DTypeError
from tracegrad.random.threefry import iota_2x32, threefry2x32, threefry2x32_p

U32 = np.uint32

# Known-answer vectors of Threefry-2x32 with 20 rounds, from the Random123 distribution
# (kat_vectors, "threefry2x32 20"); JAX's test suite checks the same three.
KNOWN = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]


@pytest.mark.parametrize(("key", "count", "expected"), KNOWN)
def test_known_answers(key: tuple[int, int], count: tuple[int, int], expected: tuple[int, int]):
    out = threefry2x32(U32(key[0]), U32(key[1]), U32(count[0]), U32(count[1]))
    assert [int(v) for v in out] == list(expected)


def test_vectorized_and_broadcasting_match_elementwise():
    rng = np.random.default_rng(0)
    k1, k2 = rng.integers(0, 2**32, (2, 5), dtype=np.uint64).astype(U32)
    x1, x2 = rng.integers(0, 2**32, (2, 3, 5), dtype=np.uint64).astype(U32)
    y1, y2 = threefry2x32(k1, k2, x1, x2)
    assert y1.shape == y2.shape == (3, 5) and y1.dtype == U32
    for i in range(3):
        for j in range(5):
            e1, e2 = threefry2x32(k1[j], k2[j], x1[i, j], x2[i, j])
            assert (y1[i, j], y2[i, j]) == (e1, e2)


def test_jit_vmap_and_abstract_value_agree_with_eager():
    k = np.array([1, 2], U32)
    hi, lo = iota_2x32((4, 3))
    eager = threefry2x32(k[0], k[1], hi, lo)
    staged = tg.jit(lambda k, h, w: threefry2x32(k[0], k[1], h, w))(k, hi, lo)
    assert all(np.array_equal(a, b) for a, b in zip(eager, staged, strict=True))
    keys = np.arange(10, dtype=U32).reshape(5, 2)
    batched = tg.vmap(lambda k: threefry2x32(k[0], k[1], hi, lo))(keys)
    for i, kk in enumerate(keys):
        looped = threefry2x32(kk[0], kk[1], hi, lo)
        assert np.array_equal(batched[0][i], looped[0])
        assert np.array_equal(batched[1][i], looped[1])
    jaxpr = tg.make_jaxpr(lambda a: threefry2x32(a, a, a, a))(np.zeros(3, U32))
    assert "threefry2x32" in str(jaxpr)


def test_refuses_other_dtypes():
    with pytest.raises(DTypeError, match="must have uint32 type"):
        tg.make_jaxpr(lambda a: threefry2x32_p.bind(a, a, a, a))(np.zeros(2, np.int32))


def test_iota_counts_past_32_bits():
    hi, lo = iota_2x32((3,))
    assert hi.tolist() == [0, 0, 0] and lo.tolist() == [0, 1, 2]
