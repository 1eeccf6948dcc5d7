"""Draw speed of ``tracegrad.torch``'s PyTorch-identical random numbers, next to PyTorch
(the same numbers, in C++) and NumPy's ``default_rng`` (other numbers, the fastest NumPy
can draw), one thread.

Run: ``python benchmarks/bench_torch_random.py`` (``--quick`` for a short smoke run).

For each draw (``rand``/``randn`` in float32 and float64 with n = 10**6, ``randn`` below
16 elements, ``randint``, ``randperm`` with n = 10**5, ``normal_``, ``exponential_`` and
``multinomial``) the median time of one call and ns per element, and the ratios.
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

import tracegrad.torch as tt  # noqa: E402


def median_s(fn: Callable[[], Any], repeat: int) -> float:
    """Median over ``repeat`` runs of one call of ``fn``, in seconds (after a warm-up)."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def cases(T: Any, n: int) -> dict[str, tuple[int, Callable[[], Any]]]:
    """name -> (elements, call) for the namespace ``T`` (tracegrad.torch or torch)."""
    w = T.ones(1000)
    return {
        "rand float32": (n, lambda: T.rand(n)),
        "rand float64": (n, lambda: T.rand(n, dtype=T.float64)),
        "randn float32": (n, lambda: T.randn(n)),
        "randn float64": (n // 10, lambda: T.randn(n // 10, dtype=T.float64)),
        "randn(8) float32": (8, lambda: T.randn(8)),
        "randint(0, 10)": (n, lambda: T.randint(0, 10, (n,))),
        "randperm": (n // 10, lambda: T.randperm(n // 10)),
        "normal_(1, 2) float32": (n, lambda: T.empty(n).normal_(1.0, 2.0)),
        "exponential_ float32": (n // 10, lambda: T.empty(n // 10).exponential_()),
        "multinomial 1000 -> 100": (100, lambda: T.multinomial(w, 100)),
    }


def numpy_cases(n: int) -> dict[str, Callable[[], Any]]:
    rng = np.random.default_rng(0)
    p = np.full(1000, 1e-3)
    return {
        "rand float32": lambda: rng.random(n, dtype=np.float32),
        "rand float64": lambda: rng.random(n),
        "randn float32": lambda: rng.standard_normal(n, dtype=np.float32),
        "randn float64": lambda: rng.standard_normal(n // 10),
        "randn(8) float32": lambda: rng.standard_normal(8, dtype=np.float32),
        "randint(0, 10)": lambda: rng.integers(0, 10, n),
        "randperm": lambda: rng.permutation(n // 10),
        "normal_(1, 2) float32": lambda: rng.normal(1.0, 2.0, n).astype(np.float32),
        "exponential_ float32": lambda: rng.standard_exponential(n // 10, dtype=np.float32),
        "multinomial 1000 -> 100": lambda: rng.choice(1000, 100, replace=False, p=p),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, repeat = (10**5, 3) if args.quick else (10**6, 11)
    try:
        import torch

        torch.set_num_threads(1)
        theirs: dict[str, tuple[int, Callable[[], Any]]] | None = cases(torch, n)
    except ImportError:
        theirs = None
    ours, plain = cases(tt, n), numpy_cases(n)
    print("| draw | n | tracegrad ms | ns/elem | torch ms | numpy ms | / torch | / numpy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (count, fn) in ours.items():
        t_tg = median_s(fn, repeat)
        t_np = median_s(plain[name], repeat)
        t_pt = median_s(theirs[name][1], repeat) if theirs else float("nan")
        print(
            f"| {name} | {count} | {t_tg * 1e3:.3f} | {t_tg / count * 1e9:.1f} | "
            f"{t_pt * 1e3:.3f} | {t_np * 1e3:.3f} | {t_tg / t_pt:.1f}x | {t_tg / t_np:.1f}x |"
        )


if __name__ == "__main__":
    main()
