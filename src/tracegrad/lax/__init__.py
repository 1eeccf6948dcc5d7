"""``tracegrad.lax``: structured control flow and a few low-level operations, as ``jax.lax``."""

from __future__ import annotations

from typing import Any

from tracegrad.control.cond import cond, switch
from tracegrad.control.jaxprs import as_output
from tracegrad.control.loops import fori_loop, while_loop
from tracegrad.control.scan import scan
from tracegrad.core import DTypeError, ShapeError, Tracer, get_aval, is_eager, pytree
from tracegrad.lax._convolution import (
    ConvDimensionNumbers,
    conv,
    conv_dimension_numbers,
    conv_general_dilated,
    conv_transpose,
    conv_with_general_padding,
    padtype_to_pads,
)
from tracegrad.lax._windows import reduce_window, reduce_window_shape_tuple
from tracegrad.ops import structural
from tracegrad.ops.elementwise_select import select_n


def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """Elementwise ``on_true`` where ``pred`` else ``on_false``, as ``jax.lax.select``.

    ``pred`` is a scalar or has the cases' shape; it is boolean, or an integer 0 or 1 as in
    ``select_n``. The two cases have one shape and one dtype.

    >>> select(np.array([True, False]), np.ones(2), np.zeros(2))
    array([1., 0.])
    """
    p, t, f = get_aval(pred), get_aval(on_true), get_aval(on_false)
    if p.dtype.kind not in "biu":
        raise DTypeError(f"select `pred` must be boolean or integer type, got {p.dtype.name}.")
    if t.shape != f.shape:
        raise ShapeError(f"select cases must have the same shapes, got [{t.shape}, {f.shape}].")
    if t.dtype != f.dtype:
        raise DTypeError(
            f"select cases must have the same dtypes, got [{t.dtype.name}, {f.dtype.name}]."
        )
    if p.shape and p.shape != t.shape:
        raise ShapeError(
            "select `pred` must be scalar or have the same shape as cases, got `pred` shape "
            f"{p.shape} but case shape {t.shape}."
        )
    return select_n(pred, on_false, on_true)


def stop_gradient(x: Any) -> Any:
    """``x`` (any pytree) unchanged, but a constant to every derivative, as
    ``jax.lax.stop_gradient``.

    >>> import tracegrad as tg
    >>> tg.grad(lambda x: x * stop_gradient(x))(3.0)
    np.float64(3.0)
    """

    def leaf(v: Any) -> Any:
        if isinstance(v, Tracer):
            return structural.stop_gradient(v)
        get_aval(v)  # a clear error for a leaf that is not an array
        return as_output(v) if is_eager() else v  # a constant has no gradient to stop

    return pytree.tree_map(leaf, x)


__all__ = [
    "ConvDimensionNumbers",
    "cond",
    "conv",
    "conv_dimension_numbers",
    "conv_general_dilated",
    "conv_transpose",
    "conv_with_general_padding",
    "padtype_to_pads",
    "reduce_window",
    "reduce_window_shape_tuple",
    "fori_loop",
    "scan",
    "select",
    "select_n",
    "stop_gradient",
    "switch",
    "while_loop",
]
