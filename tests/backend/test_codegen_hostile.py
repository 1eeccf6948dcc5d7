"""Generated code never contains user text: hostile names and values (a str, int or float
subclass whose repr is code, multi-line reprs, keywords, non-ASCII names, huge programs)
reach the code only through its globals, nothing of them runs, and the module compiles."""

from __future__ import annotations

import enum
import os

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import jit_calls
from tracegrad.backend import generate
from tracegrad.backend.interpreter import evaluate
from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, ShapedArray, Var
from tracegrad.ops import elementwise as ew

FLAG = "TRACEGRAD_HOSTILE_CODE_RAN"
# Code that, if it ever ran, would leave a mark; and a version that breaks out of a comment.
PAYLOAD = f"__import__('os').environ.__setitem__({FLAG!r}, '1') or 'clip'"
MULTILINE = f"'x'\n__import__('os').environ[{FLAG!r}] = '1'\n"
F64 = np.dtype(np.float64)


class EvilStr(str):
    def __repr__(self) -> str:
        return PAYLOAD

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return PAYLOAD


class MultilineStr(str):
    def __repr__(self) -> str:
        return MULTILINE

    __str__ = __repr__


class EvilInt(int):
    def __repr__(self) -> str:
        return f"(__import__('os').environ.__setitem__({FLAG!r}, '1') or 0)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


class EvilFloat(float):
    def __repr__(self) -> str:
        return f"(__import__('os').environ.__setitem__({FLAG!r}, '1') or 2.0)"

    __str__ = __repr__


class Mode(enum.StrEnum):
    CLIP = "clip"
    REDUCED = "reduced"
    LOWER = "L"


class EvilArray(np.ndarray):
    def __repr__(self) -> str:
        return MULTILINE


@pytest.fixture(autouse=True)
def no_code_ran():
    os.environ.pop(FLAG, None)
    yield
    assert FLAG not in os.environ, "user text was executed as code"


def assert_clean(source: str) -> None:
    compile(source, "<test>", "exec")
    for text in ("__import__", FLAG, "environ"):
        assert text not in source, source


def echo_primitive(name: str, **params: object) -> Primitive:
    """A primitive named ``name`` whose implementation checks it received ``params`` (keys
    and values) exactly, and returns ``x * 2``."""
    p = Primitive(name)

    def impl(x, **kw):
        assert list(kw) == list(params) and all(kw[k] is v for k, v in params.items())
        return x * 2.0

    p.def_impl(impl)
    p.def_abstract_eval(lambda x, **kw: x)
    return p


def run_eqn(p: Primitive, params: dict[str, object]) -> str:
    x = Var(ShapedArray((2,), F64))
    e = JaxprEqn(p, (x,), (Var(x.aval),), params)
    closed = ClosedJaxpr(Jaxpr((), (x,), e.outvars, (e,)), ())
    program = generate(closed)
    np.testing.assert_array_equal(program(np.ones(2))[0], evaluate(closed, np.ones(2))[0])
    return program.source


@pytest.mark.parametrize(
    "name",
    ["x²", "ﬁx", "if", "class", "np", "a b", "a\nimport os", "2nd", "", "λ" * 500],
)
def test_primitive_names(name) -> None:
    """A primitive's name lends only its ASCII letters and digits to the global that holds
    its implementation."""
    source = run_eqn(echo_primitive(name), {})
    compile(source, "<test>", "exec")
    (call,) = [line for line in source.splitlines() if "_impl(" in line]
    assert call.isascii() and "import os" not in source


@pytest.mark.parametrize(
    "params",
    [
        {"if": 1, "lambda": 2},  # keywords as parameter names
        {"ﬁx": 1},  # Python would read ﬁx= as fix=
        {"x²": 1, "a b": 2},
        {"mode": EvilStr("clip")},
        {"mode": MultilineStr("x")},
        {"mode": Mode.CLIP},
        {"n": EvilInt(3), "scale": EvilFloat(2.0)},
        {"shape": (EvilInt(1), 2)},
        {"text": np.str_("x" * 10_000)},
        {"text": "a'b\"c\n" * 100},
        {"big": 10**400},
        {"array": np.arange(300.0).view(EvilArray)},
        {"fn": lambda v: v},
    ],
)
def test_parameters_reach_the_code_as_globals(params) -> None:
    source = run_eqn(echo_primitive("echo", **params), params)
    assert_clean(source)


