"""Random user-level programs over a pool of 2-D values, each operation written once for a
torch namespace ``T`` (``tracegrad.torch`` or PyTorch) and once for an array namespace
``xp`` (``tracegrad.numpy`` or ``jax.numpy``), so one program runs on all four.

A program is a list of steps over a pool (the leaves first); each step applies one
operation to values of the pool and appends the result. Every value has a shape of
``(n, n)``, ``(1, n)``, ``(n, 1)`` or ``(1, 1)``, so any two broadcast. The loss is a
weighted sum of the whole pool, so every step matters; the outputs are a few values of the
pool, leaves among them (for aliasing checks).

The same generator runs from a hypothesis ``draw`` (shrinking; tests/torch/test_property.py)
or from a seeded NumPy generator (the fuzz tests: a failing seed is reproducible, and a long
run draws thousands without hypothesis' bookkeeping).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Shape = tuple[int, ...]


def nn(xp: Any) -> Any:
    """``tracegrad.nn`` or ``jax.nn``, matching the array namespace ``xp``."""
    return importlib.import_module("jax.nn" if xp.__name__.startswith("jax") else "tracegrad.nn")


def _other_float(dtype: Any) -> Any:
    return np.float32 if np.dtype(dtype) == np.float64 else np.float64


@dataclass(frozen=True)
class Op:
    """One operation: on a torch namespace, on an array namespace, and its output shape."""

    torch: Callable[..., Any]
    xp: Callable[..., Any]
    shape: Callable[..., Shape] | None = None  # None: the broadcast shape of the operands

    @property
    def arity(self) -> int:
        return int(self.xp.__code__.co_argcount) - 1


def _keep_rows(s: Shape) -> Shape:
    return (1, s[1])


UNARY: dict[str, Op] = {
    "tanh": Op(lambda T, x: T.tanh(x), lambda xp, x: xp.tanh(x)),
    "sin": Op(lambda T, x: T.sin(x), lambda xp, x: xp.sin(x)),
    "sigmoid": Op(lambda T, x: T.sigmoid(x), lambda xp, x: nn(xp).sigmoid(x)),
    "relu": Op(lambda T, x: T.relu(x), lambda xp, x: nn(xp).relu(x)),
    "square": Op(lambda T, x: x**2, lambda xp, x: x**2),
    "cube": Op(lambda T, x: x.pow(3), lambda xp, x: x**3),
    "exp_tanh": Op(lambda T, x: T.exp(T.tanh(x)), lambda xp, x: xp.exp(xp.tanh(x))),
    "log1p_sq": Op(lambda T, x: T.log(x * x + 1), lambda xp, x: xp.log(x * x + 1)),
    "sqrt1p_sq": Op(lambda T, x: T.sqrt(x * x + 1), lambda xp, x: xp.sqrt(x * x + 1)),
    "neg": Op(lambda T, x: -x, lambda xp, x: -x),
    "scale": Op(lambda T, x: 0.5 * x - 1.0, lambda xp, x: 0.5 * x - 1.0),
    "add_zero": Op(lambda T, x: x + 0.0, lambda xp, x: x + 0.0),
    "mul_one": Op(lambda T, x: x * 1, lambda xp, x: x * 1),
    "copy": Op(lambda T, x: x.clone(), lambda xp, x: xp.copy(x)),
    "array": Op(lambda T, x: x.clone(), lambda xp, x: xp.array(x)),
    "astype_same": Op(lambda T, x: x.to(x.dtype), lambda xp, x: x.astype(x.dtype)),
    "positive": Op(lambda T, x: +x, lambda xp, x: xp.positive(x)),
    "cast_round_trip": Op(
        lambda T, x: x.to(T.float32 if x.dtype == T.float64 else T.float64).to(x.dtype),
        lambda xp, x: x.astype(_other_float(x.dtype)).astype(x.dtype),
    ),
    "where_pos": Op(
        lambda T, x: T.where(x > 0, x, 0.5 * x), lambda xp, x: xp.where(x > 0, x, 0.5 * x)
    ),
    "cumsum1": Op(lambda T, x: x.cumsum(1), lambda xp, x: xp.cumsum(x, axis=1)),
    "sum0": Op(
        lambda T, x: x.sum(0, keepdim=True), lambda xp, x: xp.sum(x, 0, keepdims=True), _keep_rows
    ),
    "var0": Op(
        lambda T, x: x.var(0, keepdim=True, unbiased=False),
        lambda xp, x: xp.var(x, 0, keepdims=True),
        _keep_rows,
    ),
    "mean1": Op(
        lambda T, x: x.mean(dim=1, keepdim=True),
        lambda xp, x: xp.mean(x, 1, keepdims=True),
        lambda s: (s[0], 1),
    ),
    "sum_all": Op(
        lambda T, x: x.sum().reshape(1, 1),
        lambda xp, x: xp.sum(x).reshape(1, 1),
        lambda s: (1, 1),
    ),
    "transpose": Op(lambda T, x: x.t(), lambda xp, x: x.T, lambda s: (s[1], s[0])),
    "softmax0": Op(lambda T, x: T.softmax(x, dim=0), lambda xp, x: nn(xp).softmax(x, axis=0)),
    "log_softmax1": Op(
        lambda T, x: T.log_softmax(x, 1), lambda xp, x: nn(xp).log_softmax(x, axis=1)
    ),
    "row0": Op(lambda T, x: x[0:1], lambda xp, x: x[0:1], _keep_rows),
    "corner": Op(lambda T, x: x[:1, :1], lambda xp, x: x[:1, :1], lambda s: (1, 1)),
    "flip_rows": Op(
        lambda T, x: x[T.arange(x.shape[0] - 1, -1, -1)],
        lambda xp, x: x[np.arange(x.shape[0] - 1, -1, -1)],
    ),
    "max_keep": Op(
        lambda T, x: x.amax(dim=0, keepdim=True),
        lambda xp, x: xp.max(x, 0, keepdims=True),
        _keep_rows,
    ),
}
BINARY: dict[str, Op] = {
    "add": Op(lambda T, a, b: a + b, lambda xp, a, b: a + b),
    "sub": Op(lambda T, a, b: a - b, lambda xp, a, b: a - b),
    "mul": Op(lambda T, a, b: a * b, lambda xp, a, b: a * b),
    "div": Op(lambda T, a, b: a / (b * b + 1), lambda xp, a, b: a / (b * b + 1)),
    "maximum": Op(lambda T, a, b: T.maximum(a, b), lambda xp, a, b: xp.maximum(a, b)),
    "pow": Op(lambda T, a, b: (a * a + 1) ** b, lambda xp, a, b: (a * a + 1) ** b),
    "matmul": Op(lambda T, a, b: a @ b, lambda xp, a, b: a @ b, lambda a, b: (a[0], b[1])),
    "cat": Op(
        lambda T, a, b: T.cat([a, b], dim=1)[:, : b.shape[1]],
        lambda xp, a, b: xp.concatenate([a, b], axis=1)[:, : b.shape[1]],
        lambda a, b: b,
    ),
}
OPS: dict[str, Op] = {**UNARY, **BINARY}


def _fits(name: str, a: Shape, b: Shape) -> bool:
    if name == "matmul":
        return a[1] == b[0]
    if name == "cat":
        return a[0] == b[0]
    return True


# ---- drawing: one generator, two sources of choices -------------------------------------------
class Chooser:
    """The choices a generator makes; ``RngChooser`` and ``HypothesisChooser`` make them."""

    def integer(self, lo: int, hi: int) -> int:  # inclusive bounds
        raise NotImplementedError

    def floats(self, n: int, lo: float, hi: float) -> list[float]:
        raise NotImplementedError

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.integer(0, len(options) - 1)]


class RngChooser(Chooser):
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def floats(self, n: int, lo: float, hi: float) -> list[float]:
        values = self.rng.uniform(lo, hi, size=n)
        if n and self.rng.random() < 0.2:  # ties and zeros now and then: kinks, max ties
            values[self.rng.integers(0, n)] = self.rng.choice([0.0, values[0]])
        return [float(v) for v in values]


class HypothesisChooser(Chooser):
    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        from hypothesis import strategies as st

        return int(self.draw(st.integers(lo, hi)))

    def floats(self, n: int, lo: float, hi: float) -> list[float]:
        from hypothesis import strategies as st

        return list(self.draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)))


@dataclass(frozen=True)
class Program:
    leaves: tuple[np.ndarray, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    def run(self, pool: list[Any], call: Callable[[Op, tuple[Any, ...]], Any]) -> list[Any]:
        """The whole pool: the leaves given, then each step's value (``call(op, args)``)."""
        for name, args in self.steps:
            pool.append(call(OPS[name], tuple(pool[i] for i in args)))
        return pool

    def xp_pool(self, xp: Any, *xs: Any) -> list[Any]:
        return self.run(list(xs), lambda op, args: op.xp(xp, *args))

    def torch_pool(self, T: Any, *xs: Any) -> list[Any]:
        return self.run(list(xs), lambda op, args: op.torch(T, *args))

    def __str__(self) -> str:
        lines = [
            f"v{i}: {a.dtype}{list(a.shape)} = {a.tolist()!r}" for i, a in enumerate(self.leaves)
        ]
        for k, (name, args) in enumerate(self.steps):
            lines.append(f"v{len(self.leaves) + k} = {name}({', '.join(f'v{i}' for i in args)})")
        lines.append(f"outputs: {', '.join(f'v{i}' for i in self.outputs)}")
        return "\n".join(lines)


