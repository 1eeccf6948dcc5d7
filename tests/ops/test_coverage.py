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
    names = {p.name: p for p in all_primitives()}
    linear = [
        "add_any",
        "add",
        "sub",
        "neg",
        "mul",
        "div",
        "reduce_sum",
        "broadcast_in_dim",
        "reshape",
        "transpose",
        "convert_element_type",
        "concatenate",
        "slice",
        "pad",
        "select_n",
    ]
    missing = [n for n in linear if n in names and names[n].transpose is None]
    assert not missing
    assert all(n in names for n in linear)


def test_primitive_names_are_unique() -> None:
    names = [p.name for p in all_primitives()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
