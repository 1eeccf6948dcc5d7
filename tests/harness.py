"""One record per primitive (or tracegrad.numpy function) drives every per-op check:
value vs NumPy, abstract evaluation vs the value, vmap vs a loop, derivatives to order 2
in both modes."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
from tracegrad.core import Primitive
from tracegrad.test_util import check_grads

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)

# Every dtype family a primitive meets, for the per-dtype checks of tests/ops.
EVERY_DTYPE = [
    np.bool_,
    np.int8,
    np.uint8,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]
C128 = np.dtype(np.complex128)


@dataclass
class OpRecord:
    """How to test one function.

    ``fn`` is the tracegrad function, ``np_fn`` its NumPy reference, both called as
    ``fn(*args, **kwargs)``. ``shapes`` lists argument-shape tuples to draw from.
    ``domain`` is the (low, high) range of values (or one range per argument).
    ``diff_argnums`` are the arguments that derivatives are checked for (the others are
    held fixed); empty for functions without derivatives (comparisons).
    """

    name: str
    fn: Callable[..., Any]
    np_fn: Callable[..., Any]
    shapes: Sequence[tuple[tuple[int, ...], ...]]
    dtypes: Sequence[np.dtype[Any]] = (F64, F32)
    domain: Any = (-2.0, 2.0)
    diff_argnums: tuple[int, ...] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    order: int = 2
    atol: float | None = None
    rtol: float | None = None
    eps: float | None = None
    make_args: (
        Callable[
            [np.random.Generator, tuple[tuple[int, ...], ...], np.dtype[Any]], list[np.ndarray]
        ]
        | None
    ) = None

    def __str__(self) -> str:
        return self.name

    def draw_args(self, seed: int, shape_index: int, dtype: np.dtype[Any]) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        shapes = self.shapes[shape_index % len(self.shapes)]
        if self.make_args is not None:
            return self.make_args(rng, shapes, dtype)
        domains = self.domain if isinstance(self.domain, list) else [self.domain] * len(shapes)
        args = []
        for shape, (lo, hi) in zip(shapes, domains, strict=True):
            if np.dtype(dtype).kind == "c":
                v = rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)
            else:
                v = rng.uniform(lo, hi, shape)
            args.append(np.asarray(v, dtype=dtype))
        return args


def _tols(rec: OpRecord, dtype: np.dtype[Any]) -> tuple[float, float]:
    default = 1e-6 if dtype in (F64, C128) else 1e-4
    return rec.atol or default, rec.rtol or default


def check_value(rec: OpRecord, args: list[np.ndarray]) -> None:
    """The traced path (through make_jaxpr and eval_jaxpr) agrees with NumPy, and so does
    the eager fast path."""
    want = rec.np_fn(*args, **rec.kwargs)
    eager = rec.fn(*args, **rec.kwargs)
    closed = tg.make_jaxpr(lambda *a: rec.fn(*a, **rec.kwargs))(*args)
    traced = tg.eval_jaxpr(closed, *args)
    flat_want = [np.asarray(w) for w in tg.tree_util.tree_leaves(want)]
    assert len(traced) == len(flat_want)
    atol, rtol = _tols(rec, args[0].dtype if args else F64)
    for got, w, aval in zip(traced, flat_want, closed.out_avals, strict=True):
        np.testing.assert_allclose(np.asarray(got), w, atol=atol, rtol=rtol, equal_nan=True)
        assert aval.shape == w.shape, (rec.name, aval.shape, w.shape)
        assert aval.dtype == w.dtype, (rec.name, aval.dtype, w.dtype)
        assert np.asarray(got).dtype == w.dtype, (rec.name, np.asarray(got).dtype, w.dtype)
    for got, w in zip(tg.tree_util.tree_leaves(eager), flat_want, strict=True):
        np.testing.assert_allclose(np.asarray(got), w, atol=atol, rtol=rtol, equal_nan=True)
    check_vmap(rec, args)


def check_vmap(rec: OpRecord, args: list[np.ndarray]) -> None:
    """vmap over a new leading axis of every argument agrees with a Python loop; so does
    vmap with only the first argument batched (the others broadcast)."""
    if not args:
        return
    rng = np.random.default_rng(0)
    perturbed = [
        a
        + (
            rng.uniform(0, 1e-3, a.shape).astype(a.dtype)
            if a.dtype.kind == "f"
            else np.zeros_like(a)
        )
        for a in args
    ]
    batch = [np.stack([a, p]) for a, p in zip(args, perturbed, strict=True)]
    f = lambda *a: rec.fn(*a, **rec.kwargs)
    atol, rtol = _tols(rec, args[0].dtype)
    out = tg.vmap(f)(*batch)
    for i in range(2):
        want = f(*[b[i] for b in batch])
        for got, w in zip(
            tg.tree_util.tree_leaves(out), tg.tree_util.tree_leaves(want), strict=True
        ):
            np.testing.assert_allclose(
                np.asarray(got)[i],
                np.asarray(w),
                atol=atol,
                rtol=rtol,
                equal_nan=True,
                err_msg=f"vmap of {rec.name}",
            )
    in_axes = (0,) + (None,) * (len(args) - 1)
    out = tg.vmap(f, in_axes=in_axes)(batch[0], *args[1:])
    for i in range(2):
        want = f(batch[0][i], *args[1:])
        for got, w in zip(
            tg.tree_util.tree_leaves(out), tg.tree_util.tree_leaves(want), strict=True
        ):
            np.testing.assert_allclose(
                np.asarray(got)[i],
                np.asarray(w),
                atol=atol,
                rtol=rtol,
                equal_nan=True,
                err_msg=f"vmap (first arg) of {rec.name}",
            )


def check_derivatives(rec: OpRecord, args: list[np.ndarray]) -> None:
    argnums = rec.diff_argnums if rec.diff_argnums is not None else tuple(range(len(args)))
    if not argnums:
        return

    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, a in zip(argnums, dyn, strict=True):
            full[i] = a
        return rec.fn(*full, **rec.kwargs)

    check_grads(
        partial,
        [args[i] for i in argnums],
        order=rec.order,
        atol=rec.atol,
        rtol=rec.rtol,
        eps=rec.eps,
    )


def record_tests(records: Sequence[OpRecord]) -> tuple[Callable[..., None], Callable[..., None]]:
    """Two hypothesis-driven pytest functions, parametrized over ``records``:
    ``test_value`` and ``test_derivatives``. Assign them to module-level names."""
    import pytest

    ids = [r.name for r in records]
    seeds = st.integers(0, 2**31 - 1)
    indices = st.integers(0, 64)

    @pytest.mark.parametrize("rec", records, ids=ids)
    @given(seed=seeds, shape_index=indices, which_dtype=indices)
    def test_value(rec: OpRecord, seed: int, shape_index: int, which_dtype: int) -> None:
        dtype = rec.dtypes[which_dtype % len(rec.dtypes)]
        check_value(rec, rec.draw_args(seed, shape_index, dtype))

    @pytest.mark.parametrize("rec", records, ids=ids)
    @given(seed=seeds, shape_index=indices, which_dtype=indices)
    def test_derivatives(rec: OpRecord, seed: int, shape_index: int, which_dtype: int) -> None:
        dtype = rec.dtypes[which_dtype % len(rec.dtypes)]
        check_derivatives(rec, rec.draw_args(seed, shape_index, dtype))

    return test_value, test_derivatives


def every_primitive() -> list[Primitive]:
    """The primitives of every module of tracegrad (the demo and ``__main__`` aside), each
    module imported."""
    found: dict[int, Primitive] = {}
    for info in pkgutil.walk_packages(tg.__path__, "tracegrad."):
        if info.name.split(".")[1] in ("demo", "__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Primitive):
                found[id(value)] = value
    return list(found.values())


# Primitives that carry a jaxpr and whose transpose rule transposes it: linear exactly
# where their body is, so not declared linear (docs/adding_a_primitive.md, "Exemptions").
TRANSPOSES_ITS_BODY = frozenset({"jit", "checkpoint", "cond", "while", "scan", "custom_lin"})


def missing_rules(prim: Primitive) -> list[str]:
    """What ``prim`` lacks of the checklist's rules (empty when it is complete)."""
    missing = [
        slot for slot in ("impl", "abstract_eval", "jvp", "batch") if getattr(prim, slot) is None
    ]
    if prim.linear and prim.transpose is None:
        missing.append("transpose (declared linear)")
    if prim.transpose is not None and not prim.linear and prim.name not in TRANSPOSES_ITS_BODY:
        missing.append("linear=True (has a transpose rule)")
    if prim.emit is not None and isinstance(prim.impl, np.ufunc):
        missing.append("no emit (a ufunc implementation is emitted as a ufunc call)")
    if prim.commutative and prim.multiple_results:
        missing.append("one result (commutative)")
    return missing


