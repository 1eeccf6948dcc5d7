"""Reductions (``sum mean max min amax amin argmax argmin prod var std`` with
``dim``/``keepdim``), the scan ``cumsum``, and matrix products (``matmul mm bmm dot @``) on
tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._arith import maximum, minimum
from tracegrad.torch._common import (
    cast,
    check_broadcast,
    dims_arg,
    np_dtype,
    value_dtype,
)
from tracegrad.torch.graph import Op, apply, record
from tracegrad.torch.printing import tensor_repr
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim

# ---- sum and mean --------------------------------------------------------------------------


def _sum_fn(x: Any, axes: tuple[int, ...] | None, keepdims: bool, dtype: np.dtype[Any]) -> Any:
    x = cast(x, dtype)
    if type(x) is np.ndarray:  # NumPy's reduce itself: np.sum's Python wrapper costs 1 µs
        return _ADD_REDUCE(x, axis=axes, keepdims=keepdims)
    return tnp.sum(x, axis=axes, keepdims=keepdims)


_ADD_REDUCE: Any = np.add.reduce


def _mean_fn(x: Any, axes: tuple[int, ...] | None, keepdims: bool, dtype: np.dtype[Any]) -> Any:
    return tnp.mean(cast(x, dtype), axis=axes, keepdims=keepdims)


SUM_ALL = Op("SumBackward0", _sum_fn)
SUM_DIM = Op("SumBackward1", _sum_fn)
MEAN_ALL = Op("MeanBackward0", _mean_fn)
MEAN_DIM = Op("MeanBackward1", _mean_fn)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over all elements or over ``dim`` (an int or a tuple); integers sum as int64.

    >>> import tracegrad.torch as torch
    >>> torch.sum(torch.tensor([[1, 2], [3, 4]]), dim=1, keepdim=True)
    tensor([[3],
            [7]])
    """
    d = np_dtype(dtype)
    if d is None:
        vd = value_dtype(input)
        d = dtypes.int64.np if vd.category <= dtypes.INT else vd.np
    if dim is None:
        return apply(SUM_ALL, (input,), axes=None, keepdims=False, dtype=d)
    axes = dims_arg(dim, input._value.ndim)
    return apply(SUM_DIM, (input,), axes=axes, keepdims=bool(keepdim), dtype=d)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over all elements or over ``dim``; the input must be floating or complex.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(0)
    tensor([2.0000, 3.5000])
    """
    d = np_dtype(dtype) or value_dtype(input).np
    if dtypes.from_numpy_dtype(d).category < dtypes.FLOAT:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {dtypes.scalar_name(dtypes.from_numpy_dtype(d))}"
        )
    if dim is None:
        return apply(MEAN_ALL, (input,), axes=None, keepdims=False, dtype=d)
    axes = dims_arg(dim, input._value.ndim)
    return apply(MEAN_DIM, (input,), axes=axes, keepdims=bool(keepdim), dtype=d)


# ---- max and min ---------------------------------------------------------------------------


class _ReturnType(tuple[Any, ...]):
    """``torch.return_types.max``-like pair ``(values, indices)``."""

    kind = "max"

    def __new__(cls, values: Tensor, indices: Tensor) -> _ReturnType:
        return super().__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        v: Tensor = self[0]
        return v

    @property
    def indices(self) -> Tensor:
        i: Tensor = self[1]
        return i

    def __repr__(self) -> str:
        return (
            f"torch.return_types.{self.kind}(\nvalues={tensor_repr(self[0])},\n"
            f"indices={tensor_repr(self[1])})"
        )


class _MaxReturn(_ReturnType):
    kind = "max"


class _MinReturn(_ReturnType):
    kind = "min"


def _select_fn(x: Any, idx: Any, axis: int, keepdims: bool) -> Any:
    out = tnp.take_along_axis(x, idx, axis=axis)
    return out if keepdims else tnp.squeeze(out, axis=axis)


MAX_ALL = Op("MaxBackward1", lambda x: tnp.max(x))
MIN_ALL = Op("MinBackward1", lambda x: tnp.min(x))
MAX_DIM = Op("MaxBackward0", _select_fn)
MIN_DIM = Op("MinBackward0", _select_fn)
AMAX = Op("AmaxBackward0", lambda x, axes, keepdims: tnp.max(x, axis=axes, keepdims=keepdims))
AMIN = Op("AminBackward0", lambda x, axes, keepdims: tnp.min(x, axis=axes, keepdims=keepdims))


def _extreme(kind: str, input: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        return maximum(input, dim) if kind == "max" else minimum(input, dim)
    v = input._value
    if v.size == 0:
        raise RuntimeError(
            f"{kind}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    if dim is None:
        return apply(MAX_ALL if kind == "max" else MIN_ALL, (input,))
    axis = wrap_dim(dim, v.ndim)
    if v.ndim == 0:
        idx = np.zeros((), np.int64)
        return (_MaxReturn if kind == "max" else _MinReturn)(apply(_IDENTITY, (input,)), wrap(idx))
    arg = np.argmax if kind == "max" else np.argmin
    idx = np.expand_dims(arg(v, axis=axis), axis).astype(np.int64)
    # The gradient goes to the selected element only, as PyTorch's max(dim) does.
    values = apply(
        MAX_DIM if kind == "max" else MIN_DIM, (input, idx), axis=axis, keepdims=bool(keepdim)
    )
    indices = wrap(idx if keepdim else np.squeeze(idx, axis))
    return (_MaxReturn if kind == "max" else _MinReturn)(values, indices)


_IDENTITY = Op("AliasBackward0", lambda x: x)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The maximum of all elements (ties share the gradient evenly), ``(values, indices)``
    along ``dim`` (the gradient goes to the index returned), or, given a tensor as second
    argument, the elementwise maximum.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    torch.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))
    """
    return _extreme("max", input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """As ``max``, for the minimum.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([3.0, 1.0, 2.0]).min()
    tensor(1.)
    """
    return _extreme("min", input, dim, keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 4.0], [3.0, 2.0]]).amax(dim=1)
    tensor([4., 3.])
    """
    axes = dims_arg(dim, input._value.ndim)
    return apply(AMAX, (input,), axes=axes, keepdims=bool(keepdim))


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all dims by default); ties share the gradient evenly.

    >>> import tracegrad.torch as torch
    >>> torch.amin(torch.tensor([[1.0, 4.0], [3.0, 2.0]]))
    tensor(1.)
    """
    axes = dims_arg(dim, input._value.ndim)
    return apply(AMIN, (input,), axes=axes, keepdims=bool(keepdim))


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The index of the maximum (of the flattened tensor without ``dim``).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 4.0], [3.0, 2.0]]).argmax(dim=1)
    tensor([1, 0])
    """
    v = input._value
    if dim is None:
        return wrap(np.asarray(np.argmax(v), np.int64))
    axis = wrap_dim(dim, v.ndim)
    return wrap(np.argmax(v, axis=axis, keepdims=bool(keepdim)).astype(np.int64))


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The index of the minimum (of the flattened tensor without ``dim``).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([3.0, 1.0, 2.0]).argmin()
    tensor(1)
    """
    v = input._value
    if dim is None:
        return wrap(np.asarray(np.argmin(v), np.int64))
    axis = wrap_dim(dim, v.ndim)
    return wrap(np.argmin(v, axis=axis, keepdims=bool(keepdim)).astype(np.int64))


