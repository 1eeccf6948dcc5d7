"""``eval_shape``: the shapes and dtypes a function would return, found by tracing it on
abstract values, without computing anything (as ``jax.eval_shape``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracegrad.core import pytree
from tracegrad.core.aval import ShapeDtypeStruct
from tracegrad.core.staging import make_jaxpr

__all__ = ["eval_shape"]


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The pytree of ``ShapeDtypeStruct`` that ``fun(*args, **kwargs)`` would return.

    Arguments may be arrays, scalars or ``ShapeDtypeStruct`` (pytrees of them); nothing is
    computed.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> x = tg.ShapeDtypeStruct((1000, 3), np.float32)
    >>> out = tg.eval_shape(lambda a, b: {'y': a @ b, 's': tnp.sum(a)}, x, np.ones((3, 2)))
    >>> out['y'], out['s']
    (ShapeDtypeStruct(shape=(1000, 2), dtype=float64), ShapeDtypeStruct(shape=(), dtype=float32))
    """
    out_tree: list[Any] = []

    def flat(*a: Any, **kw: Any) -> Any:
        out = fun(*a, **kw)
        out_tree.append(pytree.tree_structure(out))
        return out

    closed = make_jaxpr(flat)(*args, **kwargs)
    structs = [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in closed.out_avals]
    return pytree.tree_unflatten(out_tree[0], structs)
