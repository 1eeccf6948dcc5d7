"""``tracegrad.torch`` next to PyTorch eager, in one run, on one thread.

Run: ``python benchmarks/bench_torch_shim.py`` (``--quick`` for a short smoke run).

(a) SPEC section 8's first example: the loop of six ``output = X[i,j] * X[i,j];
    output.backward()`` on a fresh 3x3 leaf. Median time of the loop, and per recorded
    node (12 nodes: six ``SelectBackward0`` and six ``MulBackward0``).
(b) One training step of an MLP 784-256-256-10 (tanh, batch 128, cross-entropy, float32):
    forward, ``loss.backward()`` and an SGD update under ``no_grad``. Median time, and
    the peak memory of the step, measured two ways:
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
Targets (issue 3): (b) no slower than 1.5x PyTorch eager; its memory within 1.5x of
PyTorch's; (a) report the figure and the cost per node.
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


def median_s(fn: Callable[[], Any], repeat: int, number: int = 1) -> float:
    """Median over ``repeat`` runs of the time of one call of ``fn``, in seconds."""
    fn()
    fn()  # warm up: staged plans, lazy imports, allocator pools
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


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


# ---- (b) one MLP training step ------------------------------------------------------------------

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def mlp(torch: ModuleType) -> tuple[list[Any], Callable[[], Any]]:
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

    def step() -> Any:
        h = x
        for k in range(0, len(params) - 2, 2):
            h = torch.tanh(h @ params[k] + params[k + 1])
        loss = F.cross_entropy(h @ params[-2] + params[-1], y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return params, step


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


def rss_child(name: str) -> None:
    """In a fresh process: the peak RSS over three steady-state steps above the RSS before
    them (Linux: the high-water mark VmHWM is reset through /proc/self/clear_refs after a
    warm-up step). Prints the bytes as JSON."""
    torch = load(name)
    assert torch is not None
    _, step = mlp(torch)
    step()  # warm up: staged plans, lazy imports
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    before = _status_kib("VmRSS")
    for _ in range(3):
        step()
    print(json.dumps({"growth": (_status_kib("VmHWM") - before) * 1024}))


def rss_growth(name: str) -> int | None:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    proc = subprocess.run(
        [sys.executable, __file__, "--rss-child", name],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        return None
    growth: int = json.loads(proc.stdout.strip().splitlines()[-1])["growth"]
    return growth


# ---- report -------------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--rss-child", choices=("tracegrad", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return
    repeat = 5 if args.quick else 51
    names = ["tracegrad", "torch"]
    mods = {n: load(n) for n in names}
    loop: dict[str, float | None] = {n: None for n in names}
    train: dict[str, float | None] = {n: None for n in names}
    for n, m in mods.items():
        if m is not None:
            loop[n] = median_s(spec8_loop(m), repeat * 4)
            train[n] = median_s(mlp(m)[1], repeat)
    tg_torch = mods["tracegrad"]
    assert tg_torch is not None
    traced = tracemalloc_peak(mlp(tg_torch)[1])
    rss = {n: rss_growth(n) if mods[n] is not None else None for n in names}

    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}", end="")
    torch = mods["torch"]
    print(f", torch {torch.__version__}" if torch is not None else ", torch not installed")
    print(f"medians of {repeat} runs ((a): {repeat * 4}), one thread\n")
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
    print("\n(b) MLP 784-256-256-10, tanh, batch 128, cross-entropy, float32, one SGD step")
    print("| | tracegrad.torch | PyTorch | ratio |\n|---|---:|---:|---:|")

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1e3:.2f} ms"

    def mib(v: float | None) -> str:
        return "-" if v is None else f"{v / 2**20:.2f} MiB"

    print(
        f"| step time | {ms(train['tracegrad'])} | {ms(train['torch'])} | "
        f"{ratio(train['tracegrad'], train['torch'])} |"
    )
    print(
        f"| peak, RSS growth | {mib(rss['tracegrad'])} | {mib(rss['torch'])} | "
        f"{ratio(rss['tracegrad'], rss['torch'])} |"
    )
    print(f"| peak, tracemalloc | {mib(traced)} | n/a | |")


if __name__ == "__main__":
    main()
