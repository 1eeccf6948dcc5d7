"""``torch.nn.functional`` activations and their modules against PyTorch: values, ``grad_fn``
names, gradients at the kinks, the in-place forms, printouts and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

# Kinks of every activation here (0, ±0.5, ±1, ±3, 6), and values where exp overflows.
X = np.array([-100, -5, -3, -1, -0.5, 0, 0.5, 1, 3, 5, 6, 100], np.float32)
G = np.linspace(-1, 2, X.size, dtype=np.float32)

ACTIVATIONS: list[tuple[str, dict[str, Any], bool]] = [  # name, kwargs, has inplace=
    ("relu", {}, True),
    ("selu", {}, True),
    ("celu", {"alpha": 0.7}, True),
    ("elu", {"alpha": 1.5}, True),
    ("leaky_relu", {"negative_slope": 0.2}, True),
    ("relu6", {}, True),
    ("hardtanh", {"min_val": -0.5, "max_val": 3.0}, True),
    ("hardsigmoid", {}, True),
    ("hardswish", {}, True),
    ("silu", {}, True),
    ("mish", {}, True),
    ("threshold", {"threshold": 0.5, "value": -2.0}, True),
    ("softshrink", {}, False),
    ("hardshrink", {"lambd": 1.0}, False),
    ("softsign", {}, False),
    ("tanhshrink", {}, False),
    ("logsigmoid", {}, False),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, False),
    ("gelu", {"approximate": "tanh"}, False),
    ("softmin", {"dim": 0}, False),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "inplace"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS]
)
def test_activation_values_gradients_and_inplace(
    name: str, kwargs: dict[str, Any], inplace: bool
) -> None:
    got = []
    for T in (tt, torch):
        f = getattr(T.nn.functional, name)
        x = T.tensor(X, requires_grad=True)
        y = f(x, **kwargs)
        y.backward(T.tensor(G))
        row = [type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy()]
        if inplace:
            base = T.tensor(X, requires_grad=True)
            xc = base.clone()
            out = f(xc, inplace=True, **kwargs)
            xc.backward(T.tensor(G))
            row += [out is xc, type(xc.grad_fn).__name__, xc.detach().numpy(), base.grad.numpy()]
        got.append(row)
    for a, b in zip(*got, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
            assert a.dtype == b.dtype
        else:
            assert a == b


def test_glu_and_prelu() -> None:
    got = []
    for T in (tt, torch):
        x = T.tensor(np.linspace(-2, 2, 24, dtype=np.float32).reshape(2, 3, 4), requires_grad=True)
        w = T.tensor([0.1, 0.2, 0.3], requires_grad=True)
        y = T.nn.functional.prelu(x, w)
        z = T.nn.functional.glu(x, 2)
        (y * y).sum().backward(retain_graph=True)
        (z * 2).sum().backward()
        got.append([type(y.grad_fn).__name__, type(z.grad_fn).__name__, y, z, x.grad, w.grad])
    for a, b in zip(*got, strict=True):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5)


def _modules(T: Any) -> list[Any]:
    nn = T.nn
    return [
        nn.GELU(), nn.GELU("tanh"), nn.Softmax(1), nn.LogSoftmax(dim=-1), nn.Softmin(0),
        nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.ELU(), nn.ELU(0.5, True), nn.SELU(),
        nn.SELU(True), nn.CELU(), nn.SiLU(), nn.SiLU(True), nn.Mish(), nn.Hardtanh(),
        nn.Hardtanh(-2, 2, True), nn.ReLU6(), nn.ReLU6(True), nn.Hardsigmoid(), nn.Hardswish(),
        nn.Softplus(), nn.Softplus(2, 10), nn.Softsign(), nn.Tanhshrink(), nn.Threshold(0.1, 20),
        nn.Threshold(0.1, 20, True), nn.PReLU(), nn.PReLU(3, 0.1), nn.GLU(), nn.LogSigmoid(),
        nn.Softshrink(), nn.Hardshrink(0.3), nn.ReLU(), nn.ReLU(True), nn.Sigmoid(), nn.Tanh(),
    ]  # fmt: skip


def test_activation_modules_print_run_and_learn() -> None:
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    for ours, theirs in zip(_modules(tt), _modules(torch), strict=True):
        assert repr(ours) == repr(theirs)
        got = []
        for T, m in ((tt, ours), (torch, theirs)):
            leaf = T.tensor(x, requires_grad=True)
            y = m(leaf.clone())
            y.sum().backward()
            got.append([y, leaf.grad, *[p.grad for p in m.parameters()]])
        for a, b in zip(*got, strict=True):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


BAD = {
    "glu_odd": lambda T: T.nn.functional.glu(T.zeros(2, 3)),
    "prelu_channels": lambda T: T.nn.functional.prelu(T.zeros(2, 3), T.ones(2)),
    "softshrink_negative": lambda T: T.nn.functional.softshrink(T.zeros(2), -1.0),
    "hardtanh_module": lambda T: T.nn.Hardtanh(1.0, 0.0),
}


@pytest.mark.parametrize("case", list(BAD))
def test_activation_errors(case: str) -> None:
    got = []
    for T in (tt, torch):
        with pytest.raises(Exception) as info:
            BAD[case](T)
        got.append((type(info.value).__name__, str(info.value)))
    assert got[0] == got[1]
