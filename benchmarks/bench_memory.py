"""Memory of reverse mode (issue 15's W8): the peak memory of the gradient of a 20-op
elementwise chain at n = 1e6, as a multiple of the input's bytes.

Run: ``python benchmarks/bench_memory.py`` (``--quick``: n = 1e5).

Each column runs in a fresh process (no state shared between columns): the gradient is
taken three times (the tape stages its plans at a signature's second sighting), then once
more under ``tracemalloc``, whose peak above the memory live before the call (the input is
live then) is divided by the input's bytes. NumPy reports its array buffers to tracemalloc,
so the figure counts arrays, not the interpreter. Columns: NumPy by hand (the forward keeps
only what its backward reads and frees each as it goes), tracegrad eager (the tape), tracegrad
jit, and HIPS autograd when installed (it allocates through NumPy too).

``w8(n, columns)`` returns the multiples by column, for bench_workloads.py to import.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench_torch_shim import tracemalloc_peak  # noqa: E402

COLUMNS = ("numpy", "eager", "jit", "autograd")
BLOCKS = 4  # of five operations each: sin, a scale, exp, a shift, log


def chain(xp: Any, x: Any) -> Any:
    """The 20 elementwise operations, then a sum, written against a NumPy-like ``xp``."""
    for _ in range(BLOCKS):
        x = xp.log(xp.exp(xp.sin(x) * 0.9) + 1.0)
    return xp.sum(x)


def by_hand(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The gradient of ``chain`` in NumPy, keeping per block what its backward reads (the
    cosine, the exponential, the log's argument), in place where it can."""
    saved = []
    for _ in range(BLOCKS):
        c = np.cos(x)
        e = np.sin(x)
        e *= 0.9
        np.exp(e, out=e)
        a = e + 1.0
        x = np.log(a)
        saved.append((c, e, a))
    g = np.ones_like(x)
    while saved:
        c, e, a = saved.pop()
        g /= a
        g *= e
        g *= 0.9
        g *= c
        del c, e, a
    return g


def gradient(column: str) -> Callable[[np.ndarray[Any, Any]], Any] | None:
    """The gradient of ``chain`` for one column (None if its package is not installed)."""
    if column == "numpy":
        return by_hand
    if column in ("eager", "jit"):
        import tracegrad as tg
        import tracegrad.numpy as tnp

        g = tg.grad(lambda x: chain(tnp, x))
        return g if column == "eager" else tg.jit(g)
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    return autograd.grad(lambda x: chain(anp, x))  # type: ignore[no-any-return]


def child(column: str, n: int) -> None:
    """In a fresh process: print the peak multiple of one column as JSON."""
    fn = gradient(column)
    if fn is None:
        print(json.dumps({"multiple": None}))
        return
    x = np.linspace(-1.0, 1.0, n)
    want = by_hand(x)
    for _ in range(2):
        np.testing.assert_allclose(fn(x), want, rtol=1e-10)
    peak = tracemalloc_peak(lambda: fn(x))
    print(json.dumps({"multiple": peak / x.nbytes}))


def w8(n: int = 10**6, columns: tuple[str, ...] = COLUMNS) -> dict[str, float | None]:
    """The peak multiple of each column, each measured in its own process."""
    out: dict[str, float | None] = {}
    for column in columns:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", column, str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"bench_memory child {column} failed:\n{proc.stderr}")
        out[column] = json.loads(proc.stdout.strip().splitlines()[-1])["multiple"]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1e5")
    parser.add_argument("--child", nargs=2, metavar=("COLUMN", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    n = 10**5 if args.quick else 10**6
    multiples = w8(n)
    print(f"W8: peak memory of the gradient of a 20-op chain, n = {n}, x input bytes")
    print("| " + " | ".join(COLUMNS) + " |\n|" + "---:|" * len(COLUMNS))
    cells = ["-" if multiples[c] is None else f"{multiples[c]:.1f}x" for c in COLUMNS]
    print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
