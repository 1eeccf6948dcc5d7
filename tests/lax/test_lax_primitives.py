"""The ``tracegrad.lax`` functions that are primitives of their own and have no NumPy name
(``rsqrt``): one ``OpRecord`` each against a NumPy reference (value through make_jaxpr and
eagerly, abstract values, vmap, derivatives to order 2 in both modes), their edge points,
and one equation per call. JAX itself is compared in tests/conformance/test_lax.py."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
from harness import C128, F32, F64, OpRecord, jit_calls, record_tests
from tracegrad import lax

UNARY = [((3,),), ((2, 3),), ((),)]

RECORDS = [
    OpRecord(
        "rsqrt", lax.rsqrt, lambda x: 1 / np.sqrt(x), UNARY, (F64, F32, C128), domain=(0.3, 2.0)
    ),
]

test_value, test_derivatives = record_tests(RECORDS)


def test_rsqrt_is_one_primitive() -> None:
    closed = tg.make_jaxpr(lax.rsqrt)(np.ones(3, np.float32))
    assert [e.primitive for e in closed.eqns] == [lax.rsqrt_p]
    assert closed.out_avals[0].dtype == np.float32
    got = jit_calls(lax.rsqrt, np.array([4.0, 0.25]))
    assert all(np.array_equal(g, [0.5, 2.0]) for g in got)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inf is the answer
def test_rsqrt_at_zero() -> None:
    # 1/sqrt(x) is inf at 0 and its derivative -x ** -1.5 / 2 is -inf (JAX's values).
    assert lax.rsqrt(0.0) == np.inf
    assert tg.grad(lax.rsqrt)(0.0) == -np.inf
    assert tg.grad(lax.rsqrt)(4.0) == -1 / 16  # exact: -out / (2 x) with out = 0.5


def test_rsqrt_takes_inexact_dtypes_only() -> None:
    with pytest.raises(TypeError, match="rsqrt does not accept dtype int64"):
        lax.rsqrt(np.arange(3))
