"""``tracegrad.scipy.integrate``: the trapezoidal rule, as ``jax.scipy.integrate``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as tnp
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.numpy.frontend import promote_inexact as _promote_inexact


def _areas(y: _Any, x: _Any, dx: _Any, axis: int) -> _Any:
    """The trapezoids' areas along ``axis`` (one fewer than the samples)."""
    (y,) = _promote_inexact(y)
    y = tnp.moveaxis(y, axis, -1)
    if x is None:
        widths: _Any = dx
    else:
        (x,) = _promote_inexact(x)
        x = tnp.moveaxis(x, axis, -1) if _get_aval(x).ndim > 1 else x
        widths = tnp.diff(x, axis=-1)
    return widths * (y[..., 1:] + y[..., :-1]) / 2


def trapezoid(y: _Any, x: _Any = None, dx: _Any = 1.0, axis: int = -1) -> _Any:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x``
    (1-D, or of ``y``'s shape) or evenly spaced by ``dx``.

    >>> trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0]))
    np.float64(6.5)
    """
    return tnp.sum(_areas(y, x, dx, axis), axis=-1)


def cumulative_trapezoid(
    y: _Any, x: _Any = None, dx: _Any = 1.0, axis: int = -1, initial: _Any = None
) -> _Any:
    """The running integrals of ``trapezoid`` along ``axis``; ``initial`` (0 only, as SciPy)
    is prepended if given.

    >>> cumulative_trapezoid(np.array([1.0, 2.0, 3.0]), initial=0)
    array([0. , 1.5, 4. ])
    """
    out = tnp.cumsum(_areas(y, x, dx, axis), axis=-1)
    if initial is not None:
        if initial != 0:
            raise ValueError("`initial` must be `None` or `0`.")
        out = tnp.concatenate([tnp.zeros_like(out[..., :1]), out], axis=-1)
    return tnp.moveaxis(out, -1, axis)


__all__ = _public_names(globals())
