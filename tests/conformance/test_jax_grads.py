"""Conformance of tracegrad's derivatives with JAX's: for every differentiable catalogue
case, the gradient of a scalar loss built from the output (the sum of the output times a
fixed random array), forward-mode jvp, second order (jvp of vjp, vjp of vjp) and third order
(jvp of jvp of vjp), and grad(grad(grad(f))) for elementwise functions on scalars; all in
float64 to rtol 1e-6, and float32 gradients (dtype, shape, values to 1e-3). Then a catalogue
of transformations (jvp, vjp, linearize, linear_transpose, jacfwd, jacrev, hessian, vmap,
jit, and their compositions), of control flow (lax.cond/switch/fori_loop/scan/while_loop,
custom_jvp/custom_vjp, stop_gradient) and of pytrees in and out of them. The documented
differences at non-smooth points are in test_jax_edges.py."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from conformance.catalogue import DIFFERENTIABLE, F32, F64, SCALAR, Case, family_of
from conformance.peers import (
    JAX,
    TG,
    JaxReferences,
    Peer,
    api,
    assert_close,
    jax,
    jnp,
    loss_of,
    random_like,
    require,
    rng_for,
    tree_inner,
    weights_like,
)

_INPUTS: dict[str, dict[str, Any]] = {}


def inputs(case: Case) -> dict[str, Any]:
    """The arguments, the output weights of the loss, and two tangent directions."""
    if case.name not in _INPUTS:
        args = case.args(F64)
        rng = rng_for(case.name, "derivatives")
        shapes = jax.eval_shape(lambda *a: case.fn(jnp, *a), *args)
        _INPUTS[case.name] = {
            "args": args,
            "weights": weights_like(rng, shapes),
            "V": random_like(rng, args),
            "U": random_like(rng, args),
        }
    return _INPUTS[case.name]


def derivatives(
    P: Peer, case: Case, args: list[Any], weights: list[Any], V: tuple[Any, ...], U: tuple[Any, ...]
) -> dict[str, Any]:
    """Every derivative the suite compares, up to ``case.order``."""
    f = lambda *a: case.fn(P.xp, *a)
    loss = loss_of(P.xp, case.fn, weights)
    argnums = tuple(range(len(args)))
    value, g = P.value_and_grad(loss, argnums)(*args)
    out = {"loss": value, "grad": g, "jvp": P.jvp(f, tuple(args), V)[1]}
    if case.order >= 2:
        grad_f = lambda *a: P.grad(loss, argnums)(*a)
        hvp = lambda *a: P.jvp(grad_f, a, V)[1]
        out["jvp of vjp"] = hvp(*args)
        out["vjp of vjp"] = P.grad(lambda *a: tree_inner(P.xp, grad_f(*a), U), argnums)(*args)
    if case.order >= 3:
        out["jvp of jvp of vjp"] = P.jvp(hvp, tuple(args), U)[1]
    return out


def build_derivatives(case: Case) -> tuple[Any, list[Any]]:
    x = inputs(case)
    return (lambda *a: derivatives(JAX, case, *a)), [x["args"], x["weights"], x["V"], x["U"]]


DERIVATIVES = JaxReferences(build_derivatives)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=str)
def test_derivatives(case: Case) -> None:
    require(*case.needs)
    want = DERIVATIVES.get(case, [c for c in family_of(case) if c in DIFFERENTIABLE])
    x = inputs(case)
    with np.errstate(all="ignore"):
        got = derivatives(TG, case, x["args"], x["weights"], x["V"], x["U"])
    for key in want:
        assert_close(got[key], want[key], what=f"{key} of {case}")


@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if c.f32], ids=str)
def test_float32_gradients(case: Case) -> None:
    """In float32 (weights too) gradients keep each argument's dtype and shape (SPEC 3),
    and agree with JAX's float64 gradients to float32 accuracy."""
    require(*case.needs)
    want = DERIVATIVES.get(case, [c for c in family_of(case) if c in DIFFERENTIABLE])["grad"]
    args = case.args(F32)
    weights = [
        None if w is None else w.astype(np.complex64 if np.iscomplexobj(w) else np.float32)
        for w in inputs(case)["weights"]
    ]
    loss = loss_of(TG.xp, case.fn, weights)
    with np.errstate(all="ignore"):
        got = TG.grad(loss, tuple(range(len(args))))(*args)
    for i, (g, a) in enumerate(zip(got, args, strict=True)):
        assert (np.asarray(g).dtype, np.shape(g)) == (a.dtype, a.shape), (case.name, i)
    assert_close(got, want, what=f"float32 grad of {case}", rtol=1e-3, check_dtype=False)


