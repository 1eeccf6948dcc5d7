"""custom_jvp and custom_vjp rules are checked against the function's own types (structure,
shape, dtype) under every transformation, and so are vjp_fn's cotangents: a rule of the
wrong type raises JAX's error instead of giving a gradient of another shape or dtype."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import is_eager
from tracegrad.core.dtypes import float0

X = np.array([1.0, 2.0, 3.0])


def vjp_fn_with(bwd_out: Callable[[Any], Any], fwd_out: Callable[[Any], Any] | None = None) -> Any:
    @tg.custom_vjp
    def f(a: Any) -> Any:
        return a * 2.0

    def fwd(a: Any) -> Any:
        return (a * 2.0, None) if fwd_out is None else fwd_out(a)

    f.defvjp(fwd, lambda res, g: bwd_out(g))
    return f


def jvp_fn_with(rule: Callable[[Any, Any], Any]) -> Any:
    @tg.custom_jvp
    def f(a: Any) -> Any:
        return a * 2.0

    f.defjvp(lambda primals, tangents: rule(primals[0], tangents[0]))
    return f


# Every way a rule is reached: eager grad, staged grad, jit inside and out, vmap inside and out.
REVERSE = {
    "grad": lambda f: tg.grad(lambda a: tnp.sum(f(a)))(X),
    "jit(grad)": lambda f: tg.jit(tg.grad(lambda a: tnp.sum(f(a))))(X),
    "grad(jit)": lambda f: tg.grad(lambda a: tnp.sum(tg.jit(f)(a)))(X),
    "vmap(grad)": lambda f: tg.vmap(tg.grad(lambda a: tnp.sum(f(a))))(np.stack([X, X])),
    "grad(vmap)": lambda f: tg.grad(lambda a: tnp.sum(tg.vmap(f)(a)))(np.stack([X, X])),
    "vjp": lambda f: tg.vjp(f, X)[1](X),
}
FORWARD = {
    "jvp": lambda f: tg.jvp(f, (X,), (X,)),
    "jit(jvp)": lambda f: tg.jit(lambda a: tg.jvp(f, (a,), (a,)))(X),
    "vmap(jvp)": lambda f: tg.vmap(lambda a: tg.jvp(f, (a,), (a,)))(np.stack([X, X])),
    **REVERSE,
}


@pytest.mark.parametrize("how", REVERSE.values(), ids=REVERSE.keys())
@pytest.mark.parametrize(
    ("bwd_out", "what"),
    [
        (lambda g: (tnp.sum(g),), "shapes"),  # the f64[] for f64[3]
        (lambda g: (tnp.sum(g, keepdims=True),), "shapes"),  # broadcastable is not enough
        (lambda g: (g.astype(np.float32),), "dtypes"),
        (lambda g: (g.astype(np.complex128),), "dtypes"),
        (lambda g: (g.astype(np.int64),), "dtypes"),
    ],
    ids=["scalar", "keepdims", "float32", "complex", "int"],
)
def test_custom_vjp_bwd_of_the_wrong_type_raises(
    how: Callable[[Any], Any], bwd_out: Callable[[Any], Any], what: str
) -> None:
    with pytest.raises(ValueError, match=f"so the {what} do not match"):
        how(vjp_fn_with(bwd_out))
    assert is_eager()


@pytest.mark.parametrize("how", REVERSE.values(), ids=REVERSE.keys())
@pytest.mark.parametrize(
    "bwd_out", [lambda g: g, lambda g: (g, g), lambda g: ({"a": g},), lambda g: ([g],)]
)
def test_custom_vjp_bwd_of_the_wrong_structure_raises(
    how: Callable[[Any], Any], bwd_out: Callable[[Any], Any]
) -> None:
    with pytest.raises(TypeError, match=r"same container \(pytree\) structure"):
        how(vjp_fn_with(bwd_out))


@pytest.mark.parametrize("how", REVERSE.values(), ids=REVERSE.keys())
@pytest.mark.parametrize(
    "fwd_out",
    [
        lambda a: a * 2.0,  # not a pair
        lambda a: (tnp.sum(a), None),  # primal of another shape
        lambda a: ((a * 2.0).astype(np.float32), None),  # of another dtype
        lambda a: ((a * 2.0,), None),  # of another structure
    ],
    ids=["not a pair", "shape", "dtype", "structure"],
)
def test_custom_vjp_fwd_of_the_wrong_type_raises(
    how: Callable[[Any], Any], fwd_out: Callable[[Any], Any]
) -> None:
    with pytest.raises(TypeError, match="Custom VJP fwd rule fwd for function f must produce"):
        how(vjp_fn_with(lambda g: (g * 2.0,), fwd_out))


@pytest.mark.parametrize("how", FORWARD.values(), ids=FORWARD.keys())
@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (lambda p, t: (tnp.sum(p * 2.0), t * 2.0), "with leaves of the same shape/dtype"),
        ((lambda p, t: ((p * 2.0).astype(np.float32), t * 2.0)), "of the same shape/dtype"),
        (lambda p, t: (p * 2.0, tnp.sum(t)), r"Expected f64\[3\] .* but got f64\[\]"),
        (lambda p, t: (p * 2.0, (t * 2.0).astype(np.float32)), r"but got f32\[3\]"),
        (lambda p, t: ((p * 2.0,), t), "equal container"),
        (lambda p, t: ((p * 2.0,), (t * 2.0,)), "same container/pytree structure"),
        (lambda p, t: p * 2.0, r"must produce a pair \(list or tuple of length two\)"),
    ],
    ids=["primal shape", "primal dtype", "tangent shape", "tangent dtype", "trees", "tree",
         "not a pair"],
)  # fmt: skip
def test_custom_jvp_rule_of_the_wrong_type_raises(
    how: Callable[[Any], Any], rule: Callable[[Any, Any], Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        how(jvp_fn_with(rule))
    assert is_eager()


def test_rules_of_the_right_type_work_and_weak_scalars_are_converted() -> None:
    x32 = np.float32(1.5)

    @tg.custom_vjp
    def f(a: Any, b: Any) -> Any:
        return a * b["u"]

    f.defvjp(
        lambda a, b: (f(a, b), (a, b)),
        lambda res, g: [2.0, {"u": None}],  # a list, a Python float, a None sub-tree
    )
    ga, gb = tg.grad(lambda a, b: f(a, b), argnums=(0, 1))(x32, {"u": np.float32(2.0)})
    assert ga == 2.0 and ga.dtype == np.float32
    assert gb["u"] == 0.0 and gb["u"].dtype == np.float32

    g = jvp_fn_with(lambda p, t: (p * 2.0, 1.0))  # a weak tangent for a f32 scalar
    out, t_out = tg.jvp(g, (x32,), (x32,))
    assert out.dtype == np.float32 and t_out.dtype == np.float32 and t_out == 1.0


def test_integer_arguments_of_a_custom_vjp_get_no_cotangent() -> None:
    @tg.custom_vjp
    def f(a: Any, n: Any) -> Any:
        return a * n

    f.defvjp(lambda a, n: (f(a, n), n), lambda n, g: (g * n, 12345))  # int's ct ignored
    ga, gn = tg.grad(f, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert ga == 3.0 and gn.dtype == float0 and gn.shape == ()


@pytest.mark.parametrize(
    ("ct", "message"),
    [
        (np.ones(3, np.float32), r"got f32\[3\], but expected f64\[3\]"),
        (np.ones(3, np.complex128), r"got c128\[3\], but expected f64\[3\]"),
        (np.ones(3, np.int64), r"got i64\[3\], but expected f64\[3\]"),
        (np.ones(2), r"got f64\[2\], but expected f64\[3\]"),
        (1.0, r"got f64\[\], but expected f64\[3\]"),
    ],
)
def test_vjp_fn_checks_the_cotangent_type(ct: Any, message: str) -> None:
    _, f_vjp = tg.vjp(tnp.sin, X)
    with pytest.raises(ValueError, match="unexpected JAX type.*" + message):
        f_vjp(ct)


def test_vjp_fn_accepts_weak_scalars_and_anything_for_integer_outputs() -> None:
    _, f_vjp = tg.vjp(tnp.sin, np.float32(1.0))
    (g,) = f_vjp(1.0)  # a Python float is weakly typed: it becomes float32
    assert g.dtype == np.float32
    _, f_vjp = tg.vjp(lambda a: (a * 2.0, 3), 1.0)
    assert f_vjp((1.0, 1)) == (2.0,)


def test_custom_rules_match_jax_on_the_same_mistakes() -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    jax.config.update("jax_enable_x64", True)

    @jax.custom_vjp
    def f(a: Any) -> Any:
        return a * 2.0

    f.defvjp(lambda a: (a * 2.0, None), lambda res, g: (jnp.sum(g),))
    with pytest.raises(ValueError) as jax_error:
        jax.grad(lambda a: jnp.sum(f(a)))(X)
    with pytest.raises(ValueError) as tg_error:
        REVERSE["grad"](vjp_fn_with(lambda g: (tnp.sum(g),)))
    phrase = "the bwd rule produced an output of type"
    assert phrase in str(jax_error.value) and phrase in str(tg_error.value)
