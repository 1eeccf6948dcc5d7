"""Chunked kernels on threads (backend/threads.py): which kernels gain from running their
chunks on the machine's cores, against the time of a step of a chunk: one of its NumPy calls,
or one of ``chunking.CHUNK_STEPS`` more for the chunk's own work (the rule of
``chunking.THREAD_MIN_CALL``).

Run: ``python benchmarks/bench_chunk_threads.py`` (``--quick``: fewer rounds).

Each kernel is a jitted elementwise chain on 2^18 elements: an expensive function (or
none) followed by products and sums, in float64 and float32. For each, the time of a
chunk on one thread (from the one-thread time: 32 chunks of 8,192 elements) per step,
and the time on every core over the time on one thread, with the rule off
(``THREAD_MIN_CALL = 0``: every kernel on threads). Interleaved rounds, medians of wall
time (threads are about wall time); the load of the machine is printed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402
from tracegrad.backend import chunking, threads  # noqa: E402

SIZE = 2**18
CORES = os.cpu_count() or 1
KERNELS: list[tuple[str, Callable[[Any], Any] | None, int]] = [
    ("products and sums", None, 4),
    ("products and sums", None, 12),
    ("exp", tnp.exp, 3),
    ("exp", tnp.exp, 1),
    ("tanh", tnp.tanh, 3),
    ("tanh", tnp.tanh, 1),
    ("log1p", tnp.log1p, 2),
    ("sin", tnp.sin, 3),
    ("sin", tnp.sin, 12),
    ("sin", tnp.sin, 24),
]


def kernel(first: Callable[[Any], Any] | None, cheap: int) -> Callable[[Any], Any]:
    """``first(x)`` (or ``x * 1.5``), then ``cheap`` products and sums."""

    def f(x: Any) -> Any:
        y = first(x) if first is not None else x * 1.5
        for i in range(cheap):
            y = y * 0.5 + x if i % 2 else y - 0.25
        return y

    return f


def one_kernel(fn: Callable[[Any], Any], x: np.ndarray, rounds: int) -> tuple[float, float, int]:
    """Seconds a call on one thread and on every core (medians), and the kernel's calls."""
    jf = tg.jit(fn)
    jf(x)
    jf(x)
    calls = len(jf.lower(x).as_text().split("def program")[0].split("= np_")) - 1
    runs: dict[int, list[float]] = {1: [], CORES: []}
    for _ in range(rounds):
        for n in runs:
            threads.set_count(n)
            start = time.perf_counter()
            for _ in range(5):
                jf(x)
            runs[n].append((time.perf_counter() - start) / 5)
    return statistics.median(runs[1]), statistics.median(runs[CORES]), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    args = parser.parse_args()
    chunking.THREAD_MIN_CALL = 0.0
    chunking.MIN_LENGTH = 2
    chunks = SIZE // chunking.CHUNK
    print(f"{CORES} cores, load {os.getloadavg()[0]:.1f}; {SIZE} elements, {chunks} chunks")
    print(f"\n| kernel | dtype | calls | µs a step | {CORES} threads / 1 |")
    print("|---|---|---:|---:|---:|")
    for dtype in (np.float64, np.float32):
        x = np.linspace(0.1, 1.0, SIZE).astype(dtype)
        for name, first, cheap in KERNELS:
            one, many, calls = one_kernel(kernel(first, cheap), x, 3 if args.quick else 9)
            per_step = one / chunks / (calls + chunking.CHUNK_STEPS) * 1e6
            label = name if first is None else f"{name}, then products and sums"
            print(f"| {label} | {np.dtype(dtype).name} | {calls} | {per_step:.1f} | "
                  f"{many / one:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