def third_order(P: Peer, case: Case, xs: list[Any]) -> dict[str, Any]:
    """grad(grad(grad(f))) with respect to every combination of the scalar arguments."""
    f = lambda *a: case.fn(P.xp, *a)
    return {
        f"d3/dx{i}dx{j}dx{k}": P.grad(P.grad(P.grad(f, i), j), k)(*xs)
        for i, j, k in itertools.combinations_with_replacement(range(len(xs)), 3)
    }


THIRD = JaxReferences(
    lambda case: ((lambda xs: third_order(JAX, case, xs)), [case.args(F64, scalar=True)])
)


@pytest.mark.parametrize("case", SCALAR, ids=str)
def test_scalar_third_order(case: Case) -> None:
    require(*case.needs)
    want = THIRD.get(case, [c for c in family_of(case) if c.scalar])
    with np.errstate(all="ignore"):
        got = third_order(TG, case, case.args(F64, scalar=True))
    for key in want:
        assert_close(got[key], want[key], what=f"{key} of {case} on scalars")


# ---- the transformation catalogue ----------------------------------------------------
@dataclass(frozen=True)
class TCase:
    """A transformation applied to a function: ``compute(P)`` returns arrays only (JAX
    computes it under jit). ``strict``: container types must match too (pytree tests)."""

    name: str
    compute: Callable[[Peer], Any]
    needs: tuple[str, ...] = ()
    strict: bool = False

    def __str__(self) -> str:
        return self.name


_R = rng_for("transforms")
X3, Y3, V3, W3 = (_R.normal(size=3) for _ in range(4))
X23, V23 = _R.normal(size=(2, 3)), _R.normal(size=(2, 3))
XB, YB = _R.normal(size=(4, 3)), _R.normal(size=(4, 3))
M34, B42 = _R.normal(size=(3, 4)), _R.normal(size=(4, 2))
CT2 = (_R.normal(size=3), _R.normal(size=()))
PARAMS = {"w": _R.normal(size=(3, 2)), "b": _R.normal(size=2)}
DPARAMS = {"w": _R.normal(size=(3, 2)), "b": _R.normal(size=2)}
Pair = collections.namedtuple("Pair", "a b")


def f_vec(xp: Any, x: Any) -> Any:
    return xp.sin(x) * x**2


def f_mat(xp: Any, x: Any) -> Any:
    return xp.sum(xp.tanh(xp.matmul(x, M34)), axis=-1)


def f_two(xp: Any, x: Any, y: Any) -> Any:
    return x * y, xp.sum(xp.exp(x) - y)


def f_scalar(xp: Any, x: Any) -> Any:
    return xp.sum(xp.log1p(x**2)) + xp.prod(xp.cos(x))


def f_params(xp: Any, params: Any, x: Any) -> Any:
    return {
        "out": xp.tanh(xp.matmul(x, params["w"]) + params["b"]),
        "norm": xp.sum(params["w"] ** 2),
    }


def mse(xp: Any, params: Any, x: Any) -> Any:
    err = xp.tanh(xp.matmul(x, params["w"]) + params["b"]) - 0.5
    return xp.mean(err**2)


def _t(name: str, compute: Callable[[Peer], Any], *needs: str, strict: bool = False) -> TCase:
    return TCase(
        name,
        compute,
        (
            "sin",
            "tanh",
            "matmul",
            "sum",
            "exp",
            "log1p",
            "prod",
            "cos",
            "mean",
            "Tracer.__pow__",
            *needs,
        ),
        strict,
    )


