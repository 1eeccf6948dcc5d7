"""``torch.optim`` against PyTorch: each optimizer and scheduler runs the same training loop
(weights given explicitly) on both, and the losses, parameters, learning rates and
``state_dict``s agree to float32 rounding; ``state_dict`` round trips continue as the
uninterrupted run; bad hyperparameters raise PyTorch's errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X = RNG.standard_normal((16, 5)).astype(np.float32)
TARGET = RNG.standard_normal((16, 2)).astype(np.float32)
SHAPES = [(7, 5), (7,), (2, 7), (2,)]
WEIGHTS = [RNG.standard_normal(s).astype(np.float32) * 0.5 for s in SHAPES]

OPTIMIZERS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "maximize": True, "eps": 1e-6}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.1, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}),
]


def params(T: Any) -> list[Any]:
    return [T.tensor(w, requires_grad=True) for w in WEIGHTS]


def loss_of(T: Any, ps: list[Any]) -> Any:
    w1, b1, w2, b2 = ps
    h = T.tanh(T.tensor(X) @ w1.t() + b1)
    return ((h @ w2.t() + b2 - T.tensor(TARGET)) ** 2).mean()


GRADS = [[RNG.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(12)]


def fed(T: Any, opt: Any, ps: list[Any], steps: int) -> list[Any]:
    """Run ``steps`` steps on fixed gradients: only the optimizer's arithmetic is compared."""
    out = []
    for k in range(steps):
        for p, g in zip(ps, GRADS[k], strict=True):
            p.grad = T.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out


def train(T: Any, opt: Any, ps: list[Any], steps: int, sched: Any = None) -> list[Any]:
    """Run ``steps`` steps; returns the losses, the learning rates and final parameters."""
    record: list[Any] = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(T, ps)
        loss.backward()
        opt.step()
        record.append(loss.item())
        if sched is not None:
            if isinstance(sched, T.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(loss.item())
            else:
                sched.step()
            record.append(repr(sched.get_last_lr()))  # compared exactly
    return [*record, [p.detach().numpy().copy() for p in ps]]


def assert_close(ours: Any, theirs: Any, tol: float = 1e-6) -> None:
    if isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_close(a, b, tol)
    elif isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            assert_close(ours[k], theirs[k], tol)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tt.Tensor), f"{ours!r} vs {theirs!r}"
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol)
    elif isinstance(theirs, float | np.ndarray):
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
    else:
        assert ours == theirs


def both(program: Callable[[Any], Any], tol: float = 1e-6) -> Any:
    """Run ``program(T)`` on tracegrad.torch and on PyTorch and compare what it returns."""
    theirs = program(torch)
    ours = program(tt)
    assert_close(ours, theirs, tol)
    return ours


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS)
def test_updates_same_as_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = getattr(T.optim, name)(ps, **kwargs)
        return [*fed(T, opt, ps, 12), opt.state_dict()]

    # Bit for bit where no square root is involved: SGD, and the running averages (fed
    # gradients do not depend on the parameters). PyTorch's float32 sqrt (MKL's) is within
    # an ulp but not correctly rounded as NumPy's, so the rest agrees to rounding.
    ours = both(program, tol=0 if name == "SGD" else 1e-6)
    theirs = program(torch)[-1]["state"]
    for k, state in theirs.items():
        for key in ("exp_avg", "exp_avg_sq", "square_avg", "grad_avg", "sum", "step"):
            if key in state:
                assert_close(ours[-1]["state"][k][key], state[key], tol=0)


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS)
def test_training_loop_same_as_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    # The forward pass differs from PyTorch's by rounding (NumPy's matmul is not MKL's);
    # centred RMSprop's variance estimate amplifies that, hence 1e-5 there.
    def program(T: Any) -> Any:
        ps = params(T)
        opt = getattr(T.optim, name)(ps, **kwargs)
        return [*train(T, opt, ps, 12), opt.state_dict()]

    both(program, tol=1e-5 if kwargs.get("centered") else 1e-6)


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS[::3])
def test_param_groups_and_add_param_group(name: str, kwargs: dict[str, Any]) -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = getattr(T.optim, name)([{"params": ps[:2]}, {"params": ps[2], "lr": 0.003}], **kwargs)
        out = train(T, opt, ps, 3)
        opt.add_param_group({"params": [ps[3]], "weight_decay": 0.2})
        out += train(T, opt, ps, 3)
        return [*out, opt.state_dict(), str(opt)]

    both(program, tol=1e-5 if kwargs.get("centered") else 1e-6)


