"""The catalogue of conformance cases, by family (JAX computes each family's references
in one compiled program): the cases themselves are in cases_*.py."""

from __future__ import annotations

from conformance.case import F32, F64, Case
from conformance.cases_arrays import CREATION, EDGE_SHAPES, INDEXING, REDUCTIONS, SHAPES
from conformance.cases_elementwise import COMPLEX, ELEMENTWISE, LOGIC, METHODS
from conformance.cases_linalg import COMPOSITIONS, FFT, LINALG, LINALG_PRODUCTS
from conformance.cases_nn import NN

__all__ = ["CATALOGUE", "DIFFERENTIABLE", "F32", "F64", "FAMILIES", "SCALAR", "Case", "family_of"]

FAMILIES: dict[str, list[Case]] = {
    "elementwise": ELEMENTWISE,
    "complex": COMPLEX,
    "logic": LOGIC,
    "methods": METHODS,
    "reductions": REDUCTIONS,
    "shapes": SHAPES,
    "creation": CREATION,
    "indexing": INDEXING,
    "edge shapes": EDGE_SHAPES,
    "products": LINALG_PRODUCTS,
    "linalg": LINALG,
    "fft": FFT,
    "compositions": COMPOSITIONS,
    "nn and special": NN,
}
CATALOGUE: list[Case] = [c for family in FAMILIES.values() for c in family]
DIFFERENTIABLE = [c for c in CATALOGUE if c.order > 0 and (c.shapes or c.make_args)]
SCALAR = [c for c in CATALOGUE if c.scalar]
_FAMILY_OF = {c.name: family for family in FAMILIES.values() for c in family}
assert len(_FAMILY_OF) == len(CATALOGUE), "case names must be unique"


def family_of(case: Case) -> list[Case]:
    """The cases of ``case``'s family (JAX computes a family's references in one program)."""
    return _FAMILY_OF[case.name]
