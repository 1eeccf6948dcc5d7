"""``stop_gradient``: a value unchanged, but a constant to every derivative (no rule of
its own beyond a zero tangent; batching passes the batch dimension through)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Primitive, Tracer, Zero, get_aval, is_eager, pytree
from tracegrad.ops.rules import emitter


def stop_gradient(x: Any) -> Any:
    """``x`` (any pytree of arrays) unchanged, but a constant to every derivative, as
    ``jax.lax.stop_gradient`` (which is this function, as is ``tracegrad.stop_gradient``).

    >>> import tracegrad as tg
    >>> tg.grad(lambda x: x * stop_gradient(x))(3.0)
    np.float64(3.0)
    >>> tg.grad(lambda x: stop_gradient({"a": x})["a"] * x)(3.0)
    np.float64(3.0)
    """
    if isinstance(x, Tracer):
        return stop_gradient_p.bind(x)
    return pytree.tree_map(_stop_gradient_leaf, x)


def _stop_gradient_leaf(v: Any) -> Any:
    if isinstance(v, Tracer):
        return stop_gradient_p.bind(v)
    get_aval(v)  # a clear error for a leaf that is not an array
    if is_eager() and isinstance(v, bool | int | float | complex):
        return np.asarray(v)[()]  # a constant has no gradient to stop
    return v


def _stop_gradient_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    out = stop_gradient_p.bind(primals[0])
    return out, Zero.like_primal(get_aval(out))


stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(lambda x: x)
stop_gradient_p.def_jvp(_stop_gradient_jvp)
stop_gradient_p.def_batch(lambda args, dims: (stop_gradient(args[0]), dims[0]))
stop_gradient_p.def_emit(emitter("identity"))
