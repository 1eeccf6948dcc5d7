"""Shape functions on tensors (``reshape view permute transpose t T squeeze unsqueeze
flatten expand cat stack repeat``), copies and dtype conversions (``clone contiguous to
float``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import (
    cast,
    dims_arg,
    result_dtype,
    sizes_arg,
)
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap_dim

# ---- reshape and view ----------------------------------------------------------------------

VIEW = Op("ViewBackward0", lambda x, shape: tnp.reshape(x, shape), view=True)
UNSAFE_VIEW = Op("UnsafeViewBackward0", lambda x, shape: tnp.reshape(x, shape))
# reshape of a non-contiguous tensor that can still be a view
RESHAPE_ALIAS = Op("ReshapeAliasBackward0", lambda x, shape: tnp.reshape(x, shape), view=True)


def _infer_shape(shape: tuple[int, ...], size: int) -> tuple[int, ...]:
    """``shape`` with its -1 filled in; RuntimeError worded as PyTorch's when impossible."""
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        out = list(shape)
        out[unknown[0]] = size // known
        return tuple(out)
    if known != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


def _is_view(v: np.ndarray[Any, Any], shape: tuple[int, ...]) -> bool:
    """Whether ``v`` can take ``shape`` without a copy (as PyTorch's view can)."""
    if v.flags.c_contiguous:
        return True
    try:
        np.reshape(v, shape, copy=False)
    except ValueError:
        return False
    except TypeError:  # NumPy before 2.1: no copy= argument; be conservative
        return False
    return True


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with a new shape (one entry may be -1).

    >>> import tracegrad.torch as torch
    >>> torch.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    v = input._value
    new = _infer_shape(sizes_arg(shape, "shape"), v.size)
    if v.flags.c_contiguous:
        return apply(VIEW, (input,), shape=new)
    return apply(RESHAPE_ALIAS if _is_view(v, new) else UNSAFE_VIEW, (input,), shape=new)


