"""The trace machinery: nesting without perturbation confusion, escaped tracers,
concretization, thread isolation."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import current_trace, is_eager


def test_no_perturbation_confusion() -> None:
    # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x; confusing the two tangents gives x + x*... wrong.
    f = lambda x: x * tg.grad(lambda y: x * y)(2.0)
    assert tg.grad(f)(3.0) == pytest.approx(6.0)
    g = lambda x: tg.jvp(lambda y: x * y, (1.0,), (1.0,))[1] * x
    assert tg.jvp(g, (3.0,), (1.0,))[1] == pytest.approx(6.0)


def test_escaped_tracer_raises_then_next_call_works() -> None:
    saved = []

    def leak(x):
        saved.append(x)
        return x * 2.0

    tg.grad(leak)(1.0)
    with pytest.raises(tg.UnexpectedTracerError, match="unexpected tracer"):
        tnp.sin(saved[0]) + 1.0
    with pytest.raises(tg.UnexpectedTracerError):
        tg.grad(lambda x: x * saved[0])(1.0)
    assert tg.grad(lambda x: x * 2.0)(1.0) == 2.0
    assert is_eager()


def test_escaped_staging_tracer() -> None:
    saved = []
    tg.make_jaxpr(lambda x: saved.append(x) or x)(1.0)
    with pytest.raises(tg.UnexpectedTracerError):
        tg.make_jaxpr(lambda y: y + saved[0])(1.0)


def test_concretization_error_names_argument() -> None:
    def f(x, limit):
        return x if limit > 0 else -x

    with pytest.raises(tg.TracerBoolConversionError, match="'limit'") as info:
        tg.make_jaxpr(f)(1.0, 2.0)
    assert isinstance(info.value, TypeError)
    assert "static_argnums" in str(info.value)
    assert is_eager()
    with pytest.raises(tg.ConcretizationTypeError):
        tg.make_jaxpr(lambda x: float(x))(1.0)
    with pytest.raises(tg.TracerIntegerConversionError):
        tg.make_jaxpr(lambda x: int(x))(1.0)


def test_python_control_flow_under_grad_uses_concrete_values() -> None:
    def f(x):
        if x > 0:
            return x * x
        return -x

    assert tg.grad(f)(3.0) == 6.0
    assert tg.grad(f)(-3.0) == -1.0


def test_numpy_asarray_of_tracer_raises() -> None:
    with pytest.raises(tg.TracerArrayConversionError, match="__array__"):
        tg.grad(lambda x: np.asarray(x).sum())(np.ones(2))


def test_failed_call_leaves_no_state() -> None:
    before = current_trace()
    with pytest.raises(TypeError):
        tg.grad(lambda x: x)(np.ones(3))
    assert current_trace() is before
    assert tg.grad(lambda x: x * x)(2.0) == 4.0


def test_trace_state_is_per_thread() -> None:
    results: dict[int, float] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        try:

            def f(x):
                barrier.wait(timeout=10)
                return tnp.sin(x) * (i + 1)

            results[i] = float(tg.grad(f)(0.0))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {i: float(i + 1) for i in range(4)}


def test_shape_mismatch_under_grad_is_shape_error() -> None:
    from tracegrad.core import ShapeError

    for transform in (tg.grad, lambda f: tg.make_jaxpr(f)):
        with pytest.raises(ShapeError, match=r"\(3,\), \(4,\)") as info:
            transform(lambda x: tnp.sum(x * np.ones(4)))(np.ones(3))
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert tg.grad(lambda x: tnp.sum(x * np.ones(3)))(np.ones(3)).shape == (3,)
