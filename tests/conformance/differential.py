"""The machinery of the differential fuzz tests against jax.numpy (test_jax_differential*.py,
test_jax_scipy.py): one drawn ``Call``, its eager, traced, forward- and reverse-mode values
against JAX's in one compiled program per family, and the drawing helpers.

The tests: test_jax_differential.py (elementwise, where/clip), test_jax_differential_arrays.py
(reductions, shapes, creation, indexing), test_jax_differential_linalg.py (linear algebra,
fft, operators and methods of tracers), test_jax_differential_numpy.py (NaN-aware functions,
statistics...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.peers import COMPILER_OPTIONS, assert_close, flatten, jax, jnp, to_numpy

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)
C128, C64 = np.dtype(np.complex128), np.dtype(np.complex64)
POS, UNIT, ANY = (0.5, 2.0), (-0.9, 0.9), (-2.0, 2.0)


# ---- one drawn call -------------------------------------------------------------------
@dataclass
class Call:
    """``fn(xp, *args)``: every entry of ``args`` is differentiated; constants (integer
    operands, Python scalars, indices) live in ``fn``'s closure. ``order``: highest
    derivative checked (0: values only)."""

    label: str
    fn: Callable[..., Any]
    args: list[np.ndarray]
    order: int = 3
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def probes(self) -> dict[str, Any]:
        """Loss weights per output leaf (None for integer leaves) and two tangents."""
        shapes = jax.eval_shape(lambda *a: self.fn(jnp, *a), *self.args)
        ws: list[Any] = []
        for leaf in flatten(shapes)[0]:
            dt = np.dtype(leaf.dtype)
            if dt.kind not in "fc":
                ws.append(None)
                continue
            real = np.finfo(dt).dtype
            ws.append(tuple(self.rng.normal(size=leaf.shape).astype(real) for _ in range(2)))
        tangents = [self._tangent(a) for a in self.args], [self._tangent(a) for a in self.args]
        return {"ws": ws, "V": tuple(tangents[0]), "U": tuple(tangents[1])}

    def _tangent(self, a: np.ndarray) -> np.ndarray:
        t = self.rng.normal(size=a.shape)
        if a.dtype.kind == "c":
            t = t + 1j * self.rng.normal(size=a.shape)
        return np.asarray(t, dtype=a.dtype)


def scalarize(xp: Any, fn: Callable[..., Any], ws: Sequence[Any]) -> Callable[..., Any]:
    """The smooth scalar loss: ``sum(w1 * p + w2 * p * p / 2)`` over the output leaves
    (over real and imaginary parts of complex leaves, weights swapped for the latter)."""

    def loss(*args: Any) -> Any:
        total: Any = 0.0
        for out, w in zip(flatten(fn(xp, *args))[0], ws, strict=True):
            if w is None:
                continue
            parts = [(xp.real(out), w), (xp.imag(out), w[::-1])] if _complex(out) else [(out, w)]
            for p, (w1, w2) in parts:
                total = total + xp.sum(w1 * p) + 0.5 * xp.sum(w2 * p * p)
        return total

    return loss


def _complex(x: Any) -> bool:
    return np.dtype(x.dtype).kind == "c"


def compute(xp: Any, grad: Any, jvp: Any, call: Call, probes: dict[str, Any]) -> dict[str, Any]:
    """Every quantity compared, for one peer (``xp``, ``grad``, ``jvp``)."""
    f = lambda *a: call.fn(xp, *a)
    args = tuple(call.args)
    if not args:
        return {"value": f()}
    primal, tangent = jvp(f, args, probes["V"])
    out: dict[str, Any] = {"traced value": primal}
    if call.order == 0:
        return out
    leaves, _ = flatten(tangent)
    out["jvp"] = [t for t, w in zip(leaves, probes["ws"], strict=True) if w is not None]
    argnums = tuple(range(len(args)))
    g = lambda *a: grad(scalarize(xp, call.fn, probes["ws"]), argnums)(*a)
    out["grad"] = g(*args)
    if call.order >= 2:
        hvp = lambda *a: jvp(g, a, probes["V"])[1]
        out["jvp of grad"] = hvp(*args)
        if call.order >= 3:
            out["jvp of jvp of grad"] = jvp(hvp, args, probes["U"])[1]
    return out


def check(calls: list[Call]) -> None:
    """tracegrad agrees with JAX on every call (JAX's side compiled as one program). Where a
    float32 result is not within 1e-4 of JAX's, JAX computes the call again in float64 and
    tracegrad's result passes if it is at least as close to that one as JAX's (cancellation
    in a third derivative, say, can cost float32 more than 1e-4, in JAX too)."""
    probes = [c.probes() for c in calls]
    outs = jax_compute(list(zip(calls, probes, strict=True)))
    failures = []
    for c, p, want in zip(calls, probes, outs, strict=True):
        try:
            with np.errstate(all="ignore"):
                eager = c.fn(tnp, *c.args)
                got = compute(tnp, tg.grad, tg.jvp, c, p)
            want_value = want.get("value", want.get("traced value"))
            rtol = _rtol(want_value)
            assert_close(eager, want_value, what="eager value", rtol=rtol)
            if not c.args:  # constants only: stage the call, so the traced path runs too
                closed = tg.make_jaxpr(lambda: c.fn(tnp))()
                with np.errstate(all="ignore"):
                    staged = tg.eval_jaxpr(closed)
                assert_close(list(staged), flatten(want_value)[0], what="staged value", rtol=rtol)
            ref64: dict[str, Any] | None = None
            for key in want:
                try:
                    assert_close(got[key], want[key], what=key, rtol=rtol)
                except AssertionError:
                    twin = _in_float64(c, p)
                    if twin is None:
                        raise
                    ref64 = ref64 or jax_compute([twin])[0]
                    if not _at_least_as_close(got[key], want[key], ref64[key]):
                        raise
        except Exception as e:  # collect every disagreement of the example
            args = [a.dtype.name + str(list(a.shape)) for a in c.args]
            failures.append(f"{c.label} {args}: {type(e).__name__}: {str(e)[:600]}")
    assert not failures, f"{len(failures)} of {len(calls)} calls disagree:\n" + "\n\n".join(
        failures
    )


def jax_compute(jobs: list[tuple[Call, dict[str, Any]]]) -> list[dict[str, Any]]:
    """JAX's results for every call, in one compiled program."""
    return to_numpy(  # type: ignore[no-any-return]
        jax.jit(
            lambda all_args: [
                compute(jnp, jax.grad, jax.jvp, Call(c.label, c.fn, list(a), c.order), p)
                for (c, p), a in zip(jobs, all_args, strict=True)
            ],
            compiler_options=COMPILER_OPTIONS,
        )([c.args for c, _ in jobs])
    )


def _in_float64(call: Call, probes: dict[str, Any]) -> tuple[Call, dict[str, Any]] | None:
    """``call`` and its probes with float32/complex64 arrays made float64/complex128."""
    if not any(a.dtype in (F32, C64) for a in call.args):
        return None
    up = lambda a: a if a is None else np.asarray(a).astype(np.result_type(a, np.float64))
    args = [up(a) for a in call.args]
    ws = [w if w is None else tuple(up(x) for x in w) for w in probes["ws"]]
    twin = {
        "ws": ws,
        "V": tuple(up(v) for v in probes["V"]),
        "U": tuple(up(u) for u in probes["U"]),
    }
    return Call(call.label, call.fn, args, call.order, call.rng), twin


def _at_least_as_close(got: Any, want: Any, ref: Any) -> bool:
    """tracegrad's leaves are no farther from ``ref`` (float64) than JAX's, dtypes equal."""
    g, _ = flatten(to_numpy(got))
    w, _ = flatten(to_numpy(want))
    r, _ = flatten(to_numpy(ref))
    for gi, wi, ri in zip(g, w, r, strict=True):
        if gi.dtype != wi.dtype or gi.shape != wi.shape:
            return False
        err_tg = np.abs(gi.astype(ri.dtype) - ri)
        err_jax = np.abs(wi.astype(ri.dtype) - ri)
        slack = 1e-4 * max(1.0, float(np.nanmax(np.abs(ri), initial=0.0)))
        if not np.all((err_tg <= 1.5 * err_jax + slack) | np.isnan(ri)):
            return False
    return True


def _rtol(value: Any) -> float:
    """1e-4 where float32/complex64 is involved, 1e-6 otherwise (leaves of the value)."""
    leaves, _ = flatten(to_numpy(value))
    return 1e-4 if any(leaf.dtype in (F32, C64) for leaf in leaves) else 1e-6


# ---- drawing ------------------------------------------------------------------------------
def uniform(
    rng: np.random.Generator, shape: tuple[int, ...], dom: tuple[float, float], dtype: np.dtype[Any]
) -> np.ndarray:
    v = rng.uniform(*dom, size=shape)
    if dtype.kind == "c":
        v = v + 1j * rng.uniform(*dom, size=shape)
    return np.asarray(v, dtype=dtype)


def seeded(data: st.DataObject) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


# The families whose JAX programs take longest to trace and compile run half the profile's
# examples (4 in CI), to keep the file under 40 s there.
HALF = settings(max_examples=max(2, settings.default.max_examples // 2))

SHAPES = [(), (3,), (2, 3), (2, 1, 3)]
PAIRS = [((2, 3), (3,)), ((3,), ()), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((2, 3), (2, 3))]


RSHAPES = [(4,), (2, 3), (2, 3, 4)]


def draw_axis(data: st.DataObject, ndim: int, label: str, tuples: bool = True) -> Any:
    choices: list[st.SearchStrategy[Any]] = [st.none(), st.integers(-ndim, ndim - 1)]
    if tuples and ndim > 1:
        choices.append(
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                lambda ax: tuple(a - ndim if i % 2 else a for i, a in enumerate(sorted(ax)))
            )
        )
    return data.draw(st.one_of(choices), label)


def perm(data: st.DataObject, n: int, label: str) -> tuple[int, ...]:
    return tuple(data.draw(st.permutations(range(n)), label))
