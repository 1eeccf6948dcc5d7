"""``LBFGS(line_search_fn="strong_wolfe")`` against PyTorch: the same points evaluated, the
same counts of iterations and evaluations, the same minima (Rosenbrock, an ill-conditioned
quadratic, a small regression), and the line search's own contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt
from tracegrad.torch.optim._wolfe import cubic_minimum, strong_wolfe


def rosenbrock(T: Any, x: Any) -> Any:
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def quadratic(T: Any, x: Any) -> Any:
    return ((x - T.tensor([1.0, -2.0, 3.0])) ** 2 * T.tensor([1.0, 10.0, 100.0])).sum()


def regression(T: Any, x: Any) -> Any:
    rng = np.random.default_rng(3)
    a = T.tensor(rng.standard_normal((12, 4)).astype(np.float32))
    y = T.tensor(rng.standard_normal(12).astype(np.float32))
    return ((T.tanh(a @ x) - y) ** 2).mean() + 0.01 * (x**2).sum()


def run(
    T: Any, f: Callable[[Any, Any], Any], start: list[float], steps: int, **kwargs: Any
) -> dict[str, Any]:
    """``steps`` calls of ``step``: every point the closure saw, the losses ``step`` returned,
    the final point and the optimizer's counters."""
    x = T.tensor(np.array(start, np.float32), requires_grad=True)
    opt = T.optim.LBFGS([x], line_search_fn="strong_wolfe", **kwargs)
    seen = []

    def closure() -> Any:
        opt.zero_grad()
        loss = f(T, x)
        loss.backward()
        seen.append(x.detach().numpy().copy())
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    state = opt.state[x]
    return {
        "seen": np.array(seen),
        "losses": losses,
        "x": x.detach().numpy().copy(),
        "counts": (state["n_iter"], state["func_evals"]),
    }


# Each case runs identically on both up to float32 rounding of dot products (NumPy's and
# PyTorch's sum in different orders); these are cases where that rounding never changes a
# decision of the line search, so every evaluated point agrees.
CASES: list[tuple[Callable[[Any, Any], Any], list[float], dict[str, Any]]] = [
    (quadratic, [0.0, 0.0, 0.0], {"lr": 0.5}),
    (quadratic, [5.0, 5.0, -5.0], {"max_iter": 4, "history_size": 2}),
    (rosenbrock, [0.0, 0.0], {"history_size": 3, "max_iter": 7}),
    (rosenbrock, [-1.5, 2.0], {"max_iter": 3}),
    (regression, [0.1, -0.2, 0.3, 0.0], {"max_iter": 5}),
]


@pytest.mark.parametrize(("f", "start", "kwargs"), CASES)
def test_same_evaluations_as_pytorch(
    f: Callable[[Any, Any], Any], start: list[float], kwargs: dict[str, Any]
) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = run(tt, f, start, 5, **kwargs), run(torch, f, start, 5, **kwargs)
    assert ours["counts"] == theirs["counts"]
    assert ours["seen"].shape == theirs["seen"].shape
    np.testing.assert_allclose(ours["seen"], theirs["seen"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4, atol=1e-5)


def test_rosenbrock_reaches_the_minimum_as_pytorch() -> None:
    # Long runs part ways by rounding, but end at the same minimum: the global one, and the
    # local minimum of the 4-D function near (-0.78, 0.61, 0.38, 0.15).
    torch = pytest.importorskip("torch")
    for start in ([-1.5, 2.0], [-1.2, 1.0], [-1.2, 1.0, 0.5, 2.0]):
        ours, theirs = run(tt, rosenbrock, start, 8), run(torch, rosenbrock, start, 8)
        np.testing.assert_allclose(ours["x"], theirs["x"], atol=1e-4)
        np.testing.assert_allclose(ours["losses"][-1], theirs["losses"][-1], atol=1e-6)
    np.testing.assert_allclose(run(tt, rosenbrock, [-1.2, 1.0], 8)["x"], [1.0, 1.0], atol=1e-4)


def test_line_search_beats_the_fixed_step() -> None:
    fixed = tt.tensor([-1.5, 2.0], requires_grad=True)
    opt = tt.optim.LBFGS([fixed], max_iter=40)

    def closure() -> Any:
        opt.zero_grad()
        loss = rosenbrock(tt, fixed)
        loss.backward()
        return loss

    opt.step(closure)
    searched = run(tt, rosenbrock, [-1.5, 2.0], 1, max_iter=40)
    assert rosenbrock(tt, tt.tensor(searched["x"])).item() < rosenbrock(tt, fixed).item()


def test_strong_wolfe_conditions_hold() -> None:
    def evaluate(t: Any) -> tuple[float, np.ndarray[Any, Any]]:  # f(x) = x^4 - 3x from 0
        x = np.float32(t)
        return float(x**4 - 3 * x), np.array([4 * x**3 - 3], np.float32)

    d, g0 = np.ones(1, np.float32), np.array([-3.0], np.float32)
    f, g, t, evals = strong_wolfe(evaluate, 5.0, d, 0.0, g0, np.float32(-3.0))
    assert f <= 0.0 + 1e-4 * t * -3.0  # sufficient decrease
    assert abs(g.dot(d)) <= 0.9 * 3.0  # curvature
    f_t, g_t = evaluate(t)  # what it returns is the function at the step it returns
    assert (f, float(g[0])) == (f_t, float(g_t[0]))
    assert 1 < evals <= 25


def test_cubic_minimum() -> None:
    # Exact on a cubic: f(t) = t^3 - 3t has its local minimum at t = 1.
    assert cubic_minimum(0.0, 0.0, -3.0, 2.0, 2.0, 9.0) == pytest.approx(1.0)
    # Clipped to the bounds, and the middle of the bounds when there is no minimum.
    assert cubic_minimum(0.0, 0.0, -3.0, 2.0, 2.0, 9.0, bounds=(1.5, 3.0)) == 1.5
    assert cubic_minimum(0.0, 0.0, 1.0, 1.0, 0.5, 1.0, bounds=(2.0, 4.0)) == 3.0


def test_unknown_line_search_raises_as_pytorch() -> None:
    x = tt.zeros(2, requires_grad=True)
    opt = tt.optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(lambda: x.sum())
