"""The operators and methods of tracers (float, integer, boolean and complex operands), and
the errors of elementwise functions, typed and worded as NumPy's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import on_tracer
from tracegrad.core import ShapeError, Tracer

grad = tg.grad

# ---- operators and methods on tracers -----------------------------------------------
OPERATORS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b),
    ("radd", lambda a, b: 2.5 + a),
    ("sub", lambda a, b: a - b),
    ("rsub", lambda a, b: 1 - a),
    ("mul", lambda a, b: a * b),
    ("rmul", lambda a, b: 3 * a),
    ("truediv", lambda a, b: a / b),
    ("rtruediv", lambda a, b: 1.0 / a),
    ("floordiv", lambda a, b: a // b),
    ("rfloordiv", lambda a, b: 7.0 // a),
    ("mod", lambda a, b: a % b),
    ("rmod", lambda a, b: 7.0 % a),
    ("pow", lambda a, b: a**b),
    ("rpow", lambda a, b: 2.0**a),
    ("pow2", lambda a, b: a**2),
    ("neg", lambda a, b: -a),
    ("pos", lambda a, b: +a),
    ("abs", lambda a, b: abs(a)),
    ("eq", lambda a, b: a == b),
    ("ne", lambda a, b: a != b),
    ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b),
    ("gt", lambda a, b: a > b),
    ("ge", lambda a, b: a >= b),
    ("ndarray_add", lambda a, b: np.full(3, 2.0) + a),
    ("ndarray_lt", lambda a, b: b < a),
    ("real", lambda a, b: a.real),
    ("imag", lambda a, b: a.imag),
    ("conj", lambda a, b: a.conj()),
    ("conjugate", lambda a, b: a.conjugate()),
    ("clip", lambda a, b: a.clip(0.5, 1.5)),
    ("clip_kw", lambda a, b: a.clip(max=1.0)),
    ("round", lambda a, b: a.round(1)),
]


@pytest.mark.parametrize(("name", "op"), OPERATORS, ids=[n for n, _ in OPERATORS])
def test_float_operators(name: str, op: Callable[[Any, Any], Any]) -> None:
    a, b = np.array([0.5, 1.25, 2.0]), np.array([1.5, 1.25, -0.75])
    got, want = on_tracer(op, a, b), op(a, b)
    np.testing.assert_allclose(got, want)
    assert np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # False // False, as NumPy
@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a & b,
        lambda a, b: a | b,
        lambda a, b: a ^ b,
        lambda a, b: 6 & a,
        lambda a, b: 6 | a,
        lambda a, b: 6 ^ a,
        lambda a, b: ~a,
        lambda a, b: divmod(a, b),
        lambda a, b: divmod(17, a),
        lambda a, b: a // b % 3,
    ],
)
def test_integer_and_boolean_operators(op: Callable[[Any, Any], Any]) -> None:
    for a, b in (
        (np.array([3, 12, 7]), np.array([5, 10, 2])),
        (np.array([True, False, True]), np.array([True, True, False])),
    ):
        if a.dtype == np.bool_ and op(a[:1], b[:1]) is NotImplemented:
            continue
        try:
            want = op(a, b)
        except TypeError:
            with pytest.raises(TypeError):
                on_tracer(op, a, b)
            continue
        got = on_tracer(op, a, b)
        for g, w in zip(
            np.broadcast_arrays(*got) if isinstance(got, tuple) else [got],
            want if isinstance(want, tuple) else [want],
            strict=True,
        ):
            np.testing.assert_array_equal(g, w)
            assert g.dtype == w.dtype


def test_complex_properties_and_grads() -> None:
    z = np.array([1 + 2j, -0.5 + 0.25j])
    np.testing.assert_array_equal(on_tracer(lambda a: a.real, z), z.real)
    np.testing.assert_array_equal(on_tracer(lambda a: a.imag, z), z.imag)
    np.testing.assert_array_equal(on_tracer(lambda a: a.conj(), z), z.conj())
    # JAX's convention: grad of a real function of z is d/dx - i d/dy.
    g = grad(lambda a: tnp.sum(a.real * 2.0 + a.imag * 3.0))(z)
    np.testing.assert_array_equal(g, np.full(2, 2 - 3j))
    np.testing.assert_allclose(grad(lambda a: tnp.sum(tnp.abs(a)))(z), np.conj(z) / np.abs(z))


def test_tracer_equality_is_traced_and_unhashable() -> None:
    def f(x: Any) -> Any:
        eq = x == 1.0
        assert isinstance(eq, Tracer)
        assert (x == None) is False  # noqa: E711 - Python's fallback, as for unknown types
        assert (x != "a") is True
        with pytest.raises(TypeError, match="unhashable"):
            hash(x)
        return eq

    closed = tg.make_jaxpr(f)(np.array([1.0, 2.0]))
    assert closed.out_avals[0].dtype == np.bool_
    np.testing.assert_array_equal(tg.eval_jaxpr(closed, np.array([1.0, 2.0]))[0], [True, False])


def test_operators_differentiate() -> None:
    f = lambda x: tnp.sum((x * 3 - 1) / (x + 2) + x**2 - 2**x + abs(-x) + (-x) % 5)
    x = np.array([0.5, 1.5])
    want = (3 * (x + 2) - (3 * x - 1)) / (x + 2) ** 2 + 2 * x - np.log(2) * 2**x + 1 - 1
    np.testing.assert_allclose(grad(f)(x), want)


# ---- errors -------------------------------------------------------------------------
def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ShapeError) as info:
        tg.make_jaxpr(lambda a, b: a + b)(np.ones(3), np.ones(4))
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert "(3,)" in str(info.value) and "(4,)" in str(info.value)
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(2,\)"):
        grad(lambda a: tnp.sum(tnp.hypot(a, np.ones(2))))(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: tnp.sin(x, out=np.empty(2)), "sin: out="),
        (lambda x: tnp.add(x, 1, where=np.array([True, False])), "add: where="),
        (lambda x: tnp.multiply(x, x, dtype=np.float32), "multiply: dtype="),
        (lambda x: pow(x, 2, 3), "modulo"),
        (lambda x: tnp.clip(x, 0, 1, out=np.empty(2)), "clip: out="),
    ],
)
def test_unsupported_arguments_raise_not_implemented(call: Any, match: str) -> None:
    with pytest.raises(NotImplementedError, match=match):
        tg.make_jaxpr(call)(np.ones(2))
    with pytest.raises(NotImplementedError, match=match):
        grad(lambda x: tnp.sum(call(x)))(np.ones(2))


def test_eager_calls_keep_numpy_arguments() -> None:
    out = np.empty(2)
    assert tnp.sin(np.zeros(2), out=out) is out
    np.testing.assert_array_equal(
        tnp.add(np.ones(2), 1, where=np.array([True, False]), out=np.zeros(2)), [2.0, 0.0]
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: tnp.add(x, x, bogus=1), TypeError, "unexpected keyword"),
        (lambda x: tnp.bitwise_and(x, 1), TypeError, "bitwise_and"),
        (lambda x: ~x, TypeError, "invert"),
        (lambda x: tnp.floor(x * 1j), TypeError, "floor"),
        (lambda x: tnp.arctan2(x * 1j, x), TypeError, "arctan2"),
        (lambda x: tnp.deg2rad(x * 1j), TypeError, "deg2rad"),
        (lambda x: tnp.subtract(x > 0, x > 1), TypeError, "subtract"),
        (lambda x: -(x > 0), TypeError, "negative"),
        (lambda x: (x > 0).astype(np.int64) ** -1, ValueError, "negative integer powers"),
        (lambda x: tnp.where(x > 0, x), ValueError, "both or neither"),
    ],
)
def test_errors_are_typed_like_numpy(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        tg.make_jaxpr(call)(np.ones(2))


def test_integer_power_negative_exponent_error() -> None:
    with pytest.raises(ValueError, match="negative integer powers"):
        tg.make_jaxpr(lambda k: k**-1)(np.arange(1, 3))
    with pytest.raises(ValueError):
        np.arange(1, 3) ** -1
