"""Dispatch benchmark: the cost of tracegrad's front end next to NumPy, and of eager reverse
mode next to HIPS autograd and JAX (no jit).

Run: ``python benchmarks/bench_dispatch.py`` (``--quick`` for a short smoke run).

(a) A ``tracegrad.numpy`` call on plain arrays outside every transformation, against the
    NumPy call it forwards to (10-element float64 array): median of repeats, µs per call.
    Target: at most about 1 µs over NumPy.
(b) Eager ``grad`` per primitive: the time of ``grad`` of a chain of N elementwise ops
    (then a sum), divided by N, for tracegrad, HIPS autograd and JAX without jit (the
    last two when installed). Target: no slower than HIPS autograd.
(c) JAX's functional update on a concrete array, ``tnp.at(x)[i].set(v)`` (tracegrad's
    explicit spelling of ``x.at[i].set(v)``, docs/decisions.md), against the NumPy a
    user would write by hand (copy, then assign in place), and JAX's ``x.at[i]`` without
    jit when installed.
"""

from __future__ import annotations

import os

# One thread, set before NumPy is imported: the machine's cores are shared, and the
# arrays here are far too small for threads to help.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import timeit  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402


def per_call_us(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median over ``repeat`` runs of the time of one call, in microseconds."""
    fn()  # warm up caches and lazy imports
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


# ---- (a) dispatch overhead outside transformations ---------------------------


def dispatch_rows(number: int, repeat: int) -> list[tuple[str, float, float]]:
    x = np.linspace(0.1, 1.0, 10)
    y = np.linspace(1.0, 2.0, 10)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("sin(x)", lambda: tnp.sin(x), lambda: np.sin(x)),
        ("add(x, y)", lambda: tnp.add(x, y), lambda: np.add(x, y)),
        ("sum(x)", lambda: tnp.sum(x), lambda: np.sum(x)),
    ]
    rows = []
    for name, ours, theirs in cases:
        rows.append((name, per_call_us(ours, number, repeat), per_call_us(theirs, number, repeat)))
    return rows


# ---- (b) eager grad per primitive ----------------------------------------------


def _chain(np_mod: Any, op: str, n: int) -> Callable[[Any], Any]:
    """``sum(op(op(...op(x))))`` with ``n`` applications of ``op``, written against the
    NumPy-like module ``np_mod`` (tracegrad.numpy, autograd.numpy or jax.numpy)."""
    c = np.linspace(0.5, 1.0, 10)

    def step(x: Any) -> Any:
        if op == "sin":
            return np_mod.sin(x)
        if op == "mul":
            return np_mod.multiply(x, 0.999)
        if op == "add":
            return np_mod.add(x, c)
        raise ValueError(op)

    def f(x: Any) -> Any:
        for _ in range(n):
            x = step(x)
        return np_mod.sum(x)

    return f


def _peers() -> dict[str, tuple[Any, Callable[..., Any]]]:
    """The NumPy-like module and ``grad`` of each installed peer, by name."""
    peers: dict[str, tuple[Any, Callable[..., Any]]] = {"tracegrad": (tnp, tg.grad)}
    try:
        import autograd  # type: ignore[import-untyped]
        import autograd.numpy as anp  # type: ignore[import-untyped]

        peers["autograd"] = (anp, autograd.grad)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        # The same float64 arithmetic as the others, on the CPU.
        jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
        jax.config.update("jax_platforms", "cpu")  # type: ignore[no-untyped-call]
        peers["jax (no jit)"] = (jnp, jax.grad)
    except ImportError:
        pass
    return peers


def grad_rows(n: int, number: int, repeat: int) -> tuple[list[str], list[tuple[str, list[float]]]]:
    peers = _peers()
    x = np.linspace(0.1, 1.0, 10)
    rows = []
    for op in ("sin", "mul", "add"):
        times = []
        for name, (mod, grad) in peers.items():
            g = grad(_chain(mod, op, n))

            def call(g: Callable[..., Any] = g) -> Any:
                return g(x)

            # JAX's eager dispatch is about ten times slower: fewer runs keep it short.
            k = max(1, number // 10) if name.startswith("jax") else number
            times.append(per_call_us(call, k, repeat) / n)
        rows.append((op, times))
    return list(peers), rows


# ---- (c) functional updates of concrete arrays -------------------------------------


def _numpy_set(x: Any, i: Any, v: Any) -> Any:
    y = x.copy()
    y[i] = v
    return y


def _numpy_add(x: Any, i: Any, v: Any) -> Any:
    y = x.copy()
    np.add.at(y, i, v)
    return y


def at_rows(number: int, repeat: int) -> list[tuple[str, float, float, float | None]]:
    x = np.linspace(0.1, 1.0, 10)
    idx = np.array([1, 3, 3])
    vals = np.array([1.0, 2.0, 3.0])
    try:
        import jax.numpy as jnp

        jx: Any = jnp.asarray(x)
    except ImportError:
        jx = None
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        (
            "at[3].set(1.0)",
            lambda: tnp.at(x)[3].set(1.0),
            lambda: _numpy_set(x, 3, 1.0),
            None if jx is None else (lambda: jx.at[3].set(1.0).block_until_ready()),
        ),
        (
            "at[1:4].set(0.0)",
            lambda: tnp.at(x)[1:4].set(0.0),
            lambda: _numpy_set(x, slice(1, 4), 0.0),
            None if jx is None else (lambda: jx.at[1:4].set(0.0).block_until_ready()),
        ),
        (
            "at[[1, 3, 3]].add(v)",
            lambda: tnp.at(x)[idx].add(vals),
            lambda: _numpy_add(x, idx, vals),
            None if jx is None else (lambda: jx.at[idx].add(vals).block_until_ready()),
        ),
    ]
    rows = []
    for name, ours, by_hand, jax_call in cases:
        jax_us = None if jax_call is None else per_call_us(jax_call, max(1, number // 10), repeat)
        rows.append(
            (name, per_call_us(ours, number, repeat), per_call_us(by_hand, number, repeat), jax_us)
        )
    return rows


# ---- report ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    parser.add_argument("--chain", type=int, default=100, help="ops per chain in (b)")
    args = parser.parse_args(argv)
    number, repeat = (200, 3) if args.quick else (20000, 7)
    grad_number, grad_repeat = (2, 3) if args.quick else (40, 7)

    print(f"tracegrad {tg.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print(
        f"(a) dispatch outside transformations: 10-element float64, median of {repeat} "
        "runs, µs per call; target: at most ~1 µs over NumPy"
    )
    print()
    print("| call | tracegrad.numpy µs | numpy µs | difference µs |")
    print("|---|---:|---:|---:|")
    for name, ours, theirs in dispatch_rows(number, repeat):
        print(f"| {name} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} |")

    print()
    print(
        f"(b) eager grad, µs per primitive: grad of a chain of {args.chain} elementwise ops "
        "on a 10-element float64 array, divided by the chain length; target: no slower "
        "than HIPS autograd"
    )
    print()
    names, rows = grad_rows(args.chain, grad_number, grad_repeat)
    head = " | ".join(f"{n} µs" for n in names)
    ratios = " | ".join(f"tracegrad / {n}" for n in names[1:])
    print(f"| op | {head} | {ratios} |")
    print("|---|" + "---:|" * (2 * len(names) - 1))
    for op, times in rows:
        cells = " | ".join(f"{t:.2f}" for t in times)
        rel = " | ".join(f"{times[0] / t:.2f}" for t in times[1:])
        print(f"| {op} | {cells} | {rel} |")

    print()
    print(
        "(c) functional updates of a concrete 10-element float64 array, µs per call: "
        "tnp.at(x)[i] against NumPy by hand (copy, assign) and JAX's x.at[i] (no jit)"
    )
    print()
    print("| update | tnp.at µs | numpy by hand µs | jax µs | tnp.at / numpy |")
    print("|---|---:|---:|---:|---:|")
    for name, ours, by_hand, jax_us in at_rows(max(1, number // 10), repeat):
        jax_cell = "—" if jax_us is None else f"{jax_us:.1f}"
        print(f"| {name} | {ours:.1f} | {by_hand:.1f} | {jax_cell} | {ours / by_hand:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
