"""Imports flow one way: core <- ops <- transforms <- control <- public API <- torch;
backend depends only on core."""

from __future__ import annotations

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "tracegrad"
RANK = {
    "core": 0,
    "ops": 1,
    "transforms": 2,
    "control": 3,
    "backend": 1,
    "torch": 5,
    "demo": 6,
    "__main__": 6,
}
PUBLIC = 4
# The demo behind `python -m tracegrad` is user code on top of every layer: it may
# import the top-level package, as a user would.
APPLICATION = ("demo", "__main__")


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rank(name: str) -> int:
    return RANK.get(name, PUBLIC)


def imports_of(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
    return [m for m in out if m.split(".")[0] == "tracegrad"]


def test_import_layering() -> None:
    violations = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts)
        mine = layer(module)
        for imported in imports_of(path):
            theirs = layer(imported)
            if theirs in ("__init__",) and mine != "__init__" and mine not in APPLICATION:
                violations.append(f"{module} imports the top-level package")
            elif mine == "backend" and theirs not in ("core", "backend"):
                violations.append(f"{module} (backend) imports {imported}")
            elif rank(theirs) > rank(mine):
                violations.append(f"{module} imports {imported}, a higher layer")
    assert not violations, "\n".join(violations)
    assert len(list(SRC.rglob("*.py"))) > 10
