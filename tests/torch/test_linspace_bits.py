"""``torch.linspace`` gives PyTorch's CPU values bit for bit in float32 and float64 (its
kernel counts half the steps up from ``start`` and half down from ``end``, one fused
multiply-add each), so a seeded script that fits ``sin`` on ``linspace`` prints PyTorch's
losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tracegrad.torch as tt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_is_pytorchs_bit_for_bit(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    cases = [(-math.pi, math.pi, 2000), (-1.0, 1.0, 24), (0.0, 1.0, 1), (2.0, 2.0, 5), (0, 1, 0)]
    cases += [
        (float(a), float(b), int(n))
        for a, b, n in zip(*rng.uniform(-9, 9, (2, 40)), rng.integers(2, 3000, 40))
    ]
    for start, end, steps in cases:
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        ours = tt.linspace(start, end, steps, dtype=getattr(tt, dtype)).numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs, err_msg=f"linspace({start}, {end}, {steps})")


def test_linspace_ends_and_halves() -> None:
    x = tt.linspace(-math.pi, math.pi, 2001).numpy()
    assert x[0] == np.float32(-math.pi) and x[-1] == np.float32(math.pi)
    assert np.all(np.diff(x) > 0)
