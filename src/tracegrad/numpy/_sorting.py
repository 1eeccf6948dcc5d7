"""``tracegrad.numpy.sort`` and ``argsort``: always stable, so that traced and eager calls
order ties alike (as ``jax.numpy``); ``kind`` is accepted and ignored."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy.frontend import numpy_when_eager
from tracegrad.ops import sorting
from tracegrad.ops import structural as st

__all__ = ["sort", "argsort"]


def _prepare(name: str, a: Any, axis: int | None, order: Any) -> tuple[Any, int]:
    if order is not None:
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: order= (sorting structured arrays "
            "by field) is not supported on traced values."
        )
    x = operand(a)
    if axis is None:
        return st.reshape(x, (get_aval(x).size,)), 0
    return x, st.canonical_axis(axis, get_aval(x).ndim)


def _np_argsort_stable(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    if np.ndim(a) == 0 and axis is not None:
        axis = None  # NumPy flattens a 0-d array here whatever the axis
    return np.argsort(a, axis=axis, kind="stable", order=order)


@numpy_when_eager(np.sort)
def sort(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    """A sorted copy of an array along ``axis`` (flattened if None); NaNs sort last.

    Differentiable: the derivative follows the sorting permutation, and at tied values it
    is averaged over the tie (the minimum-norm subgradient, as ties in ``max``).

    >>> sort(np.array([[3, 1], [0, 2]]), axis=0)
    array([[0, 1],
           [3, 2]])
    """
    x, axis_ = _prepare("sort", a, axis, order)
    return sorting.sort(x, axis_)


@numpy_when_eager(_np_argsort_stable)
def argsort(
    a: Any,
    axis: int | None = -1,
    kind: str | None = None,
    order: Any = None,
    *,
    stable: bool | None = None,
) -> Any:
    """The indices that sort an array along ``axis`` (flattened if None), ties in order.

    >>> argsort(np.array([2.0, 1.0, 2.0, 0.0]))
    array([3, 1, 0, 2])
    """
    x = operand(a)
    if get_aval(x).ndim == 0 and axis is not None:
        axis = None  # as NumPy, which flattens a 0-d array whatever the axis
    x, axis_ = _prepare("argsort", x, axis, order)
    return sorting.argsort(x, axis_)


TRACER_METHODS: dict[str, Any] = {
    # Tracers are immutable: x.sort() returns the sorted array (as in JAX), not None.
    "sort": sort.__wrapped_traced__,  # type: ignore[attr-defined]
    "argsort": argsort.__wrapped_traced__,  # type: ignore[attr-defined]
}
