"""The array-API implementations of the window primitives (``ops/windows.py``: pooling and
its derivatives), composed from strided slices, one per offset within the window: the
operand is dilated and padded (the ``pad`` rule), each offset's slice holds that element of
every window, and the windows are reduced offset by offset (in C order, so the first
maximum or minimum of a window is the one ``argmax``/``argmin`` picks, as NumPy's).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from tracegrad.backend.namespace import NamespaceRule, numpy_dtype
from tracegrad.core import Primitive
from tracegrad.ops import structural
from tracegrad.ops import windows as win
from tracegrad.ops.array_api_indexing import neutral
from tracegrad.ops.convolution import window_output_shape

Shape = tuple[int, ...]


def pad(xp: Any, x: Any, fill: Any, config: Sequence[tuple[int, int, int]]) -> Any:
    """``x`` padded with ``fill`` by the ``pad`` primitive's rule (``(low, high, interior)``
    per dimension; negative low and high crop).

    >>> import numpy as np
    >>> pad(np, np.array([1.0, 2.0]), 0, [(1, -1, 1)])
    array([0., 1., 0.])
    """
    from tracegrad.ops.array_api import RULES  # that module imports this one

    value = xp.asarray(fill, dtype=x.dtype)
    return RULES[structural.pad_p](xp, x, value, padding_config=config)


def _offsets(
    xp: Any, x: Any, fill: Any, p: dict[str, Any]
) -> tuple[Iterator[Any], tuple[int, ...]]:
    """Each offset's slice of the dilated and padded ``x`` (of the output's shape), in C
    order of the offsets, and the output shape."""
    out = window_output_shape(
        x.shape, p["window_dimensions"], p["window_strides"], p["padding"],
        p["base_dilation"], p["window_dilation"],
    )  # fmt: skip
    config = [(lo, hi, d - 1) for (lo, hi), d in zip(p["padding"], p["base_dilation"], strict=True)]
    padded = pad(xp, x, fill, config)

    def slices() -> Iterator[Any]:
        for offset in itertools.product(*map(range, p["window_dimensions"])):
            index = tuple(
                slice(o * d, o * d + (n - 1) * s + 1, s)
                for o, d, n, s in zip(offset, p["window_dilation"], out, p["window_strides"])
            )
            yield padded[index]

    return slices(), out


def _reduce(kind: str) -> NamespaceRule:
    combine = {"sum": "add", "max": "maximum", "min": "minimum"}[kind]

    def rule(xp: Any, x: Any, **p: Any) -> Any:
        parts, out = _offsets(xp, x, neutral(xp, "add" if kind == "sum" else kind, x.dtype), p)
        if 0 in out:
            return xp.zeros(out, dtype=x.dtype)
        acc = next(parts)
        for part in parts:
            acc = getattr(xp, combine)(acc, part)
        return acc

    return rule


def _selection(
    xp: Any, x: Any, select: str, p: dict[str, Any]
) -> tuple[Any, list[Any], tuple[int, ...]]:
    """The offset (C order) of the element each window selects (its first maximum or
    minimum, nan counting as the extreme, as ``argmax``), and each offset's slice of ``x``."""
    parts, out = _offsets(xp, x, neutral(xp, select, x.dtype), p)
    slices = list(parts)
    if not slices or 0 in out:
        return xp.zeros(out, dtype=xp.int64), slices, out
    best, which = slices[0], xp.zeros(out, dtype=xp.int64)
    floating = numpy_dtype(xp, x.dtype).kind == "f"
    for k, part in enumerate(slices[1:], start=1):
        better = part > best if select == "max" else part < best
        if floating:
            better = better | (xp.isnan(part) & ~xp.isnan(best))
        best = xp.where(better, part, best)
        which = xp.where(better, xp.full_like(which, k), which)
    return which, slices, out


def _select_and_gather_add(xp: Any, t: Any, x: Any, *, select: str, **p: Any) -> Any:
    which, _, out = _selection(xp, x, select, p)
    picked = xp.zeros(out, dtype=t.dtype)
    t_parts, _ = _offsets(xp, t, 0, p)
    if 0 in out:
        return picked
    for k, part in enumerate(t_parts):
        picked = xp.where(which == k, part, picked)
    return picked


def _select_and_scatter_add(xp: Any, ct: Any, x: Any, *, select: str, **p: Any) -> Any:
    which, _, out = _selection(xp, x, select, p)
    padding, dilation = p["padding"], p["base_dilation"]
    sizes = [
        (0 if n == 0 else 1 + d * (n - 1)) + lo + hi
        for n, d, (lo, hi) in zip(x.shape, dilation, padding, strict=True)
    ]
    acc = xp.zeros(tuple(sizes), dtype=ct.dtype)
    if 0 not in out:
        zero = xp.zeros((), dtype=ct.dtype)
        for k, offset in enumerate(itertools.product(*map(range, p["window_dimensions"]))):
            mine = xp.where(which == k, ct, zero)
            # placed at the offset's positions: start, then every stride, in the padded shape
            config = []
            for o, d, n, s, size in zip(
                offset, p["window_dilation"], out, p["window_strides"], sizes
            ):
                start = o * d
                config.append((start, size - start - (n - 1) * s - 1, s - 1))
            acc = acc + pad(xp, mine, 0, config)
    # back from the dilated and padded shape to the operand's: regrow what padding cropped,
    # drop the padding, keep every dilation-th element
    acc = pad(xp, acc, 0, [(max(-lo, 0), max(-hi, 0), 0) for lo, hi in padding])
    index = tuple(
        slice(max(lo, 0), max(lo, 0) + (0 if n == 0 else 1 + d * (n - 1)), d)
        for (lo, _), n, d in zip(padding, x.shape, dilation, strict=True)
    )
    return acc[index]


WINDOW_RULES: dict[Primitive, NamespaceRule] = {
    win.reduce_window_sum_p: _reduce("sum"),
    win.reduce_window_max_p: _reduce("max"),
    win.reduce_window_min_p: _reduce("min"),
    win.select_and_gather_add_p: _select_and_gather_add,
    win.select_and_scatter_add_p: _select_and_scatter_add,
}
