"""Pytrees: flattening nested containers to leaves and back, with a registry of node types
and the key paths that name each leaf."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from tracegrad.core.pytree_keys import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    KeyPath,
    SequenceKey,
)
from tracegrad.core.pytree_keys import keystr as keystr  # doctests here use it

_Flatten = Callable[[Any], tuple[Iterable[Any], Hashable]]
_Unflatten = Callable[[Hashable, Iterable[Any]], Any]
_FlattenWithKeys = Callable[[Any], tuple[Iterable[tuple[Any, Any]], Hashable]]


class _Node(NamedTuple):
    flatten: _Flatten
    unflatten: _Unflatten
    flatten_with_keys: _FlattenWithKeys | None  # None: keys are FlattenedIndexKey(i)


# The pytree registry: one of the two mutable module globals (with the trace ContextVar).
_registry: dict[type, _Node] = {}


def _flatten_dict(d: dict[Any, Any]) -> tuple[list[Any], tuple[Any, ...]]:
    keys = tuple(sorted(d))
    return [d[k] for k in keys], keys


def _sequence_with_keys(t: Sequence[Any]) -> tuple[list[tuple[Any, Any]], None]:
    return [(SequenceKey(i), c) for i, c in enumerate(t)], None


def _dict_with_keys(d: dict[Any, Any]) -> tuple[list[tuple[Any, Any]], tuple[Any, ...]]:
    keys = tuple(sorted(d))
    return [(DictKey(k), d[k]) for k in keys], keys


def _register_builtins() -> None:
    _registry[tuple] = _Node(lambda t: (t, None), lambda _, xs: tuple(xs), _sequence_with_keys)
    _registry[list] = _Node(lambda t: (t, None), lambda _, xs: list(xs), _sequence_with_keys)
    _registry[dict] = _Node(
        _flatten_dict,
        lambda keys, xs: dict(zip(keys, xs, strict=True)),  # type: ignore[call-overload]
        _dict_with_keys,
    )
    _registry[type(None)] = _Node(lambda _: ((), None), lambda _, xs: None, lambda _: ((), None))


_register_builtins()


@dataclass(frozen=True, slots=True)
class PyTreeDef:
    """The structure of a pytree: what is left when the leaves are taken out.

    >>> tree_structure({'a': 1, 'b': (2, 3)})
    PyTreeDef({'a': *, 'b': (*, *)})
    """

    node_type: type | None  # None for a leaf
    aux: Hashable  # what the node's flatten function returned besides its children
    subtrees: tuple[PyTreeDef, ...]
    num_leaves: int

    def __repr__(self) -> str:
        return f"PyTreeDef({_pp_treedef(self)})"

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.subtrees)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        return tree_unflatten(self, leaves)

    def children(self) -> list[PyTreeDef]:
        """The structures of the root's children.

        >>> tree_structure({'a': 1, 'b': (2, 3)}).children()
        [PyTreeDef(*), PyTreeDef((*, *))]
        """
        return list(self.subtrees)

    def node_data(self) -> tuple[type, Hashable] | None:
        """The root's type and auxiliary data (None for a leaf), as JAX's ``node_data``.

        >>> tree_structure({'a': 1, 'b': 2}).node_data()
        (<class 'dict'>, ('a', 'b'))
        """
        return None if self.node_type is None else (self.node_type, self.aux)

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """The subtrees of ``tree`` at this structure's leaves (``tree`` must have this
        structure as a prefix).

        >>> tree_structure([0, 0]).flatten_up_to([[1, 2], {'a': 3}])
        [[1, 2], {'a': 3}]
        """
        out: list[Any] = []
        _flatten_up_to(self, tree, out)
        return out


_LEAF = PyTreeDef(None, None, (), 1)


def _pp_treedef(t: PyTreeDef) -> str:
    if t.node_type is None:
        return "*"
    kids = [_pp_treedef(c) for c in t.subtrees]
    if t.node_type is tuple:
        return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
    if t.node_type is list:
        return "[" + ", ".join(kids) + "]"
    if t.node_type is dict:
        keys = t.aux
        assert isinstance(keys, tuple)
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, kids, strict=True)) + "}"
    if t.node_type is type(None):
        return "None"
    return f"CustomNode({t.node_type.__name__}[{t.aux!r}], [{', '.join(kids)}])"


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(
    tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> tuple[list[Any], PyTreeDef]:
    """Flatten a pytree into a list of leaves and its structure.

    >>> tree_flatten({'b': [1, 2], 'a': None})
    ([1, 2], PyTreeDef({'a': None, 'b': [*, *]}))
    """
    leaves: list[Any] = []
    treedef = _flatten_into(tree, leaves, is_leaf)
    return leaves, treedef


def _flatten_into(x: Any, leaves: list[Any], is_leaf: Callable[[Any], bool] | None) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    node_type = type(x)
    entry = _registry.get(node_type)
    if entry is None and _is_namedtuple(x):
        children: Iterable[Any] = x
        node_data: Hashable = None
    elif entry is None:
        leaves.append(x)
        return _LEAF
    else:
        children, node_data = entry.flatten(x)
    kids = tuple(_flatten_into(c, leaves, is_leaf) for c in children)
    return PyTreeDef(node_type, node_data, kids, sum(k.num_leaves for k in kids))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a pytree from its structure and leaves.

    >>> tree_unflatten(tree_structure((1, [2])), ['x', 'y'])
    ('x', ['y'])
    """
    it = iter(leaves)
    out = _unflatten_from(treedef, it)
    if next(it, _SENTINEL) is not _SENTINEL:
        raise ValueError(f"Too many leaves for the tree structure {treedef}.")
    return out