TRANSFORMS = [
    _t("jvp", lambda P: P.jvp(lambda x: f_vec(P.xp, x), (X3,), (V3,))),
    _t(
        "jvp[two args, tuple out]",
        lambda P: P.jvp(lambda x, y: f_two(P.xp, x, y), (X3, Y3), (V3, W3)),
    ),
    _t("vjp", lambda P: P.vjp(lambda x: f_vec(P.xp, x), X3)[1](W3)),
    _t("vjp[two args, tuple out]", lambda P: P.vjp(lambda x, y: f_two(P.xp, x, y), X3, Y3)[1](CT2)),
    _t(
        "vjp[called twice]",
        lambda P: (lambda fn: (fn(W3), fn(V3)))(P.vjp(lambda x: f_vec(P.xp, x), X3)[1]),
    ),
    _t(
        "linearize",
        lambda P: (lambda out, fj: (out, fj(V3), fj(W3)))(
            *P.linearize(lambda x: f_vec(P.xp, x), X3)
        ),
    ),
    _t(
        "linear_transpose",
        lambda P: P.linear_transpose(lambda x: P.xp.cumsum(x * 2.0) + x[::-1], X3)(W3),
        "cumsum",
    ),
    _t("jacfwd", lambda P: P.jacfwd(lambda x: f_vec(P.xp, x))(X3)),
    _t("jacrev", lambda P: P.jacrev(lambda x: f_vec(P.xp, x))(X3)),
    _t("jacfwd[matrix in]", lambda P: P.jacfwd(lambda x: f_mat(P.xp, x))(X23)),
    _t("jacrev[matrix in]", lambda P: P.jacrev(lambda x: f_mat(P.xp, x))(X23)),
    _t(
        "jacfwd[argnums=(0,1), tuple out]",
        lambda P: P.jacfwd(lambda x, y: f_two(P.xp, x, y), argnums=(0, 1))(X3, Y3),
    ),
    _t(
        "jacrev[argnums=1, tuple out]",
        lambda P: P.jacrev(lambda x, y: f_two(P.xp, x, y), argnums=1)(X3, Y3),
    ),
    _t("hessian", lambda P: P.hessian(lambda x: f_scalar(P.xp, x))(X3)),
    _t("hessian[matrix in]", lambda P: P.hessian(lambda x: P.xp.sum(f_mat(P.xp, x) ** 3))(X23)),
    _t("jacfwd(jacrev)", lambda P: P.jacfwd(P.jacrev(lambda x: f_vec(P.xp, x)))(X3)),
    _t("jacrev(jacfwd)", lambda P: P.jacrev(P.jacfwd(lambda x: f_vec(P.xp, x)))(X3)),
    _t(
        "jacrev(jacrev(jacrev))",
        lambda P: P.jacrev(P.jacrev(P.jacrev(lambda x: f_scalar(P.xp, x))))(X3),
    ),
    _t("vmap", lambda P: P.vmap(lambda x: f_mat(P.xp, x))(XB)),
    _t(
        "vmap[in_axes=(0,None)]",
        lambda P: P.vmap(lambda x, y: f_two(P.xp, x, y), in_axes=(0, None))(XB, Y3),
    ),
    _t(
        "vmap[in_axes=(None,0)]",
        lambda P: P.vmap(lambda x, y: f_two(P.xp, x, y), in_axes=(None, 0))(X3, YB),
    ),
    _t(
        "vmap[in_axes=1,out_axes=1]",
        lambda P: P.vmap(lambda x: f_vec(P.xp, x), in_axes=1, out_axes=1)(XB),
    ),
    _t(
        "vmap[out_axes=(1,None)]",
        lambda P: P.vmap(lambda x: (f_vec(P.xp, x), P.xp.sum(Y3)), out_axes=(1, None))(XB),
    ),
    _t(
        "vmap[dict in_axes]",
        lambda P: P.vmap(lambda p, x: f_params(P.xp, p, x), in_axes=({"w": None, "b": 0}, 0))(
            {"w": PARAMS["w"], "b": B42}, XB
        ),
    ),
    _t("vmap(vmap)", lambda P: P.vmap(P.vmap(lambda x: f_vec(P.xp, x)))(XB)),
    _t(
        "vmap(vmap)[in_axes=(1,0)]",
        lambda P: P.vmap(P.vmap(lambda x: f_vec(P.xp, x)), in_axes=1)(XB),
    ),
    _t("vmap[axis_size]", lambda P: P.vmap(lambda x: x * 2.0, in_axes=None, axis_size=3)(X3)),
    _t("vmap(grad)", lambda P: P.vmap(P.grad(lambda x: f_scalar(P.xp, x)))(XB)),
    _t(
        "grad(vmap)",
        lambda P: P.grad(lambda X: P.xp.sum(P.vmap(lambda x: f_scalar(P.xp, x))(X)))(XB),
    ),
    _t("vmap(jacrev)", lambda P: P.vmap(P.jacrev(lambda x: f_vec(P.xp, x)))(XB)),
    _t("jvp(vmap)", lambda P: P.jvp(P.vmap(lambda x: f_vec(P.xp, x)), (XB,), (YB,))),
    _t(
        "vmap(vjp)",
        lambda P: P.vmap(lambda x, ct: P.vjp(lambda y: f_vec(P.xp, y), x)[1](ct))(XB, YB),
    ),
    _t(
        "hessian(vmap-sum)",
        lambda P: P.hessian(lambda x: P.xp.sum(P.vmap(lambda r: f_scalar(P.xp, r))(x)))(X23),
    ),
]

