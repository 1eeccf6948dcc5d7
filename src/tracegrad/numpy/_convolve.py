"""``convolve`` and ``correlate`` (1-d, as NumPy), and the N-d correlation on the
``conv_general_dilated`` primitive that they and ``tracegrad.scipy.signal`` share: each
output is computed directly (no full result sliced afterwards)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.numpy.frontend import numpy_when_eager, promote_dtypes
from tracegrad.ops.convolution import ConvDimensionNumbers, conv_general_dilated
from tracegrad.ops.elementwise import conj
from tracegrad.ops.shapes import rev
from tracegrad.ops.structural import reshape


def correlate_window(x: Any, kernel: Any, starts: Sequence[int], out_shape: Sequence[int]) -> Any:
    """``out[k] = sum_j x[k + s + j - (m - 1)] * kernel[j]`` for ``k`` in ``out_shape``, with
    ``s = starts`` (the offset into the full correlation), zeros outside ``x``; ``x`` and
    ``kernel`` have one dtype and one number of dimensions.

    >>> correlate_window(np.arange(4.0), np.ones(2), (1,), (3,))
    array([1., 3., 5.])
    """
    xs, ks = get_aval(x).shape, get_aval(kernel).shape
    pads = tuple(
        (m - 1 - s, o - n + s) for n, m, s, o in zip(xs, ks, starts, out_shape, strict=True)
    )
    iota = tuple(range(len(xs) + 2))
    out = conv_general_dilated(
        reshape(x, (1, 1, *xs)),
        reshape(kernel, (1, 1, *ks)),
        (1,) * len(xs),
        pads,
        (1,) * len(xs),
        (1,) * len(xs),
        ConvDimensionNumbers(iota, iota, iota),
    )
    return reshape(out, tuple(out_shape))


def _operands(name: str, a: Any, v: Any) -> tuple[Any, Any, int, int]:
    a, v = promote_dtypes(a, v)
    sa, sv = get_aval(a).shape, get_aval(v).shape
    if len(sa) != 1 or len(sv) != 1:
        raise ShapeError(
            f"{name}() only supports 1-dimensional inputs, got shapes {sa} and {sv}; use "
            f"tracegrad.scipy.signal.{name} for N-dimensional arrays."
        )
    for arg, shape in (("a", sa), ("v", sv)):
        if shape[0] == 0:
            raise ValueError(f"{arg} cannot be empty")
    return a, v, sa[0], sv[0]


def _mode_window(mode: str, n: int, m: int, same_offset: int) -> tuple[int, int]:
    """(offset into the full result, length) of NumPy's ``mode``."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return same_offset, max(n, m)
    if mode == "valid":
        return min(n, m) - 1, max(n, m) - min(n, m) + 1
    raise ValueError(f"mode must be one of 'full', 'same', or 'valid', got {mode!r}")


@numpy_when_eager(np.convolve)
def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-d arrays, as ``numpy.convolve``.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "same")
    array([1. , 2.5, 4. ])
    """
    a, v, n, m = _operands("convolve", a, v)
    start, length = _mode_window(mode, n, m, (min(n, m) - 1) // 2)
    return correlate_window(a, rev(v, (0,)), (start,), (length,))


@numpy_when_eager(np.correlate)
def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation ``c[k] = sum_n a[n + k] * conj(v[n])`` of two 1-d arrays, as
    ``numpy.correlate`` (default mode 'valid').

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, v, n, m = _operands("correlate", a, v)
    # NumPy correlates a longer v by swapping the operands, which moves 'same' by one.
    same = (min(n, m) - 1) // 2 if n >= m else min(n, m) // 2
    start, length = _mode_window(mode, n, m, same)
    kernel = conj(v) if get_aval(v).dtype.kind == "c" else v
    return correlate_window(a, kernel, (start,), (length,))
