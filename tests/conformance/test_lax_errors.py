"""Conformance of ``tracegrad.lax``'s errors with ``jax.lax``'s (test_lax.py has the values):
for each bad input, our exception is an instance of JAX's class and carries JAX's key
phrase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
from jax import lax as jlax  # noqa: E402

from tracegrad import lax as tlax  # noqa: E402

ERRORS = [
    (
        "add dtypes",
        lambda M: M.add(np.ones(3), np.ones(3, np.float32)),
        "requires arguments to have the same dtypes",
    ),
    (
        "add python int",
        lambda M: M.add(np.ones(3), 1),
        "requires arguments to have the same dtypes",
    ),
    (
        "add ranks",
        lambda M: M.add(np.ones((2, 3)), np.ones(3)),
        "must have the same number of dimensions",
    ),
    ("sin int", lambda M: M.sin(np.arange(3)), "does not accept dtype int64"),
    (
        "bitwise float",
        lambda M: M.bitwise_and(np.ones(2), np.ones(2)),
        "does not accept dtype float64",
    ),
    (
        "concatenate dtypes",
        lambda M: M.concatenate([np.ones(2), np.ones(2, np.float32)], 0),
        "requires arguments to have the same dtypes",
    ),
    (
        "concatenate ranks",
        lambda M: M.concatenate([np.ones(2), np.ones((2, 1))], 0),
        "Cannot concatenate arrays with different numbers of dimensions",
    ),
    (
        "pad dtype",
        lambda M: M.pad(np.ones(2), 0, [(0, 0, 0)]),
        "pad operand and padding_value must be same dtype",
    ),
    (
        "pad negative",
        lambda M: M.pad(np.ones(2), 0.0, [(-3, 0, 0)]),
        "Dimension size after padding is not at least 0",
    ),
    (
        "clamp shape",
        lambda M: M.clamp(np.zeros(3), np.ones(5), 3.0),
        "clamp requires min.shape == operand.shape",
    ),
    (
        "clamp dtype",
        lambda M: M.clamp(0, np.ones(5), 3.0),
        "requires arguments to have the same dtypes",
    ),
    (
        "dynamic_slice size",
        lambda M: M.dynamic_slice(np.arange(10), (1,), (12,)),
        "slice_sizes must be less than or equal to operand shape",
    ),
    (
        "dynamic_slice rank",
        lambda M: M.dynamic_slice(np.arange(10), (1, 2), (2,)),
        "Length of slice indices must match number of operand dimensions",
    ),
    (
        "dynamic_slice float index",
        lambda M: M.dynamic_slice(np.arange(10.0), (np.float32(1),), (2,)),
        "must be integers",
    ),
    (
        "dynamic_update_slice dtype",
        lambda M: M.dynamic_update_slice(np.arange(10), np.ones(2), (1,)),
        "requires arguments to have the same dtypes",
    ),
    (
        "squeeze",
        lambda M: M.squeeze(np.ones((1, 3)), (1,)),
        "cannot select an axis to squeeze out which has size not equal to one",
    ),
    (
        "split",
        lambda M: M.split(np.arange(6), (2, 5), 0),
        "Sum of sizes 7 must be equal to dimension 0",
    ),
    (
        "index_in_dim",
        lambda M: M.index_in_dim(np.arange(6), 7),
        "index 7 is out of bounds for axis 0 with size 6",
    ),
    (
        "top_k",
        lambda M: M.top_k(np.arange(4.0), 5),
        "k argument to top_k must be no larger than size along axis",
    ),
    (
        "argmax dtype",
        lambda M: M.argmax(np.ones(3), 0, np.float32),
        "index_dtype must be an integer type",
    ),
    ("full", lambda M: M.full((2,), np.ones(2)), "full must be called with scalar fill_value"),
    (
        "expand_dims",
        lambda M: M.expand_dims(np.ones(3), (3,)),
        "out of bounds for array of dimension 2",
    ),
    (
        "broadcast_in_dim",
        lambda M: M.broadcast_in_dim(np.ones(3), (2, 4), (1,)),
        "broadcast_in_dim operand dimension sizes must either be 1",
    ),
    (
        "transpose",
        lambda M: M.transpose(np.ones((2, 3)), (0, 0)),
        "transpose permutation isn't a permutation of operand dimensions",
    ),
    (
        "slice negative size",
        lambda M: M.slice(np.ones(10), (5,), (2,)),
        "slice_sizes must be greater than or equal to zero",
    ),
    ("rev", lambda M: M.rev(np.ones(3), (1,)), "rev dimensions must all be less than operand ndim"),
    (
        "select_n which",
        lambda M: M.select_n(np.array([0, 1]), np.ones(3), np.ones(3)),
        "select `which` must be scalar or have the same shape as cases",
    ),
    (
        "sort shapes",
        lambda M: M.sort((np.ones(3), np.ones(2)), num_keys=1),
        "Arguments to sort must have equal shapes",
    ),
    (
        "dot shapes",
        lambda M: M.dot(np.ones((2, 3)), np.ones((4,))),
        "dimension_numbers must be specified",
    ),
    (
        "batch_matmul batch",
        lambda M: M.batch_matmul(np.ones((2, 3, 4)), np.ones((3, 4, 5))),
        "dot_general requires",
    ),
    (
        "dot_general contracting",
        lambda M: M.dot_general(np.ones((2, 3)), np.ones((4, 5)), (((1,), (0,)), ((), ()))),
        "dot_general requires contracting dimensions to have the same shape",
    ),
    ("iota", lambda M: M.iota(np.int32, -1), "iota shape must have every element be nonnegative"),
    (
        "collapse",
        lambda M: M.collapse(np.ones((2, 3, 4)), 2, 1),
        "Invalid dimension range passed to collapse",
    ),
    (
        "integer_pow int",
        lambda M: M.integer_pow(np.arange(3), -1),
        "Integers cannot be raised to negative powers",
    ),
    (
        "dynamic_update_slice size",
        lambda M: M.dynamic_update_slice(np.ones(3), np.ones(4), (0,)),
        "update shape must be smaller than operand shape",
    ),
    (
        "dynamic_update_slice rank",
        lambda M: M.dynamic_update_slice(np.ones((3, 3)), np.ones(2), (0, 0)),
        "update must have the same rank as operand",
    ),
    ("cumsum axis", lambda M: M.cumsum(np.ones(3), axis=2), "out of bounds"),
    (
        "associative_scan lengths",
        lambda M: M.associative_scan(M.add, (np.ones(3), np.ones(4))),
        "Array inputs to associative_scan must have the same first dimension",
    ),
    ("reduce_and float", lambda M: M.reduce_and(np.ones(3), (0,)), "float64"),
]


@pytest.mark.parametrize("name,fn,phrase", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name: str, fn: Callable[[Any], Any], phrase: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(jlax)
    with pytest.raises(theirs.type, match=phrase):
        fn(tlax)
