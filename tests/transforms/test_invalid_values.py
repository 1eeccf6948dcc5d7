"""Values no transformation can trace (object, string, datetime arrays; Python ints beyond
int64) raise JAX's errors wherever they enter a traced computation: as arguments, as
closed-over constants, through tracegrad.numpy's conversions. Outside transformations
tracegrad.numpy is NumPy and behaves as NumPy does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import is_eager

X = np.array([1.0, 2.0, 3.0])
OBJ = np.array([2.0, 2.0, 2.0], dtype=object)
BIG = 2**70

INVALID = r"Error interpreting argument to .* as an abstract array.*not a valid JAX type"

# Each: a call that brings an object array into a traced computation.
OBJECT_ENTRIES: dict[str, Callable[[], Any]] = {
    "grad, closed-over constant": lambda: tg.grad(lambda a: tnp.sum(a * OBJ))(X),
    "grad, constant through plain NumPy": lambda: tg.grad(lambda a: np.sum(np.multiply(a, OBJ)))(X),
    "grad, argument": lambda: tg.grad(lambda a: a)(np.array(1.0, dtype=object)),
    "value_and_grad, argument": lambda: tg.value_and_grad(tnp.sum)(OBJ),
    "jacrev, argument": lambda: tg.jacrev(lambda a: a)(OBJ),
    "jacfwd, constant": lambda: tg.jacfwd(lambda a: a * OBJ)(X),
    "vjp, argument": lambda: tg.vjp(lambda a: a, OBJ),
    "vjp_fn, cotangent": lambda: tg.vjp(lambda a: a, X)[1](OBJ),
    "jvp, primal": lambda: tg.jvp(lambda a: a, (OBJ,), (X,)),
    "jvp, tangent": lambda: tg.jvp(lambda a: a, (X,), (OBJ,)),
    "jvp, constant": lambda: tg.jvp(lambda a: a * OBJ, (X,), (X,)),
    "linearize, argument": lambda: tg.linearize(lambda a: a, OBJ),
    "vmap, argument": lambda: tg.vmap(lambda a: a)(OBJ),
    "vmap, constant": lambda: tg.vmap(lambda a: a * OBJ)(X),
    "make_jaxpr, constant": lambda: tg.make_jaxpr(lambda a: a * OBJ)(X),
    "jit, argument": lambda: tg.jit(lambda a: a)(OBJ),
    "jit, constant": lambda: tg.jit(lambda a: a * OBJ)(X),
    "jit, tnp.array of the constant": lambda: tg.jit(lambda a: a * tnp.array(OBJ))(X),
    "jit, tnp.asarray of the constant": lambda: tg.jit(lambda a: a * tnp.asarray(OBJ))(X),
    "grad, tnp.array of a list with None": lambda: tg.grad(
        lambda a: tnp.sum(a * tnp.array([1.0, 2.0, None]))
    )(X),
    "grad, where": lambda: tg.grad(lambda a: tnp.sum(tnp.where(a > 1, a, OBJ)))(X),
    "grad, concatenate": lambda: tg.grad(lambda a: tnp.sum(tnp.concatenate([a, OBJ])))(X),
    "grad(jit), constant": lambda: tg.grad(tg.jit(lambda a: tnp.sum(a * OBJ)))(X),
    "checkpoint, constant": lambda: tg.grad(tg.checkpoint(lambda a: tnp.sum(a * OBJ)))(X),
    "cond, constant": lambda: tg.grad(
        lambda a: tg.lax.cond(True, lambda b: tnp.sum(b * OBJ), tnp.sum, a)
    )(X),
}


@pytest.mark.parametrize("call", OBJECT_ENTRIES.values(), ids=OBJECT_ENTRIES.keys())
def test_object_arrays_are_rejected_wherever_they_are_traced(call: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match=INVALID) as info:
        call()
    assert "dtype object" in str(info.value)
    assert is_eager()


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        ("abc", "<class 'str'>"),
        (b"abc", "<class 'bytes'>"),
        (np.array(["a", "b"]), "<class 'numpy.ndarray'>"),
        (np.datetime64("2020-01-01"), "<class 'numpy.datetime64'>"),
        (np.array([(1, 2.0)], dtype="i4,f8"), "<class 'numpy.ndarray'>"),
    ],
)
@pytest.mark.parametrize(
    "transform",
    [tg.jit, tg.grad, tg.vmap, tg.make_jaxpr, lambda f: lambda a: tg.vjp(f, a)],
    ids=["jit", "grad", "vmap", "make_jaxpr", "vjp"],
)
def test_non_numeric_arguments_are_type_errors(
    transform: Callable[..., Any], value: Any, type_name: str
) -> None:
    with pytest.raises(TypeError, match=f"of type {type_name}.*not a valid JAX type"):
        transform(lambda a: a)(value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tg.jit(lambda a: a + 1)(BIG),
        lambda: tg.jit(lambda a: a + 1)(2**63),  # NumPy would make it uint64
        lambda: tg.jit(lambda a: a + 1)(-(2**63) - 1),
        lambda: tg.grad(lambda a: a * 2.0, allow_int=True)(BIG),
        lambda: tg.jit(lambda a: a + BIG)(1),
        lambda: tg.make_jaxpr(lambda a: a * BIG)(np.arange(3)),
        lambda: tg.vmap(lambda a: a + BIG)(np.arange(3)),
        lambda: tg.jvp(lambda a: a, (BIG,), (1.0,)),
    ],
)
def test_python_ints_beyond_int64_overflow(call: Callable[[], Any]) -> None:
    with pytest.raises(OverflowError, match=r"An overflow was encountered while parsing"):
        call()


def test_int64_bounds_are_accepted() -> None:
    for v in (2**63 - 1, -(2**63)):
        out = tg.jit(lambda a: a)(v)
        assert out == v and out.dtype == np.int64


def test_a_big_python_int_beside_floats_is_a_weak_float_as_in_numpy() -> None:
    # NumPy (and eager tracegrad) promote the weak int to the float's dtype; JAX raises.
    # tracegrad.numpy accepts what NumPy accepts (SPEC 6), with the same value.
    eager = X * BIG
    np.testing.assert_array_equal(tg.jit(lambda a: a * BIG)(X), eager)
    np.testing.assert_array_equal(tg.grad(lambda a: tnp.sum(a * BIG))(X), np.full(3, BIG, float))


def test_eager_calls_are_numpy() -> None:
    # No transformation: tracegrad.numpy is NumPy, object arrays included.
    out = tnp.multiply(X, OBJ)
    assert out.dtype == object
    np.testing.assert_array_equal(out.astype(float), X * 2.0)


def test_numeric_arguments_still_work() -> None:
    for v in (np.float32(1.0), np.int8(3), True, 2, 2.5, 1j, np.ones(2, np.complex64)):
        assert tg.jit(lambda a: a)(v) == pytest.approx(v)
