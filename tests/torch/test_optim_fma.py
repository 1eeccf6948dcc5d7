"""The optimizers' fused multiply-add is rounded once, as PyTorch's CPU kernels round it:
against exact rational arithmetic (NumPy alone), including the float32 midpoints where
rounding through float64 would round twice, and against PyTorch bit for bit, for float32
and float64 parameters over several steps of every update variant."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt
from tracegrad.torch.optim._kernels import Workspace, emulated_fma_, fma, fma_


def rounded(v: Fraction, dtype: Any) -> Any:
    """``v`` rounded once to ``dtype`` (to nearest, ties to even), from exact arithmetic."""
    guess = dtype.type(float(v))  # within an ulp of the answer
    candidates = [
        np.nextafter(guess, dtype.type(-np.inf)),
        guess,
        np.nextafter(guess, dtype.type(np.inf)),
    ]
    return min(
        candidates,
        key=lambda c: (abs(Fraction(float(c)) - v), int(c.view(f"u{c.itemsize}")) % 2),
    )


def exact_fma(a: Any, x: Any, y: Any, dtype: Any) -> Any:
    return np.array(
        [
            rounded(Fraction(float(ai)) + Fraction(float(xi)) * Fraction(float(yi)), dtype)
            for ai, xi, yi in zip(*np.broadcast_arrays(a, x, y), strict=True)
        ],
        dtype,
    )


def midpoint_cases() -> tuple[Any, Any, Any]:
    """``a + x * y`` with ``x * y = +-(2**-24 - 2**-70)``: 2**-70 off a float32 midpoint
    (far less than a float64 ulp), above and below it, with the even float32 on either side
    (rounding through float64 goes wrong where the even one is on the far side)."""
    u = 2.0**-23
    a = [1 + u, 1 + u, 1.0, 1 + 2 * u, -(1 + u), 2.0, 1 + u]
    y = [1 + u, -(1 + u), 1 + u, -(1 + u), -(1 + u), -(1 + u), 0.0]
    x = [(1 - u) * 2**-24] * len(a)
    f = np.float32
    return np.array(a, f), np.array(x, f), np.array(y, f)


def test_float32_midpoints_round_once() -> None:
    a, x, y = midpoint_cases()
    want = exact_fma(a, x, y, np.dtype(np.float32))
    via_float64 = (a.astype(float) + x.astype(float) * y.astype(float)).astype(np.float32)
    assert (via_float64 != want).any()  # the cases do tell a single rounding from two
    np.testing.assert_array_equal(fma(a, x, y), want)
    np.testing.assert_array_equal(fma(a, x, y, Workspace()), want)
    for k in range(len(a)):  # scalar multipliers (BLAS's or emulated) and 0-d arrays
        np.testing.assert_array_equal(fma(a[k : k + 1], x[k], y[k : k + 1]), want[k : k + 1])
        emulated = emulated_fma_(np.empty(1, np.float32), a[k : k + 1], x[k], y[k : k + 1])
        np.testing.assert_array_equal(emulated, want[k : k + 1])
        assert fma(a[k], x[k], y[k]) == want[k]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_fused_multiply_adds_round_once(dtype: Any) -> None:
    rng = np.random.default_rng(3)
    n = 400
    a = (rng.standard_normal(n) * 2.0 ** rng.integers(-30, 30, n)).astype(dtype)
    y = rng.standard_normal(n).astype(dtype)
    x = rng.standard_normal(n).astype(dtype)
    y[:100] = -a[:100] / x[:100]  # cancellation: the sum is far below the product
    a[100:110] = 0.0
    want = exact_fma(a, x, y, np.dtype(dtype))
    ws = Workspace()
    np.testing.assert_array_equal(fma(a, x, y, ws), want)
    for kernel in (fma_, emulated_fma_):  # in place, a scalar multiplier
        out = a.copy()
        kernel(out, out, dtype(0.3), y, ws)
        np.testing.assert_array_equal(out, exact_fma(a, dtype(0.3), y, np.dtype(dtype)))


def test_float64_fused_multiply_add_keeps_overflow() -> None:
    out = fma(np.array([1.0, -1.0, 1.0, 2.0]), 1e300, np.array([1e10, -1e10, np.inf, 0.5]))
    np.testing.assert_array_equal(out, [np.inf, -np.inf, np.inf, 5e299])


def test_sgd_step_at_a_float32_midpoint() -> None:
    # p + lr * (1 + 2**-23) lands 2**-70 below the midpoint of 1 + 2**-23 and 1 + 2**-22.
    p = tt.tensor(np.full(9, 1 + 2**-23, np.float32), requires_grad=True)
    p.grad = tt.tensor(np.full(9, -(1 + 2**-23), np.float32))
    tt.optim.SGD([p], lr=(1 - 2**-23) * 2**-24).step()
    assert (p.detach().numpy() == np.float32(1 + 2**-23)).all()


# ---- against PyTorch ----------------------------------------------------------------------------

SHAPE = (37, 29)  # odd sizes: the vectorised kernels' tails too
UPDATES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.05, "weight_decay": 0.01}),
]


def fed(T: Any, name: str, kwargs: dict[str, Any], dtype: Any, steps: int) -> list[Any]:
    """Parameters and state after each of ``steps`` steps on fixed gradients."""
    w = T.tensor(np.random.default_rng(1).standard_normal(SHAPE).astype(dtype), requires_grad=True)
    opt = getattr(T.optim, name)([w], **kwargs)
    out = []
    for k in range(steps):
        w.grad = T.tensor(np.random.default_rng(10 + k).standard_normal(SHAPE).astype(dtype))
        opt.step()
        state = {key: v.numpy().copy() for key, v in opt.state[w].items() if key != "step"}
        out.append((w.detach().numpy().copy(), state))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), UPDATES)
def test_updates_bit_for_bit_as_pytorch(name: str, kwargs: dict[str, Any], dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    steps = 5
    ours, theirs = fed(tt, name, kwargs, dtype, steps), fed(torch, name, kwargs, dtype, steps)
    # SGD is all fused multiply-adds: every step bit for bit. The others divide by a square
    # root, which PyTorch's float32 kernel does not round correctly (NumPy's does): their
    # running averages are bit for bit as long as they do not read the parameters (through
    # weight decay: the first step only) or the square root (RMSprop's momentum buffer);
    # the parameters agree to rounding.
    for k, ((p, state), (p_ref, state_ref)) in enumerate(zip(ours, theirs, strict=True)):
        if name == "SGD":
            np.testing.assert_array_equal(p, p_ref)
        else:
            tol = 1e-6 if dtype == np.float32 else 1e-14
            np.testing.assert_allclose(p, p_ref, rtol=tol, atol=tol)
        assert sorted(state) == sorted(state_ref)
        for key, v in state.items():
            exact = name == "SGD" or (
                key != "momentum_buffer" and (k == 0 or "weight_decay" not in kwargs)
            )
            if exact:
                np.testing.assert_array_equal(v, state_ref[key], err_msg=f"{key} at step {k}")


def second_moments(T: Any, name: str, dtype: Any) -> list[Any]:
    """The second moments of two parameter groups with different decays (``betas[1]``,
    ``alpha``), the first group's changed after two steps."""
    rng = np.random.default_rng(3)
    ws = [T.tensor(rng.standard_normal(SHAPE).astype(dtype), requires_grad=True) for _ in "ab"]
    decay = "betas" if name == "Adam" else "alpha"
    values = [(0.9, 0.999), (0.8, 0.95), (0.9, 0.5)] if name == "Adam" else [0.99, 0.9, 0.7]
    opt = getattr(T.optim, name)(
        [{"params": [ws[0]], decay: values[0]}, {"params": [ws[1]], decay: values[1]}], lr=0.01
    )
    out = []
    for k in range(4):
        if k == 2:
            opt.param_groups[0][decay] = values[2]
        for w in ws:
            w.grad = T.tensor(rng.standard_normal(SHAPE).astype(dtype))
        opt.step()
        key = "exp_avg_sq" if name == "Adam" else "square_avg"
        out.append([opt.state[w][key].numpy().copy() for w in ws])
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_second_moments_follow_changed_decays(name: str, dtype: Any) -> None:
    """The complex route keeps ``-decay`` in its scratch from call to call: groups with
    different decays, and a decay changed between steps, still give PyTorch's bits."""
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(second_moments(tt, name, dtype), second_moments(torch, name, dtype)):
        for v, ref in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(v, ref)


