"""Random small programs for the backend's property tests: a hypothesis strategy draws a
recipe (a sequence of elementwise, broadcast, reduce, reshape, transpose, cast, copy and
indexing steps over a few inputs, with literals and constants among the operands), and
``stage`` turns it into a closed jaxpr by running it on staging tracers; ``run_recipe`` on
arrays runs it eagerly.

The recipes are made to stress the passes and buffer reuse: literals 0, 1 and -0.0 (for
the algebra), repeated subexpressions (for CSE), dead values (for DCE), constant-only
chains (for folding), copies that trace to nothing, and outputs that are inputs, views,
or the same value twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.core import ClosedJaxpr
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_transcendental as et
from tracegrad.ops import structural as sx
from tracegrad.ops.stop_gradient import stop_gradient

SHAPES = [(2, 3), (3,), (), (3, 2), (6,)]
DTYPES = [np.dtype(np.float64), np.dtype(np.float32)]

UNARY = {
    "sin": ew.sin,
    "exp": ew.exp,
    "neg": ew.neg,
    "tanh": et.tanh,
    "square": lambda x: ew.integer_pow(x, 2),
    "cube": lambda x: ew.integer_pow(x, 3),
    "abs": ew.abs,
    "sqrt_abs": lambda x: et.sqrt(ew.abs(x)),
    "stop": stop_gradient,
}
BINARY = {
    "add": ew.add,
    "sub": ew.sub,
    "mul": ew.mul,
    "div": ew.div,
    "max": ew.max,
    "add_any": None,  # operands of one shape only: see ``_apply``
    "select": None,  # select_n(x < y, x, y)
}
LITERALS = [0.0, 1.0, -0.0, 2.5, -1.0]
# Operations that only copy, as a user writes them: eagerly each returns a new array; the
# front end or the optimiser reduces each to its operand.
COPIES = {
    "copy": tnp.copy,
    "method_copy": lambda x: tnp.asarray(x).copy(),
    "array": tnp.array,
    "astype_same": lambda x: tnp.asarray(x).astype(tnp.asarray(x).dtype),
    "positive": tnp.positive,
    "conj": tnp.conj,
    "index": lambda x: x[0] if np.ndim(x) else x,
}


@dataclass(frozen=True)
class Step:
    op: str
    a: int  # operand indices into the values built so far
    b: int
    literal: float  # used where the op or the operand choice asks for a literal
    which: int  # which variant (axes, target shape, literal side, ...)


@dataclass(frozen=True)
class Recipe:
    in_shapes: tuple[tuple[int, ...], ...]
    dtype: np.dtype[Any]
    steps: tuple[Step, ...]
    outputs: tuple[int, ...]
    const_kind: int  # 0: a random constant, 1: zeros, 2: ones


_OPS = [
    *UNARY,
    *BINARY,
    *COPIES,
    "lit",
    "const",
    "bcast",
    "reduce",
    "reshape",
    "transpose",
    "cast",
]


@st.composite
def recipes(draw: Any, max_steps: int = 10) -> Recipe:
    n_in = draw(st.integers(1, 3))
    in_shapes = tuple(draw(st.sampled_from(SHAPES[:3])) for _ in range(n_in))
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, max_steps))
    steps = []
    for k in range(n):
        last = n_in + k - 1
        # Mostly recent operands: long chains, where buffers die and get reused, and views
        # of them outlive them.
        operand = st.one_of(st.integers(max(0, last - 3), last), st.integers(0, last))
        steps.append(
            Step(
                op=draw(st.sampled_from([*_OPS, "transpose", "reshape"])),
                a=draw(operand),
                b=draw(operand),
                literal=draw(st.sampled_from(LITERALS)),
                which=draw(st.integers(0, 3)),
            )
        )
    total = n_in + n
    outputs = tuple(
        draw(st.lists(st.integers(max(0, total - 6), total - 1), min_size=1, max_size=4))
    )
    return Recipe(in_shapes, dtype, tuple(steps), outputs, draw(st.integers(0, 2)))


def _lit(value: float, dtype: np.dtype[Any], weak: bool) -> Any:
    # A Python float is weakly typed (float64 only); otherwise a 0-d array, as the front end
    # writes literals.
    return value if weak and dtype == np.float64 else np.asarray(value, dtype)


def _const(recipe: Recipe, shape: tuple[int, ...]) -> np.ndarray:
    if recipe.const_kind == 1:
        return np.zeros(shape, recipe.dtype)
    if recipe.const_kind == 2:
        return np.ones(shape, recipe.dtype)
    return (
        np.linspace(-1.5, 2.0, int(np.prod(shape)) or 1)[: int(np.prod(shape))]
        .reshape(shape)
        .astype(recipe.dtype)
    )


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(tg.core.get_aval(x).shape)


def _apply(recipe: Recipe, step: Step, values: list[Any]) -> Any:
    x, y = values[step.a], values[step.b]
    dtype = recipe.dtype
    op = step.op
    if op in UNARY:
        return UNARY[op](x)
    if op in COPIES:
        return COPIES[op](x)
    if op in BINARY:
        if step.which == 0:  # a literal operand, on either side
            y = _lit(step.literal, dtype, weak=step.b % 2 == 0)
            x, y = (x, y) if step.a % 2 else (y, x)
        try:
            np.broadcast_shapes(_shape(x), _shape(y))
        except ValueError:
            y = _lit(step.literal, dtype, weak=False)
        if op == "add_any":
            return sx.add_any(x, x) if _shape(x) != _shape(y) else sx.add_any(x, y)
        if op == "select":
            return ew.select_n(ew.lt(x, y), x, y)
        return BINARY[op](x, y)
    if op == "lit":
        return sx.broadcast_in_dim(_lit(step.literal, dtype, weak=False), _shape(x), ())
    if op == "const":
        return ew.mul(x, _const(recipe, _shape(x)))
    if op == "bcast":
        shape = _shape(x)
        if shape == ():
            return sx.broadcast_in_dim(x, (2, 3)[step.which % 2 :], ())
        if shape == (3,):
            return sx.broadcast_in_dim(
                x, (2, 3) if step.which % 2 else (3, 2), (1,) if step.which % 2 else (0,)
            )
        return sx.broadcast_in_dim(x, (2, *shape), tuple(range(1, len(shape) + 1)))
    if op == "reduce":
        shape = _shape(x)
        if not shape:
            return x
        axes = (step.which % len(shape),) if step.which < 2 else tuple(range(len(shape)))
        return sx.reduce_sum(x, axes)
    if op == "reshape":
        size = int(np.prod(_shape(x)))
        targets = {6: [(2, 3), (6,), (3, 2)], 3: [(3,), (1, 3), (3, 1)], 1: [(), (1,)]}
        options = targets.get(size, [_shape(x)])
        return sx.reshape(x, options[step.which % len(options)])
    if op == "transpose":
        nd = len(_shape(x))
        return sx.transpose(x, tuple(reversed(range(nd)))) if nd > 1 else x
    if op == "cast":
        other = DTYPES[1] if tg.core.get_aval(x).dtype == DTYPES[0] else DTYPES[0]
        # There and back: the values survive (float32 -> float64 -> float32 exactly).
        back = sx.convert_element_type(x, other)
        return sx.convert_element_type(back, tg.core.get_aval(x).dtype)
    raise AssertionError(op)


def run_recipe(recipe: Recipe, *xs: Any) -> list[Any]:
    values = list(xs)
    for step in recipe.steps:
        out = _apply(recipe, step, values)
        if tg.core.get_aval(out).dtype != recipe.dtype:  # reductions keep it; casts come back
            out = sx.convert_element_type(out, recipe.dtype)
        values.append(out)
    return [values[i] for i in recipe.outputs]


def stage(recipe: Recipe) -> ClosedJaxpr:
    avals = [tg.core.ShapedArray(s, recipe.dtype) for s in recipe.in_shapes]
    return tg.core.trace_to_jaxpr(lambda *xs: run_recipe(recipe, *xs), avals)


def inputs_for(recipe: Recipe, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for shape in recipe.in_shapes:
        x = rng.normal(size=shape).astype(recipe.dtype)
        if rng.random() < 0.3:  # special values now and then
            flat = np.asarray(x).reshape(-1)
            if flat.size:
                flat[0] = rng.choice([0.0, -0.0, np.inf, np.nan])
        out.append(np.asarray(x))
    return out
