"""``torch.autograd.functional`` and ``torch.autograd.function`` import under PyTorch's
module names, as scripts write them."""

from __future__ import annotations

import importlib

import tracegrad.torch as tt


def test_autograd_submodules_import_under_pytorchs_names() -> None:
    from tracegrad.torch.autograd.function import Function, once_differentiable
    from tracegrad.torch.autograd.functional import hessian, jacobian

    assert jacobian is tt.autograd.functional.jacobian and hessian is tt.autograd.functional.hessian
    assert Function is tt.autograd.Function and callable(once_differentiable)
    module = importlib.import_module("tracegrad.torch.autograd.functional")
    assert module is tt.autograd.functional
    x = tt.tensor([1.0, 2.0])
    assert jacobian(lambda v: v * v, x).tolist() == [[2.0, 0.0], [0.0, 4.0]]
