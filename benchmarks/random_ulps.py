"""How far ``tracegrad.random``'s floating samples are from ``jax.random``'s.

Run: ``python benchmarks/random_ulps.py [KEYS] [--portable-math]`` (default 20 keys; needs
jax). For every sampler and for float32 and float64 (JAX with ``jax_enable_x64``), draws the
same samples from ``PRNGKey(0)`` to ``PRNGKey(KEYS - 1)`` both ways and prints a markdown
table: the share of samples that differ and the largest difference in units of the last
place of JAX's sample. docs/random.md shows the table. ``--portable-math`` runs JAX with
XLA's platform-dependent math off (its float32 ``rsqrt`` then rounds as ``1 / sqrt``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

COV = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.5]])
MEAN = np.array([1.0, -1.0, 0.0])


def _alpha(dtype: Any) -> np.ndarray:
    return np.array([0.1, 0.5, 1.0, 1.5, 3.0, 10.0, 100.0] * 30, dtype)


def _dense_alpha(dtype: Any) -> np.ndarray:
    return np.tile(np.geomspace(0.02, 50, 40), 5).astype(dtype)


CASES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "uniform(-3.3, 7.1)": lambda m, k, dt: m.uniform(k, (1000,), dt, -3.3, 7.1),
    "normal": lambda m, k, dt: m.normal(k, (1000,), dt),
    "exponential": lambda m, k, dt: m.exponential(k, (1000,), dt),
    "gumbel": lambda m, k, dt: m.gumbel(k, (1000,), dt),
    'gumbel, mode="high"': lambda m, k, dt: m.gumbel(k, (1000,), dt, mode="high"),
    "laplace": lambda m, k, dt: m.laplace(k, (1000,), dt),
    "logistic": lambda m, k, dt: m.logistic(k, (1000,), dt),
    "truncated_normal(-1.5, 0.7)": lambda m, k, dt: m.truncated_normal(k, -1.5, 0.7, (1000,), dt),
    "multivariate_normal (3-d)": lambda m, k, dt: m.multivariate_normal(k, MEAN, COV, (200,), dt),
    "orthogonal (4x4)": lambda m, k, dt: m.orthogonal(k, 4, (20,), dt),
    "gamma (a from 0.1 to 100)": lambda m, k, dt: m.gamma(k, _alpha(dt), dtype=dt),
    "gamma (40 values of a from 0.02 to 50)": lambda m, k, dt: m.gamma(
        k, _dense_alpha(dt), dtype=dt
    ),
    "loggamma": lambda m, k, dt: m.loggamma(k, _alpha(dt), dtype=dt),
    "loggamma (40 values of a)": lambda m, k, dt: m.loggamma(k, _dense_alpha(dt), dtype=dt),
    "beta(2, 3)": lambda m, k, dt: m.beta(k, 2.0, 3.0, (200,), dt),
    "dirichlet": lambda m, k, dt: m.dirichlet(k, np.array([1.0, 2.0, 0.3]), (100,), dt),
}


def ulps(ours: Any, theirs: Any) -> np.ndarray:
    """Each difference in units of the last place of ``theirs`` (0 where equal)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    equal = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    magnitude = np.maximum(np.abs(theirs), np.finfo(theirs.dtype).tiny)
    spacing = np.spacing(magnitude.astype(theirs.dtype)).astype(np.float64)
    return np.where(equal, 0.0, np.abs(ours.astype(np.float64) - theirs) / spacing)


PORTABLE_MATH = "--xla_backend_extra_options=xla_cpu_disable_platform_dependent_math"


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--portable-math"]
    if len(args) < len(sys.argv) - 1:  # before JAX starts its backend
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {PORTABLE_MATH}"
    import jax
    import jax.random as jr

    import tracegrad.random as tr

    jax.config.update("jax_enable_x64", True)
    keys = int(args[0]) if args else 20
    print("| sampler | dtype | samples | differ | max ulps |\n|---|---|---|---|---|")
    for name, draw in CASES.items():
        for dtype in (np.float32, np.float64):
            u = np.concatenate(
                [
                    ulps(draw(tr, k, dtype), draw(jr, k, dtype)).ravel()
                    for k in (np.asarray(jr.PRNGKey(seed)) for seed in range(keys))
                ]
            )
            print(
                f"| {name} | {np.dtype(dtype).name} | {u.size} | {np.mean(u > 0):.2%} | "
                f"{u.max():.0f} |"
            )


if __name__ == "__main__":
    main()
