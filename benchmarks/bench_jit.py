"""jit benchmark: jitted tracegrad gradients next to the same gradients written by hand in
NumPy, and next to JAX's jit, PyTorch eager and HIPS autograd when they are installed.

Run: ``python benchmarks/bench_jit.py`` (``--quick`` for a short smoke run).

All on one thread, medians of repeated runs:

(1) the gradient of a 20-operation elementwise chain (then a sum) on 10 and on 1,000,000
    float64 elements;
(2) an MLP training step (784-256-256-10, tanh, batch 128, cross-entropy through
    log_softmax, float32): the gradient with respect to a dict of six arrays, and the SGD
    update;
(3) the 4th derivative of tanh at a scalar (grad nested four times);
(4) first-call latency of the MLP step (trace + optimise + generate), next to JAX's
    (trace + compile);
(5) the overhead of a cached call of a jitted identity function;
(6) peak memory (tracemalloc) of the 1,000,000-element gradient, as a multiple of the
    input's size, next to the hand-written NumPy gradient's.

Targets (issue 4): (1) within 1.3x of hand-written NumPy on 10 elements and 1.05x on
1,000,000; (2) within 1.05x; (3) faster than PyTorch eager and HIPS autograd; (4) at most a
third of JAX's; (5) at most 5 µs; (6) no more than hand-written NumPy.
"""

from __future__ import annotations

import os

# One thread, set before NumPy, JAX or PyTorch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse  # noqa: E402
import gc  # noqa: E402
import itertools  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
    jax.config.update("jax_platforms", "cpu")  # type: ignore[no-untyped-call]
except ImportError:  # pragma: no cover - optional peer
    jax = None
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - optional peer
    torch = None
try:
    import autograd  # type: ignore[import-untyped]
    import autograd.numpy as anp  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - optional peer
    autograd = None


