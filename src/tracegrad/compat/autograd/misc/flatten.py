"""``autograd.misc.flatten``: any nesting of tuples, lists and dicts of arrays as one vector.

Dict entries go in sorted key order, as autograd; ``tracegrad.flatten_util.ravel_pytree``
does the work, so ``unflatten`` is differentiable.

>>> flat, unflatten = flatten({"b": np.zeros(2), "a": (1.0, np.ones((1, 2)))})
>>> flat
array([1., 1., 1., 0., 0.])
>>> unflatten(flat)["a"][1]
array([[1., 1.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracegrad.flatten_util import ravel_pytree


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unflatten)``: the leaves of ``value`` in one 1-D array, and the inverse."""
    return ravel_pytree(value)


def flatten_func(
    func: Callable[..., Any], example: Any
) -> tuple[Callable[..., Any], Callable[[Any], Any], Any]:
    """``(flat_func, unflatten, flat_example)``: ``func`` as a function of a flat vector.

    >>> f, unflatten, x = flatten_func(lambda p: {"y": p["w"] * 2.0}, {"w": np.ones(2)})
    >>> f(x)
    array([2., 2.])
    """
    flat_example, unflatten = flatten(example)

    def flat_func(flat: Any, *args: Any) -> Any:
        return flatten(func(unflatten(flat), *args))[0]

    return flat_func, unflatten, flat_example
