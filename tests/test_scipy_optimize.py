"""tracegrad.scipy.optimize: BFGS minimize (eager, jit, vmap, float32, statuses), the strong
Wolfe line search, and results against JAX's minimize."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.scipy.optimize import OptimizeResults, line_search, minimize


def rosen(x: Any) -> Any:
    return tnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_rosenbrock_converges() -> None:
    res = minimize(rosen, np.zeros(5), method="BFGS")
    assert isinstance(res, OptimizeResults)
    assert bool(res.success) and int(res.status) == 0
    np.testing.assert_allclose(res.x, np.ones(5), atol=1e-6)
    assert np.linalg.norm(res.jac, np.inf) < 1e-5
    assert 0 < int(res.nit) < 100 and int(res.nfev) >= int(res.nit)
    # hess_inv stays symmetric positive definite (curvature condition of the Wolfe search).
    np.testing.assert_allclose(res.hess_inv, res.hess_inv.T, atol=1e-10)
    assert np.all(np.linalg.eigvalsh(res.hess_inv) > 0)


def test_args_float32_and_options() -> None:
    target = np.arange(3.0)
    res = minimize(lambda x, t: tnp.sum((x - t) ** 2), np.ones(3), args=(target,), method="bfgs")
    np.testing.assert_allclose(res.x, target, atol=1e-8)
    res32 = minimize(rosen, np.zeros(4, np.float32), method="BFGS")
    assert res32.x.dtype == np.float32 and bool(res32.success)
    short = minimize(rosen, np.zeros(5), method="BFGS", options={"maxiter": 3})
    assert int(short.status) == 1 and int(short.nit) == 3 and not bool(short.success)
    loose = minimize(rosen, np.zeros(5), method="BFGS", tol=1e-2)
    assert int(loose.nit) < int(minimize(rosen, np.zeros(5), method="BFGS").nit)


def test_jit_and_vmap() -> None:
    eager = minimize(rosen, np.zeros(5), method="BFGS")
    solve = tg.jit(lambda x0: minimize(rosen, x0, method="BFGS"))
    for _ in range(2):  # traced, then generated code
        jitted = solve(np.zeros(5))
        np.testing.assert_allclose(jitted.x, eager.x, rtol=1e-12)
        assert int(jitted.nit) == int(eager.nit)
    starts = np.stack([np.zeros(5), np.full(5, 0.5)])
    xs = tg.vmap(lambda x0: minimize(rosen, x0, method="BFGS").x)(starts)
    np.testing.assert_allclose(xs, np.ones((2, 5)), atol=1e-6)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="not recognized"):
        minimize(rosen, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(ValueError, match="one-dimensional"):
        minimize(rosen, np.zeros((2, 2)), method="BFGS")
    with pytest.raises(TypeError, match="unexpected options"):
        minimize(rosen, np.zeros(2), method="BFGS", options={"disp": True})


@pytest.mark.parametrize("start", [np.array([1.0, 2.0]), np.array([-1.5, 0.3])])
def test_line_search_strong_wolfe(start: np.ndarray) -> None:
    f = lambda x: tnp.sum(x**4) + tnp.sum(tnp.sin(3 * x))
    value, grad = tg.value_and_grad(f)(start)
    direction = -grad
    res = line_search(f, start, direction)
    assert not bool(res.failed) and int(res.status) == 0
    a = float(res.a_k)
    slope0 = grad @ direction
    assert f(start + a * direction) <= value + 1e-4 * a * slope0
    assert abs(tg.grad(f)(start + a * direction) @ direction) <= 0.9 * abs(slope0)
    np.testing.assert_allclose(res.f_k, f(start + a * direction))
    np.testing.assert_allclose(res.g_k, tg.grad(f)(start + a * direction))


def test_line_search_not_descent() -> None:
    res = line_search(lambda x: tnp.sum(x**2), np.array([1.0]), np.array([1.0]))
    assert bool(res.failed) and float(res.a_k) == 0.0


def test_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.optimize as jopt

    def jrosen(x: Any) -> Any:
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    for x0 in (np.zeros(4), np.array([-1.2, 1.0, 0.3])):
        want = jopt.minimize(jrosen, jnp.asarray(x0), method="BFGS")
        got = minimize(rosen, x0, method="BFGS")
        # JAX's line search gives up on the second start (status 3); ours converges.
        assert bool(got.success)
        if bool(want.success):
            np.testing.assert_allclose(got.x, np.asarray(want.x), atol=1e-6)
            np.testing.assert_allclose(got.fun, np.asarray(want.fun), atol=1e-10)
