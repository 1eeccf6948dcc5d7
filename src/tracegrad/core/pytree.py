"""Pytrees: flattening nested containers to leaves and back, with a registry of node types."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

_Flatten = Callable[[Any], tuple[Iterable[Any], Hashable]]
_Unflatten = Callable[[Hashable, Iterable[Any]], Any]

# The pytree registry: one of the two mutable module globals (with the trace ContextVar).
_registry: dict[type, tuple[_Flatten, _Unflatten]] = {}


def _flatten_dict(d: dict[Any, Any]) -> tuple[list[Any], tuple[Any, ...]]:
    keys = tuple(sorted(d))
    return [d[k] for k in keys], keys


def _register_builtins() -> None:
    _registry[tuple] = (lambda t: (t, None), lambda _, xs: tuple(xs))
    _registry[list] = (lambda t: (t, None), lambda _, xs: list(xs))
    _registry[dict] = (_flatten_dict, lambda keys, xs: dict(zip(keys, xs, strict=True)))  # type: ignore[call-overload]
    _registry[type(None)] = (lambda _: ((), None), lambda _, xs: None)


_register_builtins()


@dataclass(frozen=True, slots=True)
class PyTreeDef:
    """The structure of a pytree: what is left when the leaves are taken out.

    >>> tree_structure({'a': 1, 'b': (2, 3)})
    PyTreeDef({'a': *, 'b': (*, *)})
    """

    node_type: type | None  # None for a leaf
    node_data: Hashable
    children: tuple[PyTreeDef, ...]
    num_leaves: int

    def __repr__(self) -> str:
        return f"PyTreeDef({_pp_treedef(self)})"

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        return tree_unflatten(self, leaves)


_LEAF = PyTreeDef(None, None, (), 1)


def _pp_treedef(t: PyTreeDef) -> str:
    if t.node_type is None:
        return "*"
    kids = [_pp_treedef(c) for c in t.children]
    if t.node_type is tuple:
        return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
    if t.node_type is list:
        return "[" + ", ".join(kids) + "]"
    if t.node_type is dict:
        keys = t.node_data
        assert isinstance(keys, tuple)
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, kids, strict=True)) + "}"
    if t.node_type is type(None):
        return "None"
    return f"CustomNode({t.node_type.__name__}[{t.node_data!r}], [{', '.join(kids)}])"


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
        children, node_data = entry[0](x)
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
    kids = [_unflatten_from(c, it) for c in t.children]
    entry = _registry.get(t.node_type)
    if entry is None:  # a namedtuple
        return t.node_type(*kids)
    return entry[1](t.node_data, kids)


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


T = TypeVar("T", bound=type)


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Hashable, Iterable[Any]], Any],
) -> None:
    """Register a container type: ``flatten_func(x) -> (children, aux)``,
    ``unflatten_func(aux, children) -> x``.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    if nodetype in _registry:
        raise ValueError(f"Duplicate pytree registration for type {nodetype.__name__!r}.")
    _registry[nodetype] = (flatten_func, unflatten_func)


def register_dataclass(
    nodetype: T,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
) -> T:
    """Register a dataclass as a pytree: ``data_fields`` are children, ``meta_fields`` static.

    Usable as a decorator; without field lists, every field is a data field, unless
    it is declared with ``field(metadata={'static': True})``.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     b: float
    >>> tree_leaves(Params(1.0, 2.0))
    [1.0, 2.0]
    """
    if not dataclasses.is_dataclass(nodetype):
        raise TypeError(f"register_dataclass: {nodetype.__name__} is not a dataclass.")
    fields = [f for f in dataclasses.fields(nodetype) if f.init]
    if data_fields is None:
        data = [f.name for f in fields if not f.metadata.get("static", False)]
        meta = [f.name for f in fields if f.metadata.get("static", False)]
    else:
        data, meta = list(data_fields), list(meta_fields or [])
    data_t, meta_t = tuple(data), tuple(meta)

    def flatten(x: Any) -> tuple[list[Any], Hashable]:
        return [getattr(x, n) for n in data_t], tuple(getattr(x, n) for n in meta_t)

    def unflatten(aux: Hashable, children: Iterable[Any]) -> Any:
        assert isinstance(aux, tuple)
        kwargs = dict(zip(data_t, children, strict=True))
        kwargs.update(zip(meta_t, aux, strict=True))
        return nodetype(**kwargs)

    register_pytree_node(nodetype, flatten, unflatten)
    return nodetype