@pytest.mark.parametrize(("name", "kwargs"), OPTIMIZERS)
def test_state_dict_round_trip_continues_the_run(name: str, kwargs: dict[str, Any]) -> None:
    def uninterrupted(T: Any) -> Any:
        ps = params(T)
        return train(T, getattr(T.optim, name)(ps, **kwargs), ps, 8)

    ps = params(tt)
    first = getattr(tt.optim, name)(ps, **kwargs)
    head = train(tt, first, ps, 4)[:-1]
    fresh = getattr(tt.optim, name)(ps, **{**kwargs, "lr": 123.0})
    fresh.load_state_dict(first.state_dict())
    assert fresh.param_groups[0]["lr"] == first.param_groups[0]["lr"]
    resumed = head + train(tt, fresh, ps, 4)
    assert_close(resumed, both(uninterrupted), tol=0)


def test_state_dict_layout_same_as_pytorch() -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = T.optim.Adam([{"params": ps[:3]}, {"params": [ps[3]], "lr": 0.5}], amsgrad=True)
        train(T, opt, ps, 1)
        sd = opt.state_dict()
        return [sd, sorted(sd["state"][0]), [list(g) for g in sd["param_groups"]]]

    both(program)
    sgd = tt.optim.SGD(params(tt), lr=0.1)  # no momentum: no state, as in PyTorch
    train(tt, sgd, sgd.param_groups[0]["params"], 1)
    assert sgd.state_dict()["state"] == {}


def test_load_state_dict_casts_to_the_parameter_dtype() -> None:
    def program(T: Any) -> Any:
        w32 = T.ones(3, requires_grad=True)
        w64 = T.ones(3, dtype=T.float64, requires_grad=True)
        a, b = T.optim.Adam([w32], lr=0.1), T.optim.Adam([w64], lr=0.1)
        w32.grad = T.ones(3)
        a.step()
        b.load_state_dict(a.state_dict())
        return [b.state[w64]["exp_avg"], b.state[w64]["step"]]

    both(program)


def test_zero_grad() -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = T.optim.SGD(ps, lr=0.1)
        loss_of(T, ps).backward()
        g = ps[0].grad
        opt.zero_grad(set_to_none=False)
        out = [ps[0].grad, g is ps[0].grad]
        opt.zero_grad()
        return [*out, ps[0].grad is None]

    both(program)


def test_lbfgs_same_as_pytorch() -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = T.optim.LBFGS(ps, lr=0.5, max_iter=6, history_size=3)

        def closure() -> Any:
            opt.zero_grad()
            loss = loss_of(T, ps)
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(4)]
        st = opt.state[ps[0]]
        return [losses, [p.detach().numpy().copy() for p in ps], st["n_iter"], st["func_evals"]]

    both(program, tol=1e-5)


def test_lbfgs_converges_on_a_quadratic_as_pytorch() -> None:
    a = RNG.standard_normal((6, 6))
    spd, rhs = a @ a.T + np.eye(6), RNG.standard_normal(6)

    def program(T: Any) -> Any:
        x = T.zeros(6, dtype=T.float64, requires_grad=True)
        opt = T.optim.LBFGS([x], tolerance_grad=1e-12, tolerance_change=1e-14)

        def closure() -> Any:
            opt.zero_grad()
            loss = 0.5 * x @ T.tensor(spd) @ x - T.tensor(rhs) @ x
            loss.backward()
            return loss

        opt.step(closure)
        return [x.detach().numpy().copy(), opt.state[x]["n_iter"]]

    x, _ = both(program, tol=1e-9)
    np.testing.assert_allclose(x, np.linalg.solve(spd, rhs), rtol=1e-6, atol=1e-7)


SCHEDULERS: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.8}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (1 + epoch)}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "threshold": 0.05, "cooldown": 1}),
    ("ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "patience": 0}),
]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULERS)
def test_scheduler_same_as_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    def program(T: Any) -> Any:
        ps = params(T)
        opt = T.optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.02}], lr=0.05)
        sched = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
        out = train(T, opt, ps, 11, sched)
        sd = {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"}
        return [*out, sd, [g["lr"] for g in opt.param_groups], opt.state_dict()["param_groups"]]

    both(program)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULERS)
