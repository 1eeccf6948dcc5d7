"""The backend's rules live on the primitives (their ``emit``, ``simplify``, ``commutative``,
``inline_param`` and ``transparent`` slots): the backend names no primitive by string."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import tracegrad
from harness import every_primitive
from tracegrad.backend import algebra, emitters
from tracegrad.core import Primitive

BACKEND = pathlib.Path(__file__).resolve().parents[2] / "src" / "tracegrad" / "backend"


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def primitive_names_in(directory: pathlib.Path, names: set[str]) -> list[str]:
    """Each string literal (docstrings aside) in the modules of ``directory`` that is the name
    of a primitive: a rule keyed or a primitive recognised by name."""
    hits = []
    for path in sorted(directory.glob("*.py")):
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in names
                and id(node) not in docs
            ):
                hits.append(f"{path.name}:{node.lineno}: {node.value!r}")
    return hits


def test_the_backend_names_no_primitive_by_string() -> None:
    names = {p.name for p in every_primitive()}
    assert {"add", "reshape", "dot_general", "jit", "custom_jvp_call"} <= names
    hits = primitive_names_in(BACKEND, names)
    assert not hits, "set the primitive's slot in its op block instead:\n" + "\n".join(hits)


def test_the_name_check_sees_a_table_keyed_by_name(tmp_path: pathlib.Path) -> None:
    (tmp_path / "rules.py").write_text('"""Doc: reshape."""\nRULES = {"reshape": None}\n')
    assert primitive_names_in(tmp_path, {"reshape"}) == ["rules.py:2: 'reshape'"]


def test_backend_slots_hold_backend_rules() -> None:
    prims = every_primitive()
    emitted = [p for p in prims if p.emit is not None]
    simplified = [p for p in prims if p.simplify is not None]
    assert len(emitted) >= 13 and len(simplified) >= 14
    assert all(p.simplify.__module__ == algebra.__name__ for p in simplified)
    assert all(p.emit.__module__ == emitters.__name__ for p in emitted)
    # A call that every transformation sees through names the parameter holding its body.
    assert all(p.inline_param is not None for p in prims if p.transparent)


def _operands(prim: Primitive) -> tuple[np.ndarray, np.ndarray]:
    """Two operands of one dtype that ``prim`` accepts, with signed zeros and NaNs where the
    dtype has them (what makes an order-dependent float operation show)."""
    floats = np.array([0.0, -0.0, 1.5, -2.0, np.nan, 3.0, np.inf, -0.0])
    for x in (floats, np.array([0, -3, 5, 2, -1, 7, 4, 4]), np.array([True, False] * 4)):
        try:
            prim.abstract_eval(tracegrad.core.get_aval(x), tracegrad.core.get_aval(x))
        except (TypeError, ValueError):
            continue
        return x, x.reshape(-1, 2)[:, ::-1].reshape(-1)  # each pair in both orders
    raise AssertionError(f"no operand dtype accepted by {prim.name}")


@pytest.mark.parametrize(
    "prim", [p for p in every_primitive() if p.commutative], ids=lambda p: p.name
)
def test_commutative_primitives_commute_bit_for_bit(prim: Primitive) -> None:
    x, y = _operands(prim)
    assert prim.impl is not None
    with np.errstate(all="ignore"):
        a, b = np.asarray(prim.impl(x, y)), np.asarray(prim.impl(y, x))
    assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_max_is_not_commutative_bit_for_bit() -> None:
    # Why max and min are not declared commutative: NumPy's maximum(-0.0, 0.0) is its first
    # operand. (The check above would catch a primitive declared so.)
    assert np.signbit(np.maximum(-0.0, 0.0)) != np.signbit(np.maximum(0.0, -0.0))
