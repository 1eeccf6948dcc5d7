"""First-call cost of jit on large programs: tracing alone next to the first call of jit
(trace + optimise + generate + compile + run) and of jit(grad), from 1k to 100k operations.

Run: ``python benchmarks/bench_jit_compile.py`` (``--max 10000`` to stop earlier).

The program is a chain of ``tanh(y) * 0.5 + y * 0.5`` steps on 8 float64 elements (three
operations a step), so the run time is negligible and the figures are the costs of the
machinery. Target (issue 9): the first call of jit linear in the size of the program and
at most 3x the tracing time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp


def chain(steps: int) -> Callable[[Any], Any]:
    def f(y: Any) -> Any:
        for _ in range(steps):
            y = tnp.tanh(y) * 0.5 + y * 0.5
        return tnp.sum(y)

    return f


def seconds(fn: Callable[..., Any], *args: Any) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max", type=int, default=100_000, help="largest number of operations")
    args = parser.parse_args(argv)
    x = np.linspace(-1.0, 1.0, 8)
    print("| ops | trace s | jit first call s | jit / trace | jit(grad) first call s | "
          "jit(grad) / trace(grad) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for ops in (1_000, 10_000, 100_000):
        if ops > args.max:
            break
        f = chain(ops // 3)
        trace = seconds(tg.make_jaxpr(f), x)
        first = seconds(tg.jit(f), x)  # a new jitted function: its first call
        trace_grad = seconds(tg.make_jaxpr(tg.grad(f)), x)
        first_grad = seconds(tg.jit(tg.grad(f)), x)
        print(f"| {ops:,} | {trace:.3f} | {first:.3f} | {first / trace:.1f} | "
              f"{first_grad:.3f} | {first_grad / trace_grad:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
