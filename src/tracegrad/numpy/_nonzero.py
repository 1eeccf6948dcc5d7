"""The indices of nonzero elements (``nonzero``, ``flatnonzero``, ``argwhere``, the
one-argument ``where``) and their count (``count_nonzero``). The indices' length depends on
the values: it is read from them when they are known (eagerly, under ``grad``), and is
JAX's ``size=`` under ``jit``, the missing entries then ``fill_value`` (0 by default, or
one value per dimension)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._joining import stack
from tracegrad.numpy._reductions import sum as sum_
from tracegrad.numpy._setops import _compact, _count
from tracegrad.numpy._ufuncs_compare import not_equal
from tracegrad.numpy.frontend import (
    numpy_unless,
    numpy_when_eager,
)


def _fills(fill_value: Any, ndim: int) -> list[Any]:
    if fill_value is None:
        return [0] * ndim
    if isinstance(fill_value, Sequence | np.ndarray) and np.ndim(fill_value) == 1:
        if len(fill_value) != ndim:
            raise ValueError(
                f"fill_value must be a scalar or a tuple of length {ndim}; got {fill_value}"
            )
        return list(fill_value)
    if np.ndim(fill_value) != 0:
        raise ValueError(f"fill_value must be a scalar or a tuple of length {ndim}")
    return [fill_value] * ndim


@numpy_unless(np.nonzero, "size", "fill_value")
def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    """The indices of the nonzero elements, one array per dimension. Their number depends
    on the values: a traced argument needs a known value (as under ``grad``), or JAX's
    ``size=`` (the first ``size`` indices, the rest ``fill_value``).

    >>> nonzero(np.array([0, 3, 0, 4]))
    (array([1, 3]),)
    >>> nonzero(np.array([[0, 3], [5, 0]]), size=3, fill_value=-1)
    (array([ 0,  1, -1]), array([ 1,  0, -1]))
    """
    x = operand(a)
    shape = get_aval(x).shape
    if not shape:
        raise ValueError(
            "Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() "
            "instead."
        )
    if size is None and fill_value is not None:
        raise ValueError("fill_value may only be given together with size")
    flat = x.ravel()
    keep = not_equal(flat, np.zeros((), get_aval(flat).dtype))
    if size is None:
        mask = np.asarray(concrete(keep, "nonzero (its result's size depends on the values)"))
        return np.nonzero(mask.reshape(shape))
    n = _count(keep, size, "nonzero")
    coords = np.unravel_index(np.arange(int(np.prod(shape))), shape)
    fills = _fills(fill_value, len(shape))
    return tuple(_compact(c, keep, n, f) for c, f in zip(coords, fills, strict=True))


@numpy_unless(np.flatnonzero, "size", "fill_value")
def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The indices of the nonzero elements of the flattened array (values needed, or
    ``size=``, as ``nonzero``).

    >>> flatnonzero(np.array([[0, 1], [2, 0]]))
    array([1, 2])
    """
    return nonzero(operand(a).ravel(), size=size, fill_value=fill_value)[0]


@numpy_unless(np.argwhere, "size", "fill_value")
def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The indices of the nonzero elements, one row per element (values needed, or
    ``size=``, as ``nonzero``).

    >>> argwhere(np.array([0, 3, 4]))
    array([[1],
           [2]])
    """
    x = operand(a)
    if not get_aval(x).shape:
        rows = nonzero(x.reshape(1), size=size, fill_value=fill_value)[0]
        return stack([rows], axis=1)[:, :0]  # NumPy's (k, 0) for a 0-d input
    return stack(nonzero(x, size=size, fill_value=fill_value), axis=1)


@numpy_when_eager(np.count_nonzero)
def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """The number of nonzero elements (along ``axis``), as ``intp``.

    >>> count_nonzero(np.array([[0, 1], [2, 0]]), axis=0)
    array([1, 1])
    """
    nonzero = not_equal(operand(a), 0)
    return sum_(nonzero, axis=axis, keepdims=keepdims, dtype=np.intp)
