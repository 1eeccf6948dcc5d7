"""``tracegrad.torch`` next to PyTorch eager, in one run, on one thread.

Run: ``python benchmarks/bench_torch_shim.py`` (``--quick`` for a short smoke run).

(a) SPEC section 8's first example: the loop of six ``output = X[i,j] * X[i,j];
    output.backward()`` on a fresh 3x3 leaf. Median time of the loop, and per recorded
    node (12 nodes: six ``SelectBackward0`` and six ``MulBackward0``).
(c) Issue 15's W2 through the shim: the gradient of bench_memory.py's 20-op elementwise chain
    (sin, a scale, exp, a shift, log; four times; then a sum) of a float64 leaf of 10
    elements: forward and ``backward()``.
(b) One training step of an MLP 784-256-256-10 (tanh, batch 128, cross-entropy, float32):
    forward, ``loss.backward()`` and an update: by hand under ``no_grad`` (``p -= lr *
    p.grad``), by ``torch.optim.SGD`` or by ``torch.optim.Adam``. Median time of each, the
    optimizer's ``step()`` alone, and the peak memory of the step by hand, measured two ways:
    - tracemalloc (tracegrad only: NumPy reports its buffers to tracemalloc, PyTorch's
      CPU allocator does not): the peak traced bytes of a steady-state step above what
      was live before it;
    - RSS growth (both, each in a fresh subprocess, Linux): the high-water mark VmHWM over
      three steps after a warm-up step, minus the RSS before them, with glibc's mmap
      threshold fixed at 64 KiB so that freed arrays go back to the OS and RSS follows
      live memory (``ru_maxrss`` cannot be used: it keeps the parent's peak across
      ``fork``/``exec``). PyTorch has no
      allocator statistics on the CPU (``torch.cuda.memory_stats`` is CUDA only), hence
      RSS for it.
Targets (issue 10): (b) no slower than PyTorch eager (issue 3: its memory within 1.5x of
PyTorch's); (a) report the figure and the cost per node. Issue 15: (a) at most 0.5x PyTorch
eager, (c) at most 1.0x.
"""

from __future__ import annotations

import os

# One thread, set before NumPy or torch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402


def load(name: str) -> ModuleType | None:
    """``tracegrad.torch`` or real ``torch`` (None when torch is not installed)."""
    if name == "tracegrad":
        import tracegrad.torch as tt

        return tt
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


# Wall time (perf_counter), or with --cpu-time the CPU time of the process (less disturbed by
# other jobs on a shared machine).
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def medians_s(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median time of one call of each function, in seconds, over ``repeat`` rounds that
    call each once in turn, so that the load of a shared machine falls on all alike."""
    for fn in fns.values():
        fn()
        fn()  # warm up: staged plans, lazy imports, allocator pools
    runs: dict[str, list[float]] = {n: [] for n in fns}
    for _ in range(repeat):
        for n, fn in fns.items():
            start = CLOCK[0]()
            fn()
            runs[n].append(CLOCK[0]() - start)
    return {n: statistics.median(r) for n, r in runs.items()}


# ---- (a) the loop of SPEC section 8 -------------------------------------------------------------


def spec8_loop(torch: ModuleType) -> Callable[[], Any]:
    def run() -> Any:
        X = torch.tensor([[2, 4, 6], [2, 7, 9], [2, 4, 5]], dtype=torch.float, requires_grad=True)
        for i in range(2):
            for j in range(3):
                output = X[i, j] * X[i, j]
                output.backward()
        return X.grad

    return run


def w2_chain(torch: ModuleType) -> Callable[[], Any]:
    """(c): the gradient of bench_memory.py's chain at n = 10, through ``torch``."""
    from bench_memory import chain  # imported here: bench_memory imports this module

    x0 = np.linspace(-1.0, 1.0, 10)

    def run() -> Any:
        x = torch.tensor(x0, requires_grad=True)
        chain(torch, x).backward()
        return x.grad

    return run


# ---- (b) one MLP training step ------------------------------------------------------------------

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


UPDATES = ("by hand", "SGD", "Adam")
# Adam moves every weight by about lr per step: at 1e-2 the loss of the fixed batch falls to
# 1e-7 within the run and the gradients become denormal floats, slow on both frameworks.
OPTIM_LR = {"SGD": LR, "Adam": 1e-4}


def mlp(torch: ModuleType, update: str = "by hand") -> tuple[list[Any], Callable[[], Any]]:
    """Parameters and a step function, the same data for both frameworks (float32)."""
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(n_in)
        w = rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, n_out).astype(np.float32)
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    x = torch.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = torch.tensor(rng.integers(0, SIZES[-1], BATCH))
    F = torch.nn.functional
    opt = None if update == "by hand" else getattr(torch.optim, update)(params, lr=OPTIM_LR[update])

    def step() -> Any:
        h = x
        for k in range(0, len(params) - 2, 2):
            h = torch.tanh(h @ params[k] + params[k + 1])
        loss = F.cross_entropy(h @ params[-2] + params[-1], y)
        loss.backward()
        if opt is not None:
            opt.step()
            opt.zero_grad()
            return loss
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return params, step


def optimizer_step(torch: ModuleType, name: str) -> Callable[[], Any]:
    """``step()`` of an optimizer alone, over the MLP's parameters with fixed gradients."""
    params, _ = mlp(torch)
    rng = np.random.default_rng(1)
    for p in params:
        p.grad = torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    opt = getattr(torch.optim, name)(params, lr=OPTIM_LR[name])
    return opt.step  # type: ignore[no-any-return]