# ---- norms and logical reductions ----------------------------------------------------------


def _vector_norm_fn(x: Any, axes: tuple[int, ...] | None, keepdims: bool, ord: Any) -> Any:
    shape = x.shape
    axes = tuple(range(len(shape))) if axes is None else axes
    kept = [i for i in range(len(shape)) if i not in axes]
    # The reduced dims are flattened into one last axis: a vector norm over all of them.
    moved = tnp.transpose(x, (*kept, *axes)) if axes else x
    flat = tnp.reshape(moved, (*(shape[i] for i in kept), -1))
    out = tnp.linalg.norm(flat, ord=ord, axis=-1)
    if keepdims:
        out = tnp.reshape(out, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return out


VECTOR_NORM = Op("LinalgVectorNormBackward0", _vector_norm_fn)


def norm(
    input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """The vector ``p``-norm over ``dim`` (all elements by default); its derivative at 0 is
    0, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[3.0, 4.0], [0.0, 0.0]]).norm(dim=1)
    tensor([5., 0.])
    """
    d = np_dtype(dtype) or value_dtype(input).np
    if dtypes.from_numpy_dtype(d).category < dtypes.FLOAT:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{dtypes.scalar_name(dtypes.from_numpy_dtype(d))}"
        )
    ord = 2 if p in ("fro", None) else p
    if isinstance(ord, str):
        raise NotImplementedError(f"tracegrad.torch.norm: p={p!r} (matrix norms)")
    axes = dims_arg(dim, input._value.ndim)
    x = input if d == input._value.dtype else apply(_TO, (input,), dtype=d)
    return apply(VECTOR_NORM, (x,), axes=axes, keepdims=bool(keepdim), ord=ord)


_TO = Op("ToCopyBackward0", lambda x, dtype: x.astype(dtype))


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether all elements (along ``dim``) are nonzero.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[True, False], [True, True]]).all(dim=1)
    tensor([False,  True])
    """
    axes = dims_arg(dim, input._value.ndim)
    return wrap(np.asarray(np.all(input._value, axis=axes, keepdims=bool(keepdim))))


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether any element (along ``dim``) is nonzero.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([0.0, 2.0]).any()
    tensor(True)
    """
    axes = dims_arg(dim, input._value.ndim)
    return wrap(np.asarray(np.any(input._value, axis=axes, keepdims=bool(keepdim))))


# ---- matrix products -----------------------------------------------------------------------


