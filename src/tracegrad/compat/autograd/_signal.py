"""``autograd.scipy.signal.convolve(A, B, axes=None, dot_axes=[(), ()], mode='full')``.

>>> import tracegrad.compat.autograd.scipy.signal as signal
>>> signal.convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
array([1., 3., 2.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tracegrad.scipy.signal as _signal

_NO_DOT: Sequence[Sequence[int]] = ((), ())


def convolve(
    A: Any,
    B: Any,
    axes: Sequence[Sequence[int]] | None = None,
    dot_axes: Sequence[Sequence[int]] = _NO_DOT,
    mode: str = "full",
) -> Any:
    """autograd's convolution; over all axes (``axes=None``, no ``dot_axes``) only, here."""
    if axes is not None or any(len(d) for d in dot_axes):
        raise NotImplementedError(
            "autograd.scipy.signal.convolve with axes= or dot_axes= is not provided by "
            f"tracegrad.compat.autograd (got axes={axes!r}, dot_axes={dot_axes!r}): use "
            "tracegrad.lax.conv_general_dilated, or convolve over all axes"
        )
    if mode not in ("full", "valid"):
        raise ValueError(f"Unrecognized mode {mode!r}: autograd's convolve has 'full' and 'valid'")
    return _signal.convolve(A, B, mode=mode)
