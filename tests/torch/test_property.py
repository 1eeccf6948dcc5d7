"""Property: for random compositions of operations, ``.grad`` after ``backward`` equals
``tg.grad`` of the same function written with ``tracegrad.numpy``.

A program is a list of steps over a pool of values (the leaves first); each step applies
one operation to values of the pool and appends the result. The loss is a weighted sum of
everything in the pool, so every step matters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
import tracegrad.torch as torch
from tracegrad.transforms.vjp import grad

Shape = tuple[int, ...]

# name -> (arity, torch version, tracegrad.numpy version); operands broadcast, so the
# pool mixes (n, n), (1, n) and (n, 1) values.
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "tanh": (torch.tanh, tnp.tanh),
    "sin": (torch.sin, tnp.sin),
    "sigmoid": (torch.sigmoid, tnn.sigmoid),
    "square": (lambda x: x**2, lambda x: x**2),
    "cube": (lambda x: x.pow(3), lambda x: x**3),
    "exp_tanh": (lambda x: torch.exp(torch.tanh(x)), lambda x: tnp.exp(tnp.tanh(x))),
    "log1p_sq": (lambda x: torch.log(x * x + 1), lambda x: tnp.log(x * x + 1)),
    "sqrt1p_sq": (lambda x: torch.sqrt(x * x + 1), lambda x: tnp.sqrt(x * x + 1)),
    "neg": (lambda x: -x, lambda x: -x),
    "scale": (lambda x: 0.5 * x - 1.0, lambda x: 0.5 * x - 1.0),
    "sum0": (lambda x: x.sum(0, keepdim=True), lambda x: tnp.sum(x, 0, keepdims=True)),
    "mean1": (lambda x: x.mean(dim=1, keepdim=True), lambda x: tnp.mean(x, 1, keepdims=True)),
    "transpose": (lambda x: x.t(), lambda x: x.T),
    "softmax0": (lambda x: torch.softmax(x, dim=0), lambda x: tnn.softmax(x, axis=0)),
    "log_softmax1": (lambda x: torch.log_softmax(x, 1), lambda x: tnn.log_softmax(x, axis=1)),
    "row0": (lambda x: x[0:1], lambda x: x[0:1]),
    "flip_rows": (
        lambda x: x[torch.arange(x.shape[0] - 1, -1, -1)],
        lambda x: x[np.arange(x.shape[0] - 1, -1, -1)],
    ),
    "max_keep": (lambda x: x.amax(dim=0, keepdim=True), lambda x: tnp.max(x, 0, keepdims=True)),
}
BINARY: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b),
    "cat": (
        lambda a, b: torch.cat([a, b], dim=1)[:, : b.shape[1]],
        lambda a, b: tnp.concatenate([a, b], axis=1)[:, : b.shape[1]],
    ),
}


def _compatible(name: str, a: Shape, b: Shape) -> bool:
    if name == "matmul":
        return a[1] == b[0]
    if name == "cat":
        return a[0] == b[0]
    return True


@st.composite
def programs(draw: Any) -> tuple[list[np.ndarray], list[tuple[str, tuple[int, ...]]]]:
    n = draw(st.integers(1, 3))
    leaf_shapes: list[Shape] = [(n, n), (1, n), (n, 1)][: draw(st.integers(1, 3))]
    leaves = [
        np.asarray(
            draw(st.lists(st.floats(-1.5, 1.5), min_size=s[0] * s[1], max_size=s[0] * s[1]))
        ).reshape(s)
        for s in leaf_shapes
    ]
    shapes = list(leaf_shapes)
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(UNARY)))
            i = draw(st.integers(0, len(shapes) - 1))
            steps.append((name, (i,)))
            shapes.append(_unary_shape(name, shapes[i]))
        else:
            name = draw(st.sampled_from(sorted(BINARY)))
            i = draw(st.integers(0, len(shapes) - 1))
            options = [j for j in range(len(shapes)) if _compatible(name, shapes[i], shapes[j])]
            if not options:  # no partner of a fitting shape: combine elementwise instead
                name, options = "mul", list(range(len(shapes)))
            j = draw(st.sampled_from(options))
            steps.append((name, (i, j)))
            shapes.append(_binary_shape(name, shapes[i], shapes[j]))
    return leaves, steps


def _unary_shape(name: str, s: Shape) -> Shape:
    if name in ("sum0", "max_keep", "row0"):
        return (1, s[1])
    if name == "mean1":
        return (s[0], 1)
    if name == "transpose":
        return (s[1], s[0])
    return s


def _binary_shape(name: str, a: Shape, b: Shape) -> Shape:
    if name == "matmul":
        return (a[0], b[1])
    if name == "cat":
        return b
    return (max(a[0], b[0]), max(a[1], b[1]))


def _replay(pool: list[Any], steps: list[tuple[str, tuple[int, ...]]], which: int) -> Any:
    for name, args in steps:
        if len(args) == 1:
            pool.append(UNARY[name][which](pool[args[0]]))
        else:
            pool.append(BINARY[name][which](pool[args[0]], pool[args[1]]))
    return pool


def _weights(k: int, shape: Shape) -> np.ndarray:
    return np.cos(np.arange(np.prod(shape)) + k).reshape(shape)


@given(programs())
def test_backward_equals_functional_grad(program: Any) -> None:
    leaves, steps = program
    tensors = [torch.tensor(a, requires_grad=True) for a in leaves]
    pool = _replay(list(tensors), steps, 0)
    loss = sum((t * torch.tensor(_weights(k, tuple(t.shape)))).sum() for k, t in enumerate(pool))
    loss.backward()

    def f(*xs: Any) -> Any:
        values = _replay(list(xs), steps, 1)
        return sum(tnp.sum(v * _weights(k, v.shape)) for k, v in enumerate(values))

    expected = grad(f, argnums=tuple(range(len(leaves))))(*leaves)
    for t, g in zip(tensors, expected, strict=True):
        assert t.grad is not None
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-9, atol=1e-12)
