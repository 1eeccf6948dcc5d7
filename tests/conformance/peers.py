"""The two peers of the JAX conformance suite, tracegrad and JAX, behind one interface, and
the helpers every conformance test uses: skipping what tracegrad lacks, building losses,
and comparing pytrees of results.

Every conformance computation is written once as ``compute(P, ...)`` with ``P`` a ``Peer``
(``P.xp`` is ``tracegrad.numpy`` or ``jax.numpy``, ``P.grad`` is ``tg.grad`` or
``jax.grad``, ...) and run on both peers: directly for tracegrad, and for JAX through
``JaxReferences``, which compiles a whole family of computations into one XLA program
(one compilation per primitive and shape would take minutes).
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracegrad as tg  # noqa: E402
import tracegrad.numpy as tnp  # noqa: E402
from tracegrad.core import Tracer  # noqa: E402

NOT_YET = "not implemented yet in tracegrad"
RTOL = {
    np.dtype(np.float64): 1e-6,
    np.dtype(np.float32): 1e-4,
    np.dtype(np.complex128): 1e-6,
    np.dtype(np.complex64): 1e-4,
}


# ---- what tracegrad has ------------------------------------------------------
def lookup(module: Any, dotted: str) -> Any:
    """``module.a.b`` for ``dotted == "a.b"``, or None where a part is missing."""
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def lookup_tg(dotted: str) -> Any:
    """``tracegrad.<dotted>`` (submodules imported as needed), or None where missing."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(["tracegrad", *parts[:i]]))
        except ImportError:
            continue
        return lookup(module, ".".join(parts[i:])) if parts[i:] else module
    return lookup(tg, dotted)


def api(xp: Any, dotted: str) -> Any:
    """The peer's ``dotted`` (e.g. ``nn.relu``): from tracegrad or from jax, by ``xp``."""
    if xp is jnp:
        return lookup(
            importlib.import_module("jax." + dotted.rsplit(".", 1)[0]), dotted.rsplit(".", 1)[1]
        )
    return lookup_tg(dotted)


def has_at() -> bool:
    """tracegrad offers JAX's functional update, as ``tnp.at(x)`` or as ``Tracer.at``."""
    return lookup(tnp, "at") is not None or hasattr(Tracer, "at")


def missing(names: Sequence[str]) -> list[str]:
    """The names of ``names`` that ``tracegrad.numpy`` does not have yet."""
    out = []
    for name in names:
        if name == "at":
            present = has_at()
        elif name.startswith("tg."):
            present = lookup_tg(name.removeprefix("tg.")) is not None
        elif name.startswith("Tracer."):
            attr = name.removeprefix("Tracer.")
            present = getattr(Tracer, attr, None) not in (None, getattr(object, attr, None))
        else:  # importing a submodule (tnp.fft) makes it an attribute, as the cases use it
            present = lookup_tg("numpy." + name) is not None
        if not present:
            out.append(name)
    return out


def require(*names: str) -> None:
    """Skip the test while tracegrad.numpy lacks one of ``names`` (dotted for submodules)."""
    lacking = missing(names)
    if lacking:
        pytest.skip(
            f"{NOT_YET}: "
            + ", ".join(
                n.replace("tg.", "tracegrad.", 1)
                if n.startswith(("Tracer.", "tg."))
                else f"tracegrad.numpy.{n}"
                for n in lacking
            )
        )


def at(xp: Any, x: Any) -> Any:
    """JAX's ``x.at`` for either peer: ``jnp.asarray(x).at`` or tracegrad's equivalent."""
    if xp is jnp:
        return jnp.asarray(x).at
    fn = lookup(tnp, "at")
    if fn is not None:
        return fn(x)
    return x.at


# ---- the peers ---------------------------------------------------------------
# XLA's compile time dominates the suite (JAX's side of it); its optimisation passes and
# fusion emitters buy nothing on these tiny arrays and cost three quarters of the time.
COMPILER_OPTIONS = {
    "xla_backend_optimization_level": 0,
    "xla_cpu_use_fusion_emitters": False,
    "xla_llvm_disable_expensive_passes": True,
}


