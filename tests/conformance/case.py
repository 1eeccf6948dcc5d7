"""One conformance case: a function ``fn(xp, *args)`` written once against a numpy-like
module ``xp`` (``tracegrad.numpy`` or ``jax.numpy``), with how to draw its arguments; and
the helpers the case lists (cases_*.py) build them with. Every argument of ``fn`` is
differentiated; integer indices, masks and other static operands are constants in the
function's closure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from conformance.peers import lookup, rng_for

Shape = tuple[int, ...]
F64, F32 = np.dtype(np.float64), np.dtype(np.float32)


@dataclass(frozen=True)
class Case:
    """One conformance case.

    ``uses`` lists the tracegrad.numpy names the case needs (default: the name before
    ``[``); the case is skipped while one is missing. ``order`` is the highest derivative
    order checked (0: values only). ``scalar`` cases are elementwise and also get their
    third derivatives by ``grad(grad(grad(f)))`` on 0-d arguments. ``kind`` "c" draws
    complex arguments.
    """

    name: str
    fn: Callable[..., Any]
    shapes: tuple[Shape, ...] = ((2, 3),)
    domain: Any = (-2.0, 2.0)
    uses: tuple[str, ...] | None = None
    order: int = 3
    kind: str = "f"
    f32: bool = True
    scalar: bool = False
    make_args: Callable[[np.random.Generator], list[np.ndarray]] | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def needs(self) -> tuple[str, ...]:
        return self.uses if self.uses is not None else (self.name.split("[")[0],)

    def args(
        self, dtype: np.dtype[Any] = F64, *, scalar: bool = False, key: object = 0
    ) -> list[np.ndarray]:
        """The arguments, drawn with a fixed seed; 0-d ones when ``scalar``."""
        rng = rng_for(self.name, "args", key)
        if self.make_args is not None and not scalar:
            drawn = [np.asarray(a) for a in self.make_args(rng)]
        else:
            domains = (
                self.domain if isinstance(self.domain, list) else [self.domain] * len(self.shapes)
            )
            drawn = []
            for shape, (lo, hi) in zip(self.shapes, domains, strict=True):
                shape = () if scalar else shape
                v = rng.uniform(lo, hi, shape)
                if self.kind == "c":
                    v = v + 1j * rng.uniform(lo, hi, shape)
                drawn.append(np.asarray(v))
        return [cast(a, dtype) for a in drawn]


def cast(a: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Floating arrays to ``dtype`` (complex ones to its complex counterpart)."""
    if a.dtype.kind == "c":
        return a.astype(np.result_type(dtype, np.complex64))
    if a.dtype.kind == "f":
        return a.astype(dtype)
    return a


def call(name: str) -> Callable[..., Any]:
    """``lambda xp, *a, **kw: xp.<name>(*a, **kw)`` (dotted names reach submodules)."""
    return lambda xp, *a, **kw: lookup(xp, name)(*a, **kw)


def un(name: str, domain: Any = (-2.0, 2.0), **kw: Any) -> Case:
    return Case(name, call(name), ((2, 3),), domain, scalar=True, **kw)


def bi(name: str, domain: Any = (-2.0, 2.0), **kw: Any) -> Case:
    return Case(name, call(name), ((2, 3), (3,)), domain, scalar=True, **kw)


def with_kw(
    name: str, label: str, shapes: tuple[Shape, ...] = ((2, 3, 4),), **kw: Any
) -> Callable[..., Case]:
    """A reduction-style case ``xp.<name>(a, **kw)``, id ``name[label]``."""

    def make(domain: Any = (-2.0, 2.0), **case_kw: Any) -> Case:
        return Case(
            f"{name}[{label}]", lambda xp, a: lookup(xp, name)(a, **kw), shapes, domain, **case_kw
        )

    return make


POS = (0.5, 2.0)
UNIT = (-0.9, 0.9)
