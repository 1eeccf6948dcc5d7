"""Random-program fuzz test of the Tensor shim against PyTorch: random programs of
tests/fuzz/programs.py (leaves float32 or float64) run on ``tracegrad.torch`` and on
PyTorch, compared on the values and dtypes of every value of the pool and on the leaves'
``.grad`` after ``backward`` of a loss over the whole pool, or on the error raised (PyTorch's
``matmul`` refuses float32 with float64).

Seeded and small by default; ``TRACEGRAD_FUZZ=long`` runs thousands (tests/fuzz/mode.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt
from fuzz.mode import max_steps, run_all
from fuzz.programs import Program, RngChooser, draw_program, weights

torch = pytest.importorskip("torch")


def make(seed: int) -> Program:
    return draw_program(RngChooser(seed), dtypes=(np.float64, np.float32), max_steps=max_steps())


def run(T: Any, program: Program) -> tuple[list[Any], list[Any]]:
    """Every value of the pool and the leaves' gradients, as NumPy arrays."""
    leaves = [T.tensor(a, requires_grad=True) for a in program.leaves]
    pool = program.torch_pool(T, *leaves)
    loss = sum(
        (v * T.tensor(weights(k, tuple(v.shape))).to(v.dtype)).sum() for k, v in enumerate(pool)
    )
    loss.backward()
    return [v.detach().numpy() for v in pool], [t.grad.numpy() for t in leaves]


def outcome(T: Any, program: Program) -> Any:
    """``run``'s result, or the class and message of the error it raised."""
    try:
        return run(T, program)
    except Exception as e:  # the error is part of the behaviour compared
        return type(e).__name__, str(e)


def check_against_pytorch(program: Program) -> None:
    with np.errstate(all="ignore"):
        ours = outcome(tt, program)
        theirs = outcome(torch, program)
    if isinstance(ours[0], str) or isinstance(theirs[0], str):  # one raised (f32 @ f64)
        assert ours == theirs, f"tracegrad: {ours[:2]!r}, PyTorch: {theirs[:2]!r}"
        return
    tol = 1e-4 if any(a.dtype == np.float32 for a in program.leaves) else 1e-9
    for what, got, want in zip(("value", "grad"), ours, theirs, strict=True):
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            where = f"{what} {k}"
            assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} (tracegrad) != {w.dtype}"
            assert g.shape == w.shape, f"{where}: shape {g.shape} (tracegrad) != {w.shape}"
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=where)


def test_random_programs_agree_with_pytorch() -> None:
    run_all(make, check_against_pytorch)
