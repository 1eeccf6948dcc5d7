"""tnp.convolve / tnp.correlate: values against NumPy in every mode, length order and dtype
(traced, so the primitive path runs), derivatives to order 2, and NumPy's errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.test_util import check_grads

LENGTHS = [(5, 3), (6, 3), (5, 4), (3, 5), (3, 6), (4, 4), (1, 3), (2, 7), (1, 1)]


def _draw(n: int, complex_: bool, rng: Any) -> Any:
    x = rng.normal(size=n)
    return x + 1j * rng.normal(size=n) if complex_ else x


@pytest.mark.parametrize(("n", "m"), LENGTHS)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_values_against_numpy(n: int, m: int, name: str) -> None:
    rng = np.random.default_rng(n * 10 + m)
    for complex_, mode in itertools.product([False, True], ["full", "same", "valid"]):
        a, v = _draw(n, complex_, rng), _draw(m, complex_, rng)
        ours = tg.jit(lambda a, v, f=getattr(tnp, name): f(a, v, mode))(a, v)
        np.testing.assert_allclose(
            ours,
            getattr(np, name)(a, v, mode),
            atol=1e-12,
            err_msg=f"{name} {mode} complex={complex_}",
        )


def test_dtypes_and_default_modes() -> None:
    ints = tg.jit(lambda a: tnp.convolve(a, np.array([1, 1])))(np.array([1, 2, 3]))
    assert ints.dtype == np.int64 and ints.tolist() == [1, 3, 5, 3]
    f32 = np.ones(4, np.float32)
    assert tg.jit(tnp.correlate)(f32, f32).dtype == np.float32
    assert tg.jit(tnp.correlate)(f32, f32).shape == (1,)  # 'valid' by default, as NumPy


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_derivatives(mode: str) -> None:
    rng = np.random.default_rng(0)
    a, v = rng.normal(size=6), rng.normal(size=3)
    check_grads(lambda a, v: tnp.convolve(a, v, mode), (a, v), order=2)
    check_grads(lambda a, v: tnp.correlate(v, a, mode), (a, v), order=2)


def test_errors_as_numpy() -> None:
    with pytest.raises(ValueError, match="v cannot be empty"):
        tg.jit(tnp.convolve)(np.ones(3), np.ones(0))
    with pytest.raises(ValueError, match="mode must be one of"):
        tg.jit(lambda a: tnp.correlate(a, a, "bad"))(np.ones(3))
    with pytest.raises(ValueError, match="1-dimensional"):
        tg.jit(tnp.convolve)(np.ones((2, 2)), np.ones(2))
