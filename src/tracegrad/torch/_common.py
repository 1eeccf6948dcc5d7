"""Helpers shared by the torch-level functions: operands with PyTorch's type promotion,
dtype casts inside operation functions, and ``dim`` arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.torch import dtypes
from tracegrad.torch.tensor import Tensor, wrap_dim

Operand = Tensor | np.ndarray[Any, Any]


def dtype_rank(x: Any) -> tuple[dtypes.dtype, int]:
    """An operand's dtype and its rank in promotion: 2 (tensor with dimensions), 1 (0-d
    tensor), 0 (Python or NumPy scalar)."""
    if isinstance(x, Tensor):
        v = x._value
        return dtypes.from_numpy_dtype(v.dtype), 2 if v.ndim else 1
    if isinstance(x, np.ndarray):
        return dtypes.from_numpy_dtype(x.dtype), 2 if x.ndim else 1
    return dtypes.scalar_dtype(x), 0


def result_dtype(*xs: Any) -> dtypes.dtype:
    """PyTorch's result dtype of an operation on ``xs`` (tensors and scalars).

    >>> from tracegrad.torch import tensor
    >>> result_dtype(tensor([1.0]), 2), result_dtype(tensor([1]), 2.5)
    (torch.float32, torch.float32)
    """
    first = xs[0]
    if isinstance(first, Tensor):  # the common case: one dtype, scalars of no higher kind
        d = first._value.dtype
        for x in xs[1:]:
            if isinstance(x, Tensor):
                if x._value.dtype != d:
                    break
            elif type(x) is float:
                if d.kind not in "fc":
                    break
            elif type(x) is not int or d.kind == "b":
                break
        else:
            return dtypes.from_numpy_dtype(d)
    return dtypes.result_type([dtype_rank(x) for x in xs])


def operand(x: Any, dtype: dtypes.dtype) -> Operand:
    """A tensor passes unchanged; a Python scalar becomes a 0-d array of ``dtype``, so it is
    an input of the recorded operation (not part of its signature)."""
    if isinstance(x, (Tensor, np.ndarray)):
        return x
    if isinstance(x, list | tuple):
        raise TypeError(
            f"expected a Tensor or a number as operand, got {type(x).__name__}; make it a "
            "tensor first with torch.tensor(...)"
        )
    if (type(x) is float and x != 0.0) or type(x) is int:  # not -0.0 == 0.0
        key = (x, dtype)
        a = _NUMBERS.get(key)
        if a is None:
            if len(_NUMBERS) >= 1024:
                _NUMBERS.clear()
            a = _NUMBERS[key] = np.asarray(x, dtype=dtype.np)
            a.flags.writeable = False
        return a
    return np.asarray(x, dtype=dtype.np)


# Python numbers as the 0-d arrays of a dtype that operations take, made once (read-only):
# ``x * lr`` in a loop converts ``lr`` once.
_NUMBERS: dict[tuple[Any, dtypes.dtype], np.ndarray[Any, Any]] = {}


def cast(x: Any, dtype: np.dtype[Any]) -> Any:
    """``x`` as ``dtype`` (arrays and tracers alike), unchanged if it has it already."""
    return x if x.dtype == dtype else x.astype(dtype)


def numpy_of(fn: Any) -> Any:
    """The NumPy function a ``tracegrad.numpy`` function calls when no transformation is
    active (``fn`` itself for other functions): operations call it directly on NumPy
    arrays, saving the dispatch.

    >>> import tracegrad.numpy as tnp
    >>> numpy_of(tnp.sin) is np.sin, numpy_of(abs) is abs
    (True, True)
    """
    return getattr(fn, "__wrapped_numpy__", fn)


def inexact(d: dtypes.dtype) -> dtypes.dtype:
    """``d``, or the default float dtype for integer and boolean ``d`` (as ``torch.sin``)."""
    return d if d.category >= dtypes.FLOAT else dtypes.get_default_dtype()


def value_dtype(x: Operand) -> dtypes.dtype:
    v = x._value if isinstance(x, Tensor) else x
    return dtypes.from_numpy_dtype(v.dtype)


def dims_arg(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """A ``dim`` argument (None, an int, or a sequence of ints) as sorted axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, Sequence) and not isinstance(dim, str):
        if len(dim) == 0:
            return None
        axes = sorted({wrap_dim(d, ndim) for d in dim})
        if len(axes) != len(dim):
            raise RuntimeError(
                f"dim {wrap_dim(dim[0], ndim)} appears multiple times in the list of dims"
            )
        return tuple(axes) if ndim else None
    return (wrap_dim(dim, ndim),) if ndim else None


def sizes_arg(args: tuple[Any, ...], name: str = "size") -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(torch.Size([2, 3]))`` -> ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], Sequence | np.ndarray | Tensor):
        args = tuple(args[0])
    try:
        return tuple(int(s) for s in args)
    except TypeError as e:
        raise TypeError(
            f"{name} must be a tuple of ints, but got {tuple(type(a).__name__ for a in args)}"
        ) from e


def new_sizes(
    args: tuple[Any, ...], name: str, keywords: dict[str, Any] | None = None
) -> tuple[int, ...]:
    """The sizes of a new tensor (as :func:`sizes_arg`, or the ``size=`` keyword among
    ``keywords``); negative ones raise PyTorch's error.

    >>> new_sizes((2, -3), "ones")
    Traceback (most recent call last):
    RuntimeError: Trying to create tensor with negative dimension -3: [2, -3]
    """
    if not args and keywords and "size" in keywords:
        args = (keywords["size"],)
    sizes = sizes_arg(args)
    for s in sizes:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(sizes)}"
            )
    return sizes


def np_dtype(dtype: Any) -> np.dtype[Any] | None:
    return None if dtype is None else dtypes.as_dtype(dtype).np


def check_broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Raise PyTorch's RuntimeError if shapes ``a`` and ``b`` do not broadcast."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):  # PyTorch names the last dimension that differs
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i}"
            )
