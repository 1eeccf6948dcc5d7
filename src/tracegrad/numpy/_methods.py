"""The one place that installs NumPy operators and array methods on ``Tracer``.

Each front-end module lists what it contributes in a ``TRACER_METHODS`` dict
(name -> function taking the tracer first); ``install`` sets them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tracegrad.core import Tracer


def swapped(f: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The reflected operator (``__radd__`` from ``add``)."""
    return lambda self, other: f(other, self)


def install(tables: Iterable[dict[str, Any]]) -> None:
    seen: dict[str, Any] = {}
    for table in tables:
        for name, fn in table.items():
            if name in seen and seen[name] is not fn:
                raise RuntimeError(f"Tracer method {name!r} is defined by two modules.")
            seen[name] = fn
    for name, fn in seen.items():
        setattr(Tracer, name, fn)