def test_scheduler_state_dict_round_trip(name: str, kwargs: dict[str, Any]) -> None:
    # Resuming as PyTorch's docs do: new optimizer and scheduler, then both state_dicts.
    def run(T: Any, split: bool) -> list[Any]:
        ps = params(T)
        opt = T.optim.Adam(ps, lr=0.05)
        sched = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
        out = train(T, opt, ps, 5, sched)[:-1]
        if split:
            opt2 = T.optim.Adam(ps, lr=0.05)
            sched2 = getattr(T.optim.lr_scheduler, name)(opt2, **kwargs)
            opt2.load_state_dict(opt.state_dict())
            sched2.load_state_dict(sched.state_dict())
            opt, sched = opt2, sched2
        return out + train(T, opt, ps, 5, sched)

    resumed = both(lambda T: run(T, True))
    assert_close(resumed, run(tt, False), tol=0)


def test_scheduler_warnings_as_pytorch() -> None:
    for T in (torch, tt):
        opt = T.optim.SGD(params(T), lr=0.1)
        sched = T.optim.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            sched.step()
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()


BAD: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": -1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-3}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("Adam", {"lr": -1}),
    ("Adam", {"eps": -1.0}),
    ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("AdamW", {"weight_decay": -1.0}),
    ("RMSprop", {"alpha": -0.1}),
    ("RMSprop", {"momentum": -0.1}),
    ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("LBFGS", {"lr": -2.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD)
def test_invalid_arguments_same_errors(name: str, kwargs: dict[str, Any]) -> None:
    def error(T: Any) -> tuple[str, str]:
        with pytest.raises(Exception) as info:
            getattr(T.optim, name)(params(T), **kwargs)
        return type(info.value).__name__, str(info.value)

    assert error(tt) == error(torch)


@pytest.mark.parametrize(
    "make",
    [
        lambda T, ps: T.optim.SGD(ps[0], lr=0.1),
        lambda T, ps: T.optim.SGD(ps[0].double(), lr=0.1),
        lambda T, ps: T.optim.SGD([ps[0], "w"], lr=0.1),
        lambda T, ps: T.optim.SGD(ps, lr=0.1).add_param_group([ps[0]]),
        lambda T, ps: T.optim.SGD([], lr=0.1),
        lambda T, ps: T.optim.SGD([ps[0] * 2], lr=0.1),
        lambda T, ps: T.optim.SGD([1.0], lr=0.1),
        lambda T, ps: T.optim.SGD([{"params": {ps[0]}}], lr=0.1),
        lambda T, ps: T.optim.SGD([{"params": ps[:2]}, {"params": ps[1:]}], lr=0.1),
        lambda T, ps: T.optim.LBFGS([{"params": ps[:2]}, {"params": ps[2:]}]),
        lambda T, ps: T.optim.SGD(ps).load_state_dict(T.optim.SGD(ps[:2]).state_dict()),
        lambda T, ps: T.optim.SGD(ps).load_state_dict(
            T.optim.SGD([{"params": ps[:2]}, {"params": ps[2:]}]).state_dict()
        ),
        lambda T, ps: T.optim.lr_scheduler.StepLR(object(), 2),
        lambda T, ps: T.optim.lr_scheduler.StepLR(T.optim.SGD(ps), 2, last_epoch=3),
        lambda T, ps: T.optim.lr_scheduler.ReduceLROnPlateau(T.optim.SGD(ps), factor=1.0),
        lambda T, ps: T.optim.lr_scheduler.ReduceLROnPlateau(T.optim.SGD(ps), mode="avg"),
        lambda T, ps: T.optim.lr_scheduler.LambdaLR(T.optim.SGD(ps), [lambda e: 1.0] * 2),
    ],
)
def test_misuse_same_errors(make: Callable[[Any, list[Any]], Any]) -> None:
    def error(T: Any) -> tuple[str, str]:
        with pytest.raises(Exception) as info:
            make(T, params(T))
        return type(info.value).__name__, str(info.value)

    assert error(tt) == error(torch)


def test_the_update_writes_into_the_parameter_storage() -> None:
    w = tt.tensor([1.0, 2.0], requires_grad=True)
    view, data = w[:1], w.data
    opt = tt.optim.Adam([w], lr=0.5)
    w.grad = tt.ones(2)
    opt.step()
    assert w.is_leaf and w.grad_fn is None
    assert view.item() == data[0].item() == w[0].item() != 1.0
