"""The benchmark of record (issue 15): workloads W1-W8 for tracegrad (eager, jit, the Tensor
shim) next to NumPy by hand and, when installed, JAX's jit, PyTorch eager and HIPS autograd.

Run: ``python benchmarks/bench_workloads.py`` (``--quick`` for a smoke run of about two
minutes; ``--only W2,W6`` for some workloads; ``--cpu-time`` to time by the CPU time of the
process, less disturbed by the other jobs of a shared machine).

W1  the seed's loop: six ``X[i, j] * X[i, j]`` gradients accumulated on a 3x3 float32 leaf
W2  the gradient of a 20-operation elementwise chain (then a sum), 10 float64 elements
W3  the same on 1,000,000 elements
W4  an MLP training step 784-256-256-10 (tanh, batch 128, log_softmax cross-entropy,
    float32): the gradient and an SGD update
W5  the Hessian of ``sum(tanh(A @ x))`` at a point, x of 50 float64 (a 50x50 Hessian)
W6  the 4th derivative of tanh at a Python float (grad nested four times)
W7  per-example gradients of ``(tanh(x @ w) - y) ** 2`` over a 256x100 float64 batch
    (``vmap(grad)``; autograd, which has no vmap, loops over the rows)
W8  peak memory of W3's gradient, as a multiple of the input's size

Times: one thread everywhere (the thread variables below, XLA's single-thread flags,
``torch.set_num_threads(1)``); every column of a workload takes its turn in each round, so
the load of a shared machine falls on all alike; medians over the rounds. Under the table,
W3 and W8 of tracegrad's jit with its chunked kernels on every core (threads lower wall
time: time them without ``--cpu-time``), with the cores it and JAX kept busy. Each column's
result is checked against NumPy's before it is timed. Memory (W8): every column in a fresh
subprocess, the same method for all: the growth of the resident set over one call (Linux:
the high-water mark VmHWM, reset through /proc/self/clear_refs after a warm-up call, minus
the RSS before the call; glibc's mmap threshold fixed at 64 KiB so that freed arrays leave
the RSS), divided by the input's bytes. First calls: a new jitted function each time
(trace, optimise and compile; tracegrad compiles on the second call, so that column adds
the second call), next to JAX's.
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
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench_jit import (  # noqa: E402
    autograd,
    block,
    chain,
    chain_grad_numpy,
    chain_torch_grad,
    jax,
    make_jax_step,
    make_torch_step,
    make_tracegrad_step,
    mlp_data,
    mlp_loss,
    numpy_step,
    torch,
    torch_fourth_derivative,
)
from bench_torch_shim import json_from_child, peak_rss_growth, spec8_loop  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402
import tracegrad.torch as tt  # noqa: E402

if jax is not None:
    import jax.numpy as jnp
if autograd is not None:
    import autograd.numpy as anp  # type: ignore[import-untyped]
    from autograd.scipy.special import logsumexp  # type: ignore[import-untyped]

Case = Callable[[], Any]
COLUMNS = (
    "numpy",
    "jax jit",
    "torch eager",
    "autograd",
    "tg eager",
    "tg jit",
    "tg.torch",
)
PEERS = {"jax jit": jax, "torch eager": torch, "autograd": autograd}


# ---- W1: the seed's loop ------------------------------------------------------------------

SEED = np.array([[2, 4, 6], [2, 7, 9], [2, 4, 5]], np.float32)
INDICES = [(i, j) for i in range(2) for j in range(3)]


def square_at(x: Any, i: int, j: int) -> Any:
    return x[i, j] * x[i, j]


def accumulated(grad: Callable[[Any, int, int], Any], x: Any) -> Case:
    """Six gradients of ``square_at``, summed (what six ``backward`` calls accumulate)."""

    def run() -> Any:
        total = grad(x, *INDICES[0])
        for i, j in INDICES[1:]:
            total = total + grad(x, i, j)
        return total

    return run


def w1(col: str) -> Case | None:
    if col == "numpy":

        def by_hand() -> Any:
            g = np.zeros_like(SEED)
            for i, j in INDICES:
                g[i, j] += 2 * SEED[i, j]
            return g

        return by_hand
    if col == "jax jit":
        jg = accumulated(jax.jit(jax.grad(square_at), static_argnums=(1, 2)), jnp.asarray(SEED))
        return lambda: block(jg())
    if col == "autograd":
        return accumulated(autograd.grad(square_at), SEED)
    if col == "tg eager":
        return accumulated(tg.grad(square_at), SEED)
    if col == "tg jit":
        return accumulated(tg.jit(tg.grad(square_at), static_argnums=(1, 2)), SEED)
    return spec8_loop(torch if col == "torch eager" else tt)


# ---- W2, W3: the 20-operation chain ---------------------------------------------------------


def chain_case(size: int) -> Callable[[str], Case | None]:
    x = np.linspace(-1.0, 1.0, size)

    def case(col: str) -> Case | None:
        if col == "numpy":
            return lambda: chain_grad_numpy(x)
        if col == "jax jit":
            g, xj = jax.jit(jax.grad(chain(jnp))), jnp.asarray(x)
            return lambda: block(g(xj))
        if col == "autograd":
            ag = autograd.grad(chain(anp))
            return lambda: ag(x)
        if col in ("tg eager", "tg jit"):
            tgg = tg.grad(chain(tnp))
            tgg = tg.jit(tgg) if col == "tg jit" else tgg
            return lambda: tgg(x)
        mod = torch if col == "torch eager" else tt
        xt = mod.from_numpy(x)
        return lambda: chain_torch_grad(xt, mod)

    return case


def chain_grad_blocked(x: np.ndarray, block: int = 8192) -> np.ndarray:
    """NumPy by hand, blocked: ``chain_grad_numpy`` on ``block`` elements at a time, whose
    intermediates then stay in the cache (the same calls on each element: the same bits)."""
    out = np.empty_like(x)
    for lo in range(0, x.size, block):
        out[lo : lo + block] = chain_grad_numpy(x[lo : lo + block])
    return out


def transcendentals_only(x: np.ndarray) -> Case:
    """The chain gradient's sin, cos, tanh and exp calls alone, on the values it applies them
    to, written into one buffer: what any program giving NumPy's bits pays at the least."""
    sines, tanhs, buffer = [], [], np.empty_like(x)
    y = x
    for _ in range(4):
        sines.append(y)
        tanhs.append(np.sin(y) * 0.9 + 0.1)
        y = np.exp(np.tanh(tanhs[-1]))

    def run() -> None:
        for s, t in zip(sines, tanhs, strict=True):
            np.sin(s, buffer)
            np.cos(s, buffer)
            np.exp(np.tanh(t, buffer), buffer)

    return run


