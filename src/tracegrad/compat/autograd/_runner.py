"""The import redirection behind ``python -m tracegrad.compat.autograd``."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import runpy
import sys
import types
from collections.abc import Sequence

from tracegrad.compat.autograd._missing import INTERNAL_MODULES, not_provided

PREFIX = "tracegrad.compat."


class _AliasLoader(importlib.abc.Loader):
    """Gives the compat module already imported under its own name."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self.spec  # the import system set the alias's spec: restore it


class AutogradFinder(importlib.abc.MetaPathFinder):
    """Resolves ``autograd`` and ``autograd.*`` to ``tracegrad.compat.autograd[.*]``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "autograd" and not fullname.startswith("autograd."):
            return None
        if fullname in INTERNAL_MODULES:
            raise not_provided(f"module {fullname}")
        try:
            module = importlib.import_module(PREFIX + fullname)
        except ModuleNotFoundError as e:
            if e.name != PREFIX + fullname:
                raise
            raise ModuleNotFoundError(
                f"No module named {fullname!r} in tracegrad.compat.autograd (autograd's public "
                "modules are mapped; docs/autograd.md lists them)",
                name=fullname,
            ) from None
        _alias_loaded_submodules(fullname)
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_package)


def _alias_loaded_submodules(fullname: str) -> None:
    """Submodules that are aliases (``autograd.numpy.random``) are in sys.modules under their
    compat names only; enter them under the autograd names too (their parents are modules,
    not packages, so the import system would not look further)."""
    inner = f"{PREFIX}{fullname}."
    for name, module in list(sys.modules.items()):
        if name.startswith(inner):
            sys.modules.setdefault(name[len(PREFIX) :], module)


def install() -> AutogradFinder:
    """Put the finder first on ``sys.meta_path`` (returned, to remove it again)."""
    finder = AutogradFinder()
    sys.meta_path.insert(0, finder)
    return finder


def main(argv: Sequence[str]) -> int:
    """Run ``argv[0]`` as ``__main__`` with autograd mapped to the compat layer."""
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m tracegrad.compat.autograd script.py [args ...]")
        return 0 if argv else 2
    install()
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
    return 0
