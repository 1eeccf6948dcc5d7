"""``tracegrad.lax.reduce_window``: a reduction over sliding windows, recognising the add, max
and min monoids (JAX's differentiable cases) and mapping them to the window primitives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import DTypeError, Tracer, get_aval, make_jaxpr
from tracegrad.core.errors import UnsupportedFunctionError
from tracegrad.lax._convolution import padtype_to_pads
from tracegrad.ops import elementwise
from tracegrad.ops.convolution import dilate_shape, window_output_shape
from tracegrad.ops.windows import (
    check_window,
    reduce_window_max,
    reduce_window_min,
    reduce_window_sum,
    window_params,
)

Pairs = tuple[tuple[int, int], ...]
_MONOIDS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "add": (reduce_window_sum, elementwise.add),
    "max": (reduce_window_max, elementwise.max),
    "min": (reduce_window_min, elementwise.min),
}


def _monoid(computation: Callable[..., Any], dtype: np.dtype[Any]) -> str | None:
    """ "add", "max" or "min" if ``computation(a, b)`` is that one primitive applied to its two
    arguments (``lax.add``, ``tnp.maximum``, ``lambda a, b: a + b``, ...), else None."""
    scalar = np.zeros((), dtype)
    try:
        closed = make_jaxpr(computation)(scalar, scalar)
    except Exception:
        return None
    jaxpr = closed.jaxpr
    if len(jaxpr.eqns) != 1 or len(jaxpr.outvars) != 1:
        return None
    (eqn,) = jaxpr.eqns
    name = eqn.primitive.name
    if name not in _MONOIDS or set(eqn.invars) != set(jaxpr.invars):
        return None
    return name if eqn.outvars[0] is jaxpr.outvars[0] else None


def _pads(padding: str | Sequence[tuple[int, int]], p: dict[str, Any]) -> Pairs:
    """Explicit pads; a string padding is resolved on the dilated operand and window."""
    if not isinstance(padding, str):
        return tuple((int(lo), int(hi)) for lo, hi in padding)
    shape = dilate_shape(p["shape"], p["base_dilation"])
    window = dilate_shape(p["window_dimensions"], p["window_dilation"])
    return tuple(padtype_to_pads(shape, window, p["window_strides"], padding))


def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Callable[..., Any],
    window_dimensions: Sequence[int],
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Any:
    """Reduce each window of ``operand`` with ``computation``, as ``jax.lax.reduce_window``.

    ``computation`` must be addition, maximum or minimum (``lax.add``, ``tnp.maximum``,
    ``lambda a, b: a + b``, ...): these are the reductions JAX differentiates. Padding
    and holes take no part; ``init_value`` is combined once into every window's result.

    >>> import tracegrad.numpy as tnp
    >>> x = np.array([[1.0, 5.0, 2.0, 4.0]])
    >>> reduce_window(x, -np.inf, tnp.maximum, (1, 2), (1, 2), "VALID")
    array([[5., 4.]])
    >>> reduce_window(x, 0.0, lambda a, b: a + b, (1, 3), (1, 1), "SAME")
    array([[ 6.,  8., 11.,  6.]])
    """
    aval = get_aval(operand)
    kind = _monoid(computation, aval.dtype)
    if kind is None:
        raise UnsupportedFunctionError(
            f"reduce_window: the computation {computation!r} is not addition, maximum or "
            "minimum; tracegrad implements reduce_window for these three monoids (the ones JAX "
            "differentiates). Pass lax.add, lax.max or lax.min (or tnp.add, tnp.maximum, "
            "tnp.minimum), or build other window reductions from slices."
        )
    reducer, combine = _MONOIDS[kind]
    params = window_params(
        aval.ndim, window_dimensions, window_strides, None, base_dilation, window_dilation
    )
    check_window("reduce_window", aval, params)
    params["padding"] = _pads(padding, {**params, "shape": aval.shape})
    out = reducer(operand, **params)
    if isinstance(init_value, Tracer):
        if get_aval(init_value).dtype != aval.dtype:
            raise DTypeError(
                "reduce_window got inconsistent dtypes for operand and init_value: got operand "
                f"dtype {aval.dtype.name} and init_value dtype "
                f"{get_aval(init_value).dtype.name}."
            )
        return combine(out, init_value)
    init = np.asarray(init_value, aval.dtype)
    identity = {"add": 0, "max": -np.inf, "min": np.inf}[kind]
    if aval.dtype.kind in "iu" and kind != "add":
        info = np.iinfo(aval.dtype)
        identity = info.min if kind == "max" else info.max
    if aval.dtype.kind == "b" and kind != "add":
        identity = kind == "min"
    return out if init == identity else combine(out, init)


def reduce_window_shape_tuple(
    operand_shape: Sequence[int],
    window_dimensions: Sequence[int],
    window_strides: Sequence[int],
    padding: Sequence[tuple[int, int]],
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> tuple[int, ...]:
    """The shape ``reduce_window`` gives, as ``jax.lax.reduce_window_shape_tuple``.

    >>> reduce_window_shape_tuple((8, 8), (2, 2), (2, 2), ((0, 0), (1, 1)))
    (4, 5)
    """
    p = window_params(
        len(operand_shape), window_dimensions, window_strides, padding, base_dilation,
        window_dilation,
    )  # fmt: skip
    return window_output_shape(
        operand_shape,
        p["window_dimensions"],
        p["window_strides"],
        p["padding"],
        p["base_dilation"],
        p["window_dilation"],
    )


__all__ = ["reduce_window", "reduce_window_shape_tuple"]
