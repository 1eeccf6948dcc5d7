"""Batched and second-order programs under jit (issue 15, item 4), next to the same
computation written by hand in NumPy and to JAX's jit when it is installed.

Run: ``python benchmarks/bench_batched.py`` (``--quick`` for a short smoke run;
``--show`` prints the optimised jaxprs and the generated code instead).

All on one thread (``bench_jit`` sets it), medians of interleaved rounds:

W5  50x50 Hessians, ``jit(hessian(f))`` and ``jit(jacfwd(jacrev(f)))``, against closed
    forms. Target: at most 2.5x the closed form.
    (a) ``f(x) = sum(tanh(A @ x))``: ``A.T @ (d[:, None] * A)`` with
        ``d = -2 tanh(A x) (1 - tanh(A x)**2)`` (a 50x50x50 matrix product dominates);
    (b) ``f(x) = logsumexp(x)``: ``diag(p) - outer(p, p)`` with ``p = softmax(x)`` (a few
        vector operations: the per-operation cost of the program dominates).
W7  per-example gradients of ``loss(w, x, y) = (tanh(x . w) - y)**2`` for 256 examples of
    100 features, ``jit(vmap(grad(loss), in_axes=(None, 0, 0)))``, against
    ``(2 (t - y) (1 - t**2))[:, None] * X`` with ``t = tanh(X @ w)``. Target: at most 1.5x.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

# bench_jit sets one thread before NumPy, JAX and PyTorch load.
from bench_jit import block, interleaved_us, jax, jnp, table

# isort: split
import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp

HESSIAN_N = 50
EXAMPLES, FEATURES = 256, 100


# ---- W5: a 50x50 Hessian -----------------------------------------------------------------


def hessian_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(HESSIAN_N, HESSIAN_N)) / np.sqrt(HESSIAN_N)
    return a, rng.normal(size=HESSIAN_N)


def tanh_sum(m: Any, a: Any) -> Callable[[Any], Any]:
    """``f(x) = sum(tanh(A @ x))``, written against the NumPy-like module ``m``."""
    return lambda x: m.sum(m.tanh(a @ x))


def hessian_numpy(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The closed form: ``A.T diag(tanh'') A``."""
    t = np.tanh(a @ x)
    d = -2.0 * t * (1.0 - t * t)
    return a.T @ (d[:, None] * a)


def logsumexp(x: Any) -> Any:
    m = tg.lax.stop_gradient(tnp.max(x))
    return tnp.log(tnp.sum(tnp.exp(x - m))) + m


def logsumexp_hessian_numpy(x: np.ndarray) -> np.ndarray:
    """The closed form: ``diag(p) - outer(p, p)``, ``p = softmax(x)``."""
    e = np.exp(x - x.max())
    p = e / e.sum()
    h = np.multiply.outer(-p, p)
    h.flat[:: len(x) + 1] += p
    return h


def hessian_fns(
    f: Callable[[Any], Any], peer: Callable[[Any], Any] | None, hand: Callable[[], Any], x: Any
) -> dict[str, Callable[[], Any]]:
    hess = tg.jit(tg.hessian(f))
    fwd_rev = tg.jit(tg.jacfwd(tg.jacrev(f)))
    for jitted in (hess, fwd_rev):
        np.testing.assert_allclose(jitted(x), hand(), rtol=1e-12, atol=1e-14)
    fns: dict[str, Callable[[], Any]] = {
        "numpy (by hand)": hand,
        "tracegrad jit(hessian)": lambda: hess(x),
        "tracegrad jit(jacfwd(jacrev))": lambda: fwd_rev(x),
    }
    if jax is not None and peer is not None:
        jh = jax.jit(jax.hessian(peer))
        xj = jnp.asarray(x)
        fns["jax jit(hessian)"] = lambda: block(jh(xj))
    return fns


def hessian_rows(number: int, repeat: int) -> list[tuple[str, dict[str, float]]]:
    a, x = hessian_data()
    cases = {
        "(a) sum(tanh(A @ x))": hessian_fns(
            tanh_sum(tnp, a),
            tanh_sum(jnp, jnp.asarray(a)) if jax is not None else None,
            lambda: hessian_numpy(a, x),
            x,
        ),
        "(b) logsumexp(x)": hessian_fns(
            logsumexp,
            jax.nn.logsumexp if jax is not None else None,
            lambda: logsumexp_hessian_numpy(x),
            x,
        ),
    }
    return [(name, interleaved_us(fns, number, repeat)) for name, fns in cases.items()]


# ---- W7: per-example gradients -----------------------------------------------------------


def examples_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    w = rng.normal(size=FEATURES) / np.sqrt(FEATURES)
    return w, rng.normal(size=(EXAMPLES, FEATURES)), rng.normal(size=EXAMPLES)


def squared_error(m: Any) -> Callable[..., Any]:
    """One example's loss, written against the NumPy-like module ``m``."""
    return lambda w, x, y: (m.tanh(m.dot(x, w)) - y) ** 2


def per_example_numpy(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = np.tanh(x @ w)
    return (2.0 * (t - y) * (1.0 - t * t))[:, None] * x


def per_example_fns(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], Any]]:
    jitted = tg.jit(tg.vmap(tg.grad(squared_error(tnp)), in_axes=(None, 0, 0)))
    np.testing.assert_allclose(jitted(w, x, y), per_example_numpy(w, x, y), rtol=1e-12)
    fns: dict[str, Callable[[], Any]] = {
        "numpy (by hand)": lambda: per_example_numpy(w, x, y),
        "tracegrad jit": lambda: jitted(w, x, y),
    }
    if jax is not None:
        jg = jax.jit(jax.vmap(jax.grad(squared_error(jnp)), in_axes=(None, 0, 0)))
        wj, xj, yj = jnp.asarray(w), jnp.asarray(x), jnp.asarray(y)
        fns["jax jit"] = lambda: block(jg(wj, xj, yj))
    return fns


def show() -> None:
    """Print what runs: the optimised jaxpr and the generated code of each tracegrad case."""
    a, x = hessian_data()
    w, xs, ys = examples_data()
    f = tanh_sum(tnp, a)
    cases = {
        "W5 jit(hessian)": tg.jit(tg.hessian(f)).lower(x),
        "W5 jit(jacfwd(jacrev))": tg.jit(tg.jacfwd(tg.jacrev(f))).lower(x),
        "W5 (b) jit(hessian(logsumexp))": tg.jit(tg.hessian(logsumexp)).lower(x),
        "W7 jit(vmap(grad))": tg.jit(
            tg.vmap(tg.grad(squared_error(tnp)), in_axes=(None, 0, 0))
        ).lower(w, xs, ys),
    }
    for name, lowered in cases.items():
        print(f"---- {name}\n{lowered.jaxpr}\n{lowered.as_text()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    parser.add_argument("--show", action="store_true", help="print the programs, no timing")
    args = parser.parse_args(argv)
    if args.show:
        show()
        return 0
    q = args.quick
    reps, number = (3, 200) if q else (15, 2000)
    print(f"tracegrad {tg.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"peers: {'jax' if jax is not None else 'none'}; one thread; interleaved medians")
    table(
        "W5: 50x50 Hessians, µs per call (target: tracegrad / numpy <= 2.5)",
        hessian_rows(number, reps),
        "µs",
        "numpy (by hand)",
    )
    table(
        "W7: per-example gradients, 256 x 100, µs per call (target: tracegrad / numpy <= 1.5)",
        [("vmap(grad)", interleaved_us(per_example_fns(*examples_data()), number, reps))],
        "µs",
        "numpy (by hand)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
