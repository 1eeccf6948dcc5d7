"""``tracegrad.flatten_util``: a pytree of arrays as one flat vector and back, as
``jax.flatten_util``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import get_aval
from tracegrad.core.pytree import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and concatenated into one 1-D
    array of their promoted dtype, and the function that rebuilds the pytree from such a
    vector (each leaf with its shape and dtype; a vector of another dtype is converted, as
    JAX does). Both are traceable, so ``unravel`` can be
    differentiated, jitted and vmapped.

    >>> flat, unravel = ravel_pytree({'w': np.ones((2, 2)), 'b': np.zeros(1)})
    >>> flat
    array([0., 1., 1., 1., 1.])
    >>> unravel(flat * 2)['w']
    array([[2., 2.],
           [2., 2.]])
    """
    leaves, treedef = tree_flatten(pytree)
    avals = [get_aval(x) for x in leaves]
    dtype = np.result_type(*[a.dtype for a in avals]) if avals else np.dtype(np.float64)
    sizes = [a.size for a in avals]
    if leaves:
        flat = tnp.concatenate([tnp.ravel(tnp.astype(x, dtype)) for x in leaves])
    else:
        flat = np.zeros(0, dtype)
    splits = np.cumsum(sizes)[:-1].tolist()

    def unravel(vector: Any) -> Any:
        v_aval = get_aval(vector)
        if v_aval.shape != (sum(sizes),):
            raise ValueError(
                "The unravel function expected an array of shape "
                f"{(sum(sizes),)}, got shape {v_aval.shape}."
            )
        pieces = tnp.split(vector, splits) if leaves else []
        rebuilt = [
            tnp.astype(tnp.reshape(p, a.shape), a.dtype) for p, a in zip(pieces, avals, strict=True)
        ]
        return tree_unflatten(treedef, rebuilt)

    return flat, unravel
