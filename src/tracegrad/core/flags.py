"""The flags that the layers below the public API read on hot paths (``jit``'s call): their
process-wide value, set by ``tg.config.update``, and a per-thread (per-context) override."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar


class _ProcessFlags:
    __slots__ = ("disable_jit",)

    def __init__(self) -> None:
        self.disable_jit = False


PROCESS = _ProcessFlags()  # written only by tracegrad.config.update
# ``disable_jit()`` in this thread (or context), over the process-wide flag; None: no override.
_DISABLE_JIT: ContextVar[bool | None] = ContextVar("tracegrad_disable_jit", default=None)


def jit_disabled() -> bool:
    """Whether ``jit`` runs functions eagerly now (``disable_jit()`` or the flag)."""
    local = _DISABLE_JIT.get()
    return PROCESS.disable_jit if local is None else local


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Within the block, functions wrapped in ``jit`` run eagerly, line by line (their Python
    side effects happen at each call), as ``jax.disable_jit``; for this thread only.

    >>> import tracegrad as tg
    >>> f = tg.jit(lambda x: print("running") or 2 * x)
    >>> with tg.disable_jit():
    ...     _ = f(1.0), f(2.0)
    running
    running
    """
    token = _DISABLE_JIT.set(bool(disable))
    try:
        yield
    finally:
        _DISABLE_JIT.reset(token)
