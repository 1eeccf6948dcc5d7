"""Pytree utilities against ``jax.tree_util`` / ``jax.tree`` / ``jax.flatten_util``: the same
leaves, structures, key paths, reductions and transpositions, and a differentiable unravel."""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad import tree_util as tu
from tracegrad.test_util import check_grads

Point = collections.namedtuple("Point", "x y")

TREES: list[Any] = [
    1.0,
    None,
    [],
    {"b": [1, (2, None)], "a": Point(3, 4)},
    ((1,), [2, [3, {"z": 4, "y": ()}]]),
    {"k": {"j": {"i": 5}}},
]


def summary(m: Any, tree: Any) -> Any:
    """What ``m`` (jax.tree_util or tracegrad.tree_util) says of ``tree``, as plain values."""
    pairs, treedef = m.tree_flatten_with_path(tree)
    return (
        [(m.keystr(p), x) for p, x in pairs],
        [m.keystr(p, simple=True, separator="/") for p, _ in pairs],
        m.tree_leaves(tree),
        treedef.num_leaves,
        treedef.num_nodes,
        len(treedef.children()),
        m.tree_map_with_path(lambda p, x: (m.keystr(p), x), tree),
        m.tree_reduce(lambda a, b: a + b, tree, 0),
        m.tree_all(tree),
    )


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_paths_structures_and_reductions_match_jax(tree: Any) -> None:
    jtu = pytest.importorskip("jax.tree_util")
    assert summary(tu, tree) == summary(jtu, tree)


def test_jax_tree_namespace_matches_jax() -> None:
    jax = pytest.importorskip("jax")
    tree = {"b": [1, (2, None)], "a": Point(3, 4)}
    for name in ("leaves", "all"):
        assert getattr(tg.tree, name)(tree) == getattr(jax.tree, name)(tree)
    assert tg.tree.map(lambda x: x * 2, tree) == jax.tree.map(lambda x: x * 2, tree)
    assert tg.tree.broadcast([1, 2], [(3, 4), {"a": 5}]) == jax.tree.broadcast(
        [1, 2], [(3, 4), {"a": 5}]
    )
    outer, inner = tg.tree.structure([0, 0]), tg.tree.structure((0, 0, 0))
    j_outer, j_inner = jax.tree.structure([0, 0]), jax.tree.structure((0, 0, 0))
    rows = [(1, 2, 3), (4, 5, 6)]
    assert tg.tree.transpose(outer, inner, rows) == jax.tree.transpose(j_outer, j_inner, rows)
    assert tg.tree.reduce_associative(lambda a, b: a + b, [1, 2, 3, 4, 5]) == 15
    assert set(jax.tree.__all__ if hasattr(jax.tree, "__all__") else []) <= set(tg.tree.__all__) | {
        "static"
    }


def test_custom_nodes_keys() -> None:
    class Flat:
        def __init__(self, a: Any, b: Any) -> None:
            self.a, self.b = a, b

    tu.register_pytree_node(Flat, lambda f: ((f.a, f.b), None), lambda _, c: Flat(*c))
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(Flat(1, 2))] == [
        "[<flat index 0>]",
        "[<flat index 1>]",
    ]

    @tu.register_pytree_node_class
    class Scaled:
        def __init__(self, x: Any, k: str) -> None:
            self.x, self.k = x, k

        def tree_flatten(self) -> Any:
            return (self.x,), self.k

        @classmethod
        def tree_unflatten(cls, k: str, children: Any) -> Any:
            return cls(children[0], k)

    out = tg.jit(lambda s: s.x * 2)(Scaled(np.float64(3.0), "static"))
    assert out == 6.0

    @tu.register_dataclass
    @dataclasses.dataclass
    class Params:
        w: Any
        b: Any
        name: str = dataclasses.field(default="p", metadata={"static": True})

    params = Params(np.ones(2), np.zeros(()))
    paths = [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(params)]
    assert paths == [".w", ".b"]
    g = tg.grad(lambda p: tnp.sum(p.w * 3.0) + p.b)(params)
    assert isinstance(g, Params) and g.name == "p"
    np.testing.assert_array_equal(g.w, [3.0, 3.0])


def test_flatten_up_to_and_structure_errors() -> None:
    treedef = tu.tree_structure([0, 0])
    assert treedef.flatten_up_to([[1, 2], {"a": 3}]) == [[1, 2], {"a": 3}]
    with pytest.raises(ValueError, match="structure"):
        treedef.flatten_up_to([1, 2, 3])
    with pytest.raises(ValueError, match="structure"):
        treedef.flatten_up_to((1, 2))
    with pytest.raises(TypeError, match="Mismatch"):
        tu.tree_transpose(treedef, tu.tree_structure((0, 0)), [(1, 2, 3), (4, 5, 6)])
    with pytest.raises(TypeError, match="empty tree"):
        tu.tree_reduce(lambda a, b: a + b, [])


def test_partial_is_a_pytree_through_jit() -> None:
    scale = tu.Partial(lambda k, x: k * x, np.float64(3.0))
    assert tu.tree_leaves(scale) == [3.0]
    apply = tg.jit(lambda f, x: f(x))
    assert apply(scale, np.float64(2.0)) == 6.0
    twice = tu.Partial(scale)
    assert twice.func is scale.func and twice.args == scale.args


def test_ravel_pytree_matches_jax_and_unravel_is_differentiable() -> None:
    tree = {"w": np.arange(6.0).reshape(2, 3), "b": np.array([0.5, -1.0]), "s": np.float64(2)}
    flat, unravel = tg.flatten_util.ravel_pytree(tree)
    assert flat.shape == (9,) and flat.dtype == np.float64
    rebuilt = unravel(flat)
    for k in tree:
        np.testing.assert_array_equal(rebuilt[k], tree[k])
        assert np.shape(rebuilt[k]) == np.shape(tree[k])

    def loss(v: Any) -> Any:
        p = unravel(v)
        return tnp.sum(tnp.sin(p["w"]) * p["s"]) + tnp.sum(p["b"] ** 2)

    check_grads(loss, (flat,), order=2)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.flatten_util import ravel_pytree as jax_ravel

    j_flat, _ = jax_ravel(tree)
    np.testing.assert_array_equal(flat, np.asarray(j_flat))
    with pytest.raises(ValueError, match="shape"):
        unravel(np.ones(4))


def test_ravel_pytree_of_mixed_dtypes_restores_each_dtype() -> None:
    tree = [np.ones(2, np.float32), np.arange(3)]
    flat, unravel = tg.flatten_util.ravel_pytree(tree)
    assert flat.dtype == np.float64  # NumPy 2 promotion: float32 with int64
    out = unravel(flat)
    assert [o.dtype for o in out] == [np.float32, np.int64]
    empty, unravel_empty = tg.flatten_util.ravel_pytree([])
    assert empty.shape == (0,) and unravel_empty(empty) == []
