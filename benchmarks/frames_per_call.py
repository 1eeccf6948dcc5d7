"""Python frames per steady-state call of a transformed function: how much Python the
transformation's own machinery runs around the user's function.

Run: ``python benchmarks/frames_per_call.py``.

For each transformation of a small function ``f(x) = sum(sin(x) * x)`` on a 3-element
float64 array, called a few times first (so plans and caches are warm), one more call is
profiled with ``sys.setprofile``:

- **frames**: Python function calls during the call (C functions not counted), the
  user's function and the ``tracegrad.numpy`` calls it makes included;
- **depth**: the frames between the transformed function's own frame and the user's
  function (0 would mean the transformation calls ``f`` directly).

Counts, not timings: they do not depend on the machine's load, only on the code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp


def f(x: Any) -> Any:
    return tnp.sum(tnp.sin(x) * x)


def _depth_to_f(caller: FrameType | None) -> Callable[[Any], Any]:
    """``f`` that records how many frames lie between it and ``caller``."""
    depth: list[int] = []

    def user(x: Any) -> Any:
        frame = sys._getframe(1)
        n = 0
        while frame is not None and frame is not caller:
            n += 1
            frame = frame.f_back  # type: ignore[assignment]
        depth.append(n - 1)  # the transformed function's own frame is not counted
        return f(x)

    user.depth = depth  # type: ignore[attr-defined]
    return user


def count(make: Callable[[Callable[[Any], Any]], Callable[[Any], Any]]) -> tuple[int, int]:
    """(frames, depth) of one steady-state call of ``make(f)(x)``."""
    x = np.linspace(0.1, 0.3, 3)
    here = sys._getframe()
    user = _depth_to_f(here)
    transformed = make(user)
    for _ in range(3):
        transformed(x)
    calls = [0]

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls[0] += 1

    sys.setprofile(profile)
    try:
        transformed(x)
    finally:
        sys.setprofile(None)
    return calls[0] - 1, user.depth[-1]  # type: ignore[attr-defined]  # less sys.setprofile


CASES: dict[str, Callable[[Callable[[Any], Any]], Callable[[Any], Any]]] = {
    "grad": tg.grad,
    "value_and_grad": tg.value_and_grad,
    "vjp (with the pullback)": lambda g: lambda x: tg.vjp(g, x)[1](1.0),
    "jvp": lambda g: lambda x: tg.jvp(g, (x,), (np.ones_like(x),)),
    "jacrev": tg.jacrev,
    "vmap": lambda g: tg.vmap(g),
    "checkpoint under grad": lambda g: tg.grad(tg.checkpoint(g)),
}


def main() -> None:
    print("| transformation | frames per call | frames between it and f |")
    print("|---|---:|---:|")
    for name, make in CASES.items():
        frames, depth = count(make)
        print(f"| {name} | {frames} | {depth} |")


if __name__ == "__main__":
    main()