def median_us(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median over ``repeat`` runs of the time of one call, in microseconds."""
    fn()
    fn()  # warm up caches, lazy imports and compilation
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def interleaved_us(fns: dict[str, Callable[[], Any]], number: int, repeat: int) -> dict[str, float]:
    """Median µs per call of each function, measured in interleaved rounds (each round runs
    every function once more), so that the machine's load and the allocator's state drift
    alike for all of them."""
    for fn in fns.values():
        fn()
        fn()  # warm up caches, lazy imports and compilation
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            runs[name].append(timeit.timeit(fn, number=number) / number * 1e6)
    return {name: statistics.median(r) for name, r in runs.items()}


def block(x: Any) -> Any:
    """Wait for JAX's asynchronous dispatch; identity for everything else."""
    if jax is not None and hasattr(x, "block_until_ready"):
        return x.block_until_ready()
    return x


# ---- (1) a 20-operation elementwise chain ------------------------------------------------

# Four blocks of five: sin, scale, shift, tanh, exp (bounded, smooth, no special points).
BLOCKS = 4


def chain(m: Any) -> Callable[[Any], Any]:
    """The chain, written against the NumPy-like module ``m``."""

    def f(x: Any) -> Any:
        y = x
        for _ in range(BLOCKS):
            y = m.exp(m.tanh(m.sin(y) * 0.9 + 0.1))
        return m.sum(y)

    return f


def chain_grad_numpy(x: np.ndarray) -> np.ndarray:
    """The chain's gradient by hand: a forward pass keeping what the backward pass needs."""
    saved = []
    y = x
    for _ in range(BLOCKS):
        c = np.cos(y)
        y = np.sin(y) * 0.9 + 0.1
        t = np.tanh(y)
        y = np.exp(t)
        saved.append((c, t, y))
    g = np.ones_like(x)
    for c, t, e in reversed(saved):
        g = g * e
        g = g * (1.0 - t * t)
        g = g * 0.9
        g = g * c
    return g


def chain_torch_grad(x: Any, torch: Any = torch) -> Any:
    """The chain's gradient in PyTorch eager (or ``tracegrad.torch`` passed as ``torch``)."""
    x = x.detach().requires_grad_(True)
    y = x
    for _ in range(BLOCKS):
        y = torch.exp(torch.tanh(torch.sin(y) * 0.9 + 0.1))
    y.sum().backward()
    return x.grad


def chain_rows(size: int, number: int, repeat: int) -> dict[str, float]:
    x = np.linspace(-1.0, 1.0, size)
    jitted = tg.jit(tg.grad(chain(tnp)))
    np.testing.assert_allclose(jitted(x), chain_grad_numpy(x), rtol=1e-12)
    fns: dict[str, Callable[[], Any]] = {
        "numpy (by hand)": lambda: chain_grad_numpy(x),
        "tracegrad jit": lambda: jitted(x),
    }
    if jax is not None:
        jg = jax.jit(jax.grad(chain(jnp)))
        xj = jnp.asarray(x)
        fns["jax jit"] = lambda: block(jg(xj))
    if torch is not None:
        xt = torch.from_numpy(x)
        fns["torch eager"] = lambda: chain_torch_grad(xt)
    return interleaved_us(fns, number, repeat)


# ---- (2) the MLP training step -----------------------------------------------------------

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def mlp_data() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    params = {}
    for i, (m, n) in enumerate(itertools.pairwise(SIZES), start=1):
        params[f"w{i}"] = (rng.normal(size=(m, n)) / np.sqrt(m)).astype(np.float32)
        params[f"b{i}"] = np.zeros(n, np.float32)
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    return params, x, y


def mlp_loss(m: Any, log_softmax: Callable[[Any], Any]) -> Callable[..., Any]:
    def loss(p: dict[str, Any], x: Any, y: Any) -> Any:
        h = m.tanh(x @ p["w1"] + p["b1"])
        h = m.tanh(h @ p["w2"] + p["b2"])
        out = h @ p["w3"] + p["b3"]
        return -m.mean(m.sum(log_softmax(out) * y, axis=1))

    return loss


def make_tracegrad_step(jitted: bool = True) -> Callable[..., Any]:
    loss = mlp_loss(tnp, lambda o: tg.nn.log_softmax(o, axis=1))

    def step(p: dict[str, Any], x: Any, y: Any) -> dict[str, Any]:
        g = tg.grad(loss)(p, x, y)
        return {k: p[k] - LR * g[k] for k in p}

    return tg.jit(step) if jitted else step


def numpy_step(p: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """One SGD step, the gradient written by hand."""
    w1, b1, w2, b2, w3, b3 = (p[k] for k in ("w1", "b1", "w2", "b2", "w3", "b3"))
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    out = h2 @ w3 + b3
    z = out - out.max(axis=1, keepdims=True)
    e = np.exp(z)
    softmax = e / e.sum(axis=1, keepdims=True)
    # d(-mean(sum(log_softmax * y)))/d out = (softmax * sum(y) - y) / batch
    d_out = (softmax * y.sum(axis=1, keepdims=True) - y) * np.float32(1.0 / len(x))
    d_h2 = (d_out @ w3.T) * (1.0 - h2 * h2)
    d_h1 = (d_h2 @ w2.T) * (1.0 - h1 * h1)
    grads = {
        "w3": h2.T @ d_out,
        "b3": d_out.sum(axis=0),
        "w2": h1.T @ d_h2,
        "b2": d_h2.sum(axis=0),
        "w1": x.T @ d_h1,
        "b1": d_h1.sum(axis=0),
    }
    return {k: p[k] - LR * grads[k] for k in p}


def make_jax_step() -> Callable[..., Any]:
    loss = mlp_loss(jnp, lambda o: jax.nn.log_softmax(o, axis=1))

    def step(p: dict[str, Any], x: Any, y: Any) -> dict[str, Any]:
        g = jax.grad(loss)(p, x, y)
        return {k: p[k] - LR * g[k] for k in p}

    return jax.jit(step)


def make_torch_step(torch: Any = torch) -> Callable[..., Any]:
    """The step in PyTorch eager, or in ``tracegrad.torch`` when that is ``torch``."""

    def step(p: dict[str, Any], x: Any, y: Any) -> dict[str, Any]:
        for v in p.values():
            v.grad = None
        h = torch.tanh(x @ p["w1"] + p["b1"])
        h = torch.tanh(h @ p["w2"] + p["b2"])
        out = h @ p["w3"] + p["b3"]
        loss = -(torch.log_softmax(out, dim=1) * y).sum(dim=1).mean()
        loss.backward()
        with torch.no_grad():
            return {k: (v - LR * v.grad).requires_grad_(True) for k, v in p.items()}

    return step


def mlp_rows(number: int, repeat: int) -> dict[str, float]:
    p, x, y = mlp_data()
    step = make_tracegrad_step()
    want = numpy_step(p, x, y)
    got = step(p, x, y)
    for k in p:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-4, atol=1e-6)
        assert got[k].dtype == np.float32
    fns: dict[str, Callable[[], Any]] = {
        "numpy (by hand)": lambda: numpy_step(p, x, y),
        "tracegrad jit": lambda: step(p, x, y),
    }
    if jax is not None:
        jstep = make_jax_step()
        pj = {k: jnp.asarray(v) for k, v in p.items()}
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        fns["jax jit"] = lambda: block(jstep(pj, xj, yj)["w1"])
    if torch is not None:
        tstep = make_torch_step()
        pt = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in p.items()}
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        fns["torch eager"] = lambda: tstep(pt, xt, yt)
    return interleaved_us(fns, number, repeat)


