"""nll_loss / cross_entropy on (N, C) pick ``logp[i, target[i]]`` with a gather that promises
in-bounds, unique positions (the wrapper checked the targets; each row is read once): no
clipping, and a backward that adds into zeros by assignment. The same bits as the spatial
route, -0.0 cotangents included; traced targets (torch.func) keep clipping."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as torch

F = torch.nn.functional
RNG = np.random.default_rng(11)


def _gathers(node: Any) -> list[str]:
    """The gathers and scatters of the node's backward, with their params."""
    eqns = node.plan.vjp_jaxpr.jaxpr.eqns
    return [
        f"{e.primitive.name} {e.params}"
        for e in eqns
        if "gather" in e.primitive.name or "scatter" in e.primitive.name
    ]


def test_the_backward_promises_in_bounds_unique_positions() -> None:
    x = torch.tensor(RNG.standard_normal((8, 5)), requires_grad=True)
    node = F.cross_entropy(x, torch.tensor(RNG.integers(0, 5, 8))).grad_fn
    found = _gathers(node)
    assert found == ["scatter_add {'mode': 'promise_in_bounds', 'unique_indices': True}"]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_zero_weights_give_the_bits_of_the_spatial_route(reduction: str) -> None:
    """A class of weight 0 makes -0.0 cotangents: assignment must leave +0.0, as add.at."""
    logp = np.log(RNG.random((16, 5)))
    target = RNG.integers(0, 5, 16)
    weight = torch.tensor([1.0, 0.0, 2.0, 0.5, 0.0], dtype=torch.float64)
    grads = []
    for lp, t in ((logp, target), (logp[:, :, None], target[:, None])):
        x = torch.tensor(lp, requires_grad=True)
        for _ in range(2):  # eager, then the staged forward
            x.grad = None
            F.nll_loss(x, torch.tensor(t), weight=weight, reduction=reduction).backward()
            assert x.grad is not None
            grads.append(x.grad.numpy().reshape(16, 5).view(np.uint64))
    for g in grads[1:]:
        np.testing.assert_array_equal(g, grads[0])