def test_hostile_literals_and_constants() -> None:
    c = np.arange(300.0).view(EvilArray)

    def f(x):
        y = tnp.multiply(x, EvilFloat(2.0)) + c[:2] + np.float64(3.0)
        return tnp.add(y, EvilInt(2)), c

    x = np.ones(2)
    for got in jit_calls(f, x):  # the traced program, then the generated code
        np.testing.assert_array_equal(got[0], x * 2.0 + np.arange(2.0) + 5.0)
        np.testing.assert_array_equal(got[1], np.arange(300.0))
    assert_clean(tg.jit(f).lower(x).as_text())


@pytest.mark.parametrize(
    "value",
    [EvilFloat(2.0), EvilInt(2), np.float64(2.0), np.full((), 2.0).view(EvilArray), 2.0, 2],
)
def test_literals_in_the_ir(value) -> None:
    """Literals however they reach the IR: only exact Python numbers are written inline."""
    x = Var(ShapedArray((2,), F64))
    lit = Literal(value, ShapedArray((), F64, weak_type=True))
    e = JaxprEqn(ew.mul_p, (x, lit), (Var(x.aval),), {})
    closed = ClosedJaxpr(Jaxpr((), (x,), (*e.outvars, lit), (e,)), ())
    program = generate(closed)
    assert_clean(program.source)
    got = program(np.ones(2))
    np.testing.assert_array_equal(got[0], [2.0, 2.0])
    assert got[1] == 2


def test_long_and_multiline_literal_values() -> None:
    f = tg.jit(lambda x: x * np.float64(2.0) + np.full((), 1.5).view(EvilArray))
    x = np.ones(3)
    np.testing.assert_array_equal(f(x), x * 2.0 + 1.5)
    assert_clean(f.lower(x).as_text())


@pytest.mark.parametrize(
    "f, make",
    [
        (lambda x: tnp.linalg.qr(x, mode=Mode.REDUCED), lambda a: a),
        (lambda x: tnp.linalg.eigh(x, UPLO=Mode.LOWER), lambda a: a + a.T),
        (lambda x: tnp.take(x, np.array([0, 5, 11]), mode=Mode.CLIP), lambda a: a),
    ],
)
def test_str_enum_arguments(f, make) -> None:
    x = make(np.random.default_rng(0).normal(size=(3, 3)))
    want, got = f(x), jit_calls(f, x)[1]
    for w, g in zip(np.atleast_1d(want) if isinstance(want, np.ndarray) else want, got):
        np.testing.assert_allclose(g, w, atol=1e-12)
    assert_clean(tg.jit(f).lower(x).as_text())


def test_checkpoint_of_a_function_with_a_hostile_name() -> None:
    def g(x):
        return tnp.sin(x) * 2.0

    g.__name__ = g.__qualname__ = EvilStr("g")
    f = tg.jit(tg.grad(lambda x: tnp.sum(tg.checkpoint(g)(x))))
    x = np.linspace(0.0, 1.0, 3)
    np.testing.assert_allclose(f(x), 2.0 * np.cos(x))  # the traced program
    np.testing.assert_allclose(f(x), 2.0 * np.cos(x))  # the generated code
    assert_clean(f.lower(x).as_text())


def test_huge_programs_and_names_that_shadow() -> None:
    """Over 1000 variables: among them 'if', 'in', 'is', 'or' (keywords) and 'np'."""

    def f(x):
        for _ in range(700):
            x = tnp.sin(x) * 0.5
        return x

    x = np.linspace(-1.0, 1.0, 4)
    source = tg.jit(f).lower(x).as_text()
    for name in ("if_ =", "in_ =", "np =", "or_ ="):
        assert f"    {name}" in source
    compile(source, "<test>", "exec")
    for got in jit_calls(f, x):
        np.testing.assert_array_equal(got, f(x))
