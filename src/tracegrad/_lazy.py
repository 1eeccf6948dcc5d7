"""A package's public names: lazy ones (PEP 562), whose module is imported on first access,
and the package's ``__all__``, built from what it imports.

A package lists ``{public name: "module"}`` (a submodule) or ``{public name: "module:attr"}``
(an attribute of one) and binds the two functions returned by :func:`lazy_names` as its
module-level ``__getattr__`` and ``__dir__``. The first access imports the module and stores
the value in the package, so later accesses are ordinary attribute lookups. Type checkers
see the names through imports under ``if TYPE_CHECKING:`` in the package.
"""

from __future__ import annotations
import __future__

import importlib
import sys
import types
from collections.abc import Callable, Iterable, Mapping
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


def public_names(namespace: Mapping[str, Any], submodules: Iterable[str] = ()) -> list[str]:
    """A package's ``__all__``: its names without a leading underscore, and ``submodules``.

    The package binds what it uses for itself under a leading underscore, so the names it
    imports or defines without one are exactly the names it re-exports (one list, not two).
    Modules are left out unless named in ``submodules`` (importing a package's submodule
    binds it in the package as a side effect), and so is ``from __future__ import annotations``.

    >>> import types
    >>> public_names({"sin": abs, "_helper": abs, "np": types, "pi": 3.14}, ["fft"])
    ['fft', 'pi', 'sin']
    """
    names = {
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
    }
    return sorted(names | set(submodules))
