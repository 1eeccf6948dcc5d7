"""Random-program fuzz test of tracegrad against JAX (``jax_enable_x64``): random programs
of tests/fuzz/programs.py, leaves float32 or float64, compared on values and dtypes (eager
and under ``jit``), the gradient of a loss over every value (eager, under ``jit``, under
``vmap``), ``jvp``, and ``vmap`` with mixed ``in_axes``. A second test checks what JAX
cannot tell: ``jit(f)`` returns what ``f`` returns, of the same types (NumPy scalars where
eager gives scalars), dtypes and values, and its results share memory with the inputs or
with each other only where eager's do.

Seeded and small by default (tests/fuzz/mode.py: a few seconds); ``TRACEGRAD_FUZZ=long``
runs thousands of programs and lists every failing seed with its program.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.peers import COMPILER_OPTIONS, assert_close, jax, jnp, to_numpy
from fuzz.mode import max_steps, run_all
from fuzz.programs import Program, RngChooser, draw_program, weights
from harness import jit_calls

DTYPES = (np.float64, np.float32)


def make(seed: int) -> Program:
    return draw_program(RngChooser(seed), dtypes=DTYPES, max_steps=max_steps())


def outputs(program: Program, xp: Any) -> Any:
    def f(*xs: Any) -> tuple[Any, ...]:
        pool = program.xp_pool(xp, *xs)
        return tuple(pool[i] for i in program.outputs)

    return f


def loss(program: Program, xp: Any) -> Any:
    def f(*xs: Any) -> Any:
        pool = program.xp_pool(xp, *xs)
        return sum(xp.sum(v * weights(k, v.shape).astype(v.dtype)) for k, v in enumerate(pool))

    return f


def _rtol(program: Program) -> float:
    return 1e-3 if any(a.dtype == np.float32 for a in program.leaves) else 1e-6


def check_against_jax(program: Program) -> None:
    xs = program.leaves
    argnums = tuple(range(len(xs)))
    rng = np.random.default_rng(len(program.steps))
    ts = tuple(rng.normal(size=x.shape).astype(x.dtype) for x in xs)
    in_axes = tuple(0 if k == 0 or rng.random() < 0.5 else None for k in range(len(xs)))
    batched = tuple(
        np.stack([x, (x * 0.5 + 0.25).astype(x.dtype)]) if ax == 0 else x
        for x, ax in zip(xs, in_axes, strict=True)
    )
    rtol = _rtol(program)

    def quantities(P: Any, f: Any, loss: Any, a: Any, t: Any, b: Any) -> dict[str, Any]:
        """Every quantity compared, computed by one peer ``P`` (tracegrad or JAX) at inputs
        ``a``, tangents ``t`` and batched inputs ``b``."""
        return {
            "value": f(*a),
            "grad": P.grad(loss, argnums)(*a),
            "jvp": P.jvp(f, a, t),
            "vmap": P.vmap(f, in_axes)(*b),
            "vmap(grad)": P.vmap(P.grad(loss, argnums), in_axes)(*b),
        }

    with np.errstate(all="ignore"):
        f_tg, l_tg = outputs(program, tnp), loss(program, tnp)
        # JAX's side compiled as one program: op-by-op dispatch compiles every primitive
        # at every shape, several times slower.
        want = to_numpy(
            jax.jit(
                lambda *a: quantities(jax, outputs(program, jnp), loss(program, jnp), *a),
                compiler_options=COMPILER_OPTIONS,
            )(xs, ts, batched)
        )
        got = quantities(tg, f_tg, l_tg, xs, ts, batched)
        # The first call runs the traced program, the second the generated code.
        got["jit value"], got["jit value, compiled"] = jit_calls(f_tg, *xs)
        got["jit(grad)"], got["jit(grad), compiled"] = jit_calls(tg.grad(l_tg, argnums), *xs)
    want["jit value"] = want["jit value, compiled"] = want["value"]
    want["jit(grad)"] = want["jit(grad), compiled"] = want["grad"]
    for what, theirs in want.items():
        assert_close(to_numpy(got[what]), theirs, what=what, rtol=rtol)


def check_jit_against_eager(program: Program) -> None:
    xs = program.leaves
    f = outputs(program, tnp)
    with np.errstate(all="ignore"):
        eager = f(*xs)
        calls = jit_calls(f, *xs)  # the traced program, then the generated code
    for jitted in calls:
        _check_results(program, xs, eager, jitted)


def _check_results(program: Program, xs: Any, eager: Any, jitted: Any) -> None:
    for k, (e, j) in enumerate(zip(eager, jitted, strict=True)):
        out = f"output {k} (v{program.outputs[k]})"
        assert type(j) is type(e), f"{out}: jit gives {type(j).__name__}, eager {type(e).__name__}"
        assert_close(j, e, what=out, rtol=_rtol(program))
        for i, x in enumerate(xs):
            if np.shares_memory(j, x) and not np.shares_memory(e, x):
                raise AssertionError(f"{out} of jit shares memory with input {i}; eager's not")
        for m in range(k):
            if np.shares_memory(j, jitted[m]) and not np.shares_memory(e, eager[m]):
                raise AssertionError(f"{out} of jit shares memory with output {m}; eager's not")


def test_random_programs_agree_with_jax() -> None:
    run_all(make, check_against_jax)


def test_jit_of_random_programs_returns_what_eager_returns() -> None:
    run_all(make, check_jit_against_eager)