# The first step whose bias correction sqrt(1 - 0.999**step) is 1 in the dtype.
BIAS_CORRECTION_IS_ONE = {np.float32: 16628, np.float64: 36314}


def late_adam_step(T: Any, dtype: Any, step: int) -> tuple[Any, Any, Any]:
    """An Adam step at ``step`` (the count set after a first step) on 64 entries; returns
    the parameter before it, the optimizer and the parameter."""
    rng = np.random.default_rng(step)
    w = T.tensor(rng.standard_normal(64).astype(dtype), requires_grad=True)
    opt = T.optim.Adam([w], lr=0.01)
    w.grad = T.tensor(rng.standard_normal(64).astype(dtype))
    opt.step()
    opt.state[w]["step"].fill_(step - 1)
    x0 = w.detach().numpy().copy()
    w.grad = T.tensor(rng.standard_normal(64).astype(dtype))
    opt.step()
    return x0, opt, w


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("late", [-1, 0, 1])
def test_adam_late_steps_divide_as_written(dtype: Any, late: int) -> None:
    # Adam skips its division by the bias correction once that is 1 in the dtype: the
    # parameter must still be PyTorch's formula, the division done, bit for bit (the step
    # before has a bias correction of 1 - ulp, where skipping would change the result).
    step = BIAS_CORRECTION_IS_ONE[dtype] + late
    x0, opt, w = late_adam_step(tt, dtype, step)
    m, sq = (opt.state[w][k].numpy() for k in ("exp_avg", "exp_avg_sq"))
    correction = dtype((1 - 0.999**step) ** 0.5)
    assert (correction == 1) == (late >= 0)
    denom = np.sqrt(sq) / correction + dtype(1e-8)
    expected = x0 + (m * dtype(-0.01 / (1 - 0.9**step))) / denom
    assert np.array_equal(w.detach().numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_late_steps_as_pytorch(dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    for late in (-1, 0):
        step = BIAS_CORRECTION_IS_ONE[dtype] + late
        (_, ours, w), (_, theirs, v) = (late_adam_step(T, dtype, step) for T in (tt, torch))
        for k in ("exp_avg", "exp_avg_sq"):  # no square root in them: bit for bit
            assert np.array_equal(ours.state[w][k].numpy(), theirs.state[v][k].numpy())
        # PyTorch's float32 sqrt is not correctly rounded (tests/torch/test_optim.py).
        np.testing.assert_allclose(w.detach().numpy(), v.detach().numpy(), rtol=1e-6)
