"""Conformance of tracegrad's values with JAX's: every catalogue case in float64 and float32,
through the eager path (NumPy) and the traced path (make_jaxpr then eval_jaxpr), with
shapes and dtypes, under vmap; and the documented differences, where tracegrad follows
NumPy's dtypes and conversions instead of JAX's."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.catalogue import CATALOGUE, F32, F64, Case, family_of
from conformance.peers import (
    JAX,
    NOT_YET,
    TG,
    JaxReferences,
    Peer,
    assert_close,
    flatten,
    jax,
    jnp,
    lookup_tg,
    require,
    rng_for,
    to_numpy,
)


def evaluate(P: Peer, case: Case, *args: Any) -> Any:
    return case.fn(P.xp, *args)


def points(case: Case) -> dict[str, list[np.ndarray]]:
    """Where each case is evaluated: ``a`` in float64 and float32, a second point ``b``,
    and ``mixed`` (``b``'s first argument with ``a``'s others), for the vmap checks."""
    a = case.args(F64)
    pts = {"a": a}
    if case.f32:
        pts["a32"] = case.args(F32)
    if a:
        b = case.args(F64, key=1)
        pts.update(b=b, mixed=b[:1] + a[1:])
    return pts


def value_bundle(P: Peer, case: Case, pts: dict[str, list[Any]]) -> dict[str, Any]:
    return {k: evaluate(P, case, *v) for k, v in pts.items()}


def build(case: Case) -> tuple[Any, list[Any]]:
    return (lambda pts: value_bundle(JAX, case, pts)), [points(case)]


REFS = JaxReferences(build)


def reference(case: Case) -> dict[str, Any]:
    require(*case.needs)
    return REFS.get(case, family_of(case))


def check_traced(case: Case, args: list[np.ndarray], want: Any, what: str) -> None:
    """tracegrad's traced path (make_jaxpr, eval_jaxpr) and its avals agree with JAX."""
    closed = tg.make_jaxpr(lambda *a: evaluate(TG, case, *a))(*args)
    with np.errstate(all="ignore"):
        traced = tg.eval_jaxpr(closed, *args)
    want_leaves, _ = flatten(want)
    assert len(traced) == len(want_leaves), (
        f"{what}: {len(traced)} outputs, jax has {len(want_leaves)}"
    )
    for i, (aval, w) in enumerate(zip(closed.out_avals, want_leaves, strict=True)):
        assert (aval.shape, np.dtype(aval.dtype)) == (w.shape, w.dtype), (
            f"{what}, output {i}: aval {aval} but jax gives {w.dtype}{list(w.shape)}"
        )
    assert_close(list(traced), list(want_leaves), what=what)


@pytest.mark.parametrize("case", CATALOGUE, ids=str)
def test_values_float64(case: Case) -> None:
    want = reference(case)["a"]
    args = case.args(F64)
    with np.errstate(all="ignore"):
        eager = evaluate(TG, case, *args)
    assert_close(eager, want, what=f"{case} eager float64")
    check_traced(case, args, want, f"{case} traced float64")


@pytest.mark.parametrize("case", [c for c in CATALOGUE if c.f32], ids=str)
def test_values_float32(case: Case) -> None:
    """float32 stays float32 (NumPy and JAX agree on that); values to rtol 1e-4."""
    want = reference(case)["a32"]
    args = case.args(F32)
    with np.errstate(all="ignore"):
        eager = evaluate(TG, case, *args)
    assert_close(eager, want, what=f"{case} eager float32")
    check_traced(case, args, want, f"{case} traced float32")


def stack_trees(trees: list[Any], axis: int = 0) -> Any:
    """Stack the matching leaves of ``trees`` (NumPy results) along ``axis``."""
    leaves = [flatten(t)[0] for t in trees]
    return [np.stack(ls, axis=axis) for ls in zip(*leaves, strict=True)]


