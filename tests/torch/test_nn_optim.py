"""``torch.nn`` modules and ``torch.optim.SGD`` against PyTorch: a training loop written for
PyTorch runs unchanged and gives the same losses, gradients, parameters and printouts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = RNG.standard_normal((8, 5)).astype(np.float32)
Y = RNG.integers(0, 3, 8)
WEIGHTS = [RNG.standard_normal(s).astype(np.float32) * 0.5 for s in [(6, 5), (6,), (3, 6), (3,)]]


def model(T: Any, act: str = "tanh") -> Any:
    nn = T.nn
    net = nn.Sequential(nn.Linear(5, 6), nn.Tanh() if act == "tanh" else nn.ReLU(), nn.Linear(6, 3))
    with T.no_grad():
        for p, w in zip(net.parameters(), WEIGHTS, strict=True):
            p.copy_(T.tensor(w))
    return net


def training(opt_kwargs: dict[str, Any], act: str = "tanh") -> Any:
    def program(T: Any, rec: Any) -> None:
        net = model(T, act)
        opt = T.optim.SGD(net.parameters(), **opt_kwargs)
        loss_fn = T.nn.CrossEntropyLoss()
        x, y = T.tensor(X), T.tensor(Y)
        for _ in range(4):
            opt.zero_grad()
            out = net(x)
            loss = loss_fn(out, y)
            loss.backward()
            rec([out, loss])
            rec([p.grad for p in net.parameters()])
            opt.step()
        rec(list(net.parameters()))
        rec([n for n, _ in net.named_parameters()])
        opt.zero_grad()
        rec([p.grad is None for p in net.parameters()])

    return program


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True},
    ],
)
def test_training_loop_same_as_pytorch(kwargs: dict[str, Any], conform: Any) -> None:
    conform(training(kwargs))


def test_relu_mse_loop_same_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        net = model(T, "relu")
        opt = T.optim.SGD(net.parameters(), lr=0.1)
        target = T.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3))
        for _ in range(3):
            opt.zero_grad()
            loss = T.nn.MSELoss()(net(T.tensor(X)), target)
            loss.backward()
            opt.step()
            rec(loss)
        rec(list(net.parameters()))

    conform(program)


@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 4, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_names_values_grads(shape: tuple[int, ...], bias: bool, conform: Any) -> None:
    xs = RNG.standard_normal(shape).astype(np.float32)

    def program(T: Any, rec: Any) -> None:
        lin = T.nn.Linear(5, 3, bias=bias)
        with T.no_grad():
            lin.weight.copy_(T.tensor(WEIGHTS[0][:3]))
            if bias:
                lin.bias.copy_(T.tensor(WEIGHTS[1][:3]))
        x = T.tensor(xs, requires_grad=True)
        out = lin(x)
        rec(out)
        (
            out * T.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32)).reshape(out.shape)
        ).sum().backward()
        rec([x.grad, *[p.grad for p in lin.parameters()]])
        rec(T.nn.functional.linear(x, lin.weight, lin.bias))

    conform(program)


def test_printouts_same_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for T in (torch, tt):
        net = model(T)
        text = repr(net)
        assert text == repr(model(torch))
        assert repr(T.nn.Parameter(T.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
        assert str(T.optim.SGD(net.parameters(), lr=0.1)) == str(
            torch.optim.SGD(model(torch).parameters(), lr=0.1)
        )


def test_module_registration_and_state() -> None:
    class Net(tt.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = tt.nn.Linear(2, 2)
            self.scale = tt.nn.Parameter(tt.tensor(3.0))
            self.note = "not a parameter"

        def forward(self, x: Any) -> Any:
            return self.body(x) * self.scale

    net = Net()
    # PyTorch's order: a module's own parameters first, then its children's.
    assert [n for n, _ in net.named_parameters()] == ["scale", "body.weight", "body.bias"]
    assert list(net.state_dict()) == ["scale", "body.weight", "body.bias"]
    assert set(net.state_dict()) == {"body.weight", "body.bias", "scale"}
    assert net.training and not net.eval().training and not net.body.training
    assert isinstance(net.scale, tt.nn.Parameter) and net.scale.is_leaf
    other = Net()
    other.load_state_dict(net.state_dict())
    x = tt.ones(1, 2)
    assert tt.equal(other(x), net(x))
    with pytest.raises(RuntimeError, match="Missing key"):
        other.load_state_dict({})
    with pytest.raises(NotImplementedError, match="forward"):
        tt.nn.Module()(x)
    with pytest.raises(ValueError, match="Nesterov"):
        tt.optim.SGD(net.parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        tt.optim.SGD([net.scale * 2], lr=0.1)