def on_tracer(f: Callable[..., Any], *args: Any) -> Any:
    """Run ``f`` with its arguments as staged tracers, and evaluate the result."""
    closed = tg.make_jaxpr(lambda *a: f(*a))(*args)
    out = tg.eval_jaxpr(closed, *args)
    return out[0] if len(out) == 1 else tuple(out)


def jit_calls(f: Callable[..., Any], *args: Any) -> list[Any]:
    """The results of the first two calls of a new ``tg.jit(f)`` at ``args``: the first call
    runs the program as traced (the primitives' implementations), the second the optimised,
    generated code (transforms/jit.py). Tests of jit check both."""
    jitted = tg.jit(f)
    return [jitted(*args), jitted(*args)]


def value_grad_hvp_against_jax(
    jax: Any, f_tg: Callable[..., Any], f_jax: Callable[..., Any], x: np.ndarray, seed: int
) -> tuple[list[Any], list[Any]]:
    """``(ours, JAX's)``: the value of ``f`` at ``x``, the gradient of a random weighted sum
    of it and that gradient's jvp along a random tangent. JAX's side is one jitted program
    (compiling op by op would cost seconds)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(np.shape(f_tg(x)))
    t = rng.standard_normal(x.shape)

    def value_grad_hvp(grad: Any, jvp: Any, f: Any, v: Any) -> list[Any]:
        loss = lambda u: (f(u) * w).sum()
        return [f(v), grad(loss)(v), jvp(grad(loss), (v,), (t,))[1]]

    want = jax.jit(lambda v: value_grad_hvp(jax.grad, jax.jvp, f_jax, v))(x)
    got = value_grad_hvp(tg.grad, tg.jvp, f_tg, x)
    return got, [np.asarray(v) for v in want]