@pytest.mark.parametrize("case", [c for c in CATALOGUE if c.shapes or c.make_args], ids=str)
def test_vmap(case: Case) -> None:
    """vmap in three ways (every argument on axis 0; only the first, the others broadcast;
    every argument and the output on the last axis) equals JAX's values point by point."""
    want = reference(case)
    require("moveaxis")
    pts = points(case)
    a, b = pts["a"], pts["b"]
    batched = [np.stack(pair) for pair in zip(a, b, strict=True)]
    f = lambda *x: evaluate(TG, case, *x)
    with np.errstate(all="ignore"):
        all0 = tg.vmap(f)(*batched)
        first = tg.vmap(f, in_axes=(0,) + (None,) * (len(a) - 1))(batched[0], *a[1:])
        last = tg.vmap(f, in_axes=-1, out_axes=-1)(*[np.moveaxis(x, 0, -1) for x in batched])
    assert_close(
        flatten(to_numpy(all0))[0],
        stack_trees([want["a"], want["b"]]),
        what=f"vmap (all on axis 0) of {case}",
    )
    assert_close(
        flatten(to_numpy(first))[0],
        stack_trees([want["a"], want["mixed"]]),
        what=f"vmap (first only) of {case}",
    )
    assert_close(
        flatten(to_numpy(last))[0],
        stack_trees([want["a"], want["b"]], axis=-1),
        what=f"vmap (last axis) of {case}",
    )


# ---- documented differences: tracegrad follows NumPy where JAX does not -------------
def traced_dtype(f: Any, *args: Any) -> np.dtype[Any]:
    (aval,) = tg.make_jaxpr(f)(*args).out_avals
    return np.dtype(aval.dtype)


