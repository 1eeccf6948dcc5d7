"""tracegrad.compat.autograd's differential operators against HIPS autograd itself: values,
return types (tuples, lists, dicts, scalars) and argument conventions (argnum)."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad.compat.autograd as tga
import tracegrad.compat.autograd.numpy as tnp

ag = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")


def f2(x, y):
    return x * y + x**2


def same(got, want):
    """Same values and the same types (containers, arrays or NumPy scalars), recursively."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, tuple | list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            same(got[k], want[k])
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-12)
        assert np.shape(got) == np.shape(want)


X = np.array([0.3, -1.2, 2.0])
M = np.array([[1.0, 2.0], [3.0, -4.0]])


@pytest.mark.parametrize(
    "op, fun, argnum, args",
    [
        ("grad", lambda x: (x**2).sum(), 0, (X,)),
        ("grad", f2, 1, (2.0, 3.0)),
        ("grad", f2, (0, 1), (2.0, 3.0)),
        ("grad", lambda p: p[0] * p[1], 0, ([2.0, 3.0],)),
        ("grad", lambda p: p[0] * p[1], 0, ((2.0, 3.0),)),
        ("grad", lambda d: d["a"] * d["b"], 0, ({"a": 2.0, "b": 3.0},)),
        ("grad", lambda p: (p[0] * p[1]).sum(), 0, ((X, np.float64(2.0)),)),
        ("elementwise_grad", lambda x: x**3, 0, (X,)),
        ("value_and_grad", lambda x: (x**2).sum(), 0, (X,)),
        ("jacobian", lambda x: x[:, None] * x, 0, (X,)),
        ("hessian", lambda x: (x**3).sum(), 0, (X,)),
        ("deriv", lambda x: x**3, 0, (2.0,)),
        ("deriv", lambda x: x**3, 0, (X,)),
    ],
)
def test_operator_matches_autograd(op, fun, argnum, args):
    got = getattr(tga, op)(fun, argnum)(*args)
    want = getattr(ag, op)(fun, argnum)(*args)
    same(got, want)


def test_make_vjp_returns_vjp_then_value():
    vjp, ans = tga.make_vjp(lambda x: x * M.sum(0))(X[:2])
    avjp, aans = ag.make_vjp(lambda x: x * M.sum(0))(X[:2])
    same(ans, aans)
    same(vjp(np.array([1.0, 2.0])), avjp(np.array([1.0, 2.0])))


def test_make_jvp_returns_value_and_tangent():
    got = tga.make_jvp(lambda x: x**2)(X)(np.ones(3))
    want = ag.make_jvp(lambda x: x**2)(X)(np.ones(3))
    same(got, want)


def test_grad_and_aux():
    fun = lambda x: ((x**2).sum(), "aux")
    same(tga.grad_and_aux(fun)(X)[0], ag.grad_and_aux(lambda x: ((x**2).sum(), 1.0))(X)[0])
    assert tga.grad_and_aux(fun)(X)[1] == "aux"


def test_products():
    fun = lambda x: anp.sum(anp.sin(x) * x**2)
    tfun = lambda x: tnp.sum(tnp.sin(x) * x**2)
    v = np.array([1.0, 0.5, -2.0])
    same(tga.hessian_tensor_product(tfun)(X, v), ag.hessian_tensor_product(fun)(X, v))
    same(tga.hessian_vector_product(tfun)(X, v), ag.hessian_vector_product(fun)(X, v))
    vec = lambda x: anp.sin(x) * x
    tvec = lambda x: tnp.sin(x) * x
    same(tga.tensor_jacobian_product(tvec)(X, v), ag.tensor_jacobian_product(vec)(X, v))
    same(tga.vector_jacobian_product(tvec)(X, v), ag.vector_jacobian_product(vec)(X, v))
    hvp, g = tga.make_hvp(tfun)(X)
    ahvp, ag_ = ag.make_hvp(fun)(X)
    same(g, ag_)
    same(hvp(v), ahvp(v))


def test_make_ggnvp():
    f = lambda w: anp.tanh(M @ w)
    tf = lambda w: tnp.tanh(M @ w)
    v = np.array([1.0, -1.0])
    same(tga.make_ggnvp(tf)(X[:2])(v), ag.make_ggnvp(f)(X[:2])(v))


def test_holomorphic_grad_and_grad_named():
    z = 1.0 + 2.0j
    same(tga.holomorphic_grad(lambda z: z**3)(z), ag.holomorphic_grad(lambda z: z**3)(z))
    same(tga.grad_named(f2, "y")(2.0, 3.0), ag.grad_named(f2, "y")(2.0, 3.0))


def test_multigrad_dict():
    def f(a, b, c=2.0):
        return a * b * c

    got = tga.multigrad_dict(f)(1.0, 3.0)
    assert list(got) == ["a", "b", "c"]
    assert [float(v) for v in got.values()] == [6.0, 2.0, 3.0]


def test_checkpoint_has_the_same_gradient():
    f = lambda x: tnp.sum(tnp.sin(x) ** 2)
    same(tga.grad(tga.checkpoint(f))(X), tga.grad(f)(X))


def test_errors_as_autograd():
    with pytest.raises(TypeError, match="Grad only applies to real scalar-output functions"):
        tga.grad(tnp.sin)(X)
    with pytest.raises(TypeError, match=r"differentiate w\.r\.t\. type"):
        tga.grad(lambda x: x * 2.0)(3)
    with pytest.raises(TypeError, match="argnum"):
        tga.grad(f2, "x")


def test_builtins():
    from tracegrad.compat.autograd import builtins as b

    seen = []

    def f(x):
        seen.append((b.isinstance(x, np.ndarray), b.type(x)))
        return tnp.sum(x)

    tga.grad(f)(X)
    assert seen == [(True, np.ndarray)]
    assert b.tuple is tuple and b.list is list and b.dict is dict
