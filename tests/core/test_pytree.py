"""Pytrees: round trips over every node kind, registration, errors."""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracegrad import tree_util as tu

Point = collections.namedtuple("Point", ["x", "y"])

leaves = st.one_of(st.integers(), st.floats(allow_nan=False), st.just(None))
trees = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.tuples(kids, kids),
        st.dictionaries(st.text(max_size=2), kids, max_size=3),
        st.builds(Point, kids, kids),
    ),
    max_leaves=10,
)


@given(trees)
def test_round_trip(tree: object) -> None:
    flat, treedef = tu.tree_flatten(tree)
    assert tu.tree_unflatten(treedef, flat) == tree
    assert tu.tree_structure(tree) == treedef
    assert None not in flat


def test_dict_keys_sorted_and_map() -> None:
    assert tu.tree_leaves({"b": 1, "a": 2}) == [2, 1]
    assert tu.tree_map(lambda a, b: a * b, {"a": 2, "b": 3}, {"a": 5, "b": 7}) == {"a": 10, "b": 21}
    with pytest.raises(ValueError, match="different structures"):
        tu.tree_map(lambda a, b: a, [1, 2], (1, 2))


def test_registered_class_and_dataclass() -> None:
    class Box:
        def __init__(self, value, label):
            self.value, self.label = value, label

    tu.register_pytree_node(Box, lambda b: ((b.value,), b.label), lambda lab, kids: Box(*kids, lab))
    flat, treedef = tu.tree_flatten([Box(np.ones(2), "w")])
    assert len(flat) == 1
    rebuilt = tu.tree_unflatten(treedef, [5])[0]
    assert rebuilt.value == 5 and rebuilt.label == "w"
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, k: None)

    @tu.register_dataclass
    @dataclasses.dataclass
    class Layer:
        w: float
        b: float
        name: str = dataclasses.field(default="dense", metadata={"static": True})

    flat, treedef = tu.tree_flatten(Layer(1.0, 2.0, "x"))
    assert flat == [1.0, 2.0]
    assert tu.tree_unflatten(treedef, [3.0, 4.0]) == Layer(3.0, 4.0, "x")


def test_leaf_count_errors() -> None:
    treedef = tu.tree_structure((1, 2))
    with pytest.raises(ValueError):
        tu.tree_unflatten(treedef, [1])
    with pytest.raises(ValueError):
        tu.tree_unflatten(treedef, [1, 2, 3])