def view(input: Tensor, *shape: Any) -> Tensor:
    """As ``reshape``, but only where no copy is needed (else RuntimeError, as PyTorch).
    ``view(dtype)`` is not supported.

    >>> import tracegrad.torch as torch
    >>> torch.arange(4.0).view(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        raise NotImplementedError("tracegrad.torch: Tensor.view(dtype) is not supported")
    v = input._value
    new = _infer_shape(sizes_arg(shape, "shape"), v.size)
    if not _is_view(v, new):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return apply(VIEW, (input,), shape=new)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` to ``end_dim`` into one (a 1-D input is returned as is).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3, 4).flatten(1).shape
    torch.Size([2, 12])
    """
    v = input._value
    if v.ndim == 0:
        return reshape(input, 1)
    start, end = wrap_dim(start_dim, v.ndim), wrap_dim(end_dim, v.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = (*v.shape[:start], math.prod(v.shape[start : end + 1]), *v.shape[end + 1 :])
    return reshape(input, shape)


# ---- permutations --------------------------------------------------------------------------

PERMUTE = Op("PermuteBackward0", lambda x, axes: tnp.transpose(x, axes), view=True)
TRANSPOSE = Op("TransposeBackward0", lambda x, axes: tnp.transpose(x, axes), view=True)
T_OP = Op("TBackward0", lambda x, axes: tnp.transpose(x, axes), view=True)


def permute(input: Tensor, *dims: Any) -> Tensor:
    """The dimensions of ``input`` in the order ``dims``.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3, 4).permute(2, 0, 1).shape
    torch.Size([4, 2, 3])
    """
    n = input._value.ndim
    order = sizes_arg(dims, "dims")
    if len(order) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{n} is not equal to len(dims) = {len(order)}"
        )
    axes = tuple(wrap_dim(d, n) for d in order)
    if len(set(axes)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(PERMUTE, (input,), axes=axes)


def _swap_axes(n: int, d0: int, d1: int) -> tuple[int, ...]:
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return tuple(axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input`` with dims ``dim0`` and ``dim1`` swapped.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3, 4).transpose(0, 2).shape
    torch.Size([4, 3, 2])
    """
    n = input._value.ndim
    if n == 0:
        wrap_dim(dim0, 0), wrap_dim(dim1, 0)
        return apply(TRANSPOSE, (input,), axes=())
    axes = _swap_axes(n, wrap_dim(dim0, n), wrap_dim(dim1, n))
    return apply(TRANSPOSE, (input,), axes=axes)


def t(input: Tensor) -> Tensor:
    """The transpose of a tensor of at most 2 dimensions.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2]]).t()
    tensor([[1],
            [2]])
    """
    n = input._value.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return apply(T_OP, (input,), axes=tuple(reversed(range(n))))


def _T(input: Tensor) -> Tensor:
    return apply(PERMUTE, (input,), axes=tuple(reversed(range(input._value.ndim))))


def _mT(input: Tensor) -> Tensor:
    n = input._value.ndim
    if n < 2:
        raise RuntimeError(
            f"tensor.mT is only supported on matrices or batches of matrices. Got {n}-D tensor."
        )
    return apply(TRANSPOSE, (input,), axes=_swap_axes(n, n - 2, n - 1))


# ---- squeeze, unsqueeze, expand ------------------------------------------------------------

SQUEEZE_ALL = Op("SqueezeBackward0", lambda x, shape: tnp.reshape(x, shape), view=True)
SQUEEZE_DIM = Op("SqueezeBackward1", lambda x, shape: tnp.reshape(x, shape), view=True)
SQUEEZE_DIMS = Op("SqueezeBackward2", lambda x, shape: tnp.reshape(x, shape), view=True)
UNSQUEEZE = Op("UnsqueezeBackward0", lambda x, shape: tnp.reshape(x, shape), view=True)
EXPAND = Op("ExpandBackward0", lambda x, shape: tnp.broadcast_to(x, shape), view=True)


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Drop dims of size 1 (all, or those of ``dim`` that have size 1).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(1, 2, 1).squeeze().shape, torch.zeros(1, 2, 1).squeeze(0).shape
    (torch.Size([2]), torch.Size([2, 1]))
    """
    shape = input._value.shape
    if dim is None:
        return apply(SQUEEZE_ALL, (input,), shape=tuple(s for s in shape if s != 1))
    op = SQUEEZE_DIMS if isinstance(dim, Sequence) else SQUEEZE_DIM
    axes = dims_arg(dim, len(shape)) or ()
    new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return apply(op, (input,), shape=new)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (which may be ``input.dim()``).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3).unsqueeze(1).shape
    torch.Size([2, 1, 3])
    """
    shape = input._value.shape
    d = wrap_dim(dim, len(shape) + 1)
    return apply(UNSQUEEZE, (input,), shape=(*shape[:d], 1, *shape[d:]))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """``input`` broadcast to ``sizes`` (-1 keeps a dim), without copying.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2]).expand(2, -1)
    tensor([[1, 2],
            [1, 2]])
    """
    target = sizes_arg(sizes)
    shape = input._value.shape
    if len(target) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(target)}): the number of "
            "sizes provided ({len(target)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})"
        )
    lead = len(target) - len(shape)
    out = []
    for i, s in enumerate(target):
        old = shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            s = old
        if old != 1 and s != old:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({old}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(target)}.  Tensor sizes: "
                f"{list(shape)}"
            )
        out.append(s)
    return apply(EXPAND, (input,), shape=tuple(out))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to the shape of ``other``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1]).expand_as(torch.zeros(3)).shape
    torch.Size([3])
    """
    return expand(input, other._value.shape)


# ---- joining -------------------------------------------------------------------------------


def _cat_fn(*xs: Any, axis: int, dtype: np.dtype[Any]) -> Any:
    return tnp.concatenate([cast(x, dtype) for x in xs], axis=axis)


def _stack_fn(*xs: Any, axis: int, dtype: np.dtype[Any]) -> Any:
    return tnp.stack([cast(x, dtype) for x in xs], axis=axis)


