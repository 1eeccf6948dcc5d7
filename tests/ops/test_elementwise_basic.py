"""Per-op records for the first elementwise functions (the pattern every family follows)."""

from __future__ import annotations

import numpy as np

import tracegrad.numpy as tnp
from harness import OpRecord, record_tests

UNARY = [((3,),), ((2, 3),), ((),)]
BINARY = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 2)), ((4, 1), (1, 5))]

RECORDS = [
    OpRecord("add", tnp.add, np.add, BINARY),
    OpRecord("subtract", tnp.subtract, np.subtract, BINARY),
    OpRecord("multiply", tnp.multiply, np.multiply, BINARY),
    OpRecord("divide", tnp.divide, np.divide, BINARY, domain=[(-2, 2), (0.5, 2)]),
    OpRecord("negative", tnp.negative, np.negative, UNARY),
    OpRecord("sin", tnp.sin, np.sin, UNARY),
    OpRecord("cos", tnp.cos, np.cos, UNARY),
    OpRecord("exp", tnp.exp, np.exp, UNARY),
    OpRecord("log", tnp.log, np.log, UNARY, domain=(0.5, 3.0)),
    OpRecord("sum_axis", tnp.sum, np.sum, [((2, 3),)], kwargs={"axis": 1}),
    OpRecord(
        "sum_keepdims", tnp.sum, np.sum, [((2, 3, 4),)], kwargs={"axis": (0, 2), "keepdims": True}
    ),
]

test_value, test_derivatives = record_tests(RECORDS)
