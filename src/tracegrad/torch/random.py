"""``torch.random``: the default generator's seed and state, and ``fork_rng``.

>>> import tracegrad.torch as torch
>>> _ = torch.random.manual_seed(0)
>>> with torch.random.fork_rng():
...     _ = torch.rand(3)
>>> torch.rand(1)
tensor([0.4963])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tracegrad.torch._generator import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)


@contextlib.contextmanager
def fork_rng(
    devices: Any = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str = "cuda",
) -> Iterator[None]:
    """Restore the default generator's state on exit (draws inside do not advance it)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]