# tracegrad's jit with a chunked kernel's chunks on every core (backend/threads.py): W3 and
# W8 only, under the table, next to JAX's column. The table itself is one thread for every
# column, tracegrad's included (OMP_NUM_THREADS=1 above is its default thread count too).
CORES = os.cpu_count() or 1
THREADED = f"tg jit, {CORES} threads"


def on_cores(fn: Case) -> Case:
    """``fn`` run with ``tracegrad_num_threads`` set to the cores (one thread again after)."""

    def run() -> Any:
        tg.config.update("tracegrad_num_threads", CORES)
        try:
            return fn()
        finally:
            tg.config.update("tracegrad_num_threads", 1)

    return run


def cores_used(fn: Case, calls: int = 5) -> float:
    """The process's CPU time over its wall time during ``calls`` calls of ``fn``: the number
    of cores it kept busy (the other jobs of a shared machine lower it)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def threads_note(name: str, t: dict[str, float], fns: dict[str, Case], clock: str) -> list[str]:
    """The threaded row against NumPy and JAX, and the cores each kept busy."""
    vs = f", {t[THREADED] / t['jax jit']:.2f}x jax jit" if "jax jit" in t else ""
    used = ", ".join(f"{k} {cores_used(fns[k]):.1f}" for k in (THREADED, "jax jit") if k in fns)
    return [
        f"{name} {THREADED}: {fmt_time(t[THREADED])} by {clock} ({t[THREADED] / t['numpy']:.2f}x "
        f"numpy{vs}); cores kept busy (CPU time / wall time): {used}"
    ]


def extra_rows(name: str) -> dict[str, Case]:
    """Timings beside the columns, in the same rounds (W3: how low NumPy's calls can go)."""
    if name != "W3":
        return {}
    x = np.linspace(-1.0, 1.0, 1_000_000)
    assert chain_grad_blocked(x).tobytes() == chain_grad_numpy(x).tobytes()
    tg_jit = WORKLOADS["W3"]("tg jit")
    assert tg_jit is not None
    return {
        "NumPy by hand, blocked (8,192 elements)": lambda: chain_grad_blocked(x),
        "its sin, cos, tanh and exp calls alone": transcendentals_only(x),
        THREADED: on_cores(tg_jit),
    }


# ---- W4: an MLP step ----------------------------------------------------------------------


def w4(col: str) -> Case | None:
    p, x, y = mlp_data()
    if col == "numpy":
        return lambda: numpy_step(p, x, y)
    if col in ("tg eager", "tg jit"):
        step = make_tracegrad_step(jitted=col == "tg jit")
        return lambda: step(p, x, y)
    if col == "jax jit":
        jstep = make_jax_step()
        pj = {k: jnp.asarray(v) for k, v in p.items()}
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        return lambda: jax.block_until_ready(jstep(pj, xj, yj))  # every leaf
    if col == "autograd":
        loss = mlp_loss(anp, lambda o: o - logsumexp(o, axis=1, keepdims=True))
        agrad = autograd.grad(loss)

        def ag_step() -> Any:
            g = agrad(p, x, y)
            return {k: p[k] - np.float32(0.01) * g[k] for k in p}

        return ag_step
    mod = torch if col == "torch eager" else tt
    tstep = make_torch_step(mod)
    pt = {k: mod.from_numpy(v.copy()).requires_grad_(True) for k, v in p.items()}
    xt, yt = mod.from_numpy(x), mod.from_numpy(y)
    return lambda: tstep(pt, xt, yt)


# ---- W5: a 50x50 Hessian -------------------------------------------------------------------

_rng = np.random.default_rng(5)
A5 = _rng.normal(size=(50, 50)) / np.sqrt(50)
X5 = _rng.normal(size=50)


def tanh_sum(m: Any, a: Any) -> Callable[[Any], Any]:
    return lambda x: m.sum(m.tanh(a @ x))


def w5(col: str) -> Case | None:
    if col == "numpy":

        def closed_form() -> Any:  # A.T diag(tanh'') A, tanh'' = -2 t (1 - t^2)
            t = np.tanh(A5 @ X5)
            return A5.T @ ((-2.0 * t * (1.0 - t * t))[:, None] * A5)

        return closed_form
    if col == "jax jit":
        h, xj = jax.jit(jax.hessian(tanh_sum(jnp, jnp.asarray(A5)))), jnp.asarray(X5)
        return lambda: block(h(xj))
    if col == "autograd":
        ah = autograd.hessian(tanh_sum(anp, A5))
        return lambda: ah(X5)
    if col in ("tg eager", "tg jit"):
        th = tg.hessian(tanh_sum(tnp, A5))
        th = tg.jit(th) if col == "tg jit" else th
        return lambda: th(X5)
    mod = torch if col == "torch eager" else tt
    fh, xt = mod.func.hessian(tanh_sum(mod, mod.from_numpy(A5))), mod.from_numpy(X5)
    return lambda: fh(xt)


# ---- W6: the 4th derivative of tanh ----------------------------------------------------------

X6 = 0.3


def nest4(grad: Callable[..., Any], f: Callable[..., Any]) -> Callable[..., Any]:
    return grad(grad(grad(grad(f))))


def w6(col: str) -> Case | None:
    if col == "numpy":

        def closed_form() -> Any:  # d4 tanh = 8 t (1 - t^2) (2 - 3 t^2), t = tanh(x)
            t = np.tanh(X6)  # a NumPy scalar, and NumPy scalar arithmetic
            return 8.0 * t * (1.0 - t * t) * (2.0 - 3.0 * t * t)

        return closed_form
    if col == "jax jit":
        jd4 = jax.jit(nest4(jax.grad, jnp.tanh))
        return lambda: block(jd4(X6))
    if col == "autograd":
        ad4 = nest4(autograd.grad, anp.tanh)
        return lambda: ad4(X6)
    if col in ("tg eager", "tg jit"):
        td4 = nest4(tg.grad, tnp.tanh)
        td4 = tg.jit(td4) if col == "tg jit" else td4
        return lambda: td4(X6)
    return torch_fourth_derivative(torch if col == "torch eager" else tt, X6)


# ---- W7: per-example gradients ---------------------------------------------------------------

X7 = _rng.normal(size=(256, 100)) / 10.0
Y7 = _rng.normal(size=256)
W7 = _rng.normal(size=100)


def example_loss(m: Any) -> Callable[[Any, Any, Any], Any]:
    return lambda w, x, y: (m.tanh(x @ w) - y) ** 2


def w7(col: str) -> Case | None:
    if col == "numpy":

        def by_hand() -> Any:
            t = np.tanh(X7 @ W7)
            return (2.0 * (t - Y7) * (1.0 - t * t))[:, None] * X7

        return by_hand
    if col == "jax jit":
        jg = jax.jit(jax.vmap(jax.grad(example_loss(jnp)), in_axes=(None, 0, 0)))
        args = tuple(jnp.asarray(v) for v in (W7, X7, Y7))
        return lambda: block(jg(*args))
    if col == "autograd":
        ag = autograd.grad(example_loss(anp))
        return lambda: np.stack([ag(W7, x, y) for x, y in zip(X7, Y7, strict=True)])
    if col in ("tg eager", "tg jit"):
        tgv = tg.vmap(tg.grad(example_loss(tnp)), in_axes=(None, 0, 0))
        tgv = tg.jit(tgv) if col == "tg jit" else tgv
        return lambda: tgv(W7, X7, Y7)
    mod = torch if col == "torch eager" else tt
    fv = mod.func.vmap(mod.func.grad(example_loss(mod)), in_dims=(None, 0, 0))
    targs = tuple(mod.from_numpy(v) for v in (W7, X7, Y7))
    return lambda: fv(*targs)


WORKLOADS: dict[str, Callable[[str], Case | None]] = {
    "W1": w1,
    "W2": chain_case(10),
    "W3": chain_case(1_000_000),
    "W4": w4,
    "W5": w5,
    "W6": w6,
    "W7": w7,
}
TOLERANCE = {"W1": 1e-6, "W4": 1e-4}  # float32 workloads; the others are float64


# ---- running and checking ------------------------------------------------------------------


def as_numpy(value: Any) -> Any:
    """A result as NumPy arrays (JAX arrays, tensors of either torch, dicts of them)."""
    if isinstance(value, dict):
        return {k: as_numpy(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        value = value.detach()
        return value.numpy() if hasattr(value, "numpy") else value
    return np.asarray(value)


def cases(name: str) -> dict[str, Case]:
    """The workload's case of every available column, each checked against NumPy's."""
    make = WORKLOADS[name]
    out: dict[str, Case] = {}
    want = None
    for col in COLUMNS:
        if col in PEERS and PEERS[col] is None:
            continue
        fn = make(col)
        if fn is None:
            continue
        got = as_numpy(fn())
        if want is None:
            want = got
        else:
            rtol = TOLERANCE.get(name, 1e-9)
            if isinstance(want, dict):
                for k in want:
                    np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=rtol, err_msg=col)
            else:
                np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=col)
        out[col] = fn
    return out


# Wall time, or with --cpu-time the CPU time of the process (all its threads), which the
# other jobs of a shared machine disturb less.
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def interleaved_s(fns: dict[str, Case], rounds: int, budget: float) -> dict[str, float]:
    """Median seconds per call of each function over ``rounds`` rounds; in each round every
    function runs in turn, as many calls as fill about ``budget`` seconds."""
    numbers = {}
    for name, fn in fns.items():
        fn()  # warm up: compilation (tracegrad compiles on the second call), caches
        start = time.perf_counter()
        fn()
        numbers[name] = max(1, int(budget / max(time.perf_counter() - start, 1e-7)))
    runs: dict[str, list[float]] = {name: [] for name in fns}
    clock = CLOCK[0]
    for _ in range(rounds):
        for name, fn in fns.items():
            n = numbers[name]
            start = clock()
            for _ in range(n):
                fn()
            runs[name].append((clock() - start) / n)
    return {name: statistics.median(r) for name, r in runs.items()}


def first_calls(name: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Seconds of the first call of a new jitted function (and, for tracegrad, of first and
    second call together), medians over ``repeat`` new functions."""
    out = {}
    for col in ("tg jit", "jax jit"):
        if col == "jax jit" and jax is None:
            continue
        firsts, both = [], []
        for _ in range(repeat):
            fn = WORKLOADS[name](col)  # builds a new jitted function
            assert fn is not None
            start = time.perf_counter()
            fn()
            firsts.append(time.perf_counter() - start)
            fn()
            both.append(time.perf_counter() - start)
        out[col] = (statistics.median(firsts), statistics.median(both))
    return out


# ---- W8: memory in subprocesses ------------------------------------------------------------


def memory_child(col: str) -> None:
    """In a fresh process: the RSS growth of one call of W3's case of ``col``, over the input's
    bytes, printed as JSON."""
    fn = WORKLOADS["W3"]("tg jit" if col == THREADED else col)
    assert fn is not None
    fn = on_cores(fn) if col == THREADED else fn
    fn()
    fn()  # compiled, caches warm
    gc.collect()
    time.sleep(0.2)  # JAX frees the last result's buffer asynchronously
    growth = peak_rss_growth(fn)  # the high-water mark keeps the peak after fn returns
    print(json.dumps({"multiple": growth / (1_000_000 * 8)}))


def memory_multiple(col: str) -> float | None:
    found = json_from_child(__file__, "--memory-child", col)
    return None if found is None else float(found["multiple"])


# ---- report --------------------------------------------------------------------------------


def fmt_time(s: float) -> str:
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--only", default="W1,W2,W3,W4,W5,W6,W7,W8", help="workloads to run")
    parser.add_argument("--cpu-time", action="store_true", help="time by process CPU time")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0
    if args.cpu_time:
        CLOCK[0] = time.process_time
    only = args.only.split(",")
    q = args.quick
    versions = [f"tracegrad {tg.__version__}", f"numpy {np.__version__}"]
    versions += [f"{n} {m.__version__}" for n, m in (("jax", jax), ("torch", torch)) if m]
    versions += ["autograd"] if autograd is not None else []
    print(f"Python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; " + ", ".join(versions))  # fmt: skip
    clock = "process CPU time" if args.cpu_time else "wall time"
    print(f"one thread; interleaved rounds, medians of {clock}; ratios to the numpy column\n")
    shown = [c for c in COLUMNS if c not in PEERS or PEERS[c] is not None]
    ratios = "tg jit / numpy | tg jit / jax jit | tg eager / torch eager"
    print("| workload | " + " | ".join(shown) + f" | {ratios} |")
    print("|---|" + "---:|" * (len(shown) + 3))
    timed: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for name in WORKLOADS:
        if name not in only:
            continue
        rounds = (2 if name == "W3" else 3) if q else 11
        extra = extra_rows(name)
        t = interleaved_s({**cases(name), **extra}, rounds, 0.005 if q else 0.03)
        timed[name] = t
        notes += [
            f"{name} {k}: {fmt_time(t[k])} (tg jit / it: {t['tg jit'] / t[k]:.2f})"
            for k in extra
            if k != THREADED
        ]
        if THREADED in t:
            notes += threads_note(name, t, {THREADED: extra[THREADED], **cases(name)}, clock)
        cells = [fmt_time(t[c]) if c in t else "-" for c in shown]
        ratio = t["tg jit"] / t["numpy"]
        vs_jax = f"{t['tg jit'] / t['jax jit']:.2f}" if "jax jit" in t else "-"
        # issue 15 item 5: eager W2 at most 0.5x torch eager
        vs_torch = (
            f"{t['tg eager'] / t['torch eager']:.2f}"
            if "torch eager" in t and "tg eager" in t
            else "-"
        )
        row = " | ".join(cells) + f" | {ratio:.2f} | {vs_jax} | {vs_torch} |"
        print(f"| {name} | {row}", flush=True)
    if "W8" in only:
        mem = {c: memory_multiple(c) for c in shown if c != "tg.torch"}
        cells = ["-" if mem.get(c) is None else f"{mem[c]:.1f}x" for c in shown]
        print("| W8 memory | " + " | ".join(cells) + " | | | |")
        threaded = memory_multiple(THREADED)
        if threaded is not None:
            notes.append(f"W8 {THREADED}: {threaded:.1f}x")
    print("".join(f"\n{n}" for n in notes))
    print("\nfirst call of a new jitted function (tracegrad: first call; first + second)\n")
    print("| workload | tg jit first | tg jit first + second | jax jit first | tg / jax |")
    print("|---|---:|---:|---:|---:|")
    for name in ("W2", "W4", "W5", "W6", "W7"):
        if name not in only:
            continue
        fc = first_calls(name, 3 if q else 5)
        first, both = fc["tg jit"]
        j = fc.get("jax jit")
        jtxt = fmt_time(j[0]) if j else "-"
        rtxt = f"{both / j[0]:.2f}" if j else "-"
        print(f"| {name} | {fmt_time(first)} | {fmt_time(both)} | {jtxt} | {rtxt} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
