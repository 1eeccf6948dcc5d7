"""``tracegrad.tree_util``: pytree utilities, as ``jax.tree_util``.

>>> tree_reduce(lambda a, b: a + b, {'x': 1, 'y': (2, 3)})
6
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tracegrad.core.pytree import (
    PyTreeDef,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_map_with_path,
    tree_structure,
    tree_unflatten,
)
from tracegrad.core.pytree_keys import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    KeyEntry,
    KeyPath,
    SequenceKey,
    keystr,
)

__all__ = [
    "DictKey",
    "FlattenedIndexKey",
    "GetAttrKey",
    "KeyEntry",
    "KeyPath",
    "Partial",
    "PyTreeDef",
    "SequenceKey",
    "all_leaves",
    "keystr",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "register_pytree_with_keys",
    "tree_all",
    "tree_broadcast",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_reduce_associative",
    "tree_structure",
    "tree_transpose",
    "tree_unflatten",
]

T = TypeVar("T")
_NO_INITIALIZER: Any = object()


def tree_reduce(
    function: Callable[[T, Any], T],
    tree: Any,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: Callable[[Any], bool] | None = None,
) -> T:
    """Fold ``function`` over the leaves of ``tree``, left to right (``functools.reduce``).

    >>> tree_reduce(max, [3, (7, 1)], 5)
    7
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise TypeError("tree_reduce() of an empty tree with no initializer.")
        return functools.reduce(function, leaves)  # type: ignore[no-any-return]
    out: T = functools.reduce(function, leaves, initializer)
    return out


def tree_reduce_associative(
    operation: Callable[[T, T], T],
    tree: Any,
    *,
    identity: Any = _NO_INITIALIZER,
    is_leaf: Callable[[Any], bool] | None = None,
) -> T:
    """Combine the leaves with an associative ``operation``, pairwise (a balanced tree of
    calls); ``identity`` is the result for an empty tree.

    >>> tree_reduce_associative(lambda a, b: a + b, [1, 2, 3, 4])
    10
    """
    leaves: list[Any] = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _NO_INITIALIZER:
            raise TypeError("tree_reduce_associative() of an empty tree with no identity.")
        return identity  # type: ignore[no-any-return]
    while len(leaves) > 1:
        pairs = [operation(a, b) for a, b in zip(leaves[::2], leaves[1::2], strict=False)]
        leaves = pairs + leaves[len(pairs) * 2 :]
    return leaves[0]  # type: ignore[no-any-return]


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf is truthy.

    >>> tree_all([True, 1, None]), tree_all({'a': True, 'b': 0})
    (True, False)
    """
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of ``iterable`` is a leaf.

    >>> all_leaves([1, 2.0]), all_leaves([[1]])
    (True, False)
    """
    items = list(iterable)
    return tree_leaves(items, is_leaf) == items and all(
        tree_structure(x, is_leaf).node_type is None for x in items
    )


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: Any
) -> Any:
    """Turn a tree of structure ``outer`` of trees of structure ``inner`` into a tree of
    structure ``inner`` of trees of structure ``outer``.

    >>> outer, inner = tree_structure([0, 0]), tree_structure((0, 0, 0))
    >>> tree_transpose(outer, inner, [(1, 2, 3), (4, 5, 6)])
    ([1, 4], [2, 5], [3, 6])
    """
    subtrees = outer_treedef.flatten_up_to(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(subtrees[0]) if subtrees else tree_structure(None)
    columns = []
    for sub in subtrees:
        leaves, structure = tree_flatten(sub)
        if structure != inner_treedef:
            raise TypeError(f"Mismatch\n{structure}\n != \n{inner_treedef}")
        columns.append(leaves)
    rows = [list(r) for r in zip(*columns, strict=True)] or [[]] * inner_treedef.num_leaves
    return tree_unflatten(inner_treedef, [tree_unflatten(outer_treedef, r) for r in rows])


def tree_broadcast(
    prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """``prefix_tree`` with each of its leaves repeated over the matching subtree of
    ``full_tree``.

    >>> tree_broadcast([1, 2], [(3, 4), {'a': 5}])
    [(1, 1), {'a': 2}]
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = prefix_def.flatten_up_to(full_tree)
    return tree_unflatten(
        prefix_def,
        [
            tree_map(lambda _, v=v: v, s, is_leaf=is_leaf)
            for v, s in zip(prefix_leaves, subtrees, strict=True)
        ],
    )


class Partial(functools.partial):  # type: ignore[type-arg]
    """A ``functools.partial`` that is a pytree: its arguments are children, its function
    static, so it can be passed through ``jit`` and friends, as ``jax.tree_util.Partial``.

    >>> add_one = Partial(lambda a, b: a + b, 1.0)
    >>> tree_leaves(add_one), add_one(2.0)
    ([1.0], 3.0)
    """

    def __new__(cls, func: Callable[..., Any], *args: Any, **kw: Any) -> Partial:
        # Partial of a Partial keeps the innermost function, so equal functions hash equal.
        if isinstance(func, functools.partial):
            base, args, kw = func.func, (*func.args, *args), {**func.keywords, **kw}
            return super().__new__(cls, base, *args, **kw)
        return super().__new__(cls, func, *args, **kw)


def _unflatten_partial(func: Any, children: Any) -> Partial:
    args, keywords = children
    return Partial(func, *args, **keywords)


register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func), _unflatten_partial)
