"""``tracegrad.tree``: the short pytree names of ``jax.tree`` (``tree.map``, ``tree.leaves``,
...), the same functions as ``tracegrad.tree_util``'s ``tree_*``.

>>> import tracegrad as tg
>>> tg.tree.map(lambda x: x * 2, {'a': 1, 'b': (2, 3)})
{'a': 2, 'b': (4, 6)}
"""

from tracegrad.tree_util import tree_all as all
from tracegrad.tree_util import tree_broadcast as broadcast
from tracegrad.tree_util import tree_flatten as flatten
from tracegrad.tree_util import tree_flatten_with_path as flatten_with_path
from tracegrad.tree_util import tree_leaves as leaves
from tracegrad.tree_util import tree_leaves_with_path as leaves_with_path
from tracegrad.tree_util import tree_map as map
from tracegrad.tree_util import tree_map_with_path as map_with_path
from tracegrad.tree_util import tree_reduce as reduce
from tracegrad.tree_util import tree_reduce_associative as reduce_associative
from tracegrad.tree_util import tree_structure as structure
from tracegrad.tree_util import tree_transpose as transpose
from tracegrad.tree_util import tree_unflatten as unflatten

__all__ = [
    "all",
    "broadcast",
    "flatten",
    "flatten_with_path",
    "leaves",
    "leaves_with_path",
    "map",
    "map_with_path",
    "reduce",
    "reduce_associative",
    "structure",
    "transpose",
    "unflatten",
]
