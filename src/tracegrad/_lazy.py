"""A package's lazy public names (PEP 562), whose module is imported on first access (its
``__all__`` is built by ``tracegrad.core.exports.public_names``).

A package lists ``{public name: "module"}`` (a submodule) or ``{public name: "module:attr"}``
(an attribute of one) and binds the two functions returned by :func:`lazy_names` as its
module-level ``__getattr__`` and ``__dir__``. The first access imports the module and stores
the value in the package, so later accesses are ordinary attribute lookups. Type checkers
see the names through imports under ``if TYPE_CHECKING:`` in the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` that import each of ``names`` on first use."""

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attr = target.partition(":")
        value = importlib.import_module(module_name)
        if attr:
            value = getattr(value, attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
