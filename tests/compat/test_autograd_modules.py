"""autograd.numpy / scipy / misc / extend / test_util of the compat layer, against autograd."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.compat.autograd as tga
import tracegrad.compat.autograd.numpy as tnp
from tracegrad.compat.autograd import extend, test_util
from tracegrad.compat.autograd.misc import fixed_points, flatten, optimizers
from tracegrad.compat.autograd.misc.flatten import flatten_func

X = np.array([0.3, -1.2, 2.0])


def test_numpy_namespace():
    import tracegrad.compat.autograd.numpy.fft as fft
    import tracegrad.compat.autograd.numpy.linalg as linalg
    import tracegrad.compat.autograd.numpy.random as npr

    assert npr is np.random and tnp.random is np.random
    assert tnp.seterr is np.seterr and tnp.errstate is np.errstate
    assert linalg.det is tg.numpy.linalg.det and fft.fft is tg.numpy.fft.fft
    assert tnp.sin is tg.numpy.sin
    with pytest.raises(AttributeError):
        tnp.not_a_numpy_name


def test_scipy_namespace_and_values():
    ag = pytest.importorskip("autograd")
    import autograd.scipy.special as aspecial
    import autograd.scipy.stats as astats
    import tracegrad.compat.autograd.scipy.misc as misc
    import tracegrad.compat.autograd.scipy.stats as stats
    import tracegrad.compat.autograd.scipy.stats.t as t

    assert t is stats.t
    cases = [
        (lambda m: m.norm.logpdf(X, 0.5, 2.0), stats, astats),
        (lambda m: m.t.logpdf(X, 3.0), stats, astats),
        (lambda m: m.gamma.logpdf(np.abs(X), 2.0), stats, astats),
        (lambda m: m.beta.logpdf(np.array([0.2, 0.7]), 2.0, 3.0), stats, astats),
        (lambda m: m.poisson.logpmf(np.array([0, 3]), 2.0), stats, astats),
        (lambda m: m.multivariate_normal.logpdf(X, np.zeros(3), np.eye(3)), stats, astats),
        (lambda m: m.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), X**2 + 1), stats, astats),
        (lambda m: m.logsumexp(X), misc, aspecial),
    ]
    for fun, mine, theirs in cases:
        np.testing.assert_allclose(fun(mine), fun(theirs), rtol=1e-10)
    g = lambda m: lambda x: np.sum(m.norm.logcdf(x) + m.t.logpdf(x, 4.0))
    np.testing.assert_allclose(tga.grad(g(stats))(X), ag.grad(g(astats))(X), rtol=1e-9)


SIGNAL_CASES = [
    ((5,), (3,), None, ((), ())),
    ((3,), (5,), None, ((), ())),
    ((4, 6), (2, 3), None, ((), ())),
    ((2, 1, 6, 5), (1, 3, 3, 2), ([2, 3], [2, 3]), ([1], [0])),  # autograd's convnet layer
    ((3, 3, 2), (2, 6, 5), ([1, 2], [1, 2]), ((), ())),
]


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("shape_a, shape_b, axes, dot_axes", SIGNAL_CASES)
def test_signal_convolve_matches_autograd(shape_a, shape_b, axes, dot_axes, mode):
    ag = pytest.importorskip("autograd")
    import autograd.numpy as anp
    import autograd.scipy.signal as asignal
    import tracegrad.compat.autograd.scipy.signal as signal

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=shape_a), rng.normal(size=shape_b)
    kw = dict(axes=axes, dot_axes=dot_axes, mode=mode)
    want = asignal.convolve(A, B, **kw)
    got = signal.convolve(A, B, **kw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    f = lambda s: lambda a, b: tnp.sum(tnp.sin(s.convolve(a, b, **kw)))
    af = lambda a, b: anp.sum(anp.sin(asignal.convolve(a, b, **kw)))
    for argnum in (0, 1):
        np.testing.assert_allclose(
            tga.grad(f(signal), argnum)(A, B), ag.grad(af, argnum)(A, B), rtol=1e-10, atol=1e-12
        )


def test_signal_convolve_errors():
    import tracegrad.compat.autograd.scipy.signal as signal

    with pytest.raises(ValueError, match="larger than the other"):
        signal.convolve(np.ones((2, 5)), np.ones((3, 3)), mode="valid")
    with pytest.raises(ValueError, match="Mode"):
        signal.convolve(np.ones(3), np.ones(2), mode="circular")


def quadratic_grad(params, i):
    return {"w": 2.0 * params["w"] - 1.0 + 0.1 * i, "b": (params["b"][0] ** 3,)}


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam"])
def test_optimizer_trajectories_match_autograd(name):
    pytest.importorskip("autograd")
    from autograd.misc import optimizers as aopt

    x0 = {"w": np.array([[1.0, -2.0]]), "b": (np.array([0.5]),)}
    logs = []
    for mod in (optimizers, aopt):
        log = []
        cb = lambda x, i, g, log=log: log.append((i, x["w"].copy(), g["b"][0].copy()))
        out = getattr(mod, name)(quadratic_grad, x0, cb, num_iters=7, step_size=0.05)
        logs.append((log, out))
    (mine, out), (theirs, aout) = logs
    assert [i for i, *_ in mine] == list(range(7))
    for (_, w, gb), (_, aw, agb) in zip(mine, theirs):
        np.testing.assert_allclose(w, aw, rtol=1e-12)
        np.testing.assert_allclose(gb, agb, rtol=1e-12)
    np.testing.assert_allclose(out["w"], aout["w"], rtol=1e-12)
    assert isinstance(out["b"], tuple) and out["w"].shape == (1, 2)


def test_flatten_matches_autograd():
    pytest.importorskip("autograd")
    from autograd.misc import flatten as aflatten  # the function, as here

    value = {"b": [np.ones((2, 2)), 3.0], "a": (np.arange(3.0),)}
    flat, unflatten = flatten(value)
    aflat, _ = aflatten(value)
    np.testing.assert_array_equal(flat, aflat)
    np.testing.assert_array_equal(unflatten(flat)["b"][0], value["b"][0])
    f, _, x = flatten_func(lambda v, s: {"y": v["a"][0] * s}, value)
    np.testing.assert_array_equal(f(x, 2.0), 2.0 * np.arange(3.0))


def test_fixed_point_matches_autograd():
    ag = pytest.importorskip("autograd")
    from autograd.misc import fixed_points as afp

    def newton_sqrt(mod):
        step = lambda a: lambda x: 0.5 * (x + a / x)
        return lambda a: mod.fixed_point(step, a, 1.0, lambda x, y: abs(x - y), 1e-10)

    np.testing.assert_allclose(newton_sqrt(fixed_points)(3.0), newton_sqrt(afp)(3.0))
    np.testing.assert_allclose(
        tga.grad(newton_sqrt(fixed_points))(3.0), ag.grad(newton_sqrt(afp))(3.0), rtol=1e-8
    )


# ---- extend -------------------------------------------------------------------------------


def strided_windows_sum(x, width):
    """NumPy only (stride tricks): tracegrad cannot trace it."""
    x = np.asarray(x)
    win = np.lib.stride_tricks.sliding_window_view(x, width)
    return (win**2).sum(axis=1)


def make_windows(ext, xnp):
    prim = ext.primitive(strided_windows_sum)

    def vjp(ans, x, width):
        n = x.shape[0]
        offset = np.arange(n)[None, :] - np.arange(n - width + 1)[:, None]
        member = ((offset >= 0) & (offset < width)).astype(float)  # window k holds x_j

        def back(g):
            return 2.0 * x * xnp.dot(g, member)

        return back

    ext.defvjp(prim, vjp)
    return prim


def test_primitive_runs_numpy_code_under_grad_of_any_order():
    ag = pytest.importorskip("autograd")
    import autograd.extend as aext
    import autograd.numpy as anp

    mine, theirs = make_windows(extend, tnp), make_windows(aext, anp)
    x = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
    f = lambda p, xnp: lambda x: xnp.sum(xnp.sin(p(x, 3)))
    np.testing.assert_allclose(f(mine, tnp)(x), f(theirs, anp)(x))
    np.testing.assert_allclose(tga.grad(f(mine, tnp))(x), ag.grad(f(theirs, anp))(x), rtol=1e-12)
    h, ah = tga.hessian(f(mine, tnp))(x), ag.hessian(f(theirs, anp))(x)
    np.testing.assert_allclose(h, ah, rtol=1e-10, atol=1e-12)
    # under jit, on abstract values: the callback runs when the program runs
    np.testing.assert_allclose(tg.jit(tga.grad(f(mine, tnp)))(x), ag.grad(f(theirs, anp))(x))


def test_defvjp_argnum_none_and_missing_rules():
    prim = extend.primitive(lambda x, y: np.asarray(x) * np.asarray(y))
    extend.defvjp(prim, lambda ans, x, y: lambda g: g * y, None)
    assert float(tga.grad(prim)(2.0, 3.0)) == 3.0
    assert float(tga.grad(prim, 1)(2.0, 3.0)) == 0.0
    only_first = extend.primitive(lambda x, y: np.asarray(x) * np.asarray(y))
    extend.defvjp(only_first, lambda ans, x, y: lambda g: g * y)
    with pytest.raises(NotImplementedError, match="wrt argnum 1 not defined"):
        tga.grad(only_first, 1)(2.0, 3.0)
    every = extend.primitive(lambda x, y: np.asarray(x) * np.asarray(y))
    extend.defvjp_argnum(every, lambda i, ans, args, kw: lambda g: g * args[1 - i])
    assert [float(v) for v in tga.grad(every, (0, 1))(2.0, 3.0)] == [3.0, 2.0]


def test_defjvp_gives_forward_and_reverse():
    cube = extend.primitive(lambda x: np.asarray(x) ** 3)
    extend.defjvp(cube, lambda g, ans, x: 3.0 * x**2 * g)
    assert float(tga.deriv(cube)(2.0)) == 12.0
    assert float(tga.grad(cube)(2.0)) == 12.0
    arg = extend.primitive(lambda x, y: np.asarray(x) * np.asarray(y))
    extend.defjvp_argnum(arg, lambda i, g, ans, args, kw: g * args[1 - i])
    assert float(tga.grad(lambda x: arg(x, x))(3.0)) == 6.0
    lin = extend.primitive(lambda x: 2.0 * np.asarray(x))
    extend.def_linear(lin)
    assert float(tga.deriv(lin)(5.0)) == 2.0  # forward mode only, as autograd's def_linear


def test_notrace_primitive_has_no_derivative():
    seen = []
    log = extend.notrace_primitive(lambda x: seen.append(np.asarray(x).copy()) or 7.0)
    g = tga.grad(lambda x: tnp.sum(x**2) + log(x))(X)
    np.testing.assert_array_equal(g, 2 * X)
    assert len(seen) == 1 and isinstance(seen[0], np.ndarray)


def test_internals_say_they_are_not_provided():
    for module, name in [
        (tga, "Box"),
        (extend, "VSpace"),
        (extend, "vspace"),
        (tnp, "numpy_boxes"),
    ]:
        with pytest.raises(ImportError, match=r"not provided by tracegrad\.compat\.autograd"):
            getattr(module, name)


# ---- test_util ----------------------------------------------------------------------------


def test_check_grads_passes_and_catches_a_wrong_vjp():
    test_util.check_grads(lambda x, y: tnp.sin(x) * y, (0, 1), modes=["rev"], order=2)(X, X)
    test_util.combo_check(tnp.sum, [0])([np.ones((2, 3))], axis=[None, 0, 1], keepdims=[True])
    wrong = extend.primitive(lambda x: np.sin(np.asarray(x)))
    extend.defvjp(wrong, lambda ans, x: lambda g: g * tnp.sin(x))
    with pytest.raises(AssertionError):
        test_util.check_grads(wrong, modes=["rev"], order=1)(X)
    with pytest.raises(ValueError, match="modes"):
        test_util.check_grads(tnp.sin, modes=["sideways"])(X)


def test_odeint_matches_autograd():
    ag = pytest.importorskip("autograd")
    pytest.importorskip("scipy")
    import autograd.numpy as anp
    from autograd.scipy.integrate import odeint as aodeint
    from tracegrad.compat.autograd.scipy.integrate import odeint

    def field(xnp):
        return lambda y, t, W, b: xnp.tanh(xnp.dot(W, y) + b) - 0.1 * t * y

    W, b = np.array([[0.2, -1.0], [1.0, 0.1]]), np.array([0.1, -0.2])
    y0, t = np.array([1.0, 0.5]), np.array([0.0, 0.4, 1.0])
    kw = dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        odeint(field(tnp), y0, t, (W, b), **kw), aodeint(field(anp), y0, t, (W, b), **kw)
    )

    def loss(solve, xnp, pack):
        return lambda y0, t, W, b: xnp.sum(solve(field(xnp), y0, t, pack((W, b)), **kw) ** 2)

    for argnum in (0, 1, 2, 3):
        # autograd needs its boxable tuple around traced args; here it is Python's tuple
        got = tga.grad(loss(odeint, tnp, tga.tuple), argnum)(y0, t, W, b)
        want = ag.grad(loss(aodeint, anp, ag.tuple), argnum)(y0, t, W, b)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_fixed_point_second_order_is_close_to_exact():
    def sqrt(a):
        step = lambda a: lambda x: x - 0.05 * (x**2 - a)
        return fixed_points.fixed_point(step, a, 10.0, lambda x, y: tnp.abs(x - y), 1e-8)

    exact = -0.25 * 2.0**-1.5
    assert abs(float(tga.grad(tga.grad(sqrt))(2.0)) - exact) < 1e-5
