"""Submodules of the compat layer that are other modules under a second name."""

from __future__ import annotations

import sys
import types


def alias_submodules(package: str, modules: dict[str, types.ModuleType]) -> None:
    """Make ``import <package>.<name>`` give ``modules[name]`` (and set the attribute)."""
    parent = sys.modules[package]
    for name, module in modules.items():
        sys.modules[f"{package}.{name}"] = module
        setattr(parent, name, module)
