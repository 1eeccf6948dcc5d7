"""Selecting and writing by value, mask or index: ``clamp``/``clip``, ``where``,
``masked_fill``/``masked_select``, ``sort``/``argsort``/``topk``, ``index_select``,
``gather``, ``scatter``/``scatter_add``/``index_add`` and their in-place forms. Indices are
found on the concrete values; each operation's function then gathers or writes with
``tracegrad.numpy``, so its derivative comes from the core's rules."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import (
    cast,
    result_dtype,
    value_dtype,
)
from tracegrad.torch._inplace import _unary_inplace
from tracegrad.torch._reduce import _ReturnType
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim

# ---- masked_fill and masked_select ---------------------------------------------------------


def _check_mask(mask: Any, name: str) -> np.ndarray[Any, Any]:
    m = mask._value if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{dtypes.cpp_name(dtypes.from_numpy_dtype(m.dtype))}")  # fmt: skip
    return m


def _masked_fill_fn(x: Any, mask: Any, value: Any) -> Any:
    return tnp.where(mask, cast(value, x.dtype), x)


MASKED_FILL = Op("MaskedFillBackward0", _masked_fill_fn)
MASKED_FILL_TENSOR = Op("MaskedFillBackward1", _masked_fill_fn)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is True (broadcast), else ``input``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, 2.0, 3.0]).masked_fill(torch.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    m = _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value._value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._value.ndim} dimension(s)."
            )
        return apply(MASKED_FILL_TENSOR, (input, m, value))
    return apply(MASKED_FILL, (input, m, np.asarray(value, input._value.dtype)))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-d tensor.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2], [3, 4]]).masked_select(torch.tensor([True, False]))
    tensor([1, 3])
    """
    m = _check_mask(mask, "masked_select:")
    shape = np.broadcast_shapes(input._value.shape, m.shape)
    where = np.nonzero(np.broadcast_to(m, shape))
    return apply(MASKED_SELECT, (input, *where), shape=shape)


MASKED_SELECT = Op(
    "MaskedSelectBackward0",
    lambda x, *where, shape: tnp.broadcast_to(x, shape)[where] if where else tnp.ravel(x),
    meta_from=1,
)

# ---- sort, argsort, topk -------------------------------------------------------------------


class _SortReturn(_ReturnType):
    kind = "sort"


class _TopkReturn(_ReturnType):
    kind = "topk"


def _order(v: np.ndarray[Any, Any], axis: int, descending: bool) -> np.ndarray[Any, Any]:
    if v.ndim == 0:
        return np.zeros((), np.int64)
    key = v.astype(np.int8) if v.dtype == np.bool_ else v
    return np.argsort(-key if descending else key, axis=axis, kind="stable").astype(np.int64)


def _take_fn(x: Any, idx: Any, axis: int) -> Any:
    return tnp.take_along_axis(x, idx, axis=axis) if x.ndim else x


SORT = Op("SortBackward0", _take_fn, meta_from=1)
TOPK = Op("TopkBackward0", _take_fn, meta_from=1)


def sort(
    input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
) -> _SortReturn:
    """``(values, indices)`` sorted along ``dim`` (ties keep their order).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([3, 1, 2]).sort(descending=True).indices
    tensor([0, 2, 1])
    """
    v = input._value
    axis = wrap_dim(dim, v.ndim)
    idx = _order(v, axis, bool(descending))
    return _SortReturn(apply(SORT, (input, idx), axis=axis), wrap(idx))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``.

    >>> import tracegrad.torch as torch
    >>> torch.argsort(torch.tensor([3.0, 1.0, 2.0]))
    tensor([1, 2, 0])
    """
    v = input._value
    return wrap(_order(v, wrap_dim(dim, v.ndim), bool(descending)))


def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> _TopkReturn:
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, 5.0, 3.0]).topk(2)
    torch.return_types.topk(
    values=tensor([5., 3.]),
    indices=tensor([1, 2]))
    """
    v = input._value
    axis = wrap_dim(dim, v.ndim)
    n = v.shape[axis] if v.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    idx = _order(v, axis, bool(largest))
    idx = idx[(slice(None),) * axis + (slice(0, k),)] if v.ndim else idx
    return _TopkReturn(apply(TOPK, (input, idx), axis=axis), wrap(idx))


# ---- index_select, scatter, index_add ------------------------------------------------------


def _index(index: Tensor, name: str) -> np.ndarray[Any, Any]:
    i = index._value
    if i.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return i.astype(np.int64, copy=False)