def tracemalloc_peak(step: Callable[[], Any]) -> int:
    """Peak bytes traced during one steady-state step, above what was live before it."""
    step()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def peak_rss_growth(run: Callable[[], Any]) -> int:
    """The peak RSS while ``run()`` runs above the RSS before it, in bytes (Linux: the
    high-water mark VmHWM is reset through /proc/self/clear_refs first)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM := VmRSS
    before = _status_kib("VmRSS")
    run()
    return (_status_kib("VmHWM") - before) * 1024


def json_from_child(script: str, *args: str) -> Any:
    """Run ``script`` with ``args`` in a fresh interpreter (glibc's mmap threshold fixed at
    64 KiB so that freed arrays leave the RSS) and return the JSON of its last line, or None
    if it failed (its last error line goes to stderr)."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    proc = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        print(f"{args}: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rss_child(name: str) -> None:
    """In a fresh process: the peak RSS over three steady-state steps above the RSS before
    them (after a warm-up step). Prints the bytes as JSON."""
    torch = load(name)
    assert torch is not None
    _, step = mlp(torch)
    step()  # warm up: staged plans, lazy imports

    def three_steps() -> None:
        for _ in range(3):
            step()

    print(json.dumps({"growth": peak_rss_growth(three_steps)}))


def rss_growth(name: str) -> int | None:
    found = json_from_child(__file__, "--rss-child", name)
    return None if found is None else int(found["growth"])


# ---- report -------------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--cpu-time", action="store_true", help="time by process CPU time")
    parser.add_argument("--small", action="store_true", help="(a) and (c) only, not the MLP")
    parser.add_argument("--rss-child", choices=("tracegrad", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cpu_time:
        CLOCK[0] = time.process_time
    if args.rss_child:
        rss_child(args.rss_child)
        return
    repeat = 5 if args.quick else 51
    names = ["tracegrad", "torch"]
    mods = {n: load(n) for n in names}
    present = {n: m for n, m in mods.items() if m is not None}
    loop: dict[str, float | None] = {n: None for n in names}
    loop.update(medians_s({n: spec8_loop(m) for n, m in present.items()}, repeat * 4))
    w2: dict[str, float | None] = {n: None for n in names}
    w2.update(medians_s({n: w2_chain(m) for n, m in present.items()}, repeat * 4))
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}", end="")
    torch = mods["torch"]
    print(f", torch {torch.__version__}" if torch is not None else ", torch not installed")
    clock = "process CPU time" if args.cpu_time else "wall time"
    print(f"medians of {repeat} runs ((a), (c): {repeat * 4}), one thread, {clock}\n")
    print("(a) SPEC 8 loop, six backward calls, 12 nodes")
    print("| | tracegrad.torch | PyTorch | ratio |\n|---|---:|---:|---:|")

    def us(v: float | None, scale: float = 1.0) -> str:
        return "-" if v is None else f"{v * 1e6 / scale:.1f} µs"

    print(
        f"| loop | {us(loop['tracegrad'])} | {us(loop['torch'])} | "
        f"{ratio(loop['tracegrad'], loop['torch'])} |"
    )
    print(f"| per node | {us(loop['tracegrad'], 12)} | {us(loop['torch'], 12)} | |")
    print(f"| per backward call | {us(loop['tracegrad'], 6)} | {us(loop['torch'], 6)} | |")
    print("\n(c) W2: grad of a 20-op elementwise chain, n = 10, float64")
    print("| | tracegrad.torch | PyTorch | ratio |\n|---|---:|---:|---:|")
    ours, theirs = w2["tracegrad"], w2["torch"]
    print(f"| forward + backward | {us(ours)} | {us(theirs)} | {ratio(ours, theirs)} |")
    if args.small:
        return
    train: dict[tuple[str, str], float | None] = {(n, u): None for n in names for u in UPDATES}
    alone: dict[tuple[str, str], float | None] = {(n, u): None for n in names for u in UPDATES}
    for u in UPDATES:
        times = medians_s({n: mlp(m, u)[1] for n, m in present.items()}, repeat)
        train.update({(n, u): t for n, t in times.items()})
        if u != "by hand":
            times = medians_s({n: optimizer_step(m, u) for n, m in present.items()}, repeat * 4)
            alone.update({(n, u): t for n, t in times.items()})
    tg_torch = mods["tracegrad"]
    assert tg_torch is not None
    traced = tracemalloc_peak(mlp(tg_torch)[1])
    rss = {n: rss_growth(n) if mods[n] is not None else None for n in names}

    print("\n(b) MLP 784-256-256-10, tanh, batch 128, cross-entropy, float32, one step")
    print("| | tracegrad.torch | PyTorch | ratio |\n|---|---:|---:|---:|")

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1e3:.2f} ms"

    def mib(v: float | None) -> str:
        return "-" if v is None else f"{v / 2**20:.2f} MiB"

    for u in UPDATES:
        ours, theirs = train["tracegrad", u], train["torch", u]
        print(f"| step time, update {u} | {ms(ours)} | {ms(theirs)} | {ratio(ours, theirs)} |")
    for u in UPDATES[1:]:
        ours, theirs = alone["tracegrad", u], alone["torch", u]
        print(f"| {u}.step() alone | {ms(ours)} | {ms(theirs)} | {ratio(ours, theirs)} |")
    print(
        f"| peak, RSS growth | {mib(rss['tracegrad'])} | {mib(rss['torch'])} | "
        f"{ratio(rss['tracegrad'], rss['torch'])} |"
    )
    print(f"| peak, tracemalloc | {mib(traced)} | n/a | |")


if __name__ == "__main__":
    main()
