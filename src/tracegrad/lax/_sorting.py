"""``sort`` (several operands, ``num_keys`` lexicographic keys), ``sort_key_val`` and
``top_k``, as ``jax.lax``, on the stable ``sort`` primitive of ``tracegrad.ops``: more than
one key is sorted by successive stable passes from the last key to the first."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_discrete as disc
from tracegrad.ops import sorting, structural
from tracegrad.ops.structural import canonical_axis


def sort(operand: Any, dimension: int = -1, is_stable: bool = True, num_keys: int = 1) -> Any:
    """``operand`` (an array, or a sequence of arrays of one shape) sorted along
    ``dimension`` by its first ``num_keys`` arrays, lexicographically; the others follow.
    Always stable; NaNs sort last. As ``jax.lax.sort``.

    >>> sort([np.array([1, 1, 0]), np.array([2, 1, 3]), np.array([1.0, 2.0, 3.0])], num_keys=2)
    (array([0, 1, 1]), array([3, 1, 2]), array([3., 2., 1.]))
    """
    del is_stable
    if not isinstance(operand, (tuple, list)):
        return sort([operand], dimension, num_keys=1)[0]
    operands = list(operand)
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"num_keys={num_keys} must be between 1 and {len(operands)}.")
    if len({get_aval(x).shape for x in operands}) != 1:
        raise ShapeError(
            "Arguments to sort must have equal shapes, got: "
            + " ".join(str(get_aval(x).shape) for x in operands)
        )
    dimension = canonical_axis(dimension, get_aval(operands[0]).ndim)
    for key in reversed(range(num_keys)):
        rest = operands[:key] + operands[key + 1 :]
        out = sorting.sort_multi([operands[key], *rest], dimension)
        operands = [*out[1 : key + 1], out[0], *out[key + 1 :]]
    return tuple(operands)


def sort_key_val(
    keys: Any, values: Any, dimension: int = -1, is_stable: bool = True
) -> tuple[Any, Any]:
    """``keys`` sorted along ``dimension`` and ``values`` in the same order, as
    ``jax.lax.sort_key_val``.

    >>> sort_key_val(np.array([3, 1, 2]), np.array([30.0, 10.0, 20.0]))
    (array([1, 2, 3]), array([10., 20., 30.]))
    """
    k, v = sort([keys, values], dimension, is_stable, num_keys=1)
    return k, v


def _descending_keys(x: Any) -> list[Any]:
    """Keys whose ascending lexicographic order is the descending order of ``x``, NaNs
    first (as the largest, as JAX): for floats, ``not isnan`` then the negation; for
    integers the bitwise complement (no overflow)."""
    if get_aval(x).dtype.kind in "biu":
        return [disc.not_(x)]
    return [disc.not_(disc.isnan(x)), ew.neg(x)]


def top_k(operand: Any, k: int) -> list[Any]:
    """The ``k`` largest entries along the last axis, largest first (ties: lower index
    first), and their ``int32`` indices, as ``jax.lax.top_k``.

    >>> top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3)
    [array([3., 3., 2.]), array([1, 2, 3], dtype=int32)]
    """
    shape = get_aval(operand).shape
    if not shape:
        raise ValueError("top_k operand must have >= 1 dimension, got shape ().")
    k = int(k)
    if not 0 <= k <= shape[-1]:
        raise ValueError(
            "k argument to top_k must be no larger than size along axis; got "
            f"k={k} with shape={list(shape)} and axis={len(shape) - 1}"
        )
    index = np.broadcast_to(np.arange(shape[-1], dtype=np.int32), shape)
    keys = _descending_keys(operand)
    *_, values, indices = sort([*keys, operand, index], num_keys=len(keys))
    axis = len(shape) - 1
    return [
        structural.slice_in_dim(values, 0, k, axis),
        structural.slice_in_dim(indices, 0, k, axis),
    ]
