"""``tnp.at(x)[i].set/add/min/max`` on concrete arrays takes NumPy's fast path where it can
(integers, slices and integer arrays in bounds): it must give what the general path (the
scatter primitives, run under jit) gives, value and dtype, for every index and mode."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp

SHAPE = (4, 5)


@st.composite
def index_entries(draw: Any) -> Any:
    def entry(n: int) -> Any:
        kind = draw(st.sampled_from(["int", "slice", "array", "all"]))
        if kind == "int":
            return draw(st.integers(-n - 1, n))  # out of bounds too
        if kind == "slice":
            start = draw(st.none() | st.integers(-n, n))
            stop = draw(st.none() | st.integers(-n, n))
            step = draw(st.none() | st.sampled_from([1, 2, -1]))
            return slice(start, stop, step)
        if kind == "array":
            size = draw(st.integers(1, 4))
            values = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
            return np.array(values)  # repeats likely
        return slice(None)

    first = entry(SHAPE[0])
    if draw(st.booleans()):
        return first
    return (first, entry(SHAPE[1]))


@given(
    index=index_entries(),
    op=st.sampled_from(["set", "add", "min", "max", "subtract"]),
    mode=st.sampled_from([None, "clip", "drop"]),
    dtype=st.sampled_from([np.float64, np.float32, np.int32]),
    seed=st.integers(0, 2**16),
)
def test_fast_path_matches_the_scatter_path(
    index: Any, op: str, mode: Any, dtype: Any, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(SHAPE) * 10).astype(dtype)
    try:
        target = np.empty(SHAPE)[index]
    except IndexError:
        target = np.empty(())  # out of bounds: the values broadcast whatever their shape
    values = (rng.standard_normal(np.shape(target)) * 10).tolist() if rng.random() < 0.7 else 2.5

    def update(a: Any) -> Any:
        return getattr(tnp.at(a)[index], op)(values, mode=mode)

    try:
        general = tg.jit(update)(x)
    except Exception as e:  # the general path's typed error: the fast path raises it too
        try:
            update(x)
        except type(e):
            return
        raise AssertionError(f"jit raised {e!r}, eager did not") from e
    fast = update(x)
    assert type(fast) is np.ndarray and fast.dtype == general.dtype
    np.testing.assert_array_equal(fast, general)
    assert not np.shares_memory(fast, x)
