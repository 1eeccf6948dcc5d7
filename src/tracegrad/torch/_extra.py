"""More recorded operations: ``clamp``/``clip``, ``where``, ``prod``, ``cumsum``,
``var``/``std``, ``gather``, ``split``/``chunk``, ``repeat``, and unary in-place methods
(``abs_ exp_ neg_ ...``). Each is one node named as PyTorch names it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import _arith, dtypes
from tracegrad.torch._common import (
    cast,
    dims_arg,
    np_dtype,
    result_dtype,
    sizes_arg,
    value_dtype,
)
from tracegrad.torch._views import commit, mark_multi, recorded, write
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap_dim

# ---- clamp and where -----------------------------------------------------------------------


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


# ---- reductions and scans ------------------------------------------------------------------

PROD_ALL = Op("ProdBackward0", lambda x, dtype: tnp.prod(cast(x, dtype)))
PROD_DIM = Op(
    "ProdBackward1",
    lambda x, axis, keepdims, dtype: tnp.prod(cast(x, dtype), axis=axis, keepdims=keepdims),
)


def _cumsum_fn(x: Any, axis: int, dtype: np.dtype[Any]) -> Any:
    x = cast(x, dtype)
    return tnp.cumsum(x, axis=axis) if x.ndim else x  # a 0-d tensor is its own cumsum


CUMSUM = Op("CumsumBackward0", _cumsum_fn)


def _int_to_long(input: Tensor, dtype: Any) -> np.dtype[Any]:
    d = np_dtype(dtype)
    if d is not None:
        return d
    vd = value_dtype(input)
    return dtypes.int64.np if vd.category <= dtypes.INT else vd.np


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of all elements, or along ``dim``; integers multiply as int64.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2], [3, 4]]).prod(1)
    tensor([ 2, 12])
    """
    d = _int_to_long(input, dtype)
    if dim is None:
        return apply(PROD_ALL, (input,), dtype=d)
    axis = wrap_dim(dim, input._value.ndim)
    return apply(PROD_DIM, (input,), axis=axis, keepdims=bool(keepdim), dtype=d)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sums along ``dim``; integers sum as int64.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2, 3]).cumsum(0)
    tensor([1, 3, 6])
    """
    d = _int_to_long(input, dtype)
    return apply(CUMSUM, (input,), axis=wrap_dim(dim, input._value.ndim), dtype=d)


def _moment_fn(x: Any, axes: Any, ddof: Any, keepdims: bool, root: bool) -> Any:
    v = tnp.var(x, axis=axes, ddof=ddof, keepdims=keepdims)
    return tnp.sqrt(v) if root else v


VAR = Op("VarBackward0", _moment_fn)
STD = Op("StdBackward0", _moment_fn)


def _moment(
    root: bool, input: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any
) -> Tensor:
    if isinstance(dim, bool):  # var(x, False): the old (input, unbiased) signature
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if value_dtype(input).category < dtypes.FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = dims_arg(dim, input._value.ndim)
    return apply(
        STD if root else VAR, (input,), axes=axes, ddof=correction, keepdims=bool(keepdim),
        root=root,
    )  # fmt: skip


def var(
    input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
    correction: Any = None,
) -> Tensor:  # fmt: skip
    """The variance (Bessel's correction by default: ``correction=1``).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).var(), torch.tensor([1.0, 3.0]).var(correction=0)
    (tensor(1.6667), tensor(1.))
    """
    return _moment(False, input, dim, unbiased, keepdim, correction)


def std(
    input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
    correction: Any = None,
) -> Tensor:  # fmt: skip
    """The standard deviation (``correction=1`` by default).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 3.0], [2.0, 2.0]]).std(1, unbiased=False)
    tensor([1., 0.])
    """
    return _moment(True, input, dim, unbiased, keepdim, correction)


# ---- gather, split, repeat -----------------------------------------------------------------


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


def slice_fn(x: Any, axis: int, start: int, stop: int) -> Any:
    """``x[start:stop]`` along ``axis`` (a view of a NumPy array)."""
    return x[(slice(None),) * axis + (slice(start, stop),)]


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


REPEAT = Op("RepeatBackward0", lambda x, reps: tnp.tile(x, reps))


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """``input`` tiled ``sizes`` times along each dim (new leading dims allowed).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    reps = sizes_arg(sizes)
    if len(reps) < input._value.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    return apply(REPEAT, (input,), reps=reps)


# ---- unary in-place methods ----------------------------------------------------------------


def _unary_inplace(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        def compute() -> Tensor:
            out = fn(self, *args, **kwargs)
            if out._value.dtype != self._value.dtype:
                raise RuntimeError(
                    f"result type {dtypes.scalar_name(value_dtype(out))} can't be cast to the "
                    f"desired output type {dtypes.scalar_name(value_dtype(self))}"
                )
            return out

        other = next((a for a in args if isinstance(a, Tensor) and a.requires_grad), None)
        if recorded(self, other):
            return commit(self, compute)
        return write(self, compute()._value)

    method.__name__ = fn.__name__ + "_"
    return method


_INPLACE: dict[str, Callable[..., Tensor]] = {
    "abs_": _unary_inplace(_arith.abs), "neg_": _unary_inplace(_arith.neg),
    "exp_": _unary_inplace(_arith.exp), "log_": _unary_inplace(_arith.log),
    "sin_": _unary_inplace(_arith.sin), "cos_": _unary_inplace(_arith.cos),
    "tanh_": _unary_inplace(_arith.tanh), "sigmoid_": _unary_inplace(_arith.sigmoid),
    "relu_": _unary_inplace(_arith.relu), "sqrt_": _unary_inplace(_arith.sqrt),
    "square_": _unary_inplace(_arith.square), "pow_": _unary_inplace(_arith.pow),
    "clamp_": _unary_inplace(clamp), "clip_": _unary_inplace(clamp),
    **{
        f"{name}_": _unary_inplace(getattr(_arith, name))
        for name in (
            "floor", "ceil", "round", "sign", "log1p", "expm1", "exp2", "log2", "log10", "tan",
            "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "erf", "erfinv",
            "reciprocal", "rsqrt", "trunc",
        )
    },
}  # fmt: skip


def _split_method(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    return split(self, split_size, dim)


TENSOR_METHODS: dict[str, Any] = {
    "clamp": clamp, "clip": clamp, "where": lambda self, cond, other: where(cond, self, other),
    "prod": prod, "cumsum": cumsum, "var": var, "std": std, "gather": gather,
    "split": _split_method, "chunk": chunk, "repeat": repeat, **_INPLACE,
}  # fmt: skip

__all__ = [
    "chunk", "clamp", "cumsum", "gather", "prod", "repeat", "split", "std", "var", "where",
]  # fmt: skip