INDEX_SELECT = Op("IndexSelectBackward0", lambda x, idx, axis: tnp.take(x, idx, axis=axis))


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at ``index`` (a 1-d int64 tensor).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2, 3]]).index_select(1, torch.tensor([2, 0]))
    tensor([[3, 1]])
    """
    v, i = input._value, index._value
    if i.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if i.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    axis = wrap_dim(dim, v.ndim)
    n = v.shape[axis] if v.ndim else 1
    if i.size and (i.min() < -n or i.max() >= n):
        raise IndexError("index out of range in self")
    return apply(INDEX_SELECT, (input, i.reshape(-1).astype(np.int64)), axis=axis)


def _scatter_fn(x: Any, src: Any, idx: Any, axis: int, shape: tuple[int, ...], add: bool) -> Any:
    grid: list[Any] = list(np.indices(shape, sparse=True))
    grid[axis] = idx
    where = tuple(grid)
    if src.ndim:
        src = src[tuple(slice(0, s) for s in shape)]
    src = cast(src, x.dtype)
    return tnp.at(x)[where].add(src) if add else tnp.at(x)[where].set(src)


SCATTER = Op("ScatterBackward0", _scatter_fn)
SCATTER_VALUE = Op("ScatterBackward1", _scatter_fn)
SCATTER_ADD = Op("ScatterAddBackward0", _scatter_fn)


def _check_scatter(name: str, v: Any, idx: Any, axis: int, src: Any) -> None:
    if idx.ndim != v.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for d, (s, n) in enumerate(zip(idx.shape, v.shape, strict=True)):
        if (d != axis and s > n) or (src is not None and src.ndim and s > src.shape[d]):
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be no larger than self {list(v.shape)} "
                f"apart from dimension {axis} and to be no larger size than src "
                f"{list(src.shape if src is not None else v.shape)}"
            )
    n = v.shape[axis] if v.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise RuntimeError(
            f"index {int(idx.max())} is out of bounds for dimension {axis} with size {n}"
        )


def _scatter(input: Tensor, dim: int, index: Tensor, src: Any, add: bool) -> Tensor:
    v = input._value
    idx = _index(index, "scatter" if not add else "scatter_add")
    axis = wrap_dim(dim, v.ndim)
    sv = src._value if isinstance(src, Tensor) else None
    _check_scatter("scatter", v, idx, axis, sv)
    if sv is not None and sv.dtype != v.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    op = SCATTER_ADD if add else (SCATTER if sv is not None else SCATTER_VALUE)
    value = src if sv is not None else np.asarray(src, v.dtype)
    return apply(op, (input, value, idx), axis=axis, shape=idx.shape, add=add)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: Any = None) -> Tensor:  # fmt: skip
    """``input`` with ``out[index[i][j]][j] = src[i][j]`` (for ``dim=0``); ``src`` may be a
    number.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 2).scatter(0, torch.tensor([[1, 0]]), 5.0)
    tensor([[0., 5.],
            [5., 0.]])
    """
    if reduce is not None:
        raise NotImplementedError("tracegrad.torch.scatter: reduce= (use scatter_add or "
                                  "scatter_reduce)")  # fmt: skip
    return _scatter(input, dim, index, value if src is None else src, False)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` with ``out[index[i][j]][j] += src[i][j]`` (for ``dim=0``).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(3).scatter_add(0, torch.tensor([0, 0, 2]), torch.ones(3))
    tensor([2., 0., 1.])
    """
    return _scatter(input, dim, index, src, True)


def _index_add_fn(x: Any, src: Any, idx: Any, axis: int, alpha: Any) -> Any:
    src = cast(src, x.dtype)
    if alpha != 1:
        src = tnp.multiply(src, cast(np.asarray(alpha), x.dtype))
    where = (slice(None),) * axis + (idx,)
    return tnp.at(x)[where].add(src)


