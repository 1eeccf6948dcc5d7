"""A public module's ``__all__``, built from what it imports and defines (one list, not two;
docs/architecture.md, "The public surface"). In core so that every layer, core included,
can build its ``__all__`` the same way."""

from __future__ import annotations
import __future__

import types
from collections.abc import Iterable, Mapping
from typing import Any


def public_names(
    namespace: Mapping[str, Any], submodules: Iterable[str] = (), *, modules: bool = False
) -> list[str]:
    """A module's ``__all__``: its names without a leading underscore, and ``submodules``.

    The module binds what it uses for itself under a leading underscore, so the names it
    imports or defines without one are exactly the names it re-exports (one list, not two).
    Modules are left out unless named in ``submodules`` (importing a package's submodule
    binds it in the package as a side effect), or all kept with ``modules`` (a package of
    public submodules, as ``tracegrad.scipy.stats``); ``from __future__ import annotations``
    is always left out.

    >>> import types
    >>> public_names({"sin": abs, "_helper": abs, "np": types, "pi": 3.14}, ["fft"])
    ['fft', 'pi', 'sin']
    >>> public_names({"norm": types, "_common": types}, modules=True)
    ['norm']
    """
    left_out = __future__._Feature if modules else (types.ModuleType, __future__._Feature)
    names = {
        name
        for name, value in namespace.items()
        if not name.startswith("_") and not isinstance(value, left_out)
    }
    return sorted(names | set(submodules))
