"""Weak typing and dtype promotion of elementwise functions against NumPy: Python scalars,
NumPy scalars, arrays of every dtype pair, and the result dtypes of unary functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import EVERY_DTYPE

grad = tg.grad


# ---- weak typing and promotion against NumPy -------------------------------------------
def traced_dtype(f: Callable[..., Any], *args: Any) -> np.dtype[Any]:
    """The dtype of ``f`` under tracing, checked against the value it computes."""
    closed = tg.make_jaxpr(f)(*args)
    (aval,) = closed.out_avals
    (value,) = tg.eval_jaxpr(closed, *args)
    assert np.asarray(value).dtype == aval.dtype
    return aval.dtype


def test_weak_python_scalars() -> None:
    x32 = np.ones(3, np.float32)
    assert traced_dtype(lambda x: x * 2.0, x32) == np.float32
    assert traced_dtype(lambda x: 2 * x + 1.5, x32) == np.float32
    assert traced_dtype(lambda x: x**2.0, x32) == np.float32
    assert traced_dtype(tnp.sin, np.arange(3)) == np.float64
    assert traced_dtype(tnp.sin, np.arange(3, dtype=np.int8)) == np.float16
    assert traced_dtype(lambda x: x / 2, np.arange(3, dtype=np.int8)) == np.float64
    assert grad(lambda x: tnp.sum(x * 2.0))(x32).dtype == np.float32


DTYPES = EVERY_DTYPE
SCALARS = [True, 3, 2.5, 1j]
PROMOTING = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "floor_divide",
    "power",
    "maximum",
    "fmax",
    "remainder",
    "arctan2",
    "hypot",
    "logaddexp",
    "copysign",
    "equal",
    "less",
    "logical_and",
    "bitwise_or",
    "float_power",
    "heaviside",
]


def same_as_numpy(fn_name: str, *args: Any) -> None:
    """tracegrad under a transformation gives NumPy's dtype, or fails where NumPy does."""
    np_fn, tg_fn = getattr(np, fn_name), getattr(tnp, fn_name)
    arrays = [a for a in args if isinstance(a, np.ndarray)]

    def f(*a: Any) -> Any:  # arrays traced, Python scalars as given
        it = iter(a)
        return tg_fn(*[next(it) if isinstance(v, np.ndarray) else v for v in args])

    errors = (TypeError, ValueError, OverflowError)
    try:
        with np.errstate(all="ignore"):
            want = np.asarray(np_fn(*args)).dtype
    except errors:
        with pytest.raises(errors):
            tg.make_jaxpr(f)(*arrays)
        return
    with np.errstate(all="ignore"):
        got = traced_dtype(f, *arrays)
    assert got == want, (fn_name, [getattr(a, "dtype", a) for a in args], got, want)


@pytest.mark.parametrize("name", PROMOTING)
def test_promotion_with_python_scalars(name: str) -> None:
    for dtype in DTYPES:
        x = np.ones(2, dtype)
        for s in SCALARS:
            same_as_numpy(name, x, s)
            same_as_numpy(name, s, x)


@pytest.mark.parametrize("name", PROMOTING)
def test_promotion_between_arrays(name: str) -> None:
    for d1_ in DTYPES:
        for d2_ in DTYPES[::3]:
            same_as_numpy(name, np.ones(2, d1_), np.ones(2, d2_))


@pytest.mark.parametrize(
    "name",
    [
        "sin",
        "sqrt",
        "exp2",
        "log10",
        "sinc",
        "angle",
        "abs",
        "fabs",
        "square",
        "reciprocal",
        "sign",
        "floor",
        "rint",
        "round",
        "conj",
        "real",
        "imag",
        "isnan",
        "signbit",
        "negative",
        "positive",
        "invert",
        "logical_not",
        "deg2rad",
        "cbrt",
    ],
)
def test_unary_result_dtypes(name: str) -> None:
    for dtype in DTYPES:
        same_as_numpy(name, np.ones(2, dtype))


def test_numpy_scalars_mix_like_numpy() -> None:
    for x, s in (
        (np.float32(1), 2),
        (np.float32(1), 2.0),
        (np.int8(1), 2),
        (np.float16(1), 2.5),
        (np.complex64(1), 2.0),
        (np.uint8(3), 1),
    ):
        want = (x + s).dtype
        assert traced_dtype(lambda a: a + s, x) == want
        assert traced_dtype(lambda a: s * a, x) == want
