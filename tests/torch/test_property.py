"""Property: for random compositions of operations, ``.grad`` after ``backward`` equals
``tg.grad`` of the same function written with ``tracegrad.numpy``. The programs come from
the generator in tests/fuzz/programs.py (drawn by hypothesis here, so failures shrink)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tracegrad.numpy as tnp
import tracegrad.torch as torch
from fuzz.programs import HypothesisChooser, Program, draw_program, weights
from tracegrad.transforms.vjp import grad


@st.composite
def programs(draw: Any) -> Program:
    return draw_program(HypothesisChooser(draw))


@given(programs())
def test_backward_equals_functional_grad(program: Program) -> None:
    tensors = [torch.tensor(a, requires_grad=True) for a in program.leaves]
    pool = program.torch_pool(torch, *tensors)
    loss = sum((t * torch.tensor(weights(k, tuple(t.shape)))).sum() for k, t in enumerate(pool))
    loss.backward()

    def f(*xs: Any) -> Any:
        values = program.xp_pool(tnp, *xs)
        return sum(tnp.sum(v * weights(k, v.shape)) for k, v in enumerate(values))

    expected = grad(f, argnums=tuple(range(len(program.leaves))))(*program.leaves)
    for t, g in zip(tensors, expected, strict=True):
        assert t.grad is not None
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-9, atol=1e-12)