@dataclass(frozen=True)
class Peer:
    """One implementation of the JAX API: its numpy module and its transformations."""

    name: str
    xp: Any
    grad: Callable[..., Any]
    value_and_grad: Callable[..., Any]
    vjp: Callable[..., Any]
    jvp: Callable[..., Any]
    linearize: Callable[..., Any]
    jacfwd: Callable[..., Any]
    jacrev: Callable[..., Any]
    hessian: Callable[..., Any]
    vmap: Callable[..., Any]
    make_jaxpr: Callable[..., Any]
    linear_transpose: Callable[..., Any]
    jit: Callable[..., Any]

    def __repr__(self) -> str:
        return self.name


TG = Peer(
    "tracegrad",
    tnp,
    tg.grad,
    tg.value_and_grad,
    tg.vjp,
    tg.jvp,
    tg.linearize,
    tg.jacfwd,
    tg.jacrev,
    tg.hessian,
    tg.vmap,
    tg.make_jaxpr,
    tg.linear_transpose,
    getattr(tg, "jit", None),  # type: ignore[arg-type]
)
JAX = Peer(
    "jax",
    jnp,
    jax.grad,
    jax.value_and_grad,
    jax.vjp,
    jax.jvp,
    jax.linearize,
    jax.jacfwd,
    jax.jacrev,
    jax.hessian,
    jax.vmap,
    jax.make_jaxpr,
    jax.linear_transpose,
    jax.jit,
)


class JaxReferences:
    """JAX's results for the cases of a catalogue, computed lazily, one jitted program per
    family of cases (XLA's fixed cost per compilation would otherwise dominate the suite).

    ``build(case)`` returns ``(fn, args)``: the JAX computation of that case and its
    arguments. A family that fails to compile as a whole is retried case by case, so one
    failing case does not take its family down with it.
    """

    def __init__(self, build: Callable[[Any], tuple[Callable[..., Any], list[Any]]]) -> None:
        self.build = build
        self.results: dict[str, Any] = {}
        self.errors: dict[str, BaseException] = {}

    def get(self, case: Any, family: Sequence[Any]) -> Any:
        if case.name not in self.results and case.name not in self.errors:
            todo = [
                c
                for c in family
                if c.name not in self.results and c.name not in self.errors and not missing(c.needs)
            ]
            self._fill([case] + [c for c in todo if c.name != case.name])
        if case.name in self.errors:
            raise AssertionError(
                f"JAX could not compute the reference for {case.name}"
            ) from self.errors[case.name]
        return self.results[case.name]

    def _fill(self, cases: Sequence[Any]) -> None:
        programs = []
        for c in cases:
            try:
                programs.append((c, *self.build(c)))
            except Exception as e:
                self.errors[c.name] = e
        try:
            outs = jax.jit(
                lambda all_args: [f(*a) for (_, f, _), a in zip(programs, all_args, strict=True)],
                compiler_options=COMPILER_OPTIONS,
            )([a for _, _, a in programs])
            for (c, _, _), out in zip(programs, outs, strict=True):
                self.results[c.name] = to_numpy(out)
        except Exception:
            for c, f, a in programs:
                try:
                    self.results[c.name] = to_numpy(
                        jax.jit(f, compiler_options=COMPILER_OPTIONS)(*a)
                    )
                except Exception as e:
                    self.errors[c.name] = e


