"""Autograd-style programs on ``tracegrad.compat.autograd`` against HIPS autograd itself.

Run: ``python benchmarks/bench_autograd_compat.py`` (``--runs N``, default 5; ``--quick``
for 2). Needs ``autograd`` (and SciPy for the mixture program).

The programs are the three of ``tests/compat/test_autograd_runner.py`` (logistic
regression trained with adam; a mixture likelihood with ``scipy.stats``, its gradient
steps and Hessian; a ``primitive`` wrapping NumPy stride tricks, grad and grad of grad).
Each sample is a fresh interpreter that runs the script with ``runpy`` and times it with
``time.perf_counter``, imports included (interpreter start-up left out); for tracegrad the
``autograd`` imports go through the runner's finder, as with ``python -m
tracegrad.compat.autograd script.py``. "imports only" is a script importing
``autograd`` and ``autograd.numpy``. Medians; the programs take turns.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "compat"))

import test_autograd_runner as programs  # noqa: E402

PROGRAMS = {
    "imports only": ("import autograd\nimport autograd.numpy\n", ()),
    "logistic regression, adam": (programs.LOGISTIC_ADAM, ()),
    "mixture likelihood, scipy.stats": (programs.MIXTURE_SCIPY, ("3",)),
    "primitive + defvjp, grad of grad": (programs.PRIMITIVE_NUMPY_ONLY, ()),
}
_CHILD = (
    "import runpy, sys, time\n"
    "compat, path, *args = sys.argv[1:]\n"
    "t = time.perf_counter()\n"
    "if compat == '1':\n"
    "    from tracegrad.compat.autograd._runner import install\n"
    "    install()\n"
    "sys.argv = [path, *args]\n"
    "runpy.run_path(path, run_name='__main__')\n"
    "print('@', time.perf_counter() - t)\n"
)


def sample(path: str, args: tuple[str, ...], compat: bool) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1")
    env.update(OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, "-c", _CHILD, "1" if compat else "0", path, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return float(out.rsplit("@", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    runs = 2 if parser.parse_args().quick else parser.parse_args().runs
    times: dict[str, dict[bool, list[float]]] = {name: {True: [], False: []} for name in PROGRAMS}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, (name, (source, _)) in enumerate(PROGRAMS.items()):
            paths[name] = os.path.join(tmp, f"program{i}.py")
            pathlib.Path(paths[name]).write_text(source)
        for _ in range(runs):
            for name, (_, args) in PROGRAMS.items():
                for compat in (True, False):
                    times[name][compat].append(sample(paths[name], args, compat))
    print("| program | tracegrad.compat.autograd s | autograd s | ratio |")
    print("|---|---:|---:|---:|")
    for name in PROGRAMS:
        mine, theirs = (statistics.median(times[name][c]) for c in (True, False))
        print(f"| {name} | {mine:.3f} | {theirs:.3f} | {mine / theirs:.2f} |")


if __name__ == "__main__":
    main()
