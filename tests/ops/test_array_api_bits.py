"""The bit primitives on other libraries' arrays (``ops/array_api_bits.py``): equal to NumPy's
to the bit on ``array_api_strict`` and on Dask, over every integer dtype of the standard,
with out-of-range shift amounts, the extreme integers, and the float exponents of ``frexp``
from subnormals to the largest float."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.ops import elementwise_bits as eb

xs = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")

INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
BINARY: dict[str, Callable[..., Any]] = {
    "shift_left": eb.shift_left,
    "shift_right_arithmetic": eb.shift_right_arithmetic,
    "shift_right_logical": eb.shift_right_logical,
    "population_count": lambda x, s: eb.population_count(x),
    "clz": lambda x, s: eb.clz(x),
    "gcd": lambda x, s: eb.gcd(x, s * 3 + 1),
    "lcm": lambda x, s: eb.lcm(x % 100, s * 7),
}


def same_everywhere(f: Callable[..., Any], *args: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        want = f(*args)
    got = np.asarray(tg.jit(f)(*map(xs.asarray, args)))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    lazy = tg.jit(f)(da.from_array(args[0], chunks=64), *args[1:])
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), want)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtype", INTEGERS, ids=lambda d: np.dtype(d).name)
def test_integer_bit_primitives(name: str, dtype: type) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(7)
    extremes = np.array([0, 1, info.max, info.min, info.max - 1, info.min + 1], dtype)
    x = np.concatenate([rng.integers(info.min, info.max, 200, dtype, endpoint=True), extremes])
    low = -3 if info.min < 0 else 0  # shift amounts out of range on both sides
    s = rng.integers(low, info.bits + 3, x.shape).astype(dtype)
    same_everywhere(BINARY[name], x, s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_frexp_exponent(dtype: type) -> None:
    fi = np.finfo(dtype)
    rng = np.random.default_rng(8)
    scale = 10.0 ** rng.integers(fi.minexp // 4, fi.maxexp // 4, 300)
    below = [np.nextafter(dtype(p), dtype(0)) for p in (1.0, 2.0, 8.0)]
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, fi.max, fi.tiny, fi.smallest_subnormal]
    x = np.concatenate([rng.normal(size=300) * scale, special, below]).astype(dtype)
    same_everywhere(eb.frexp_exponent, x)