def rng_for(*key: object) -> np.random.Generator:
    """A generator seeded by ``key`` (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# ---- pytrees of results --------------------------------------------------------
def flatten(tree: Any, strict: bool = False) -> tuple[list[Any], str]:
    """Leaves and a structure string; dicts by sorted key. Lists, tuples and namedtuples
    are all sequences unless ``strict`` (NumPy 2 returns tuples where JAX returns lists,
    e.g. meshgrid, and its own namedtuple classes, e.g. slogdet)."""
    leaves: list[Any] = []

    def walk(t: Any) -> str:
        if isinstance(t, dict):
            return "{" + ",".join(f"{k!r}:{walk(t[k])}" for k in sorted(t)) + "}"
        if isinstance(t, list | tuple):
            name = type(t).__name__ if strict else ""
            return name + "[" + ",".join(walk(x) for x in t) + "]"
        if t is None:
            return "None"
        leaves.append(t)
        return "*"

    return leaves, walk(tree)


def to_numpy(tree: Any) -> Any:
    """Every leaf as a NumPy array (dicts, lists, tuples and namedtuples kept)."""
    if isinstance(tree, dict):
        return {k: to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [to_numpy(x) for x in tree]
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(to_numpy(x) for x in tree))
    if isinstance(tree, tuple):
        return tuple(to_numpy(x) for x in tree)
    if tree is None:
        return None
    return np.asarray(tree)


def assert_close(
    got: Any,
    want: Any,
    *,
    what: str,
    rtol: float | None = None,
    check_dtype: bool = True,
    strict: bool = False,
) -> None:
    """Same structure (container types too if ``strict``), shapes, dtypes (unless
    ``check_dtype`` is False) and values."""
    got_leaves, got_tree = flatten(to_numpy(got), strict)
    want_leaves, want_tree = flatten(to_numpy(want), strict)
    assert got_tree == want_tree, f"{what}: structure {got_tree} (tracegrad) != {want_tree} (jax)"
    for i, (g, w) in enumerate(zip(got_leaves, want_leaves, strict=True)):
        where = f"{what}, leaf {i}"
        assert g.shape == w.shape, f"{where}: shape {g.shape} (tracegrad) != {w.shape} (jax)"
        if check_dtype:
            assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} (tracegrad) != {w.dtype} (jax)"
        if w.dtype.kind in "biu" and g.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w, err_msg=where)
            continue
        tol = rtol if rtol is not None else RTOL.get(w.dtype, 1e-6)
        finite = np.abs(w[np.isfinite(w)]) if w.size else np.zeros(1)
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        np.testing.assert_allclose(
            g, w, rtol=tol, atol=tol * 1e-2 * scale, equal_nan=True, err_msg=where
        )


# ---- losses built from outputs ---------------------------------------------------
def is_inexact_dtype(dtype: Any) -> bool:
    return np.dtype(dtype).kind in "fc"


def weights_like(rng: np.random.Generator, shape_tree: Any) -> list[Any]:
    """One fixed random weight array per output leaf (None for integer and bool leaves)."""
    leaves, _ = flatten(shape_tree)
    out: list[Any] = []
    for leaf in leaves:
        if not is_inexact_dtype(leaf.dtype):
            out.append(None)
        elif np.dtype(leaf.dtype).kind == "c":
            out.append(rng.normal(size=leaf.shape) + 1j * rng.normal(size=leaf.shape))
        else:
            out.append(rng.normal(size=leaf.shape))
    return out


def inner(xp: Any, a: Any, w: np.ndarray) -> Any:
    """The real inner product ``sum(a * w)``; for complex ``w``, of real and imaginary parts."""
    if np.iscomplexobj(w):
        return xp.sum(xp.real(a) * w.real) + xp.sum(xp.imag(a) * w.imag)
    return xp.sum(a * w)


def loss_of(xp: Any, fn: Callable[..., Any], weights: Sequence[Any]) -> Callable[..., Any]:
    """The scalar ``sum_i <fn(xp, *args)_i, weights_i>`` over the output leaves of ``fn``."""

    def loss(*args: Any) -> Any:
        outs, _ = flatten(fn(xp, *args))
        total: Any = 0.0
        for out, w in zip(outs, weights, strict=True):
            if w is not None:
                total = total + inner(xp, out, w)
        return total

    return loss


def tree_inner(xp: Any, tree: Any, ws: Sequence[np.ndarray]) -> Any:
    """``sum_i <leaf_i, ws_i>`` over the leaves of a tuple of arrays."""
    leaves, _ = flatten(tree)
    total: Any = 0.0
    for leaf, w in zip(leaves, ws, strict=True):
        total = total + inner(xp, leaf, w)
    return total


def random_like(rng: np.random.Generator, arrays: Sequence[np.ndarray]) -> tuple[Any, ...]:
    """Random arrays (tangents, cotangents) of the shapes and dtypes of ``arrays``."""
    out = []
    for a in arrays:
        a = np.asarray(a)
        v = rng.normal(size=a.shape)
        if a.dtype.kind == "c":
            v = v + 1j * rng.normal(size=a.shape)
        out.append(np.asarray(v, dtype=a.dtype))
    return tuple(out)
