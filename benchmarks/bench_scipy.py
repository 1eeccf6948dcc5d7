"""tracegrad.scipy benchmark: the NumPy kernels of the special-function primitives against
SciPy's compiled ones, scipy.linalg functions against SciPy, and BFGS minimize against JAX.

Run: ``python benchmarks/bench_scipy.py`` (``--quick`` for fewer repeats). Medians of
repeated runs, in ms; SciPy and JAX columns appear when they are installed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402
import tracegrad.scipy.linalg as tsl  # noqa: E402
import tracegrad.scipy.optimize as topt  # noqa: E402
import tracegrad.scipy.special as tss  # noqa: E402


def median_ms(f: Callable[[], Any], repeats: int) -> float:
    f()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def special_table(repeats: int, have_scipy: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 30.0, 1000)
    a = rng.uniform(0.5, 20.0, 1000)
    u = rng.uniform(0.01, 0.99, 1000)
    cases = {
        "zeta(s, q)": (lambda: tss.zeta(a + 1, x), "zeta", (a + 1, x)),
        "i0e": (lambda: tss.i0e(x), "i0e", (x,)),
        "i1e": (lambda: tss.i1e(x), "i1e", (x,)),
        "exp1": (lambda: tss.exp1(x), "exp1", (x,)),
        "expi": (lambda: tss.expi(x), "expi", (x,)),
        "spence": (lambda: tss.spence(x), "spence", (x,)),
        "gammainc": (lambda: tss.gammainc(a, x), "gammainc", (a, x)),
        "betainc": (lambda: tss.betainc(a, a[::-1], u), "betainc", (a, a[::-1], u)),
    }
    print("\n(a) special functions, 1000 float64 values (ms)")
    print("| function | tracegrad | scipy | ratio |\n|---|---:|---:|---:|")
    for label, (ours, name, args) in cases.items():
        mine = median_ms(ours, repeats)
        theirs = None
        if have_scipy:
            import scipy.special as ss

            theirs = median_ms(lambda n=name, a_=args: getattr(ss, n)(*a_), repeats)
        ratio = "-" if theirs is None else f"{mine / theirs:.0f}"
        print(f"| {label} | {fmt(mine)} | {fmt(theirs)} | {ratio} |")
    grads = {
        "d gammainc / da": lambda: tg.grad(lambda a_: tss.gammainc(a_, x).sum())(a),
        "d betainc / (da, db)": lambda: tg.grad(
            lambda a_, b_: tss.betainc(a_, b_, u).sum(), (0, 1)
        )(a, a[::-1]),
    }
    for label, f in grads.items():
        print(f"| {label} | {fmt(median_ms(f, repeats))} | - | - |")


def linalg_table(repeats: int, have_scipy: bool) -> None:
    print("\n(b) scipy.linalg (ms)")
    print("| function | n | tracegrad | scipy |\n|---|---:|---:|---:|")
    for n in (10, 100):
        m = np.random.default_rng(1).standard_normal((n, n)) / np.sqrt(n)
        rows = {
            "expm": (lambda m=m: tsl.expm(m), "expm", (m,)),
            "lu_factor": (lambda m=m: tsl.lu_factor(m), "lu_factor", (m,)),
            "solve_triangular": (
                lambda m=m: tsl.solve_triangular(m, m, lower=True),
                "solve_triangular",
                (m, m),
            ),
        }
        for label, (ours, name, args) in rows.items():
            theirs = None
            if have_scipy:
                import scipy.linalg as sl

                kw = {"lower": True} if name == "solve_triangular" else {}
                theirs = median_ms(
                    lambda n_=name, a_=args, k=kw: getattr(sl, n_)(*a_, **k), repeats
                )
            print(f"| {label} | {n} | {fmt(median_ms(ours, repeats))} | {fmt(theirs)} |")
        grad = lambda m=m: tg.grad(lambda a: tsl.expm(a).sum())(m)
        print(f"| grad of expm | {n} | {fmt(median_ms(grad, repeats))} | - |")


def minimize_table(repeats: int, have_jax: bool) -> None:
    def rosen(x: Any) -> Any:
        return tnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    x0 = np.zeros(5)
    jitted = tg.jit(lambda x: topt.minimize(rosen, x, method="BFGS"))
    print("\n(c) BFGS on Rosenbrock, n = 5, from 0 (ms)")
    print("| | tracegrad | jax |\n|---|---:|---:|")
    eager = median_ms(lambda: topt.minimize(rosen, x0, method="BFGS"), repeats)
    jit_ms = median_ms(lambda: jitted(x0), repeats)
    jax_ms = None
    if have_jax:
        import jax
        import jax.numpy as jnp
        import jax.scipy.optimize as jopt

        jax.config.update("jax_enable_x64", True)

        def jrosen(x: Any) -> Any:
            return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

        jfun = jax.jit(lambda x: jopt.minimize(jrosen, x, method="BFGS").x)
        jax_ms = median_ms(lambda: jfun(jnp.asarray(x0)).block_until_ready(), repeats)
    print(f"| eager | {fmt(eager)} | - |\n| jit | {fmt(jit_ms)} | {fmt(jax_ms)} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    repeats = 3 if parser.parse_args().quick else 15
    have_scipy = importlib.util.find_spec("scipy") is not None
    have_jax = importlib.util.find_spec("jax") is not None
    special_table(repeats, have_scipy)
    linalg_table(repeats, have_scipy)
    minimize_table(repeats, have_jax)


if __name__ == "__main__":
    main()
