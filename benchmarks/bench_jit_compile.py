"""First-call cost of jit on large programs: tracing alone next to the first call of jit
(trace, then run the traced program) and of jit(grad), and the second call (optimise,
generate, compile, run), from 1k to 100k operations; the best of a few runs of each.

Run: ``python benchmarks/bench_jit_compile.py`` (``--max 10000`` to stop earlier).

The program is a chain of ``tanh(y) * 0.5 + y * 0.5`` steps on 8 float64 elements (three
operations a step), so the run time is negligible and the figures are the costs of the
machinery. Target (issue 9): the first call of jit linear in the size of the program and
at most 3x the tracing time.
"""

from __future__ import annotations

import argparse
import functools
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


def seconds(make: Callable[[], Callable[..., Any]], *args: Any, calls: int = 1) -> float:
    """The best of three runs of the ``calls``-th call of a new ``make()`` (the machine is
    shared: the minimum is the least disturbed run)."""
    best = float("inf")
    for _ in range(3):
        fn = make()
        for _ in range(calls - 1):
            fn(*args)
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max", type=int, default=100_000, help="largest number of operations")
    args = parser.parse_args(argv)
    x = np.linspace(-1.0, 1.0, 8)
    print("| ops | trace s | jit 1st call s | / trace | jit 2nd call s | trace(grad) s | "
          "jit(grad) 1st call s | / trace(grad) | jit(grad) 2nd call s |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for ops in (1_000, 10_000, 100_000):
        if ops > args.max:
            break
        f = chain(ops // 3)
        g = tg.grad(f)
        trace = seconds(functools.partial(tg.make_jaxpr, f), x)
        first = seconds(functools.partial(tg.jit, f), x)
        second = seconds(functools.partial(tg.jit, f), x, calls=2)
        trace_grad = seconds(functools.partial(tg.make_jaxpr, g), x)
        first_grad = seconds(functools.partial(tg.jit, g), x)
        second_grad = seconds(functools.partial(tg.jit, g), x, calls=2)
        print(f"| {ops:,} | {trace:.3f} | {first:.3f} | {first / trace:.1f} | {second:.3f} | "
              f"{trace_grad:.3f} | {first_grad:.3f} | {first_grad / trace_grad:.1f} | "
              f"{second_grad:.3f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