@pytest.mark.parametrize(
    ("name", "needs", "make", "numpy_dtype", "jax_dtype"),
    [
        (
            "sin of int32",
            "sin",
            lambda xp: xp.sin(np.arange(3, dtype=np.int32)),
            np.float64,
            np.float32,
        ),
        (
            "sin of int8",
            "sin",
            lambda xp: xp.sin(np.arange(3, dtype=np.int8)),
            np.float16,
            np.float32,
        ),
        (
            "float32 + int64 array",
            "add",
            lambda xp: xp.add(np.ones(2, np.float32), np.ones(2, np.int64)),
            np.float64,
            np.float32,
        ),
        (
            "mean of int32",
            "mean",
            lambda xp: xp.mean(np.arange(3, dtype=np.int32)),
            np.float64,
            np.float32,
        ),
        (
            "float32 * Python float",
            "multiply",
            lambda xp: xp.multiply(np.ones(2, np.float32), 2.0),
            np.float32,
            np.float32,
        ),
        (
            "int32 + Python float",
            "add",
            lambda xp: xp.add(np.ones(2, np.int32), 1.5),
            np.float64,
            np.float64,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_dtypes_follow_numpy(
    name: str, needs: str, make: Any, numpy_dtype: Any, jax_dtype: Any
) -> None:
    """Documented: tracegrad's result dtypes are NumPy 2's (NEP 50), eager and traced; JAX's
    differ for integer inputs and mixed-kind operands. Python scalars are weak in both."""
    require(needs)
    assert np.asarray(make(tnp)).dtype == numpy_dtype, name
    assert traced_dtype(lambda: make(tnp)) == numpy_dtype, name
    assert np.asarray(make(jnp)).dtype == jax_dtype, name


def test_python_float_inputs_are_float64() -> None:
    """Documented: a Python float given to a transformation is a float64 array in tracegrad
    whatever JAX's x64 flag says; JAX without x64 makes it float32."""
    f = lambda x: tnp.sin(x) * x
    assert np.asarray(tg.grad(f)(1.0)).dtype == np.float64
    assert traced_dtype(f, 1.0) == np.float64
    assert np.asarray(tnp.zeros(2)).dtype == np.float64
    with jax.enable_x64(False):
        assert np.asarray(jax.grad(lambda x: jnp.sin(x) * x)(1.0)).dtype == np.float32
        assert np.asarray(jnp.zeros(2)).dtype == np.float32
    assert np.asarray(jax.grad(lambda x: jnp.sin(x) * x)(1.0)).dtype == np.float64


def test_lists_of_tracers_are_arrays() -> None:
    """Documented: tracegrad.numpy converts lists as NumPy does (``tnp.mean([a, b])``); JAX
    refuses lists for most functions (jnp.array accepts them in both)."""
    require("mean")
    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    g = tg.grad(lambda a, b: tnp.sum(tnp.mean([a, b * b], axis=0)), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(g[0], [0.5, 0.5])
    np.testing.assert_allclose(g[1], b)
    with pytest.raises(TypeError, match="mean requires ndarray or scalar arguments"):
        jax.grad(lambda a, b: jnp.sum(jnp.mean([a, b * b], axis=0)))(a, b)


def test_outputs_are_numpy_arrays() -> None:
    """tracegrad hands back NumPy arrays and scalars where JAX hands back jax.Array."""
    x = rng_for("outputs").normal(size=3)
    g = tg.grad(lambda x: tnp.sum(tnp.sin(x) * x))(x)
    assert type(g) is np.ndarray
    assert not isinstance(jax.grad(lambda x: jnp.sum(jnp.sin(x) * x))(x), np.ndarray)


def test_plain_numpy_on_tracers() -> None:
    """Documented: plain NumPy functions work on tracegrad's tracers (``__array_ufunc__``,
    ``__array_function__``), so NumPy code differentiates unchanged; JAX refuses them."""
    x = rng_for("plain numpy").normal(size=3)
    f = lambda m: lambda x: m.sum(m.sin(x) * m.dot(x, x))
    np.testing.assert_allclose(tg.grad(f(np))(x), jax.grad(f(jnp))(x), rtol=1e-6)
    with pytest.raises(TypeError, match=r"__array__\(\) was called on traced array"):
        jax.grad(f(np))(x)


def test_list_indices_follow_numpy() -> None:
    """Documented: a Python list indexes like the array it converts to (NumPy); JAX refuses
    non-tuple sequences as indices."""
    a = rng_for("list index").normal(size=(4, 5))
    require("Tracer.__getitem__")
    g = tg.grad(lambda a: tnp.sum(a[[0, 2, 2]]))(a)
    np.testing.assert_array_equal(g, np.array([1.0, 0.0, 2.0, 0.0])[:, None] * np.ones(5))
    with pytest.raises(TypeError, match="Using a non-tuple sequence for multidimensional"):
        jax.grad(lambda a: jnp.sum(a[[0, 2, 2]]))(a)


_REACHABLE: dict[str, bool] = {}


def reachable_after_import(name: str) -> bool:
    """Whether ``tracegrad.<name>`` is an attribute right after ``import tracegrad``, in a
    fresh interpreter (here, earlier imports of submodules have made them attributes)."""
    if not _REACHABLE:
        code = (
            "import tracegrad as tg\n"
            f"for n in {NAMESPACES!r}:\n"
            "    obj = tg\n"
            "    for part in n.split('.'):\n"
            "        obj = getattr(obj, part, None)\n"
            "    print(n, obj is not None)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        _REACHABLE.update(
            (n, flag == "True") for n, flag in (ln.split() for ln in out.splitlines())
        )
    return _REACHABLE[name]


NAMESPACES = ["numpy.linalg", "numpy.fft", "lax", "nn", "scipy.special", "tree_util", "errors"]


@pytest.mark.parametrize("name", NAMESPACES)
def test_public_namespace(name: str) -> None:
    """Each submodule tracegrad has is reachable the way SPEC 4 and 6 spell it
    (``tg.lax.cond``, ``tnp.fft.fft``, ...) right after ``import tracegrad``, as JAX's are."""
    if lookup_tg(name) is None:
        pytest.skip(f"{NOT_YET}: tracegrad.{name}")
    assert reachable_after_import(name), f"tracegrad.{name} is not an attribute after import"
