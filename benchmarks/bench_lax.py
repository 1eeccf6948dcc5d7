"""tracegrad.lax benchmark: what the compositions behind the new lax functions cost.

Run: ``python benchmarks/bench_lax.py`` (``--quick`` for a short smoke run).

On one thread, medians of repeated runs, float64:

(1) ``dynamic_slice`` of a (100, 100) array with concrete starts (a static ``slice``)
    and with a traced start under ``jit`` (a ``gather`` on the block's open mesh), next
    to NumPy's basic slicing and JAX's jitted ``dynamic_slice``;
(2) the jitted gradient of a ``fori_loop`` of 50 steps that reads a window with
    ``dynamic_slice`` and writes it back with ``dynamic_update_slice`` at the loop
    counter (the common JAX use of traced starts), next to JAX's jit;
(3) ``associative_scan(add)`` next to the ``cumsum`` primitive, and ``cummax`` (an
    associative scan of ``max``), eagerly, on 1,000 and 100,000 elements.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import timeit  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402
from tracegrad import lax  # noqa: E402

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
    jax.config.update("jax_platforms", "cpu")  # type: ignore[no-untyped-call]
except ImportError:  # pragma: no cover - optional peer
    jax = None


def median_us(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    number = max(1, int(0.02 / max(timeit.timeit(fn, number=1), 1e-7)))
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6


def row(label: str, *cells: float | None) -> None:
    text = " | ".join("-" if c is None else f"{c:,.1f}" for c in cells)
    print(f"| {label} | {text} |")


def loop_program(M: Any, xp: Any) -> Callable[[Any], Any]:
    def loss(x: Any) -> Any:
        def body(i: Any, acc: Any) -> Any:
            window = M.dynamic_slice(x, (i,), (8,))
            return M.dynamic_update_slice(acc, xp.sin(window) * acc[0], (i,))

        return xp.sum(M.fori_loop(0, 50, body, xp.ones(64) + x) ** 2)

    return loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    repeat = 3 if parser.parse_args().quick else 7
    a = np.random.default_rng(0).normal(size=(100, 100))

    print("(1) dynamic_slice of (100, 100) -> (10, 10), µs per call")
    print("| form | tracegrad | numpy | jax jit |\n|---|---:|---:|---:|")
    traced = tg.jit(lambda x, i: lax.dynamic_slice(x, (i, i), (10, 10)))
    jax_fn = jax.jit(lambda x, i: jax.lax.dynamic_slice(x, (i, i), (10, 10))) if jax else None
    row(
        "concrete starts (eager)",
        median_us(lambda: lax.dynamic_slice(a, (40, 40), (10, 10)), repeat),
        median_us(lambda: a[40:50, 40:50], repeat),
        None,
    )
    row(
        "traced start (jit)",
        median_us(lambda: traced(a, np.int64(40)), repeat),
        None,
        median_us(lambda: jax_fn(a, 40).block_until_ready(), repeat) if jax_fn else None,
    )

    print("\n(2) jit(grad) of a 50-step fori_loop of dynamic_slice / dynamic_update_slice, µs")
    print("| | tracegrad | jax jit |\n|---|---:|---:|")
    x = np.random.default_rng(1).normal(size=64) * 0.1
    ours = tg.jit(tg.grad(loop_program(lax, tnp)))
    theirs = jax.jit(jax.grad(loop_program(jax.lax, jnp))) if jax else None
    row(
        "gradient",
        median_us(lambda: ours(x), repeat),
        median_us(lambda: theirs(x).block_until_ready(), repeat) if theirs else None,
    )

    print("\n(3) scans along 1-d arrays (eager), µs")
    print("| n | cumsum primitive | associative_scan(add) | cummax | np.maximum.accumulate |")
    print("|---|---:|---:|---:|---:|")
    for n in (1_000, 100_000):
        v = np.random.default_rng(n).normal(size=n)
        row(
            f"{n:,}",
            median_us(lambda v=v: lax.cumsum(v), repeat),
            median_us(lambda v=v: lax.associative_scan(lax.add, v), repeat),
            median_us(lambda v=v: lax.cummax(v), repeat),
            median_us(lambda v=v: np.maximum.accumulate(v), repeat),
        )


if __name__ == "__main__":
    main()