_SENTINEL = object()


def _unflatten_from(t: PyTreeDef, it: Any) -> Any:
    if t.node_type is None:
        leaf = next(it, _SENTINEL)
        if leaf is _SENTINEL:
            raise ValueError("Too few leaves for the tree structure.")
        return leaf
    kids = [_unflatten_from(c, it) for c in t.subtrees]
    entry = _registry.get(t.node_type)
    if entry is None:  # a namedtuple
        return t.node_type(*kids)
    return entry.unflatten(t.aux, kids)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """The leaves of a pytree, left to right.

    >>> tree_leaves([1, (2, {'x': 3})])
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of a pytree.

    >>> tree_structure([1, 2])
    PyTreeDef([*, *])
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_map(
    f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None
) -> Any:
    """Apply ``f`` to the leaves of ``tree`` (and the matching leaves of ``rest``).

    >>> tree_map(lambda x, y: x + y, {'a': 1, 'b': 2}, {'a': 10, 'b': 20})
    {'a': 11, 'b': 22}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(
                f"tree_map: the trees have different structures: {treedef} and {r_def}."
            )
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others, strict=True)])


def _node_children_with_keys(
    x: Any, entry: _Node | None
) -> tuple[list[tuple[Any, Any]], Hashable] | None:
    """``x``'s (key, child) pairs and aux data, or None if ``x`` is a leaf."""
    if entry is None:
        if not _is_namedtuple(x):
            return None
        return [(GetAttrKey(f), c) for f, c in zip(type(x)._fields, x, strict=True)], None
    if entry.flatten_with_keys is not None:
        pairs, aux = entry.flatten_with_keys(x)
        return list(pairs), aux
    children, aux = entry.flatten(x)
    return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux


def _flatten_with_path_into(
    x: Any,
    path: KeyPath,
    out: list[tuple[KeyPath, Any]],
    is_leaf: Callable[..., bool] | None,
    takes_path: bool,
) -> PyTreeDef:
    if is_leaf is not None and (is_leaf(path, x) if takes_path else is_leaf(x)):
        out.append((path, x))
        return _LEAF
    node_type = type(x)
    found = _node_children_with_keys(x, _registry.get(node_type))
    if found is None:
        out.append((path, x))
        return _LEAF
    pairs, aux = found
    kids = tuple(_flatten_with_path_into(c, (*path, k), out, is_leaf, takes_path) for k, c in pairs)
    return PyTreeDef(node_type, aux, kids, sum(k.num_leaves for k in kids))


def tree_flatten_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """The leaves of a pytree with their key paths, and its structure.

    >>> pairs, _ = tree_flatten_with_path({'a': [1, 2]})
    >>> [(keystr(path), leaf) for path, leaf in pairs]
    [("['a'][0]", 1), ("['a'][1]", 2)]
    """
    out: list[tuple[KeyPath, Any]] = []
    treedef = _flatten_with_path_into(tree, (), out, is_leaf, is_leaf_takes_path)
    return out, treedef


def tree_leaves_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> list[tuple[KeyPath, Any]]:
    """The (key path, leaf) pairs of a pytree.

    >>> [keystr(p) for p, _ in tree_leaves_with_path((1, {'w': 2}))]
    ['[0]', "[1]['w']"]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(
    f: Callable[..., Any],
    tree: Any,
    *rest: Any,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> Any:
    """Apply ``f(path, leaf, *others)`` to the leaves of ``tree`` (and of ``rest``).

    >>> tree_map_with_path(lambda p, x: keystr(p) + '=' + str(x), {'a': 1, 'b': (2,)})
    {'a': "['a']=1", 'b': ("['b'][0]=2",)}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [treedef.flatten_up_to(r) for r in rest]
    return tree_unflatten(
        treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others, strict=True)]
    )


