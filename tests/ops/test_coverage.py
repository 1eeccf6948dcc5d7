"""Every primitive has the rules that docs/adding_a_primitive.md's checklist requires: the
rules of every transformation, a transpose rule exactly where it is declared linear, and
backend rules only where the backend reads them."""

from __future__ import annotations

import numpy as np

from harness import TRANSPOSES_ITS_BODY, every_primitive, missing_rules
from tracegrad.core import Primitive


def test_every_primitive_has_the_rules_of_the_checklist() -> None:
    prims = every_primitive()
    assert len(prims) > 100
    gaps = [f"{p.name}: {gap}" for p in prims for gap in missing_rules(p)]
    assert not gaps, "primitives missing rules:\n" + "\n".join(gaps)
    assert TRANSPOSES_ITS_BODY <= {p.name for p in prims if p.transpose is not None}


def test_the_checklist_check_sees_each_gap() -> None:
    bare = Primitive("bare", linear=True)
    assert missing_rules(bare) == [
        "impl",
        "abstract_eval",
        "jvp",
        "batch",
        "transpose (declared linear)",
    ]
    undeclared = Primitive("undeclared")
    undeclared.def_transpose(lambda ct, x: [ct])
    undeclared.def_emit(lambda ctx, eqn, args: None)
    undeclared.def_impl(np.negative)
    assert missing_rules(undeclared)[-2:] == [
        "linear=True (has a transpose rule)",
        "no emit (a ufunc implementation is emitted as a ufunc call)",
    ]


def test_linear_primitives_are_declared() -> None:
    # ``linear`` is declared in the op's block (or by deflinear/defbilinear); reverse mode
    # transposes exactly the linear primitives.
    linear = {p.name for p in every_primitive() if p.linear}
    assert len(linear) > 20
    assert {"add", "mul", "reduce_sum", "select_n", "dot_general"} <= linear
    assert not linear & {"sin", "exp", "max", "jit"}


def test_primitive_names_are_unique() -> None:
    names = [p.name for p in every_primitive()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
