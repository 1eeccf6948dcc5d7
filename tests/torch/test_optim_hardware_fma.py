"""BLAS's axpy as the optimizers' fused multiply-add by a scalar (``optim/_axpy.py``): used
only where it rounds once (its check rejects a multiply-then-add and a wider sum rounded
again), bit for bit the NumPy emulation's results across chunk boundaries, and declined
(leaving ``out`` alone) where the arrays do not suit it."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tests.torch.test_optim_fma import exact_fma, midpoint_cases

from tracegrad.torch.optim import _hardware_fma as hw
from tracegrad.torch.optim._hardware_fma import CHUNK, MIN_COMPLEX, axpy_, cmul_fma_
from tracegrad.torch.optim._kernels import Workspace, emulated_fma_, fma_

DTYPES = [np.float32, np.float64]


def fused_routine(dtype: Any) -> Any:
    pytest.importorskip("scipy.linalg.blas")  # the BLAS route is SciPy's
    routine = hw._blas(np.dtype(dtype))
    if routine is None:
        pytest.skip("no BLAS axpy that rounds once here (SciPy missing, or no FMA)")
    return routine


def multiply_then_add(
    y: Any, out: Any, n: int, a: Any, offx: int, _: int, offy: int, __: int
) -> Any:
    out[offy : offy + n] += a * y[offx : offx + n]
    return out


def through_float64(y: Any, out: Any, n: int, a: Any, offx: int, _: int, offy: int, __: int) -> Any:
    wide = out[offy : offy + n].astype(np.float64) + np.float64(a) * y[offx : offx + n]
    out[offy : offy + n] = wide
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_check_rejects_routines_that_round_twice(dtype: Any) -> None:
    assert not hw.rounds_once(hw._blas_run(multiply_then_add), np.dtype(dtype))
    if dtype == np.float32:
        assert not hw.rounds_once(hw._blas_run(through_float64), np.dtype(dtype))


def test_midpoints_round_once_through_blas() -> None:
    fused_routine(np.float32)
    a, x, y = midpoint_cases()
    want = exact_fma(a, x[0], y, np.dtype(np.float32))
    out = np.empty_like(a)
    assert axpy_(out, a, x[0], y)
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 37, CHUNK, 2 * CHUNK + 3])
def test_blas_matches_the_emulation_across_chunks(dtype: Any, n: int) -> None:
    fused_routine(dtype)
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 2.0 ** rng.integers(-30, 30, n)).astype(dtype)
    y = rng.standard_normal(n).astype(dtype)
    alpha = dtype(-0.37)
    want = emulated_fma_(np.empty_like(a), a, alpha, y)
    out = a.copy()
    assert axpy_(out, out, alpha, y)  # in place
    np.testing.assert_array_equal(out, want)
    out = np.empty((n, 1), dtype)  # another array, 2-d
    assert axpy_(out, a.reshape(n, 1), alpha, y.reshape(n, 1))
    np.testing.assert_array_equal(out.ravel(), want)


@pytest.mark.parametrize(
    ("env", "chunk"),
    [
        ({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "4"}, sys.maxsize),
        ({"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}, CHUNK),
        ({"OPENBLAS_NUM_THREADS": "0", "GOTO_NUM_THREADS": "1"}, sys.maxsize),
        ({"OPENBLAS_NUM_THREADS": "many", "OMP_NUM_THREADS": "1"}, sys.maxsize),
        ({"OMP_NUM_THREADS": "8"}, CHUNK),
    ],
)
def test_axpy_goes_whole_when_openblas_has_one_thread(
    env: dict[str, str], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in hw._THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert hw._blas_chunk() == chunk


@pytest.mark.parametrize("chunk", [CHUNK, sys.maxsize])
def test_whole_and_chunked_axpy_agree(chunk: int) -> None:
    fused_routine(np.float32)
    routine = hw._blas_run(pytest.importorskip("scipy.linalg.blas").saxpy, chunk)
    rng = np.random.default_rng(5)
    a, y = rng.standard_normal((2, 3 * CHUNK + 5)).astype(np.float32)
    out = a.copy()
    routine(out, np.float32(-0.37), y)
    np.testing.assert_array_equal(out, emulated_fma_(np.empty_like(a), a, np.float32(-0.37), y))


def test_unsuitable_arrays_are_declined_untouched() -> None:
    fused_routine(np.float32)
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    cases = [
        (a.copy(), a, a.T.copy().T),  # y not C-contiguous
        (a.copy(), a, a.astype(np.float64)),  # another dtype
        (a.copy().T, a.T, a.T),  # out not C-contiguous
        (np.float16(a), np.float16(a), np.float16(a)),  # no half-precision routine
    ]
    for out, addend, y in cases:
        before = out.copy()
        assert not axpy_(out, addend, 0.5, y)
        np.testing.assert_array_equal(out, before)
    out = a.copy()
    assert not axpy_(out[1:], out[1:], 0.5, out[:-1])  # overlapping


def finite32(n: int) -> Any:
    return hnp.arrays(np.float32, n, elements=st.floats(-(2.0**100), 2.0**100, width=32))


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(finite32(n), finite32(n))), finite32(()))
def test_blas_and_emulation_agree_on_drawn_arrays(ay: Any, alpha: Any) -> None:
    fused_routine(np.float32)
    a, y = ay
    alpha = np.float32(alpha) if abs(alpha) > 2.0**-100 else np.float32(0.5)
    with np.errstate(over="ignore"):
        y[::3] = -a[::3] / alpha  # cancellation: the sum far below the product
    want = emulated_fma_(np.empty_like(a), a, alpha, y)
    got = fma_(np.empty_like(a), a, alpha, y)
    np.testing.assert_array_equal(got, want)


# ---- the complex-multiply route (an array multiplier) ------------------------------------------


def complex_fused(dtype: Any) -> None:
    if not hw._complex_fused(np.dtype(dtype)):
        pytest.skip("NumPy's complex multiply does not round once here (no FMA)")


def test_midpoints_round_once_through_complex_multiply() -> None:
    complex_fused(np.float32)
    a, x, y = (np.tile(v, 4) for v in midpoint_cases())  # 28 entries: the vector loop
    want = exact_fma(a, x, y, np.dtype(np.float32))
    out = np.empty_like(a)
    assert cmul_fma_(out, a, x, y)
    np.testing.assert_array_equal(out, want)
    assert cmul_fma_(out, a, x[0], y)  # a scalar multiplier
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [MIN_COMPLEX, 37, 2 * CHUNK + 3])
def test_complex_route_matches_the_emulation(dtype: Any, n: int) -> None:
    complex_fused(dtype)
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 2.0 ** rng.integers(-30, 30, n)).astype(dtype)
    x, y = rng.standard_normal((2, n)).astype(dtype)
    y[::5] = -a[::5] / x[::5]  # cancellation
    ws = Workspace()
    want = emulated_fma_(np.empty_like(a), a, x, y)
    out = np.empty((n, 1), dtype)  # 2-d, broadcast inputs
    assert cmul_fma_(out, a[:, None], x[:, None], y[:, None], ws)
    np.testing.assert_array_equal(out.ravel(), want)
    # a.mul_(0.9).addcmul_(x, y, value=0.3), the scalings rounded as PyTorch rounds them
    scaled_a, scaled_x = a * dtype(0.9), x * dtype(0.3)
    want = emulated_fma_(np.empty_like(a), scaled_a, scaled_x, y)
    out = a.copy()
    assert cmul_fma_(out, out, x, y, ws, (dtype(0.9), dtype(0.3)))  # in place
    np.testing.assert_array_equal(out, want)
    y_out = y.copy()
    assert cmul_fma_(y_out, scaled_a, scaled_x, y_out, ws)  # the output is the multiplicand
    np.testing.assert_array_equal(y_out, want)


def test_complex_route_declines_untouched() -> None:
    complex_fused(np.float32)
    a = np.arange(40, dtype=np.float32)
    cases = [
        (a[: MIN_COMPLEX - 1].copy(), a[: MIN_COMPLEX - 1], a[: MIN_COMPLEX - 1]),  # too short
        (a.copy(), a, a.astype(np.float64)),  # another dtype
        (np.float16(a), np.float16(a), np.float16(a)),  # no half-precision route
    ]
    for out, other, y in cases:
        before = out.copy()
        assert not cmul_fma_(out, other, other, y)
        np.testing.assert_array_equal(out, before)


def multiply_unfused(lhs: Any, rhs: Any) -> None:
    real = lhs.real * rhs.real - lhs.imag * rhs.imag
    lhs.imag = lhs.real * rhs.imag + lhs.imag * rhs.real
    lhs.real = real


def multiply_through_float64(lhs: Any, rhs: Any) -> None:
    lhs[...] = lhs.astype(np.complex128) * rhs  # products exact, sums rounded (twice)


def test_the_complex_check_rejects_an_unfused_multiply(monkeypatch: pytest.MonkeyPatch) -> None:
    complex_fused(np.float32)
    monkeypatch.setattr(hw, "_complex_multiply", multiply_unfused)
    assert not hw._complex_fused.__wrapped__(np.dtype(np.float32))


def test_the_complex_check_wants_the_scaled_addend_rounded_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``a.mul_(s)`` is rounded before ``addcmul_`` adds to it: a multiply that rounds
    ``s * a + x * y`` once (exact in float64 on the check's values) fails the check."""
    complex_fused(np.float32)
    assert hw._scaled_first(np.dtype(np.float32))
    monkeypatch.setattr(hw, "_complex_multiply", multiply_through_float64)
    assert not hw._scaled_first(np.dtype(np.float32))
