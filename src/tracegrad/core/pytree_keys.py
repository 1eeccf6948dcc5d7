"""Key paths: how a leaf is reached from the root of its pytree, as ``jax.tree_util`` names
each step (``SequenceKey``, ``DictKey``, ``GetAttrKey``, ``FlattenedIndexKey``)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SequenceKey:
    """The ``idx``-th child of a tuple or list.

    >>> str(SequenceKey(0))
    '[0]'
    """

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclass(frozen=True, slots=True)
class DictKey:
    """The child of a dict under ``key``.

    >>> str(DictKey('a'))
    "['a']"
    """

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclass(frozen=True, slots=True)
class GetAttrKey:
    """The attribute ``name`` of a namedtuple or dataclass.

    >>> str(GetAttrKey('w'))
    '.w'
    """

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclass(frozen=True, slots=True)
class FlattenedIndexKey:
    """The ``key``-th child of a node registered without keys.

    >>> str(FlattenedIndexKey(1))
    '[<flat index 1>]'
    """

    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = SequenceKey | DictKey | GetAttrKey | FlattenedIndexKey | Any
KeyPath = tuple[KeyEntry, ...]


def _simple(entry: Any) -> str:
    for attr in ("idx", "key", "name"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def keystr(keys: Sequence[Any], *, simple: bool = False, separator: str = "") -> str:
    """A key path as text: ``['a'][0].w``, or with ``simple=True`` the bare keys joined by
    ``separator`` (``a/0/w``), as ``jax.tree_util.keystr``.

    >>> keystr((DictKey('a'), SequenceKey(0), GetAttrKey('w')))
    "['a'][0].w"
    >>> keystr((DictKey('a'), SequenceKey(0)), simple=True, separator='/')
    'a/0'
    """
    if simple:
        return separator.join(_simple(k) for k in keys)
    return separator.join(str(k) for k in keys)
