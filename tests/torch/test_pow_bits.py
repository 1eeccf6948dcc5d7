"""``x ** n`` for PyTorch's special-cased integer exponents (-2, -1, 2, 3) gives PyTorch's
bits (``x * x * x``, not ``powf``), so ``a + b * x + c * x**2 + d * x**3`` prints what
PyTorch prints. The gradient ``grad * (n * x ** (n - 1))`` is PyTorch's too where
``n - 1`` is special-cased again; for -2 PyTorch's ``x ** -3`` is ``powf`` (SLEEF),
whose last bits the shim does not reproduce."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad.torch as tt


@pytest.mark.parametrize("n", [-2, -1, 2, 3, 3.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_integer_powers_are_pytorchs_bit_for_bit(n: float, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(1).standard_normal(4096).astype(dtype)
    theirs = torch.tensor(values, requires_grad=True)
    ours = tt.tensor(values, requires_grad=True)
    (theirs**n).backward(torch.ones(4096, dtype=theirs.dtype))
    (ours**n).backward(tt.ones(4096, dtype=ours.dtype))
    np.testing.assert_array_equal((ours**n).detach().numpy(), (theirs**n).detach().numpy())
    if n != -2:
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
