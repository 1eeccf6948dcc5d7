"""``parameters_to_vector`` and ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracegrad.torch._data import type_name
from tracegrad.torch._shape import cat
from tracegrad.torch.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated into one vector (``CatBackward0``).

    >>> import tracegrad.torch as torch
    >>> torch.nn.utils.parameters_to_vector([torch.ones(2, 2), torch.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    return cat([p.reshape(-1) for p in parameters])  # type: ignore[attr-defined]


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' data (their shapes).

    >>> import tracegrad.torch as torch
    >>> w = torch.nn.Parameter(torch.zeros(2, 2))
    >>> torch.nn.utils.vector_to_parameters(torch.arange(4.0), [w]); w.data
    tensor([[0., 1.],
            [2., 3.]])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type_name(vec)}")
    pointer = 0
    flat: Any = vec
    for p in parameters:
        n = p._value.size
        piece = flat[pointer : pointer + n]
        p.data = piece.view_as(p).data
        pointer += n