JIT = [
    TCase(name, compute, ("tg.jit", "sin", "log1p", "prod", "cos", "sum", "Tracer.__pow__"))
    for name, compute in [
        ("jit", lambda P: P.jit(lambda x: f_vec(P.xp, x))(X3)),
        ("jit[static_argnums]", lambda P: P.jit(lambda x, n: x**n, static_argnums=1)(X3, 3)),
        ("grad(jit)", lambda P: P.grad(P.jit(lambda x: f_scalar(P.xp, x)))(X3)),
        ("jit(grad)", lambda P: P.jit(P.grad(lambda x: f_scalar(P.xp, x)))(X3)),
        ("jit(grad(jit))", lambda P: P.jit(P.grad(P.jit(lambda x: f_scalar(P.xp, x))))(X3)),
        ("vmap(jit)", lambda P: P.vmap(P.jit(lambda x: f_scalar(P.xp, x)))(XB)),
        ("jit(vmap(grad))", lambda P: P.jit(P.vmap(P.grad(lambda x: f_scalar(P.xp, x))))(XB)),
        ("jacfwd(jit)", lambda P: P.jacfwd(P.jit(lambda x: f_vec(P.xp, x)))(X3)),
        ("hessian(jit)", lambda P: P.hessian(P.jit(lambda x: f_scalar(P.xp, x)))(X3)),
    ]
]

