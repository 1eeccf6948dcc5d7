"""``tracegrad.numpy.pad``: constant padding (with concrete or traced values) and the modes
that copy values from the array (edge, reflect, symmetric, wrap)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete, operand, strong
from tracegrad.numpy.frontend import cast, contains_tracer, numpy_when_eager, stack_nested
from tracegrad.ops import structural as st
from tracegrad.ops.shapes import take_static

_ALLOWED_KWARGS = {
    "constant": {"constant_values"}, "empty": set(), "edge": set(), "wrap": set(),
    "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
    "linear_ramp": {"end_values"}, "maximum": {"stat_length"}, "mean": {"stat_length"},
    "median": {"stat_length"}, "minimum": {"stat_length"},
}  # fmt: skip
_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def _element(x: Any, index: tuple[int, ...]) -> Any:
    """``x[index]`` as a 0-d array or tracer (concrete arrays stay concrete)."""
    if not isinstance(x, Tracer):
        return np.asarray(x[index])
    limits = tuple(i + 1 for i in index)
    return st.reshape(st.slice(x, index, limits), ())


def _as_pairs(x: Any, ndim: int) -> list[tuple[Any, Any]]:
    """``x`` (a scalar, a pair, or one pair per axis) as ``ndim`` pairs, as ``numpy.pad``
    reads its ``pad_width`` and ``constant_values``. Elements are 0-d arrays or tracers."""
    shape = get_aval(x).shape
    if len(shape) < 3 and get_aval(x).size == 1:
        v = _element(x, (0,) * len(shape))
        return [(v, v)] * ndim
    if len(shape) < 3 and get_aval(x).size == 2 and shape != (2, 1):
        ends = [_element(x, tuple(int(j) for j in np.unravel_index(i, shape))) for i in (0, 1)]
        return [(ends[0], ends[1])] * ndim
    try:
        full = np.broadcast_shapes(shape, (ndim, 2))
    except ValueError:
        full = ()
    if full != (ndim, 2):
        raise ValueError(
            f"operands could not be broadcast together with remapped shapes "
            f"[original->remapped]: {shape} and requested shape {(ndim, 2)}."
        )
    x = st.broadcast_to(x, (ndim, 2)) if isinstance(x, Tracer) else np.broadcast_to(x, (ndim, 2))
    return [(_element(x, (i, 0)), _element(x, (i, 1))) for i in range(ndim)]


def _pad_widths(pad_width: Any, ndim: int) -> list[tuple[int, int]]:
    pad_width = concrete(pad_width, "pad's pad_width")
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            seq[axis] = (width, width) if np.ndim(width) == 0 else tuple(width)
        pad_width = seq
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"`pad_width` must be of integral type, got {widths.dtype!r}.")
    pairs = [(int(b), int(a)) for b, a in _as_pairs(widths, ndim)]
    if any(b < 0 or a < 0 for b, a in pairs):
        raise ValueError(f"index can't contain negative values: pad_width={pad_width!r}.")
    return pairs


def _fill(x: Any, value: Any, axis: int, width: int) -> Any:
    """A block of ``value`` (cast to the dtype of ``x``) to put beside ``x`` along ``axis``."""
    aval = get_aval(x)
    shape = (*aval.shape[:axis], width, *aval.shape[axis + 1 :])
    return st.broadcast_in_dim(cast(value, aval.dtype), shape, ())


def _pad_constant(x: Any, widths: list[tuple[int, int]], constant_values: Any) -> Any:
    values = (
        stack_nested(strong(constant_values))
        if contains_tracer(constant_values)
        else np.asarray(constant_values)
    )
    pairs = _as_pairs(values, len(widths))
    if not isinstance(values, Tracer) and np.all(values == values.flat[0]):
        # One concrete value everywhere: a single pad primitive.
        value = np.asarray(values.flat[0]).astype(get_aval(x).dtype)
        return st.pad(x, value, [(b, a, 0) for b, a in widths])
    # Per-side or traced values: padding is linear in them too, so join broadcast blocks.
    # Axis by axis, as NumPy, so that corners take the value of the last axis.
    for axis, ((b, a), (vb, va)) in enumerate(zip(widths, pairs, strict=True)):
        pieces = [_fill(x, vb, axis, b)] if b else []
        pieces += [x, _fill(x, va, axis, a)] if a else [x]
        x = st.concatenate(pieces, axis)
    return x


@numpy_when_eager(np.pad)
def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """Pad an array: ``pad_width`` is an int, a ``(before, after)`` pair, one pair per axis,
    or a dict ``{axis: width}``; modes constant (values may be traced), edge, reflect,
    symmetric, wrap and empty (zeros).

    >>> pad(np.array([1, 2]), (1, 2), mode="reflect")
    array([2, 1, 2, 1, 2])
    """
    if callable(mode) or mode not in _ALLOWED_KWARGS:
        if callable(mode):
            raise NotImplementedError(
                "tracegrad.numpy.pad: a callable mode is not supported on traced values."
            )
        raise ValueError(f"mode '{mode}' is not supported")
    unsupported = set(kwargs) - _ALLOWED_KWARGS[mode]
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    x = operand(array)
    shape = get_aval(x).shape
    widths = _pad_widths(pad_width, len(shape))
    if mode == "constant":
        return _pad_constant(x, widths, kwargs.get("constant_values", 0))
    if mode == "empty":
        return _pad_constant(x, widths, 0)
    if mode not in _GATHER_MODES:
        raise NotImplementedError(
            f"tracegrad.numpy.pad: mode {mode!r} is not supported on "
            f"traced values; supported: constant, empty, "
            f"{', '.join(_GATHER_MODES)}."
        )
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError(
            "tracegrad.numpy.pad: reflect_type='odd' is not supported on traced values."
        )
    for axis, (b, a) in enumerate(widths):
        if shape[axis] == 0 and (b or a):
            raise ValueError(
                f"can't extend empty axis {axis} using modes other than 'constant' or 'empty'"
            )
    for axis, (b, a) in enumerate(widths):
        if b or a:
            # NumPy's own pad of the positions gives the index map of this axis.
            index_map = np.pad(np.arange(shape[axis]), (b, a), mode=mode)  # type: ignore
            x = take_static(x, index_map.tolist(), axis)
    return x
