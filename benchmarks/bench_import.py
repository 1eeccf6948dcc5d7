"""Import benchmark: what ``import tracegrad`` costs on top of ``import numpy``.

Run: ``python benchmarks/bench_import.py`` (``--runs N``, default 15; ``--quick`` for 5).

Each sample is a fresh interpreter that times one import statement with
``time.perf_counter`` around it (interpreter start-up is left out, as it is the same for
every statement); the statements take turns, so a busy spell of the machine hits them all
alike. Bytecode is cached first (one warm-up run per statement with
``PYTHONDONTWRITEBYTECODE`` removed), as it is for an installed package. Targets (issue 8):
``import tracegrad, tracegrad.numpy`` adds at most 50 ms to ``import numpy``, and
``import tracegrad.torch`` at most 30 ms more than that. Exits with status 1 when a
target is missed. For information it also times tracegrad compiled from source, with no
bytecode cache (a source checkout under ``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

STATEMENTS = {
    "numpy": "import numpy",
    "tracegrad": "import tracegrad, tracegrad.numpy",
    "torch": "import tracegrad, tracegrad.numpy, tracegrad.torch",
}
TARGET_TRACEGRAD_MS = 50.0
TARGET_TORCH_MS = 30.0

# Times the statement alone, in the child, and prints seconds.
_CHILD = "import time\nt = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - t)\n"
# The same after NumPy, with tracegrad compiled from source: bytecode is read from and
# written to an empty directory (a source checkout under PYTHONDONTWRITEBYTECODE).
_CHILD_UNCACHED = (
    "import sys, tempfile, time\nimport numpy\n"
    "sys.pycache_prefix = tempfile.mkdtemp()\nsys.dont_write_bytecode = True\n"
    "t = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - t)\n"
)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def time_statement(stmt: str, env: dict[str, str], child: str = _CHILD) -> float:
    """Seconds one fresh interpreter takes to run the import statement ``stmt``."""
    out = subprocess.run(
        [sys.executable, "-c", child.format(stmt=stmt)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


OPTIONAL = ("ml_dtypes", "scipy", "torch", "jax")


def optional_packages(env: dict[str, str]) -> tuple[list[str], list[str]]:
    """The optional packages this interpreter can import, and those that
    ``import tracegrad, tracegrad.numpy`` imports."""
    code = (
        "import importlib.util, sys\n"
        f"names = {OPTIONAL!r}\n"
        "print(' '.join(n for n in names if importlib.util.find_spec(n)))\n"
        f"{STATEMENTS['tracegrad']}\n"
        "print(' '.join(n for n in names if n in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    installed, loaded = out.stdout.split("\n")[:2]
    return installed.split(), loaded.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="samples per statement")
    parser.add_argument("--quick", action="store_true", help="5 samples per statement")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    env = _child_env()
    for stmt in STATEMENTS.values():
        time_statement(stmt, env)  # writes the bytecode caches
    samples: dict[str, list[float]] = {key: [] for key in STATEMENTS}
    uncached: list[float] = []
    for _ in range(runs):
        for key, stmt in STATEMENTS.items():
            samples[key].append(time_statement(stmt, env) * 1e3)
        uncached.append(time_statement(STATEMENTS["tracegrad"], env, _CHILD_UNCACHED) * 1e3)
    med = {key: statistics.median(values) for key, values in samples.items()}
    spread = {key: (min(values), max(values)) for key, values in samples.items()}

    installed, loaded = optional_packages(env)
    print(f"Python {sys.version.split()[0]}; optional packages: {', '.join(installed) or 'none'}")
    print(
        f"optional packages that `{STATEMENTS['tracegrad']}` imports: {', '.join(loaded) or 'none'}"
    )
    print(f"median of {runs} fresh interpreters, ms (min..max)\n")
    for key, stmt in STATEMENTS.items():
        lo, hi = spread[key]
        print(f"  {stmt:<52} {med[key]:7.1f}   ({lo:.1f}..{hi:.1f})")
    added = med["tracegrad"] - med["numpy"]
    torch_added = med["torch"] - med["tracegrad"]
    ratio = med["tracegrad"] / med["numpy"]
    print()
    print(f"  tracegrad + tracegrad.numpy over numpy: {added:+7.1f} ms  ({ratio:.2f}x numpy)")
    print(f"  tracegrad.torch over that:              {torch_added:+7.1f} ms")
    print(
        f"  (not a target) tracegrad + tracegrad.numpy over numpy without a bytecode cache: "
        f"{statistics.median(uncached):+.1f} ms"
    )
    failures = []
    if added > TARGET_TRACEGRAD_MS:
        failures.append(f"tracegrad adds {added:.1f} ms > {TARGET_TRACEGRAD_MS:.0f} ms")
    if torch_added > TARGET_TORCH_MS:
        failures.append(f"tracegrad.torch adds {torch_added:.1f} ms > {TARGET_TORCH_MS:.0f} ms")
    print()
    if failures:
        print("OVER TARGET: " + "; ".join(failures))
        return 1
    print(f"within targets ({TARGET_TRACEGRAD_MS:.0f} ms, {TARGET_TORCH_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
