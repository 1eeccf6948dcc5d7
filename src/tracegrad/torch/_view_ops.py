"""View operations not covered by indexing and reshaping: ``narrow``, ``select``,
``diagonal``, ``real``, ``imag``, ``split`` and ``chunk``. Each returns views sharing its
input's storage."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch._common import (
    sizes_arg,
)
from tracegrad.torch._indexing import select_along
from tracegrad.torch._views import mark_multi
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap_dim


def _diagonal_fn(x: Any, offset: int, axis1: int, axis2: int) -> Any:
    if not isinstance(x, np.ndarray):
        return tnp.diagonal(x, offset, axis1, axis2)
    # NumPy's diagonal is read-only: the same view, writable, from the diagonal's first element.
    first = [slice(None)] * x.ndim
    first[axis2 if offset >= 0 else axis1] = slice(abs(offset), None)
    start = x[tuple(first)]
    d = np.diagonal(start, 0, axis1, axis2)
    return np.lib.stride_tricks.as_strided(start, d.shape, d.strides)


def _part_fn(x: Any, part: str) -> Any:
    if isinstance(x, np.ndarray):
        return x.real if part == "real" else x.imag
    return tnp.real(x) if part == "real" else tnp.imag(x)


def slice_fn(x: Any, axis: int, start: int, stop: int) -> Any:
    """``x[start:stop]`` along ``axis`` (a view of a NumPy array)."""
    return x[(slice(None),) * axis + (slice(start, stop),)]


NARROW = Op("SliceBackward0", slice_fn, view=True)
DIAGONAL = Op("DiagonalBackward0", _diagonal_fn, view=True)
PART = Op("SelectBackward0", _part_fn, view=True)  # PyTorch: select of view_as_real


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view of ``length`` elements of ``input`` along ``dim`` from ``start``.

    >>> import tracegrad.torch as torch
    >>> torch.arange(5).narrow(0, 1, 3)
    tensor([1, 2, 3])
    """
    v = input._value
    axis = wrap_dim(dim, v.ndim)
    n = v.shape[axis]
    s = int(start) + n if int(start) < 0 else int(start)
    if not (0 <= s <= n and 0 <= int(length) <= n - s):
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return apply(NARROW, (input,), axis=axis, start=s, stop=s + int(length))


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view of ``input`` at ``index`` along ``dim`` (that dim removed).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2], [3, 4]]).select(1, 0)
    tensor([1, 3])
    """
    v = input._value
    axis = wrap_dim(dim, v.ndim)
    n = v.shape[axis]
    if not -n <= int(index) < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(v.shape)} at "
            f"dimension {axis}"
        )
    return select_along(input, axis, int(index) % n, "SelectBackward0")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal of ``input`` in dims ``dim1`` and ``dim2`` (appended last).

    >>> import tracegrad.torch as torch
    >>> torch.arange(4.0).reshape(2, 2).diagonal()
    tensor([0., 3.])
    """
    n = input._value.ndim
    a1, a2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (input,), offset=int(offset), axis1=a1, axis2=a2)


def _part(input: Tensor, part: str) -> Tensor:
    if input._value.dtype.kind != "c":
        if part == "real":
            return input
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(PART, (input,), part=part)


def real(input: Tensor) -> Tensor:
    """The real part of a complex tensor, as a view (a real tensor itself).

    >>> import tracegrad.torch as torch
    >>> torch.real(torch.tensor([1 + 2j]))
    tensor([1.])
    """
    return _part(input, "real")


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor, as a view.

    >>> import tracegrad.torch as torch
    >>> torch.imag(torch.tensor([1 + 2j]))
    tensor([2.])
    """
    return _part(input, "imag")


SPLIT = Op("SplitBackward0", slice_fn, view=True)


SPLIT_SIZES = Op("SplitWithSizesBackward0", slice_fn, view=True)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the sizes of a
    list.

    >>> import tracegrad.torch as torch
    >>> torch.arange(5).split(2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    v = tensor._value
    axis = wrap_dim(dim, v.ndim)
    n = v.shape[axis]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")  # fmt: skip
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
        op = SPLIT
    else:
        sizes = list(sizes_arg((split_size_or_sections,)))
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {axis}), but got split_sizes={sizes}"
            )
        op = SPLIT_SIZES
    bounds = np.cumsum([0, *sizes]).tolist()
    return mark_multi(
        tuple(
            apply(op, (tensor,), axis=axis, start=a, stop=b) for a, b in itertools.pairwise(bounds)
        )
    )


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of equal size along ``dim`` (the last may be smaller).

    >>> import tracegrad.torch as torch
    >>> [c.tolist() for c in torch.arange(5).chunk(3)]
    [[0, 1], [2, 3], [4]]
    """
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._value.shape[wrap_dim(dim, input._value.ndim)]
    return split(input, max(math.ceil(n / chunks), 1), dim)


def _split_method(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    return split(self, split_size, dim)


TENSOR_METHODS: dict[str, Any] = {
    "narrow": narrow, "select": select, "diagonal": diagonal,
    "real": property(real), "imag": property(imag),
    "split": _split_method, "chunk": chunk,
}  # fmt: skip
