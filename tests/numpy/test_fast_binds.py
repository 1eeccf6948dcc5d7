"""The front end's direct binds (``numpy_when_eager(..., binds=p)``, the Tracer operators'
``binds``) stage and differentiate exactly what the full traced route does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

BINDING = sorted(
    name
    for name in dir(tnp)
    if getattr(getattr(tnp, name), "__binds__", None) is not None and not name.startswith("_")
)

# Strongly typed inexact operands (the direct bind), and others (the traced route).
OPERANDS = [
    np.linspace(0.1, 0.5, 3, dtype=np.float32),
    np.linspace(0.1, 0.5, 3),
    np.array([0.2 + 0.1j, 0.3 - 0.2j]),
    np.array([1, 2]),
    np.array([True, False]),
    0.25,
]


def staged(f: Callable[..., Any], *args: Any) -> str:
    """The program ``f`` stages at ``args``, or the error it raises."""
    try:
        return str(tg.make_jaxpr(f)(*args))
    except Exception as e:  # the error is the result compared
        return f"{type(e).__name__}: {e}"


def same_program(f: Callable[..., Any], g: Callable[..., Any], *args: Any) -> None:
    assert staged(f, *args) == staged(g, *args)


def test_the_unary_functions_bind_directly() -> None:
    assert {"sin", "exp", "tanh", "log", "sqrt", "arctanh"} <= set(BINDING)
    assert "cbrt" not in BINDING  # it refuses complex input: not a bare bind


@pytest.mark.parametrize("name", BINDING)
@pytest.mark.parametrize("x", OPERANDS, ids=lambda x: str(np.asarray(x).dtype) + str(np.ndim(x)))
def test_unary_direct_bind_stages_the_traced_route(name: str, x: Any) -> None:
    fn = getattr(tnp, name)
    same_program(fn, fn.__wrapped_traced__, x)


@pytest.mark.parametrize("name", ["sin", "exp", "tanh", "log1p", "arctan"])
def test_unary_direct_bind_differentiates_as_the_traced_route(name: str) -> None:
    fn = getattr(tnp, name)
    x = np.linspace(0.1, 0.5, 4)
    for _ in range(3):  # the tape's first, second (plan built) and later sightings
        got = tg.grad(lambda v: tnp.sum(fn(v) * fn(v)))(x)
        want = tg.grad(lambda v: tnp.sum(fn.__wrapped_traced__(v) * fn(v)))(x)
        np.testing.assert_array_equal(got, want)


OPERATORS: list[tuple[Callable[[Any, Any], Any], Callable[..., Any]]] = [
    (lambda a, b: a + b, tnp.add),
    (lambda a, b: a - b, tnp.subtract),
    (lambda a, b: a * b, tnp.multiply),
    (lambda a, b: a / b, tnp.divide),
]
NUMBERS = [0.9, 3, True, 0.5 + 1j, np.float32(0.25), np.array(2.0)]


@pytest.mark.parametrize("k", range(len(OPERATORS)))
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
@pytest.mark.parametrize("x", OPERANDS[:5], ids=lambda x: str(x.dtype))
def test_operator_with_a_number_stages_the_function(k: int, number: Any, x: Any) -> None:
    op, fn = OPERATORS[k]
    same_program(lambda v: op(v, number), lambda v: fn(v, number), x)
    same_program(lambda v: op(number, v), lambda v: fn(number, v), x)


def test_operator_with_a_number_differentiates_as_the_function() -> None:
    x = np.linspace(0.5, 1.5, 5, dtype=np.float32)

    def by_operators(v: Any) -> Any:
        return tnp.sum(((v * 0.9 + 0.1) / 3 - 2.0) * (1.5 - v) / (2 + v))

    def by_functions(v: Any) -> Any:
        a = tnp.divide(tnp.add(tnp.multiply(v, 0.9), 0.1), 3)
        b = tnp.multiply(tnp.subtract(a, 2.0), tnp.subtract(1.5, v))
        return tnp.sum(tnp.divide(b, tnp.add(2, v)))

    for _ in range(3):
        got, want = tg.grad(by_operators)(x), tg.grad(by_functions)(x)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "x",
    [*OPERANDS, np.ones((2, 3), np.float32), np.ones((2, 0)), np.array(1.5)],
    ids=lambda x: str(np.asarray(x).dtype) + str(np.shape(x)),
)
def test_sum_of_a_whole_array_stages_the_full_route(x: Any) -> None:
    every_axis = tuple(range(np.ndim(x)))  # an explicit axis takes the full route
    same_program(tnp.sum, lambda v: tnp.sum(v, axis=every_axis), x)
    same_program(lambda v: tnp.sum(v * 2), lambda v: tnp.sum(v * 2, axis=every_axis), x)
