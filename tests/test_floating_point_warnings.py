"""Floating-point exceptions inside tracegrad give inf and nan silently, as in JAX and
PyTorch; the user's own NumPy calls keep NumPy's warnings. Run in a fresh interpreter: pytest
replaces the warning filters that a module installs while the tests are collected."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_PROGRAM = """
import numpy as np
import tracegrad as tg, tracegrad.numpy as tnp
x = np.array([0.0, 1.0, -1.0])
print(tnp.log(x), tnp.sqrt(x), tnp.divide(1.0, x), tnp.exp(np.array([1e3])))
print(tg.grad(lambda v: tnp.sum(tnp.log(v) + tnp.sqrt(v)))(x))
print(tg.jit(lambda v: tnp.log(v) / v)(x), tg.jit(lambda a, b: a / b)(1.0, 0.0))
print(tg.jit(tg.grad(lambda v: tnp.sum(tnp.where(v > 0, tnp.log(v), 0.0))))(x))
"""

_TORCH = """
import tracegrad.torch as torch
t = torch.tensor([0.0, 1.0, -1.0], requires_grad=True)
y = torch.log(t) + torch.sqrt(t) + 1 / t + torch.log1p(-t)
y.sum().backward()
print(y.detach(), t.grad, torch.exp(torch.tensor([1e3])), torch.tensor([1e38]) * 10)
"""


def _stderr_of(program: str) -> str:
    code = textwrap.dedent(program)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "nan" in run.stdout and "inf" in run.stdout
    return run.stderr


def test_tracegrad_computes_inf_and_nan_silently() -> None:
    assert _stderr_of(_PROGRAM) == ""


def test_the_tensor_shim_computes_inf_and_nan_silently() -> None:
    assert _stderr_of(_TORCH) == ""


def test_the_users_own_numpy_calls_still_warn() -> None:
    err = _stderr_of(_PROGRAM + "\nprint(np.log(x))\n")
    assert "RuntimeWarning: divide by zero encountered in log" in err
    assert "tracegrad" not in err


@pytest.mark.parametrize("value", ["1.0", "0.0"])
def test_numpys_raise_mode_still_raises(value: str) -> None:
    program = f"""
import numpy as np, tracegrad.numpy as tnp
with np.errstate(divide="raise"):
    try:
        tnp.log(np.array([{value}]))
        print("no error inf nan")
    except FloatingPointError:
        print("FloatingPointError inf nan")
"""
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert run.stdout.split()[0] == ("FloatingPointError" if value == "0.0" else "no")