INDEX_ADD = Op("IndexAddBackward0", _index_add_fn)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``input`` with ``alpha * source`` added at the slices ``index`` along ``dim``.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(3).index_add(0, torch.tensor([0, 0]), torch.tensor([1.0, 2.0]))
    tensor([3., 0., 0.])
    """
    v, s = input._value, source._value
    i = index._value
    if i.dtype.kind not in "iu":
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index")
    if i.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    axis = wrap_dim(dim, v.ndim)
    if s.dtype != v.dtype:
        raise RuntimeError(
            f"index_add_(): self ({dtypes.scalar_name(value_dtype(input))}) and source "
            f"({dtypes.scalar_name(value_dtype(source))}) must have the same scalar type"
        )
    n = v.shape[axis] if v.ndim else 1
    if i.size and (i.min() < -n or i.max() >= n):
        raise IndexError("index out of range in self")
    return apply(INDEX_ADD, (input, source, i.reshape(-1).astype(np.int64)), axis=axis,
                 alpha=alpha)  # fmt: skip


def _clamp_fn(x: Any, *bounds: Any, has_min: bool, has_max: bool) -> Any:
    # where(), not maximum/minimum: PyTorch passes the whole gradient at x == min or max
    # (maximum's ties would split it).
    k = 0
    if has_min:
        lo = bounds[k]
        x = tnp.where(x < lo, cast(lo, x.dtype), x)
        k += 1
    if has_max:
        hi = bounds[k]
        x = tnp.where(x > hi, cast(hi, x.dtype), x)
    return x


CLAMP_SCALAR = Op("ClampBackward1", _clamp_fn)


CLAMP_TENSOR = Op("ClampBackward0", _clamp_fn)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit the elements to ``[min, max]``; the gradient passes where ``min <= x <= max``
    (the bounds included, as PyTorch).

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x.clamp(2, 2.5).sum().backward()
    >>> x.grad
    tensor([0., 1., 0.])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    tensor_bounds = any(isinstance(b, Tensor) for b in bounds)
    d = result_dtype(input, *bounds)
    arrays = [b if isinstance(b, Tensor) else np.asarray(b, d.np) for b in bounds]
    x = input if value_dtype(input) is d else input.to(d)  # type: ignore[attr-defined]
    op = CLAMP_TENSOR if tensor_bounds else CLAMP_SCALAR
    return apply(op, (x, *arrays), has_min=min is not None, has_max=max is not None)


def _where_fn(cond: Any, x: Any, y: Any, dtype: np.dtype[Any]) -> Any:
    return tnp.where(cond, cast(x, dtype), cast(y, dtype))


WHERE = Op("WhereBackward0", _where_fn)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other`` (numbers allowed).

    >>> import tracegrad.torch as torch
    >>> torch.where(torch.tensor([True, False]), torch.tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    d = result_dtype(input, other)
    a = input if isinstance(input, Tensor) else np.asarray(input, d.np)
    b = other if isinstance(other, Tensor) else np.asarray(other, d.np)
    return apply(WHERE, (condition._value.astype(bool, copy=False), a, b), dtype=d.np)


def _gather_fn(x: Any, idx: Any, axis: int, shape: tuple[int, ...]) -> Any:
    # PyTorch's index may be smaller than the input off ``axis``: take that corner first.
    corner = tuple(slice(None) if i == axis else slice(0, s) for i, s in enumerate(shape))
    return tnp.take_along_axis(x[corner], idx, axis=axis)


GATHER = Op("GatherBackward0", _gather_fn)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1`` (and so on for other dims).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2], [3, 4]]).gather(1, torch.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    v, idx = input._value, index._value
    if idx.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    axis = wrap_dim(dim, v.ndim)
    if idx.ndim != v.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for i, (s, n) in enumerate(zip(idx.shape, v.shape, strict=True)):
        if i != axis and s > n:
            raise RuntimeError(
                f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                f"smaller than self {list(v.shape)} apart from dimension {axis}"
            )
    if idx.size and (idx.min() < -v.shape[axis] or idx.max() >= v.shape[axis]):
        raise RuntimeError(f"index {int(idx.max())} is out of bounds for dimension {axis} "
                           f"with size {v.shape[axis]}")  # fmt: skip
    # The index tensor itself when it is int64, so that changing it in place is detected.
    arg = index if idx.dtype == np.int64 else idx.astype(np.int64)
    return apply(GATHER, (input, arg), axis=axis, shape=idx.shape)


TENSOR_METHODS: dict[str, Any] = {
    "masked_fill": masked_fill, "masked_select": masked_select, "sort": sort,
    "argsort": argsort, "topk": topk, "index_select": index_select, "scatter": scatter,
    "scatter_add": scatter_add, "index_add": index_add,
    "masked_fill_": _unary_inplace(masked_fill), "scatter_": _unary_inplace(scatter),
    "scatter_add_": _unary_inplace(scatter_add), "index_add_": _unary_inplace(index_add),
    "clamp": clamp, "clip": clamp, "where": lambda self, cond, other: where(cond, self, other),
    "gather": gather, "clamp_": _unary_inplace(clamp), "clip_": _unary_inplace(clamp),
}  # fmt: skip
