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
            shape = draw(st.sampled_from([(1,), (3,), (4,), (2, 2), (1, 3)]))
            size = int(np.prod(shape))
            values = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
            return np.array(values).reshape(shape)  # repeats likely
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
    draw_shape = rng.choice(["full", "last", "scalar"])
    shape = {"full": np.shape(target), "last": np.shape(target)[-1:], "scalar": ()}[draw_shape]
    values = (rng.standard_normal(shape) * 10).tolist() if shape else 2.5

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


def test_values_broadcast_over_a_2d_index_array() -> None:
    # Found by the JAX differential suite: NumPy 2.4's ufunc.at misapplies values that it
    # broadcasts over a 2-D index array; positions repeat across the index's rows.
    x = np.zeros(3)
    idx = np.array([[2, -2], [-1, 1]])
    u = np.array([10.0, 20.0])
    for op in ("add", "subtract", "min", "max", "set"):
        fast = getattr(tnp.at(x)[idx], op)(u)
        general = tg.jit(lambda a, op=op: getattr(tnp.at(a)[idx], op)(u))(x)
        np.testing.assert_array_equal(fast, general, err_msg=op)
    np.testing.assert_array_equal(tnp.at(x)[idx].add(u), [0.0, 40.0, 20.0])