CAT = Op("CatBackward0", _cat_fn)
STACK = Op("StackBackward0", _stack_fn)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (dtypes promoted as PyTorch promotes them).

    >>> import tracegrad.torch as torch
    >>> torch.cat([torch.tensor([1, 2]), torch.tensor([3.0])])
    tensor([1., 2., 3.])
    """
    ts = list(tensors)
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    n = ts[0]._value.ndim
    axis = wrap_dim(dim, n)
    ref = ts[0]._value.shape
    for k, x in enumerate(ts[1:], 1):
        s = x._value.shape
        if len(s) != n:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {n} and {len(s)}")
        for i in range(n):
            if i != axis and s[i] != ref[i]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref[i]} but got size {s[i]} for tensor number {k} in the list."
                )
    d = result_dtype(*ts)
    return apply(CAT, ts, axis=axis, dtype=d.np)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim.

    >>> import tracegrad.torch as torch
    >>> torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    ts = list(tensors)
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = ts[0]._value.shape
    for k, x in enumerate(ts[1:], 1):
        if x._value.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 "
                f"and {list(x._value.shape)} at entry {k}"
            )
    axis = wrap_dim(dim, len(ref) + 1)
    d = result_dtype(*ts)
    return apply(STACK, ts, axis=axis, dtype=d.np)


# ---- copies and conversions ----------------------------------------------------------------


def _copy(x: Any) -> Any:
    # Eagerly a fresh array; under tracing the value itself (a copy is the identity).
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


def _contiguous(x: Any) -> Any:
    return np.ascontiguousarray(x) if isinstance(x, np.ndarray) else x


CLONE = Op("CloneBackward0", _copy)
CONTIGUOUS = Op("CloneBackward0", _contiguous)
TO_COPY = Op("ToCopyBackward0", lambda x, dtype: x.astype(dtype))


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``input``, recorded (gradients flow through it).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0], requires_grad=True).clone()
    tensor([1.], grad_fn=<CloneBackward0>)
    """
    return apply(CLONE, (input,))


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself if C-contiguous, else a contiguous copy.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 3).t().contiguous().is_contiguous()
    True
    """
    if input._value.flags.c_contiguous:
        return input
    return apply(CONTIGUOUS, (input,))


def to_dtype(input: Tensor, dtype: Any, copy: bool = False) -> Tensor:
    """``input`` converted to ``dtype``: the tensor itself when it has it already.

    >>> import tracegrad.torch as torch
    >>> to_dtype(torch.tensor([1.5]), torch.int64)
    tensor([1])
    """
    d = dtypes.as_dtype(dtype)
    if d.np == input._value.dtype and not copy:
        return input
    return apply(TO_COPY, (input,), dtype=d.np)


def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``Tensor.to(dtype)``, ``to('cpu')``, ``to(other)``; devices other than the CPU raise.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2]).to(torch.float64)
    tensor([1., 2.], dtype=torch.float64)
    """
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("device", None)
    for a in args:
        if isinstance(a, dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, str) and a.split(":")[0] != "cpu":
            raise RuntimeError(f"tracegrad.torch runs on the CPU only; cannot move to {a!r}")
    if dtype is None:
        return clone(input) if copy else input
    return to_dtype(input, dtype, copy)


def type_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` converted to the dtype of ``other``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2]).type_as(torch.tensor(0.5))
    tensor([1., 2.])
    """
    return to_dtype(input, other.dtype)


def _converter(d: dtypes.dtype) -> Any:
    return lambda self, memory_format=None: to_dtype(self, d)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` viewed with the shape of ``other``.

    >>> import tracegrad.torch as torch
    >>> torch.arange(4).view_as(torch.zeros(2, 2)).shape
    torch.Size([2, 2])
    """
    return view(input, other._value.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to the shape of ``other``.

    >>> import tracegrad.torch as torch
    >>> torch.arange(4).reshape_as(torch.zeros(4, 1)).shape
    torch.Size([4, 1])
    """
    return reshape(input, other._value.shape)


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


TENSOR_METHODS: dict[str, Any] = {
    "reshape": reshape, "view": view, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "permute": permute, "transpose": transpose, "swapaxes": transpose,
    "t": t, "T": property(_T), "mT": property(_mT), "squeeze": squeeze,
    "unsqueeze": unsqueeze, "expand": expand, "expand_as": expand_as, "clone": clone,
    "contiguous": contiguous, "to": to, "type_as": type_as,
    "float": _converter(dtypes.float32), "double": _converter(dtypes.float64),
    "half": _converter(dtypes.float16), "bfloat16": _converter(dtypes.bfloat16),
    "long": _converter(dtypes.int64), "int": _converter(dtypes.int32),
    "short": _converter(dtypes.int16), "bool": _converter(dtypes.bool_),
    "cfloat": _converter(dtypes.complex64), "cdouble": _converter(dtypes.complex128),
    "repeat": repeat,
}  # fmt: skip
