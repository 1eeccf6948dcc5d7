"""Smaller operations users' scripts reach for: ``clamp_min``/``clamp_max``, ``movedim``,
``diag``, ``lerp``, ``nansum``, ``isinf``/``isposinf``/``isneginf``, ``count_nonzero`` and
``nonzero``. Each differentiable one records one node named as PyTorch names it, its
function written with ``tracegrad.numpy`` (the derivative is the core's)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast, dims_arg, result_dtype
from tracegrad.torch._select_ops import _clamp_fn
from tracegrad.torch._shape import permute
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim

CLAMP_MIN = (Op("ClampMinBackward0", _clamp_fn), Op("ClampMinBackward1", _clamp_fn))
CLAMP_MAX = (Op("ClampMaxBackward0", _clamp_fn), Op("ClampMaxBackward1", _clamp_fn))


def _clamp_one(ops: tuple[Op, Op], input: Tensor, bound: Any, is_min: bool) -> Tensor:
    d = result_dtype(input, bound)
    tensor_bound = isinstance(bound, Tensor)
    b = bound if tensor_bound else np.asarray(bound, d.np)
    x = input if input.dtype is d else input.to(d)  # type: ignore[attr-defined]
    return apply(ops[tensor_bound], (x, b), has_min=is_min, has_max=not is_min)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``, recorded as PyTorch's ``ClampMinBackward``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([-1.0, 2.0]).clamp_min(0.0)
    tensor([0., 2.])
    """
    return _clamp_one(CLAMP_MIN, input, min, True)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``, recorded as PyTorch's ``ClampMaxBackward``."""
    return _clamp_one(CLAMP_MAX, input, max, False)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """``input`` with the dimensions ``source`` moved to ``destination`` (a permutation).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3, 4).movedim(0, -1).shape
    torch.Size([3, 4, 2])
    """
    n = input._value.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src, dst = [wrap_dim(d, n) for d in src], [wrap_dim(d, n) for d in dst]
    rest = iter(d for d in range(n) if d not in src)
    order = dict(zip(dst, src, strict=True))
    return permute(input, *(order[i] if i in order else next(rest) for i in range(n)))


DIAG_EMBED = Op("DiagEmbedBackward0", lambda v, k: tnp.diag(v, k))
DIAGONAL = Op("DiagonalBackward0_copy", lambda a, k: tnp.diagonal(a, k).copy())


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """The matrix with the vector ``input`` on its ``diagonal``, or the ``diagonal`` of the
    matrix ``input``.

    >>> import tracegrad.torch as torch
    >>> torch.diag(torch.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    if input._value.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input._value.ndim}D")
    op = DIAG_EMBED if input._value.ndim == 1 else DIAGONAL
    return apply(op, (input,), k=int(diagonal))


def _lerp_fn(start: Any, end: Any, weight: Any, dtype: np.dtype[Any]) -> Any:
    # PyTorch's kernel: from the start below weight 1/2, from the end above it.
    start, end, weight = cast(start, dtype), cast(end, dtype), cast(weight, dtype)
    diff = end - start
    return tnp.where(tnp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


LERP_SCALAR = Op("LerpBackward0", _lerp_fn)
LERP_TENSOR = Op("LerpBackward1", _lerp_fn)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``input + weight * (end - input)``, computed as PyTorch computes it.

    >>> import tracegrad.torch as torch
    >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    d = input.dtype
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype is not d:
            raise RuntimeError(f"expected dtype {dtypes.cpp_name(d)} for `{name}` but got "
                               f"dtype {dtypes.cpp_name(other.dtype)}")  # fmt: skip
    tensor_weight = isinstance(weight, Tensor)
    w = weight if tensor_weight else np.asarray(weight, d.np)
    op = LERP_TENSOR if tensor_weight else LERP_SCALAR
    return apply(op, (input, end, w), dtype=d.np)


NANSUM = Op("NansumBackward0", lambda x, axes, keepdims, dtype: tnp.nansum(
    x, axis=axes, keepdims=keepdims, dtype=dtype))  # fmt: skip


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum of the elements that are not NaN (integers sum as int64).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, float("nan"), 2.0]).nansum()
    tensor(3.)
    """
    v = input._value
    d = np.dtype(np.int64) if v.dtype.kind in "biu" else v.dtype
    if dtype is not None:
        d = dtype.np
    axes = dims_arg(dim, v.ndim)
    return apply(NANSUM, (input,), axes=axes, keepdims=bool(keepdim), dtype=d)


def isinf(input: Tensor) -> Tensor:
    """Elementwise test for an infinity of either sign."""
    return wrap(np.isinf(input._value))


def isposinf(input: Tensor) -> Tensor:
    """Elementwise test for positive infinity."""
    return wrap(np.isposinf(input._value))


def isneginf(input: Tensor) -> Tensor:
    """Elementwise test for negative infinity."""
    return wrap(np.isneginf(input._value))


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (along ``dim``), as int64.

    >>> import tracegrad.torch as torch
    >>> torch.count_nonzero(torch.tensor([[0, 1], [2, 0]]), dim=0)
    tensor([1, 1])
    """
    axes = dims_arg(dim, input._value.ndim)
    return wrap(np.asarray(np.count_nonzero(input._value, axis=axes), np.int64))


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: one row per element (``as_tuple=False``) or one
    tensor per dimension.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[0, 3], [4, 0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
    """
    v = input._value
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(v)))
    rows = np.argwhere(v).astype(np.int64)
    return wrap(rows.reshape(rows.shape[0], v.ndim))


BINCOUNT = Op("NotImplemented", lambda w, counts: counts, undefined="bincount")


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """The number of occurrences of each value of the 1-d non-negative integer ``input``
    (the sum of their ``weights``: float32 for float32 weights, else float64).

    >>> import tracegrad.torch as torch
    >>> torch.bincount(torch.tensor([0, 2, 2]), minlength=4)
    tensor([1, 0, 2, 0])
    """
    v = input._value
    if v.dtype.kind == "f":
        name = dtypes.scalar_name(input.dtype)
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{name}'")
    if v.ndim != 1 or v.dtype.kind not in "iu" or (v.size and v.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return wrap(np.bincount(v, minlength=minlength).astype(np.int64))
    d = np.float32 if weights.dtype is dtypes.float32 else np.float64
    counts = np.bincount(v, weights._value.astype(d), minlength=minlength).astype(d)
    return apply(BINCOUNT, (weights, counts))


TENSOR_METHODS: dict[str, Any] = {
    "bincount": bincount,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "movedim": movedim, "moveaxis": movedim,
    "diag": diag, "lerp": lerp, "nansum": nansum, "isinf": isinf, "isposinf": isposinf,
    "isneginf": isneginf, "count_nonzero": count_nonzero, "nonzero": nonzero,
}  # fmt: skip