PYTREES = [
    _t("grad[dict]", lambda P: P.grad(lambda p: mse(P.xp, p, XB))(PARAMS), strict=True),
    _t(
        "grad[tuple, argnums=(0,1)]",
        lambda P: P.grad(lambda t, x: mse(P.xp, {"w": t[0], "b": t[1]}, x), argnums=(0, 1))(
            (PARAMS["w"], PARAMS["b"]), XB
        ),
        strict=True,
    ),
    _t(
        "grad[list]",
        lambda P: P.grad(lambda ws: P.xp.sum(ws[0] * ws[1] ** 2))([X3, Y3]),
        strict=True,
    ),
    _t(
        "grad[namedtuple]",
        lambda P: P.grad(lambda p: P.xp.sum(P.xp.sin(p.a) * p.b))(Pair(X3, Y3)),
        strict=True,
    ),
    _t(
        "grad[nested, None leaf]",
        lambda P: P.grad(lambda t: P.xp.sum(t["x"][0] * t["x"][1]["y"]))(
            {"x": (X3, {"y": Y3, "z": None})}
        ),
        strict=True,
    ),
    _t(
        "grad[has_aux]",
        lambda P: P.grad(
            lambda p: (mse(P.xp, p, XB), {"pred": P.xp.matmul(XB, p["w"])}), has_aux=True
        )(PARAMS),
        strict=True,
    ),
    _t(
        "value_and_grad[has_aux, argnums=(0,1)]",
        lambda P: P.value_and_grad(
            lambda p, x: (mse(P.xp, p, x), (x * 2.0, p["b"])), argnums=(0, 1), has_aux=True
        )(PARAMS, XB),
        strict=True,
    ),
    _t(
        "grad[kwargs]",
        lambda P: P.grad(lambda p, x, scale=1.0: scale * mse(P.xp, p, x))(PARAMS, XB, scale=3.0),
        strict=True,
    ),
    _t(
        "grad[float32]",
        lambda P: P.grad(lambda x: P.xp.sum(P.xp.sin(x) * x))(X3.astype(np.float32)),
        strict=True,
    ),
    _t(
        "jacrev[dict in, dict out]",
        lambda P: P.jacrev(lambda p: f_params(P.xp, p, XB))(PARAMS),
        strict=True,
    ),
    _t(
        "jacfwd[dict in, dict out]",
        lambda P: P.jacfwd(lambda p: f_params(P.xp, p, XB))(PARAMS),
        strict=True,
    ),
    _t("hessian[dict]", lambda P: P.hessian(lambda p: mse(P.xp, p, XB))(PARAMS), strict=True),
    _t(
        "jvp[dict primals, has_aux]",
        lambda P: P.jvp(
            lambda p: (f_params(P.xp, p, XB), p["b"] * 2.0), (PARAMS,), (DPARAMS,), has_aux=True
        ),
        strict=True,
    ),
    _t(
        "vjp[dict out, has_aux]",
        lambda P: (
            lambda out, fn, aux: (out, fn({"out": YB[:, :2], "norm": np.float64(1.5)}), aux)
        )(*P.vjp(lambda p: (f_params(P.xp, p, XB), p["w"].sum()), PARAMS, has_aux=True)),
        strict=True,
    ),
    _t(
        "linearize[dict]",
        lambda P: (lambda out, fj: (out, fj(DPARAMS)))(
            *P.linearize(lambda p: f_params(P.xp, p, XB), PARAMS)
        ),
        strict=True,
    ),
    _t(
        "vmap[namedtuple out]",
        lambda P: P.vmap(lambda x: Pair(P.xp.sin(x), {"c": x * 2.0}))(XB),
        strict=True,
    ),
]


def lax(P: Peer, name: str) -> Any:
    return api(P.xp, f"lax.{name}")


def _cond(P: Peer, x: Any) -> Any:
    return lax(P, "cond")(P.xp.sum(x) > 0, lambda y: P.xp.sin(y) * y, lambda y: P.xp.cos(y), x)


def _switch(P: Peer, x: Any) -> Any:
    branches = [lambda y: y * 2.0, P.xp.sin, lambda y: y**3]
    return lax(P, "switch")(1, branches, x) + lax(P, "switch")(5, branches, x)


def _fori(P: Peer, x: Any) -> Any:
    return lax(P, "fori_loop")(0, 4, lambda i, c: P.xp.sin(c) * x + i, x)


def _scan(P: Peer, x: Any) -> Any:
    def step(carry: Any, row: Any) -> Any:
        carry = P.xp.tanh(carry * row + 0.5)
        return carry, carry * 2.0

    return lax(P, "scan")(step, x[0], XB)


def _while(P: Peer, x: Any) -> Any:
    return lax(P, "while_loop")(
        lambda c: c[0] < 3, lambda c: (c[0] + 1, P.xp.sin(c[1]) * x), (0, x)
    )[1]


def _custom_jvp(P: Peer) -> Any:
    deco = tg.custom_jvp if P is TG else jax.custom_jvp
    f = deco(lambda x: P.xp.sin(x) * x)
    f.defjvp(lambda primals, tangents: (f(primals[0]), 2.0 * tangents[0]))
    return f


def _custom_vjp(P: Peer) -> Any:
    deco = tg.custom_vjp if P is TG else jax.custom_vjp
    f = deco(lambda x: P.xp.sin(x) * x)
    f.defvjp(lambda x: (f(x), P.xp.cos(x)), lambda res, ct: (ct * res,))
    return f


def _stop_gradient(P: Peer) -> Any:
    return tg.stop_gradient if P is TG else jax.lax.stop_gradient


