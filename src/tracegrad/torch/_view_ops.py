"""View operations not covered by indexing and reshaping: ``narrow``, ``select``,
``diagonal``, ``real`` and ``imag``. Each returns a view sharing its input's storage."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch._extra import slice_fn
from tracegrad.torch._indexing import select_along
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


TENSOR_METHODS: dict[str, Any] = {
    "narrow": narrow, "select": select, "diagonal": diagonal,
    "real": property(real), "imag": property(imag),
}  # fmt: skip
