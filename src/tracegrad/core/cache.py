"""The one bounded cache of staged programs: the staged vjps (``transforms/staged_vjp.py``),
the shim's forwards (``torch/graph.py``) and the one-equation programs of eager evaluation
on other libraries' arrays (``ops/array_api_eager.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class PlanCache:
    """A dict bounded to ``size`` entries that forgets its oldest entry first; writes take a
    lock (threads may build one entry twice, but never corrupt the cache)."""

    __slots__ = ("_entries", "_lock", "get", "size")

    def __init__(self, size: int) -> None:
        self._entries: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self.size = size
        # get(key, default=None): the dict's own method, so a lookup costs no extra call
        # (the tape looks up every operation); TypeError if ``key`` cannot be hashed.
        self.get: Callable[..., Any] = self._entries.get

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = value

    def items(self) -> list[tuple[Hashable, Any]]:
        return list(self._entries.items())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
