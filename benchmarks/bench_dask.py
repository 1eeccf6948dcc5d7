"""Dask benchmark: the full-batch gradient of a logistic-regression loss, traced once by
``tg.jit(tg.grad(loss))`` and run as a Dask graph on a ``LocalCluster`` of two worker
processes (loopback only) whose memory limit is several times smaller than the dataset.

Run: ``python benchmarks/bench_dask.py`` (``--quick`` for a short smoke run; ``--rows``,
``--limit`` to change the sizes). Needs ``dask[array]`` and ``distributed``.

The dataset ``X`` (rows x features, float64) and labels ``y`` are generated chunk by chunk
on the workers by ``dask.array.random`` (never whole in any one process). The script reports
the dataset's size next to each worker's memory limit, the time of the tracegrad gradient and
of the same gradient written by hand with ``dask.array`` (same cluster, taking turns), each
worker's peak resident memory (VmHWM), and checks: the two gradients agree, and on a
subsample (the first chunks, computed into NumPy) tracegrad's Dask result equals NumPy's.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402


def loss(params: dict[str, Any], X: Any, y: Any) -> Any:
    """The mean logistic loss of a linear model: log(1 + exp(z)) - y z, z = X w + b."""
    z = X @ params["w"] + params["b"]
    return tnp.mean(tnp.logaddexp(0.0, z) - y * z)


gradient = tg.jit(tg.grad(loss))


def gradient_by_hand(params: dict[str, Any], X: Any, y: Any) -> dict[str, Any]:
    """The same gradient written out with array operations (NumPy or dask.array alike)."""
    z = X @ params["w"] + params["b"]
    t = (1.0 / (1.0 + np.exp(-z)) - y) / X.shape[0]
    return {"b": t.sum(), "w": t @ X}


def dataset(rows: int, features: int, chunk_rows: int, seed: int = 0) -> tuple[Any, Any]:
    """A lazy, chunked (X, y): y is 1 where a noisy linear score of X is positive."""
    import dask.array as da

    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    true_w = np.linspace(-1.0, 1.0, features)
    noise = rng.standard_normal(rows, chunks=chunk_rows)
    y = (X @ true_w + noise > 0).astype(np.float64)
    return X, y


def initial_params(features: int) -> dict[str, Any]:
    return {"w": np.full(features, 0.1), "b": np.float64(-0.2)}


def check_against_numpy(params: dict[str, Any], X: Any, y: Any, rows: int) -> float:
    """The largest relative difference between tracegrad's Dask gradient and NumPy's on the
    first ``rows`` rows (computed into NumPy arrays)."""
    import dask

    Xs, ys = X[:rows], y[:rows]
    (got,) = dask.compute(gradient(params, Xs, ys))
    return max_relative_difference(got, tg.grad(loss)(params, *dask.compute(Xs, ys)))


def max_relative_difference(got: dict[str, Any], want: dict[str, Any]) -> float:
    return max(float(np.max(np.abs(got[k] - want[k]) / (np.abs(want[k]) + 1e-300))) for k in want)


def worker_peak_rss() -> int:
    """This process's peak resident memory in bytes (Linux: VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rows", type=int, default=None, help="rows of X")
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--limit", default="400MiB", help="each worker's memory limit")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import dask
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    rows = args.rows or (200_000 if args.quick else 12_000_000)
    features, chunk_rows = args.features, 250_000 if not args.quick else 25_000
    limit = parse_bytes(args.limit)
    rounds = 1 if args.quick else args.rounds
    X, y = dataset(rows, features, chunk_rows)
    params = initial_params(features)
    print(
        f"dataset: X {X.shape} float64 + y = {format_bytes(X.nbytes + y.nbytes)}, in "
        f"{X.numblocks[0]} chunks of {format_bytes(chunk_rows * features * 8)}"
    )
    print(
        f"cluster: 2 worker processes, 1 thread each, memory limit {format_bytes(limit)} "
        f"each: the dataset is {(X.nbytes + y.nbytes) / limit:.1f}x one worker's limit"
    )

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=limit,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        times: dict[str, list[float]] = {"tracegrad": [], "dask.array by hand": []}
        results: dict[str, Any] = {}
        small = initial_params(features), X[:chunk_rows], y[:chunk_rows]
        dask.compute(gradient(*small), gradient_by_hand(*small))  # warm-up: imports, tracing
        for _ in range(rounds):  # taking turns, so the machine's load falls on both alike
            for name, fn in (("tracegrad", gradient), ("dask.array by hand", gradient_by_hand)):
                start = time.perf_counter()
                (results[name],) = dask.compute(fn(params, X, y))
                times[name].append(time.perf_counter() - start)
        peaks = client.run(worker_peak_rss)
    # The same chunks again (dask.array.random is seeded chunk by chunk), here, in NumPy
    sub = min(rows, 4 * chunk_rows)
    with dask.config.set(scheduler="threads"):
        rel = check_against_numpy(params, X, y, sub)

    agree = max_relative_difference(results["tracegrad"], results["dask.array by hand"])
    print()
    print("| gradient | time (median) | of the hand-written |")
    print("|---|---:|---:|")
    base = statistics.median(times["dask.array by hand"])
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"| {name} | {t:.2f} s | {t / base:.2f}x |")
    print()
    print("| worker | peak RSS (VmHWM) | of its limit |")
    print("|---|---:|---:|")
    for addr, peak in sorted(peaks.items()):
        print(f"| {addr} | {format_bytes(peak)} | {peak / limit:.2f} |")
    print()
    print(f"tracegrad vs hand-written, full data: max relative difference {agree:.1e}")
    print(f"tracegrad on Dask vs NumPy, first {sub} rows: max relative difference {rel:.1e}")
    if agree > 1e-9 or rel > 1e-9:
        raise SystemExit("the gradients disagree")


if __name__ == "__main__":
    main()
