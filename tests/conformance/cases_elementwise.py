"""Conformance cases: elementwise functions (real and complex), comparisons and logic, and
the operators and array methods of tracers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.case import POS, UNIT, Case, Shape, bi, call, un
from conformance.peers import lookup

MASK = np.array([[True, False, True], [False, False, True]])

ELEMENTWISE = [
    un("negative"),
    un("positive"),
    un("abs"),
    un("absolute"),
    un("sign"),
    un("sqrt", POS),
    un("cbrt", (0.3, 2.0)),
    un("square"),
    un("reciprocal", POS),
    un("exp"),
    un("exp2"),
    un("expm1"),
    un("log", POS),
    un("log2", POS),
    un("log10", POS),
    un("log1p", (-0.5, 2.0)),
    un("sin"),
    un("cos"),
    un("tan", (-1.2, 1.2)),
    un("arcsin", UNIT),
    un("arccos", UNIT),
    un("arctan"),
    un("sinh"),
    un("cosh"),
    un("tanh"),
    un("arcsinh"),
    un("arccosh", (1.2, 3.0)),
    un("arctanh", UNIT),
    un("sinc"),
    un("deg2rad"),
    un("rad2deg"),
    un("real"),
    un("imag"),
    un("conj"),
    un("conjugate"),
    un("angle"),
    un("floor"),
    un("ceil"),
    un("round"),
    un("rint"),
    un("trunc"),
    Case("round[decimals=1]", lambda xp, a: xp.round(a, 1), uses=("round",)),
    bi("add"),
    bi("subtract"),
    bi("multiply"),
    bi("divide", [(-2.0, 2.0), POS]),
    bi("true_divide", [(-2.0, 2.0), POS]),
    bi("floor_divide", [(-3.0, 3.0), POS]),
    bi("power", [POS, (-2.0, 2.0)]),
    bi("arctan2"),
    bi("maximum"),
    bi("minimum"),
    bi("fmax"),
    bi("fmin"),
    bi("hypot"),
    bi("logaddexp"),
    bi("logaddexp2"),
    bi("mod", [(-3.0, 3.0), POS]),
    bi("remainder", [(-3.0, 3.0), POS]),
    Case("power[int exponent]", lambda xp, a: xp.power(a, 3), uses=("power",), scalar=True),
    Case(
        "power[operator]",
        lambda xp, a, b: a**b,
        ((2, 3), (3,)),
        [POS, (-2.0, 2.0)],
        uses=("power", "Tracer.__pow__"),
        scalar=True,
    ),
    Case("clip[scalars]", lambda xp, a: xp.clip(a, -0.5, 0.5), uses=("clip",), scalar=True),
    Case(
        "clip[arrays]",
        lambda xp, a, lo, hi: xp.clip(a, lo, hi),
        ((2, 3), (3,), (3,)),
        [(-2.0, 2.0), (-1.5, -0.5), (0.5, 1.5)],
        uses=("clip",),
        scalar=True,
    ),
    Case("clip[max only]", lambda xp, a: xp.clip(a, None, 0.5), uses=("clip",)),
    Case("where[mask]", lambda xp, a, b: xp.where(MASK, a, b), ((2, 3), (3,)), uses=("where",)),
    Case(
        "where[traced condition]",
        lambda xp, a, b: xp.where(a > b, a * b, b - a),
        ((2, 3), (3,)),
        uses=("where", "Tracer.__gt__"),
        scalar=True,
    ),
    Case(
        "where[relu]",
        lambda xp, a: xp.where(a > 0, a, 0.0),
        uses=("where", "Tracer.__gt__"),
        scalar=True,
    ),
]

COMPLEX = [
    Case(
        f"{name}[complex]", call(name), shapes, POS, uses=(name, "real", "imag"), kind="c", order=2
    )
    for name, shapes in [
        ("multiply", ((2, 3), (3,))),
        ("divide", ((2, 3), (3,))),
        ("add", ((3,), (3,))),
        ("exp", ((3,),)),
        ("log", ((3,),)),
        ("sqrt", ((3,),)),
        ("square", ((3,),)),
        ("sin", ((3,),)),
        ("abs", ((3,),)),
        ("real", ((3,),)),
        ("imag", ((3,),)),
        ("conj", ((3,),)),
        ("angle", ((3,),)),
    ]
]

LOGIC = (
    [
        Case(name, call(name), ((2, 3), (3,)), order=0)
        for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
    ]
    + [
        Case(
            name,
            lambda xp, a, b, name=name: lookup(xp, name)(a > 0, b > 0),
            ((2, 3), (3,)),
            uses=(name, "Tracer.__gt__"),
            order=0,
        )
        for name in ("logical_and", "logical_or", "logical_xor")
    ]
    + [
        Case(
            "logical_not",
            lambda xp, a: xp.logical_not(a > 0),
            uses=("logical_not", "Tracer.__gt__"),
            order=0,
        ),
        Case(
            "isfinite",
            lambda xp, a: xp.isfinite(a / (a > 0)),
            uses=("isfinite", "Tracer.__gt__"),
            order=0,
        ),
        Case("isnan", lambda xp, a: xp.isnan(xp.log(a)), uses=("isnan",), order=0),
        Case(
            "isinf", lambda xp, a: xp.isinf(a / (a > 0)), uses=("isinf", "Tracer.__gt__"), order=0
        ),
    ]
)


def method(
    label: str,
    fn: Callable[..., Any],
    shapes: tuple[Shape, ...] = ((2, 3),),
    domain: Any = (-2.0, 2.0),
    **kw: Any,
) -> Case:
    """An operator or array method on tracers; ``label`` is the Tracer attribute used."""
    return Case(f"Tracer.{label}", fn, shapes, domain, uses=(f"Tracer.{label}",), **kw)


METHODS = [
    method("__add__", lambda xp, a, b: a + b + 1.0, ((2, 3), (3,))),
    method("__radd__", lambda xp, a: 1.0 + a),
    method("__sub__", lambda xp, a, b: a - b - 1.0, ((2, 3), (3,))),
    method("__rsub__", lambda xp, a: 1.0 - a),
    method("__mul__", lambda xp, a, b: a * b * 2.0, ((2, 3), (3,))),
    method("__rmul__", lambda xp, a: 2.0 * a),
    method("__truediv__", lambda xp, a, b: a / b / 2.0, ((2, 3), (3,)), [(-2.0, 2.0), POS]),
    method("__rtruediv__", lambda xp, a: 2.0 / a, domain=POS),
    method("__floordiv__", lambda xp, a, b: a // b, ((2, 3), (3,)), [(-3.0, 3.0), POS]),
    method("__rfloordiv__", lambda xp, a: 3.0 // a, domain=POS),
    method("__mod__", lambda xp, a, b: a % b, ((2, 3), (3,)), [(-3.0, 3.0), POS]),
    method("__rmod__", lambda xp, a: 3.0 % a, domain=POS),
    method("__pow__", lambda xp, a, b: a**b, ((2, 3), (3,)), [POS, (-2.0, 2.0)]),
    method("__rpow__", lambda xp, a: 2.0**a),
    method("__matmul__", lambda xp, a, b: a @ b, ((2, 3), (3, 2))),
    method("__rmatmul__", lambda xp, a: np.ones((2, 2)) @ a),
    method("__neg__", lambda xp, a: -a),
    method("__pos__", lambda xp, a: +a),
    method("__abs__", lambda xp, a: abs(a)),
    method(
        "__lt__",
        lambda xp, a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b),
        ((2, 3), (3,)),
        order=0,
    ),
    method("T", lambda xp, a: a.T, ((2, 3, 4),)),
    method("shape", lambda xp, a: xp.zeros(a.shape) + a.ndim + a.size + a),
    method("dtype", lambda xp, a: a.astype(a.dtype) * 2.0),
    method("astype", lambda xp, a: a.astype(np.float32), f32=False),
    method("transpose", lambda xp, a: a.transpose(2, 0, 1), ((2, 3, 4),)),
    method("squeeze", lambda xp, a: a.squeeze(), ((1, 3, 1),)),
    method("conj", lambda xp, a: a.conj()),
    method("real", lambda xp, a: a.real * a.imag, kind="c", order=2),
    method("imag", lambda xp, a: a.imag + a.conj().real, kind="c", order=2),
]

# Broadcasting in every direction (size-1 axes, 0-d operands), weak Python scalars, and
# mixed dtypes: the gradient of each operand is summed back to its own shape and dtype.
BROADCAST = ((2, 1, 3), (4, 1))
ELEMENTWISE += [
    Case(f"{name}[broadcast]", call(name), BROADCAST, domain, uses=(name,))
    for name, domain in [
        ("add", (-2.0, 2.0)),
        ("multiply", (-2.0, 2.0)),
        ("divide", [(-2.0, 2.0), POS]),
        ("power", [POS, (-2.0, 2.0)]),
        ("maximum", (-2.0, 2.0)),
        ("arctan2", (-2.0, 2.0)),
        ("hypot", (-2.0, 2.0)),
        ("logaddexp", (-2.0, 2.0)),
    ]
] + [
    Case("multiply[0-d operand]", call("multiply"), ((), (2, 3)), uses=("multiply",)),
    Case("subtract[0-d result]", call("subtract"), ((), ()), uses=("subtract",), scalar=True),
    Case("add[int scalar]", lambda xp, a: xp.add(a, 1), uses=("add",)),
    Case("power[int scalar operator]", lambda xp, a: a**2 + 2**a, uses=("Tracer.__pow__",)),
    Case(
        "multiply[int array]",
        lambda xp, a: xp.multiply(a, np.arange(3)),
        uses=("multiply",),
        f32=False,
    ),  # NumPy: float32 * int64 is float64; JAX keeps float32
    Case(
        "add[float32 + float64]",
        lambda xp, a: xp.add(a.astype(np.float32), a),
        uses=("add", "Tracer.astype"),
    ),
    Case("sin[int input]", lambda xp, a: xp.sin(np.arange(3)) * a, uses=("sin",), f32=False),
]