def _matmul_name(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """The grad_fn PyTorch's matmul leaves, which depends on how it folds the shapes."""
    na, nb = len(a), len(b)
    if na == 1 and nb == 1:
        return "DotBackward0"
    if na == 2 and nb == 1:
        return "MvBackward0"
    if na == 1 and nb == 2:
        return "SqueezeBackward4"
    if na == 2 and nb == 2:
        return "MmBackward0"
    if na == 2 and nb >= 3:
        return "TransposeBackward0" if a[0] == 1 else "CloneBackward0"
    if na == 3 and nb == 3 and a[0] == 1 and b[0] != 1:
        return "CloneBackward0"
    return "UnsafeViewBackward0"


_MATMUL_OPS: dict[str, Op] = {}


def _matmul_op(name: str) -> Op:
    op = _MATMUL_OPS.get(name)
    if op is None:
        op = _MATMUL_OPS[name] = Op(name, tnp.matmul)
    return op


_MM = _matmul_op("MmBackward0")


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def _check_same_dtype(a: Tensor, b: Tensor, what: str) -> None:
    da, db = value_dtype(a), value_dtype(b)
    if da is not db:
        if what == "dot":
            raise RuntimeError(
                "dot : expected both vectors to have same dtype, but found "
                f"{dtypes.scalar_name(da)} and {dtypes.scalar_name(db)}"
            )
        if what == "bmm":
            raise RuntimeError(
                f"expected scalar type {dtypes.scalar_name(da)} but found {dtypes.scalar_name(db)}"
            )
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {dtypes.cpp_name(da)} != "
            f"{dtypes.cpp_name(db)}"
        )


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with NumPy's rules for 1-D and batched operands (``@``).

    >>> import tracegrad.torch as torch
    >>> a = torch.ones(2, 3, requires_grad=True)
    >>> (a @ torch.ones(3, 4)).grad_fn.name()
    'MmBackward0'
    """
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    va, vb = input._value, other._value
    a, b = va.shape, vb.shape
    # h @ w of one float dtype: np.matmul, which tnp.matmul would call, directly.
    direct = len(a) == len(b) == 2 and a[1] == b[0] and va.dtype == vb.dtype
    if direct and va.dtype.kind in "fc" and type(va) is type(vb) is np.ndarray:
        return record(_MM, (input, other), [va, vb], np.matmul(va, vb), {})
    if len(a) == 0 or len(b) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a)}D and {len(b)}D"
        )
    _check_same_dtype(input, other, "dot" if len(a) == len(b) == 1 else "mm")
    if len(a) == 1 and len(b) == 1 and a != b:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the "
            f"same number of elements, but got {a[0]} and {b[0]} elements respectively"
        )
    if len(a) == 2 and len(b) == 2 and a[1] != b[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(a)} and {_dims(b)})")
    if len(a) == 2 and len(b) == 1 and a[1] != b[0]:
        raise RuntimeError(f"size mismatch, got input ({a[0]}), mat ({_dims(a)}), vec ({b[0]})")
    inner = b[-2] if len(b) > 1 else b[0]
    if a[-1] != inner:
        rows = int(np.prod(a[:-1]))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{a[-1]} and "
            f"{_dims(b if len(b) <= 2 else (inner, b[-1]))})"
        )
    check_broadcast(a[:-2], b[:-2])
    return apply(_matmul_op(_matmul_name(a, b)), (input, other))


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices.

    >>> import tracegrad.torch as torch
    >>> torch.mm(torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[1., 2.],
            [3., 4.]])
    """
    if input._value.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._value.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_same_dtype(input, mat2, "mm")
    a, b = input._value.shape, mat2._value.shape
    if a[1] != b[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(a)} and {_dims(b)})")
    return apply(_matmul_op("MmBackward0"), (input, mat2))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """The products of two batches of matrices, ``(b, n, m) @ (b, m, p)``.

    >>> import tracegrad.torch as torch
    >>> torch.bmm(torch.ones(2, 1, 3), torch.ones(2, 3, 1)).shape
    torch.Size([2, 1, 1])
    """
    if input._value.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._value.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_same_dtype(input, mat2, "bmm")
    a, b = input._value.shape, mat2._value.shape
    if a[0] != b[0] or a[2] != b[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a[0]}, {a[2]}] "
            f"but got: [{b[0]}, {b[1]}]."
        )
    return apply(_matmul_op("BmmBackward0"), (input, mat2))


def dot(input: Tensor, other: Tensor) -> Tensor:
    """The inner product of two 1-D tensors.

    >>> import tracegrad.torch as torch
    >>> torch.dot(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input._value.ndim != 1 or other._value.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._value.ndim}D and {other._value.ndim}D tensors"
        )
    return matmul(input, other)


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


TENSOR_METHODS: dict[str, Any] = {
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin, "norm": norm, "all": all, "any": any,
    "matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot,
    "__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self),
    "prod": prod, "cumsum": cumsum, "var": var, "std": std,
}  # fmt: skip
