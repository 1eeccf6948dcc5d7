"""Index arrays and index helpers: ``tril_indices`` and kin, ``diag_indices``,
``mask_indices``, ``indices``, ``mgrid``/``ogrid``, ``s_``/``index_exp``, ``ix_``,
``ravel_multi_index`` and ``unravel_index``.

The index constructors depend on sizes only, so they return NumPy's arrays (constants in a
traced program); ``ix_``, ``ravel_multi_index`` and ``unravel_index`` also take traced
indices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._ufuncs import clip, floor_divide, mod, where
from tracegrad.numpy.frontend import contains_tracer, numpy_when_eager

tril_indices = np.tril_indices
triu_indices = np.triu_indices
diag_indices = np.diag_indices
mask_indices = np.mask_indices
indices = np.indices
mgrid = np.mgrid
ogrid = np.ogrid
s_ = np.s_
index_exp = np.index_exp


def _two_d_shape(arr: Any) -> tuple[int, ...]:
    shape = tuple(get_aval(operand(arr)).shape) if contains_tracer(arr) else np.shape(arr)
    if len(shape) != 2:
        raise ValueError("input array must be 2-d")
    return shape


def tril_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the lower triangle of the 2-d ``arr`` (its shape is all that counts).

    >>> tril_indices_from(np.zeros((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    n, m = _two_d_shape(arr)
    return np.tril_indices(n, k, m)


def triu_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the upper triangle of the 2-d ``arr``.

    >>> triu_indices_from(np.zeros((2, 3)), 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    n, m = _two_d_shape(arr)
    return np.triu_indices(n, k, m)


def diag_indices_from(arr: Any) -> tuple[np.ndarray, ...]:
    """The indices of the main diagonal of ``arr``, whose dimensions are all equal.

    >>> diag_indices_from(np.zeros((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    shape = tuple(get_aval(operand(arr)).shape) if contains_tracer(arr) else np.shape(arr)
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return np.diag_indices(shape[0], len(shape))


def ix_(*args: Any) -> tuple[Any, ...]:
    """Open-mesh index arrays from 1-d sequences (boolean ones by their nonzero entries):
    the ``k``-th has its values along axis ``k``.

    >>> [a.shape for a in ix_(np.array([0, 1]), np.array([2, 3, 4]))]
    [(2, 1), (1, 3)]
    """
    if not contains_tracer(list(args)):
        return np.ix_(*args)
    out = []
    n = len(args)
    for k, a in enumerate(args):
        x = operand(a)
        if get_aval(x).ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if get_aval(x).dtype == np.bool_:
            x = np.flatnonzero(np.asarray(concrete(x, "ix_ of a boolean mask")))
        shape = [1] * n
        shape[k] = get_aval(operand(x)).shape[0]
        out.append(operand(x).reshape(tuple(shape)))
    return tuple(out)


def _strides(dims: Sequence[int], order: str) -> list[int]:
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    sizes = list(dims) if order == "C" else list(dims)[::-1]
    strides = [int(np.prod(sizes[i + 1 :], dtype=np.int64)) for i in range(len(sizes))]
    return strides if order == "C" else strides[::-1]


@numpy_when_eager(np.ravel_multi_index)
def ravel_multi_index(
    multi_index: Sequence[Any], dims: Sequence[int], mode: Any = "raise", order: str = "C"
) -> Any:
    """The flat indices of the coordinate arrays ``multi_index`` in an array of shape
    ``dims``; ``mode`` (``'raise'``, ``'wrap'``, ``'clip'``, or one per axis) handles
    out-of-bounds coordinates (``'raise'`` needs their values).

    >>> ravel_multi_index((np.array([0, 1]), np.array([2, 0])), (2, 3))
    array([2, 3])
    """
    dims = tuple(int(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    modes = [mode] * len(dims) if isinstance(mode, str) else list(mode)
    flat: Any = 0
    for idx, d, m, stride in zip(multi_index, dims, modes, _strides(dims, order), strict=True):
        i = operand(idx)
        if get_aval(i).dtype.kind not in "iu":
            raise TypeError("only int indices permitted")
        if m == "raise":
            v = np.asarray(concrete(i, "ravel_multi_index with mode='raise' (use 'clip')"))
            if np.any((v < 0) | (v >= d)):
                raise ValueError("invalid entry in coordinates array")
        elif m == "wrap":
            i = mod(i, d)
        elif m == "clip":
            i = clip(i, 0, d - 1)
        else:
            raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {m!r})")
        flat = flat + i.astype(np.intp) * stride
    return flat


@numpy_when_eager(np.unravel_index)
def unravel_index(indices: Any, shape: Sequence[int], order: str = "C") -> tuple[Any, ...]:
    """The coordinate arrays of the flat ``indices`` in an array of ``shape``. Out-of-range
    indices raise when their values are known; traced ones are clipped, as JAX does.

    >>> unravel_index(np.array([2, 5]), (2, 3))
    (array([0, 1]), array([2, 2]))
    """
    shape = (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)
    i = operand(indices)
    if get_aval(i).dtype.kind not in "iu":
        raise TypeError("only int indices permitted")
    size = int(np.prod(shape, dtype=np.int64))
    known = i.to_concrete_value() if isinstance(i, Tracer) else i
    if known is not None:
        bad = np.asarray(known)[(np.asarray(known) < 0) | (np.asarray(known) >= size)]
        if bad.size:
            raise ValueError(f"index {bad[0]} is out of bounds for array with size {size}")
    i = clip(where(i < 0, i + size, i), 0, size - 1).astype(np.intp)
    strides = _strides(shape, order)
    return tuple(mod(floor_divide(i, s), d) for s, d in zip(strides, shape, strict=True))
