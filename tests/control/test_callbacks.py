"""pure_callback, tg.debug, defjvps, custom_gradient, disable_jit and named scopes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

S = tg.ShapeDtypeStruct


def _sin_cb(x: Any) -> Any:
    return np.sin(x)


# ---- pure_callback ------------------------------------------------------------------------


def test_pure_callback_runs_at_run_time_under_jit() -> None:
    calls: list[Any] = []

    def cb(x: Any) -> Any:
        calls.append(x)
        return np.sin(x)

    f = tg.jit(lambda x: tg.pure_callback(cb, S((), np.float64), x) + 1.0)
    lowered_calls = len(calls)
    assert f(1.0) == pytest.approx(np.sin(1.0) + 1.0)
    assert f(2.0) == pytest.approx(np.sin(2.0) + 1.0)
    assert lowered_calls == 0 and len(calls) == 2


def test_pure_callback_without_inputs_is_not_folded() -> None:
    calls: list[int] = []

    def cb() -> Any:
        calls.append(1)
        return np.ones(2)

    f = tg.jit(lambda x: tg.pure_callback(cb, S((2,), np.float64)) * x)
    f(1.0), f(2.0)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("method", "shapes"),
    [
        ("sequential", [((2,), (2,))] * 3),
        ("expand_dims", [((3, 2), (1, 2))]),
        ("broadcast_all", [((3, 2), (3, 2))]),
    ],
)
def test_pure_callback_vmap_methods(method: str, shapes: list[Any]) -> None:
    seen: list[Any] = []

    def cb(x: Any, y: Any) -> Any:
        seen.append((np.shape(x), np.shape(y)))
        return x + y

    x, y = np.arange(6.0).reshape(3, 2), np.array([10.0, 20.0])
    f = tg.vmap(
        lambda a, b: tg.pure_callback(cb, S((2,), np.float64), a, b, vmap_method=method),
        in_axes=(0, None),
    )
    np.testing.assert_array_equal(f(x, y), x + y)
    assert seen == shapes


def test_pure_callback_errors() -> None:
    f = lambda x: tg.pure_callback(_sin_cb, S((), np.float64), x)
    with pytest.raises(NotImplementedError, match="vmap_method=None"):
        tg.vmap(f)(np.ones(3))
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        tg.grad(f)(1.0)
    with pytest.raises(ValueError, match="vmap_method must be on of the allowed"):
        tg.pure_callback(_sin_cb, S((), np.float64), 1.0, vmap_method="foo")
    with pytest.raises(RuntimeError, match=r"Incorrect output shape for return value #0"):
        tg.jit(lambda x: tg.pure_callback(lambda x: np.ones(2), S((), np.float64), x))(1.0)
    with pytest.raises(RuntimeError, match=r"Incorrect output dtype for return value #0"):
        tg.jit(lambda x: tg.pure_callback(lambda x: np.int32(1), S((), np.float64), x))(1.0)
    with pytest.raises(AttributeError, match="dtype"):
        tg.pure_callback(_sin_cb, (3,), 1.0)


def test_pure_callback_differentiable_through_custom_jvp() -> None:
    @tg.custom_jvp
    def host_sin(x: Any) -> Any:
        return tg.pure_callback(_sin_cb, S(np.shape(x), np.float64), x, vmap_method="sequential")

    @host_sin.defjvp
    def _(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        return host_sin(x), tnp.cos(x) * t

    x = np.array([0.1, 0.7])
    np.testing.assert_allclose(tg.jit(tg.grad(lambda x: tnp.sum(host_sin(x))))(x), np.cos(x))
    np.testing.assert_allclose(tg.vmap(tg.grad(host_sin))(x), np.cos(x))


# ---- tg.debug -----------------------------------------------------------------------------


def _f(x: Any) -> Any:
    tg.debug.print("x={x} s={}", tnp.sum(x), x=x)
    return x * 2


def test_debug_print_at_run_time(capsys: pytest.CaptureFixture[str]) -> None:
    f = tg.jit(_f)
    f(np.arange(3.0))
    f(np.float32(1.5))
    f(np.float32(1.5))
    assert capsys.readouterr().out == "x=[0. 1. 2.] s=3.0\nx=1.5 s=1.5\nx=1.5 s=1.5\n"
    tg.vmap(_f)(np.arange(2.0))
    assert capsys.readouterr().out == "x=0.0 s=0.0\nx=1.0 s=1.0\n"
    tg.grad(lambda x: tnp.sum(_f(x)))(np.arange(2.0))
    assert capsys.readouterr().out == "x=[0. 1.] s=1.0\n"
    tg.jit(tg.grad(lambda x: tnp.sum(_f(x))))(np.arange(2.0))
    assert capsys.readouterr().out == "x=[0. 1.] s=1.0\n"


def test_effects_survive_the_passes_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    def f(x: Any) -> Any:
        tg.debug.print("a {}", x)
        tg.debug.print("a {}", x)  # the same equation twice: not merged
        tg.debug.print("c {}", 2.0)  # constant input: not folded away
        tg.jit(lambda y: tg.debug.print("inner {}", y))(x)  # output-less inner call
        return x

    closed = tg.make_jaxpr(f)(1.0)
    assert closed.effects == frozenset({"debug_print"})
    assert tg.make_jaxpr(lambda x: x)(1.0).effects == frozenset()
    tg.jit(f)(1.0)
    assert capsys.readouterr().out == "a 1.0\na 1.0\nc 2.0\ninner 1.0\n"


def _scan_print(x: Any) -> Any:
    def body(c: Any, xi: Any) -> Any:
        tg.debug.print("c={c}", c=c)
        return c * xi, None

    return tg.lax.scan(body, 1.0, x)[0]


def _cond_fori_print(x: Any) -> Any:
    def loop(i: Any, c: Any) -> Any:
        tg.debug.print("i={} c={}", i, c)
        return c * x

    def neg(y: Any) -> Any:
        tg.debug.print("neg {}", y)
        return -y

    return tg.lax.cond(x > 0, lambda y: tg.lax.fori_loop(0, 2, loop, y), neg, x)


def test_effects_in_control_flow_run_once_under_transformations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The loop and the branch split into a known part and a staged tangent part: their
    # prints stay with the known part, on the primal values, once per iteration, as in JAX.
    xs = np.array([1.0, 2.0, 3.0])
    for transform in (tg.grad, lambda f: tg.jit(tg.grad(f))):
        np.testing.assert_allclose(transform(_scan_print)(xs), [6.0, 3.0, 2.0])
        assert capsys.readouterr().out == "c=1.0\nc=1.0\nc=2.0\n"
    assert tg.grad(_cond_fori_print)(1.5) == 6.75
    assert capsys.readouterr().out == "i=0 c=1.5\ni=1 c=2.25\n"
    assert tg.grad(tg.grad(_cond_fori_print))(-0.5) == 0.0
    assert capsys.readouterr().out == "neg -0.5\n"
    tg.jvp(_cond_fori_print, (1.5,), (1.0,))
    assert capsys.readouterr().out == "i=0 c=1.5\ni=1 c=2.25\n"


def test_debug_callback_and_format_errors(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[Any] = []
    f = tg.jit(lambda x, y: tg.debug.callback(lambda a, b: seen.append((a, b)), x, b=y) or x)
    f(np.arange(2), 3)
    assert len(seen) == 1 and isinstance(seen[0][0], np.ndarray)
    np.testing.assert_array_equal(seen[0][0], [0, 1])
    with pytest.raises(IndexError):
        tg.debug.print("{} {}", 1)
    with pytest.raises(KeyError):
        tg.debug.print("{y}", x=1)
    with pytest.raises(TypeError, match="expected str"):
        tg.debug.print(3)  # type: ignore[arg-type]


def test_debug_print_matches_jax(capfd: pytest.CaptureFixture[str]) -> None:
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    fmt = "{} | {x:.3f} | {}"
    cases = [(np.float32(1.5), np.float32(2.0), np.arange(3, dtype=np.int32))]
    cases.append((np.ones((2, 2), np.float32), np.float32(0.25), True))
    for a, x, b in cases:
        jax.jit(lambda a, x, b: jax.debug.print(fmt, a, b, x=x))(a, x, b)
        jax.effects_barrier()
        want = capfd.readouterr().out
        tg.jit(lambda a, x, b: tg.debug.print(fmt, a, b, x=x))(a, x, b)
        assert capfd.readouterr().out == want
    del jnp


# ---- custom rules -------------------------------------------------------------------------


def test_defjvps_matches_jax() -> None:
    f = tg.custom_jvp(lambda x, y: tnp.sin(x) * y)
    f.defjvps(lambda t, ans, x, y: tnp.cos(x) * y * t, lambda t, ans, x, y: 10.0 * t)
    assert tg.grad(f, (0, 1))(0.0, 3.0) == (3.0, 10.0)
    g = tg.custom_jvp(lambda x, y: tnp.sin(x) * y)
    g.defjvps(None, None)
    assert tg.grad(g, (0, 1))(0.0, 3.0) == (0.0, 0.0)
    h = tg.custom_jvp(lambda x, n: x * n, nondiff_argnums=(1,))
    with pytest.raises(TypeError, match="nondiff_argnums"):
        h.defjvps(None)


def test_custom_gradient() -> None:
    @tg.custom_gradient
    def g(x: Any) -> Any:
        y = tnp.sin(x)
        return y, lambda ct: (ct * 100.0 * x,)

    assert g(2.0) == pytest.approx(np.sin(2.0))
    assert tg.grad(g)(2.0) == pytest.approx(200.0)
    np.testing.assert_allclose(tg.vmap(tg.grad(g))(np.arange(3.0)), [0.0, 100.0, 200.0])
    assert tg.jit(tg.grad(g))(2.0) == pytest.approx(200.0)

    @tg.custom_gradient
    def h(x: Any, y: Any) -> Any:
        return x * y, lambda ct: (ct * y, ct * x * 10.0)

    assert tg.grad(h, (0, 1))(2.0, 3.0) == (3.0, 20.0)

    @tg.custom_gradient
    def k(x: Any) -> Any:
        return x * 2.0, lambda ct: ct * 5.0  # one argument: a bare cotangent

    assert tg.grad(k)(2.0) == 5.0


# ---- disable_jit --------------------------------------------------------------------------


def test_disable_jit_runs_eagerly() -> None:
    calls: list[Any] = []

    def f(x: Any) -> Any:
        calls.append(type(x))
        return x * 2

    jf = tg.jit(f)
    jf(1.0), jf(1.0)
    assert len(calls) == 1  # traced once
    with tg.disable_jit():
        jf(1.0), jf(1.0)
        with tg.disable_jit(False):
            jf(1.0)
    assert len(calls) == 3 and calls[1:] == [float, float]
    tg.config.update("jax_disable_jit", True)
    try:
        jf(1.0)
        assert tg.config.jax_disable_jit is True and len(calls) == 4
    finally:
        tg.config.update("jax_disable_jit", False)
    jf(1.0)
    assert len(calls) == 4


# ---- names --------------------------------------------------------------------------------


def test_named_call_and_scope_in_the_ir() -> None:
    f = tg.named_call(lambda x: tnp.sin(x) * 2.0, name="foo")

    def g(x: Any) -> Any:
        with tg.named_scope("scope"):
            y = tnp.sin(x)
        return f(y)

    closed = tg.make_jaxpr(g)(1.0)
    assert [e.name_stack for e in closed.eqns] == ["scope", "foo", "foo"]
    text = closed.pretty_print(name_stack=True)
    assert "sin a  # [scope]" in text and "# [foo]" in text
    assert "#" not in str(closed)
    with tg.named_scope("outer"):
        assert tg.make_jaxpr(f)(1.0).eqns[0].name_stack == "outer/foo"
    with pytest.raises(TypeError, match="must be a string"):
        with tg.named_scope(3):  # type: ignore[arg-type]
            pass
    assert g(1.0) == pytest.approx(np.sin(np.sin(1.0)) * 2.0)