BASE = ("sin", "cos", "tanh", "sum", "Tracer.__pow__", "Tracer.__gt__")
CONTROL = [
    TCase(name, compute, (*BASE, *needs))
    for name, needs, compute in [
        ("cond", ("tg.lax.cond",), lambda P: _cond(P, X3)),
        ("grad(cond)", ("tg.lax.cond",), lambda P: P.grad(lambda x: P.xp.sum(_cond(P, x)))(X3)),
        (
            "grad(cond) other branch",
            ("tg.lax.cond",),
            lambda P: P.grad(lambda x: P.xp.sum(_cond(P, x)))(-np.abs(X3)),
        ),
        ("jvp(cond)", ("tg.lax.cond",), lambda P: P.jvp(lambda x: _cond(P, x), (X3,), (V3,))),
        (
            "vmap(cond) batched predicate",
            ("tg.lax.cond",),
            lambda P: P.vmap(lambda x: _cond(P, x))(XB),
        ),
        (
            "hessian(cond)",
            ("tg.lax.cond",),
            lambda P: P.hessian(lambda x: P.xp.sum(_cond(P, x)))(X3),
        ),
        ("switch (index clamped)", ("tg.lax.switch",), lambda P: _switch(P, X3)),
        (
            "grad(switch)",
            ("tg.lax.switch",),
            lambda P: P.grad(lambda x: P.xp.sum(_switch(P, x)))(X3),
        ),
        ("fori_loop", ("tg.lax.fori_loop",), lambda P: _fori(P, X3)),
        (
            "grad(fori_loop)",
            ("tg.lax.fori_loop",),
            lambda P: P.grad(lambda x: P.xp.sum(_fori(P, x)))(X3),
        ),
        ("vmap(fori_loop)", ("tg.lax.fori_loop",), lambda P: P.vmap(lambda x: _fori(P, x))(XB)),
        ("scan", ("tg.lax.scan",), lambda P: _scan(P, XB)),
        (
            "grad(scan)",
            ("tg.lax.scan",),
            lambda P: P.grad(lambda x: P.xp.sum(_scan(P, x)[1]) + P.xp.sum(_scan(P, x)[0]))(XB),
        ),
        ("jacfwd(scan)", ("tg.lax.scan",), lambda P: P.jacfwd(lambda x: _scan(P, x)[0])(XB)),
        ("while_loop", ("tg.lax.while_loop",), lambda P: _while(P, X3)),
        (
            "jvp(while_loop)",
            ("tg.lax.while_loop",),
            lambda P: P.jvp(lambda x: _while(P, x), (X3,), (V3,)),
        ),
        (
            "jacfwd(while_loop)",
            ("tg.lax.while_loop",),
            lambda P: P.jacfwd(lambda x: _while(P, x))(X3),
        ),
        ("vmap(while_loop)", ("tg.lax.while_loop",), lambda P: P.vmap(lambda x: _while(P, x))(XB)),
        (
            "lax.select",
            ("tg.lax.select",),
            lambda P: P.grad(lambda x: P.xp.sum(lax(P, "select")(x > 0, P.xp.sin(x), x**2)))(X3),
        ),
        (
            "stop_gradient",
            ("tg.stop_gradient",),
            lambda P: P.grad(lambda x: P.xp.sum(_stop_gradient(P)(x) * P.xp.sin(x)))(X3),
        ),
        (
            "custom_jvp",
            ("tg.custom_jvp",),
            lambda P: (P.grad(lambda x: P.xp.sum(_custom_jvp(P)(x)))(X3), _custom_jvp(P)(X3)),
        ),
        (
            "custom_vjp",
            ("tg.custom_vjp",),
            lambda P: (P.grad(lambda x: P.xp.sum(_custom_vjp(P)(x)))(X3), _custom_vjp(P)(X3)),
        ),
    ]
]

TRANSFORM_CASES = TRANSFORMS + JIT + CONTROL + PYTREES
TRANSFORM_REFS = JaxReferences(lambda t: ((lambda: t.compute(JAX)), []))


@pytest.mark.parametrize("tcase", TRANSFORM_CASES, ids=str)
def test_transforms(tcase: TCase) -> None:
    require(*tcase.needs)
    want = TRANSFORM_REFS.get(tcase, TRANSFORM_CASES)
    with np.errstate(all="ignore"):
        got = tcase.compute(TG)
    assert_close(got, want, what=str(tcase), strict=tcase.strict)