def weights(k: int, shape: Shape) -> np.ndarray:
    """The loss weight of pool value ``k``: fixed, different per value and element."""
    return np.cos(np.arange(int(np.prod(shape))) + k).reshape(shape)


def draw_program(
    c: Chooser,
    *,
    ops: Sequence[str] = tuple(OPS),
    dtypes: Sequence[Any] = (np.float64,),
    max_steps: int = 6,
) -> Program:
    """A random program of up to ``max_steps`` steps of ``ops``, leaves of ``dtypes``."""
    n = c.integer(1, 3)
    leaf_shapes: list[Shape] = [(n, n), (1, n), (n, 1)][: c.integer(1, 3)]
    leaves = tuple(
        np.asarray(c.floats(s[0] * s[1], -1.5, 1.5), dtype=c.choice(dtypes)).reshape(s)
        for s in leaf_shapes
    )
    shapes = list(leaf_shapes)
    unary = [o for o in ops if OPS[o].arity == 1]
    binary = [o for o in ops if OPS[o].arity == 2]
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(c.integer(1, max_steps)):
        i = c.integer(0, len(shapes) - 1)
        if unary and (not binary or c.integer(0, 1)):
            name = c.choice(unary)
            args: tuple[int, ...] = (i,)
        else:
            name = c.choice(binary)
            options = [j for j in range(len(shapes)) if _fits(name, shapes[i], shapes[j])]
            if not options:  # no partner of a fitting shape: combine elementwise instead
                name, options = "mul", list(range(len(shapes)))
            args = (i, c.choice(options))
        rule = OPS[name].shape
        in_shapes = [shapes[a] for a in args]
        shapes.append(
            rule(*in_shapes) if rule else tuple(max(d) for d in zip(*in_shapes, strict=True))
        )
        steps.append((name, args))
    total = len(shapes)
    outputs = tuple(c.integer(0, total - 1) for _ in range(c.integer(1, 3)))
    return Program(leaves, tuple(steps), outputs)