# ---- (3) the 4th derivative of tanh --------------------------------------------------------


def torch_fourth_derivative(mod: Any, x: float) -> Callable[[], Any]:
    """The 4th derivative of tanh at ``x`` by ``torch.autograd.grad`` with ``create_graph``
    (``mod``: PyTorch or the Tensor shim)."""

    def torch_d4() -> Any:
        xt = mod.tensor(x, dtype=mod.float64, requires_grad=True)
        y = mod.tanh(xt)
        for _ in range(4):
            (y,) = mod.autograd.grad(y, xt, create_graph=True)
        return y

    return torch_d4


def d4_rows(number: int, repeat: int) -> dict[str, float]:
    def nest(grad: Callable[..., Any], f: Callable[..., Any]) -> Callable[..., Any]:
        return grad(grad(grad(grad(f))))

    x = 0.3
    eager = nest(tg.grad, tnp.tanh)
    jitted = tg.jit(eager)
    want = float(eager(x))
    assert abs(float(jitted(x)) - want) < 1e-12 * max(1.0, abs(want))
    times = {
        "tracegrad jit": median_us(lambda: jitted(x), number, repeat),
        "tracegrad eager": median_us(lambda: eager(x), max(1, number // 20), repeat),
    }
    if torch is not None:
        torch_d4 = torch_fourth_derivative(torch, x)
        assert abs(float(torch_d4().detach()) - want) < 1e-10
        times["torch eager"] = median_us(torch_d4, max(1, number // 20), repeat)
    if autograd is not None:
        ag = nest(autograd.grad, anp.tanh)
        assert abs(float(ag(x)) - want) < 1e-10
        times["autograd"] = median_us(lambda: ag(x), max(1, number // 20), repeat)
    if jax is not None:
        jd4 = jax.jit(nest(jax.grad, jnp.tanh))
        times["jax jit"] = median_us(lambda: block(jd4(x)), number, repeat)
    return times


# ---- (4) first-call latency ----------------------------------------------------------------


def first_call_rows(repeat: int) -> dict[str, float]:
    p, x, y = mlp_data()
    runs = []
    for _ in range(repeat):
        step = make_tracegrad_step()  # a new function: nothing cached
        start = time.perf_counter()
        step(p, x, y)
        runs.append(time.perf_counter() - start)
    times = {"tracegrad jit": statistics.median(runs) * 1e6}
    if jax is not None:
        pj = {k: jnp.asarray(v) for k, v in p.items()}
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        runs = []
        for _ in range(repeat):
            jstep = make_jax_step()
            start = time.perf_counter()
            block(jstep(pj, xj, yj)["w1"])
            runs.append(time.perf_counter() - start)
        times["jax jit"] = statistics.median(runs) * 1e6
    return times


# ---- (5) cached-call overhead --------------------------------------------------------------


def overhead_rows(number: int, repeat: int) -> dict[str, float]:
    x = np.ones(10)
    identity = tg.jit(lambda v: v)
    times = {
        "numpy (a Python call)": median_us(lambda: (lambda v: v)(x), number, repeat),
        "tracegrad jit": median_us(lambda: identity(x), number, repeat),
    }
    if jax is not None:
        jid = jax.jit(lambda v: v)
        xj = jnp.asarray(x)
        times["jax jit"] = median_us(lambda: block(jid(xj)), number, repeat)
    return times


# ---- (6) peak memory -----------------------------------------------------------------------


def peak_bytes(fn: Callable[[], Any]) -> int:
    fn()  # compile outside the measurement
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del out
    finally:
        tracemalloc.stop()
    return peak - base


def memory_rows() -> dict[str, float]:
    x = np.linspace(-1.0, 1.0, 1_000_000)
    jitted = tg.jit(tg.grad(chain(tnp)))
    return {
        "numpy (by hand)": peak_bytes(lambda: chain_grad_numpy(x)) / x.nbytes,
        "tracegrad jit": peak_bytes(lambda: jitted(x)) / x.nbytes,
    }


# ---- report --------------------------------------------------------------------------------


def table(title: str, rows: list[tuple[str, dict[str, float]]], unit: str, base: str) -> None:
    names = list(dict.fromkeys(k for _, r in rows for k in r))
    print(f"\n{title}\n")
    others = [n for n in names if n != base]
    print("| case | " + " | ".join(f"{n} {unit}" for n in names) + " | "
          + " | ".join(f"{n} / {base}" for n in others) + " |")  # fmt: skip
    print("|---|" + "---:|" * (len(names) + len(others)))
    for case, r in rows:
        cells = " | ".join(f"{r[n]:.4g}" if n in r else "-" for n in names)
        ratios = " | ".join(
            f"{r[n] / r[base]:.2f}" if n in r and base in r else "-" for n in others
        )
        print(f"| {case} | {cells} | {ratios} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    args = parser.parse_args(argv)
    q = args.quick
    reps = 3 if q else 9
    print(f"tracegrad {tg.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    peers = [n for n, m in (("jax", jax), ("torch", torch), ("autograd", autograd)) if m]
    print("peers: " + (", ".join(peers) or "none") + "; one thread; medians")

    table(
        "(1) gradient of a 20-op elementwise chain, float64, µs per call "
        "(targets: tracegrad jit / numpy <= 1.3 at 10, <= 1.05 at 1e6)",
        [
            ("10 elements", chain_rows(10, 200 if q else 2000, reps)),
            ("1,000,000 elements", chain_rows(1_000_000, 1 if q else 5, reps)),
        ],
        "µs",
        "numpy (by hand)",
    )
    table(
        "(2) MLP step 784-256-256-10, batch 128, float32: grad + SGD, µs per call "
        "(target: tracegrad jit / numpy <= 1.05)",
        [("train step", mlp_rows(5 if q else 50, reps))],
        "µs",
        "numpy (by hand)",
    )
    table(
        "(3) 4th derivative of tanh at a scalar, µs per call "
        "(target: tracegrad jit faster than torch eager and autograd)",
        [("grad(grad(grad(grad(tanh))))", d4_rows(100 if q else 2000, reps))],
        "µs",
        "tracegrad jit",
    )
    table(
        "(4) first call of the MLP step (trace + optimise + generate / compile), µs "
        "(target: tracegrad / jax <= 0.33)",
        [("first call", first_call_rows(3 if q else 7))],
        "µs",
        "jax jit" if jax is not None else "tracegrad jit",
    )
    table(
        "(5) cached call of a jitted identity, 10 elements, µs (target: tracegrad <= 5 µs)",
        [("identity", overhead_rows(2000 if q else 50000, reps))],
        "µs",
        "numpy (a Python call)",
    )
    table(
        "(6) peak memory of the 1e6-element chain gradient, multiples of the input's size "
        "(target: tracegrad <= numpy)",
        [("peak / input", memory_rows())],
        "x",
        "numpy (by hand)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
