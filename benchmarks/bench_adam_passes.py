"""Where ``Adam.step()`` spends its time, per parameter and per NumPy pass, next to PyTorch.

Run: ``python benchmarks/bench_adam_passes.py --cpu-time`` (``--quick`` for a smoke run).

1. ``Adam.step()`` over one parameter of each shape of bench_torch_shim.py's MLP
   (784-256-256-10, float32), tracegrad.torch and PyTorch alternating.
2. The passes of one step of the 784 x 256 parameter, each NumPy call timed alone: the
   complex route of ``mul_().addcmul_()`` (docs/decisions.md), ``lerp_``'s difference and
   ``axpy``, the denominator, ``addcdiv_``.
3. The update after the complex step (``lerp_``, the denominator, ``addcdiv_``) as it runs
   on whole arrays, and the same eight passes chunk by chunk (each chunk through all of them
   before the next, so that its arrays stay in cache); the results are checked bit for bit.
"""

from __future__ import annotations

import os

# One thread, set before NumPy or torch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench_torch_shim import CLOCK, SIZES, load, medians_s  # noqa: E402

Array = np.ndarray[Any, Any]
BETA1, BETA2, LR, EPS, STEP = 0.9, 0.999, 1e-4, 1e-8, 3
CHUNKS = (8192, 16384, 32768, 65536, 100352)


def shapes() -> list[tuple[int, ...]]:
    """The MLP's parameter shapes, weight then bias of each layer."""
    out: list[tuple[int, ...]] = []
    for n_in, n_out in itertools.pairwise(SIZES):
        out += [(n_in, n_out), (n_out,)]
    return out


def adam_step(torch: Any, shape: tuple[int, ...]) -> Callable[[], Any]:
    """``Adam.step`` over one parameter of ``shape`` with a fixed gradient."""
    rng = np.random.default_rng(0)
    p = torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    p.grad = torch.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01)
    return torch.optim.Adam([p], lr=LR).step  # type: ignore[no-any-return]


def arrays(n: int) -> dict[str, Array]:
    rng = np.random.default_rng(1)
    out = {k: rng.standard_normal(n).astype(np.float32) for k in ("x", "g", "m")}
    out["sq"] = np.abs(rng.standard_normal(n)).astype(np.float32) * 1e-4
    return out


def passes(n: int) -> dict[str, Callable[[], Any]]:
    """Each NumPy call of one step of an ``n``-entry float32 parameter, alone."""
    from tracegrad.torch.optim._hardware_fma import _blas

    a = arrays(n)
    x, g, m, sq = a["x"], a["g"], a["m"], a["sq"] + 1  # the quotients stay finite call by call
    lhs, rhs = np.empty(n, np.complex64), np.full(n, -0.999j, np.complex64)
    f, d, axpy = np.empty(n, np.float32), np.empty(n, np.float32), _blas(np.dtype(np.float32))
    v, c = np.float32(0.001), np.float32(1 + 2**-20)
    calls = {
        "complex: cast g in": lambda: np.copyto(lhs, g),
        "complex: strided copy of exp_avg_sq in": lambda: np.copyto(lhs.imag, sq),
        "complex: strided multiply v * g in": lambda: np.multiply(g, v, out=rhs.real),
        "complex: multiply": lambda: np.multiply(lhs, rhs, out=lhs),
        "complex: truncating cast out": lambda: np.copyto(
            f.view(np.uint32), lhs.view(np.uint64), casting="unsafe"
        ),
        "lerp: difference": lambda: np.subtract(g, m, out=f),
        "lerp: axpy": (lambda: axpy(m, v, f)) if axpy is not None else None,
        "denominator: sqrt": lambda: np.sqrt(sq, out=d),
        "denominator: divide by a scalar": lambda: np.divide(d, c, out=d),
        "denominator: add a scalar": lambda: np.add(d, v, out=d),
        "addcdiv: multiply by a scalar": lambda: np.multiply(m, v, out=f),
        "addcdiv: divide": lambda: np.divide(f, d, out=f),
        "addcdiv: add": lambda: np.add(x, f, out=f),
    }
    return {k: fn for k, fn in calls.items() if fn is not None}


def tail(chunk: int | None) -> Callable[[dict[str, Array]], None]:
    """The update after the complex step, on whole arrays (``chunk`` None) or by chunks."""
    from tracegrad.torch.optim._kernels import addcdiv_, lerp_, scalar
    from tracegrad.torch.optim._workspace import Workspace

    ws = Workspace()
    step_size, bc2 = LR / (1 - BETA1**STEP), (1 - BETA2**STEP) ** 0.5

    def run(a: dict[str, Array]) -> None:
        x, g, m, sq = a["x"], a["g"], a["m"], a["sq"]
        c2, eps = scalar(bc2, sq), scalar(EPS, sq)
        for s in range(0, x.size, chunk or x.size):
            e = s + (chunk or x.size)
            lerp_(m[s:e], g[s:e], 1 - BETA1, ws)
            d = np.sqrt(sq[s:e], out=ws.take("denom", sq[s:e].shape, sq.dtype))
            np.divide(d, c2, out=d)
            np.add(d, eps, out=d)
            addcdiv_(x[s:e], m[s:e], d, -step_size, ws)

    return run


def tails(n: int) -> dict[str, Callable[[], Any]]:
    """:func:`tail` on whole arrays and by chunks, each on its own copy of the same arrays
    (checked bit for bit after one call; timed calls go on from there)."""
    start = arrays(n)
    calls: dict[str, Callable[[], Any]] = {}
    first: list[Array] = []
    for chunk in (None, *CHUNKS):
        work = {k: v.copy() for k, v in start.items()}
        run = tail(chunk)
        run(work)
        got = [work["x"], work["m"]]
        first = first or [v.copy() for v in got]
        assert all(np.array_equal(p, q) for p, q in zip(got, first)), chunk
        name = "whole arrays" if chunk is None else f"chunks of {chunk}"
        calls[name] = lambda run=run, work=work: run(work)
    return calls


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--cpu-time", action="store_true", help="time by process CPU time")
    args = parser.parse_args(argv)
    if args.cpu_time:
        CLOCK[0] = time.process_time
    repeat = 5 if args.quick else 101
    mods = {n: m for n in ("tracegrad", "torch") if (m := load(n)) is not None}
    clock = "process CPU time" if args.cpu_time else "wall time"
    print(f"NumPy {np.__version__}; medians of {repeat} runs, one thread, {clock}\n")
    print("1. Adam.step(), one parameter\n| shape | tracegrad.torch | PyTorch | ratio |")
    print("|---|---:|---:|---:|")
    for shape in shapes():
        t = medians_s({n: adam_step(m, shape) for n, m in mods.items()}, repeat)
        theirs = f"{t['torch'] * 1e6:.1f} µs" if "torch" in t else "-"
        ratio = f"{t['tracegrad'] / t['torch']:.2f}x" if "torch" in t else "-"
        print(f"| {shape} | {t['tracegrad'] * 1e6:.1f} µs | {theirs} | {ratio} |")
    n = SIZES[0] * SIZES[1]
    for title, calls in (("2. The passes", passes(n)), ("3. After the complex step", tails(n))):
        print(f"\n{title}, {SIZES[0]} x {SIZES[1]} float32\n| | µs |\n|---|---:|")
        for name, t in medians_s(calls, repeat).items():
            print(f"| {name} | {t * 1e6:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
