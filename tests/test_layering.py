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


# Each jaxpr-to-jaxpr transformation has one home (issue 14).
HOMES = {
    "jvp_jaxpr": "tracegrad.transforms.jvp",
    "batch_jaxpr": "tracegrad.transforms.vmap",
    "transpose_jaxpr": "tracegrad.transforms.transpose",
    "hoist_tracer_consts": "tracegrad.core.staging",
    "tangent_aval": "tracegrad.core.zeros",
    "def_call_rules": "tracegrad.transforms.call",
}


def module_name(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts)


def test_each_jaxpr_transformation_has_one_home() -> None:
    found: dict[str, list[str]] = {name: [] for name in HOMES}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in found:
                found[node.name].append(module_name(path))
    assert found == {name: [home] for name, home in HOMES.items()}


def test_control_does_not_use_jit_as_a_toolbox() -> None:
    offenders = []
    for path in (SRC / "control").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "tracegrad.transforms":
                names = [alias.name for alias in node.names]
                if "jit" in names:
                    offenders.append(f"{module_name(path)} imports tracegrad.transforms.jit")
        offenders += [
            f"{module_name(path)} imports {m}"
            for m in imports_of(path)
            if m == "tracegrad.transforms.jit" or m.startswith("tracegrad.transforms.jit.")
        ]
    assert not offenders, "\n".join(offenders)
