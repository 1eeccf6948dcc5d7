"""Every primitive has the rules every transformation needs."""

from __future__ import annotations

import importlib
import pkgutil

import tracegrad.ops
from tracegrad.core import Primitive


def all_primitives() -> list[Primitive]:
    prims: dict[int, Primitive] = {}
    for info in pkgutil.iter_modules(tracegrad.ops.__path__):
        module = importlib.import_module(f"tracegrad.ops.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Primitive):
                prims[id(value)] = value
    return list(prims.values())


def test_every_primitive_has_impl_abstract_eval_jvp_and_batch() -> None:
    prims = all_primitives()
    assert len(prims) > 20
    missing = [
        f"{p.name}: {slot}"
        for p in prims
        for slot in ("impl", "abstract_eval", "jvp", "batch")
        if getattr(p, slot) is None
    ]
    assert not missing, "primitives missing rules:\n" + "\n".join(missing)


def test_linear_primitives_have_transposes() -> None:
    # ``linear`` is declared in the op's block (or by deflinear/defbilinear); reverse mode
    # transposes exactly the linear primitives.
    prims = all_primitives()
    linear = [p for p in prims if p.linear]
    assert len(linear) > 20
    missing = [p.name for p in linear if p.transpose is None]
    assert not missing, f"linear primitives without a transpose rule: {missing}"
    undeclared = [p.name for p in prims if p.transpose is not None and not p.linear]
    assert not undeclared, f"primitives with a transpose rule not declared linear: {undeclared}"


def test_primitive_names_are_unique() -> None:
    names = [p.name for p in all_primitives()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
