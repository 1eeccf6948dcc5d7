"""Scalar programs (backend/scalar.py): jitted programs of 0-d float64 values run on Python
floats and give eager's results bit for bit, with eager's types."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.backend import scalar

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))

UNARY = {
    "neg": lambda x: -x,
    "square": lambda x: tnp.power(x, 2),
    "tanh": tnp.tanh,
    "exp": tnp.exp,
    "sin": tnp.sin,
    "positive": tnp.positive,
}
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "max": tnp.maximum,
}
STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
        st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
        st.tuples(st.just("lit"), st.sampled_from(sorted(BINARY)), st.integers(0, 99), FLOATS),
    ),
    min_size=1,
    max_size=20,
)


def run_steps(steps: list[tuple], x: object, y: object) -> object:
    values = [x, y]

    def pick(i: int) -> object:
        return values[i % len(values)]

    for step in steps:
        if step[0] == "lit":
            _, op, i, c = step
            values.append(BINARY[op](pick(i), c))
        elif step[0] in UNARY:
            values.append(UNARY[step[0]](pick(step[1])))
        else:
            values.append(BINARY[step[0]](pick(step[1]), pick(step[2])))
    return values[-1] if len(steps) else x


def same_bits(got: object, want: object) -> bool:
    return type(got) is type(want) and np.asarray(got).tobytes() == np.asarray(want).tobytes()


@settings(deadline=None, max_examples=300)
@given(STEPS, FLOATS, FLOATS)
def test_random_scalar_programs_match_eager_bit_for_bit(steps, x, y) -> None:
    def f(a, b):
        return tnp.asarray(run_steps(steps, a, b), tnp.float64) * 1.0 - 0.0 + a * b * 3.0

    jf = tg.jit(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = f(np.float64(x), np.float64(y))
        first = jf(x, y)  # the traced program
        second = jf(x, y)  # generated code
        third = jf(np.float64(x), np.float64(y))
    for got in (first, second):
        assert type(got) is np.float64
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes() or (
            math.isnan(got) and math.isnan(want)
        ), (got, want, steps)
    # NaN payloads may differ (NumPy and the CPU), every other bit may not
    assert np.asarray(third).tobytes() == np.asarray(want).tobytes() or math.isnan(want)


def nested_tanh_grads(n: int):
    f = tnp.tanh
    for _ in range(n):
        f = tg.grad(f)
    return f


@pytest.mark.parametrize("x", [*SPECIAL, 0.3, -2.5, 20.0, 1e-300])
def test_fourth_derivative_of_tanh_runs_on_floats(x) -> None:
    eager, jitted = nested_tanh_grads(4), tg.jit(nested_tanh_grads(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = eager(x)
        jitted(x)
        got = jitted(x)
    assert "to_float(" in jitted.lower(x).as_text()  # the scalar path is the one tested
    assert type(got) is type(want) is np.float64
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes() or math.isnan(want)


@pytest.mark.parametrize(("x", "y"), [(1.0, 0.0), (-1.0, 0.0), (1.0, -0.0), (0.0, 0.0)])
def test_division_by_zero_is_numpys(x, y) -> None:
    def f(a, b):
        return (a * a + a) / b - a * 2.0 + b * b

    jf = tg.jit(f)
    jf(x, 1.0)
    jf(x, 1.0)
    assert "to_float(" in jf.lower(x, y).as_text()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = f(np.float64(x), np.float64(y))
    with warnings.catch_warnings():  # silent outside pytest (test_floating_point_warnings.py)
        warnings.simplefilter("ignore")
        got = jf(x, y)
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes() or math.isnan(want)


def test_only_all_float64_scalar_programs_qualify() -> None:
    def f(x):
        return x * x * 2.0 - x + 1.0

    assert scalar.qualifies(tg.make_jaxpr(f)(0.5))
    assert not scalar.qualifies(tg.make_jaxpr(f)(np.float32(0.5)))
    assert not scalar.qualifies(tg.make_jaxpr(f)(np.ones(2)))
    assert not scalar.qualifies(tg.make_jaxpr(lambda x: (f(x), x))(0.5))  # an input returned
    assert not scalar.qualifies(tg.make_jaxpr(tnp.tanh)(0.5))  # nothing to gain
    assert not scalar.qualifies(tg.make_jaxpr(lambda x: f(x) > 0.0)(0.5))  # a bool result


def test_float_fast_path_and_general_path_agree() -> None:
    f = tg.jit(lambda x, y: x * y + 1.0)
    for args in [(2.0, 3.0), (np.float64(2.0), 3.0), (np.asarray(2.0), 3.0)]:
        results = [f(*args) for _ in range(3)]
        assert all(type(r) is np.float64 and r == 7.0 for r in results)
    assert f._cache_size() == 2  # weak Python floats and strong NumPy float64s
    g = tg.jit(lambda x: x * 2)
    assert [g(np.float32(1.5)) for _ in range(3)][-1].dtype == np.float32