def _flatten_up_to(t: PyTreeDef, x: Any, out: list[Any]) -> None:
    if t.node_type is None:
        out.append(x)
        return
    if type(x) is not t.node_type:
        raise ValueError(
            f"pytree structure error: expected a {t.node_type.__name__} for the structure "
            f"{t}, got a {type(x).__name__}: {x!r}."
        )
    found = _node_children_with_keys(x, _registry.get(t.node_type))
    assert found is not None  # x has a registered node type
    pairs, aux = found
    if len(pairs) != len(t.subtrees) or aux != t.aux:
        raise ValueError(
            f"pytree structure error: {type(x).__name__} of {len(pairs)} children (aux data "
            f"{aux!r}) where the structure {t} has {len(t.subtrees)} (aux data {t.aux!r})."
        )
    for sub, (_, child) in zip(t.subtrees, pairs, strict=True):
        _flatten_up_to(sub, child, out)


T = TypeVar("T", bound=type)


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Hashable, Iterable[Any]], Any],
    flatten_with_keys_func: _FlattenWithKeys | None = None,
) -> None:
    """Register a container type: ``flatten_func(x) -> (children, aux)``,
    ``unflatten_func(aux, children) -> x``, and optionally
    ``flatten_with_keys_func(x) -> ((key, child), ...), aux`` for key paths.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    if nodetype in _registry:
        raise ValueError(f"Duplicate pytree registration for type {nodetype.__name__!r}.")
    _registry[nodetype] = _Node(flatten_func, unflatten_func, flatten_with_keys_func)


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: _FlattenWithKeys,
    unflatten_func: Callable[[Hashable, Iterable[Any]], Any],
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]] | None = None,
) -> None:
    """Register a container type whose flatten function names each child with a key.

    >>> class Box:
    ...     def __init__(self, v): self.v = v
    >>> register_pytree_with_keys(
    ...     Box, lambda b: (((GetAttrKey('v'), b.v),), None), lambda _, c: Box(*c))
    >>> [keystr(p) for p, _ in tree_leaves_with_path(Box(1.0))]
    ['.v']
    """

    def flatten(x: Any) -> tuple[list[Any], Hashable]:
        pairs, aux = flatten_with_keys(x)
        return [c for _, c in pairs], aux

    register_pytree_node(nodetype, flatten_func or flatten, unflatten_func, flatten_with_keys)


C = TypeVar("C", bound=type)


def register_pytree_node_class(cls: C) -> C:
    """Register a class with methods ``tree_flatten(self) -> (children, aux)`` and
    classmethod ``tree_unflatten(aux, children)``; usable as a decorator.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, k): self.x, self.k = x, k
    ...     def tree_flatten(self): return (self.x,), self.k
    ...     @classmethod
    ...     def tree_unflatten(cls, k, children): return cls(children[0], k)
    >>> tree_leaves(Scaled(3.0, 'static'))
    [3.0]
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)  # type: ignore[attr-defined]
    return cls


def register_dataclass(
    nodetype: T,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> T:
    """Register a dataclass as a pytree: ``data_fields`` are children, ``meta_fields`` static,
    ``drop_fields`` left out (rebuilt by the class's defaults).

    Usable as a decorator; without field lists, every field is a data field, unless
    it is declared with ``field(metadata={'static': True})``.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     b: float
    >>> tree_leaves(Params(1.0, 2.0))
    [1.0, 2.0]
    >>> [keystr(p) for p, _ in tree_leaves_with_path(Params(1.0, 2.0))]
    ['.w', '.b']
    """
    if not dataclasses.is_dataclass(nodetype):
        raise TypeError(f"register_dataclass: {nodetype.__name__} is not a dataclass.")
    fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop_fields]
    if data_fields is None:
        data = [f.name for f in fields if not f.metadata.get("static", False)]
        meta = [f.name for f in fields if f.metadata.get("static", False)]
    else:
        data, meta = list(data_fields), list(meta_fields or [])
    data_t, meta_t = tuple(data), tuple(meta)

    def flatten(x: Any) -> tuple[list[Any], Hashable]:
        return [getattr(x, n) for n in data_t], tuple(getattr(x, n) for n in meta_t)

    def flatten_with_keys(x: Any) -> tuple[list[tuple[Any, Any]], Hashable]:
        pairs = [(GetAttrKey(n), getattr(x, n)) for n in data_t]
        return pairs, tuple(getattr(x, n) for n in meta_t)

    def unflatten(aux: Hashable, children: Iterable[Any]) -> Any:
        assert isinstance(aux, tuple)
        kwargs = dict(zip(data_t, children, strict=True))
        kwargs.update(zip(meta_t, aux, strict=True))
        return nodetype(**kwargs)

    register_pytree_node(nodetype, flatten, unflatten, flatten_with_keys)
    return nodetype
