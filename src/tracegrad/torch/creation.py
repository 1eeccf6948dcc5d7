"""Making tensors: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros ones full empty arange
linspace eye rand randn randint randperm`` and their ``*_like`` forms, with PyTorch's
default dtypes (Python floats make float32, ints int64)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tracegrad.core.dtypes import is_inexact
from tracegrad.torch import _random, dtypes
from tracegrad.torch._common import new_sizes, np_dtype, sizes_arg
from tracegrad.torch._data import nested_array
from tracegrad.torch._generator import Generator, resolve
from tracegrad.torch._generator import manual_seed as manual_seed
from tracegrad.torch._random_math import F32, F64, Arr, fma32, fma64
from tracegrad.torch.tensor import Tensor, device, wrap


def _finish(value: np.ndarray[Any, Any], requires_grad: bool, dev: Any = None) -> Tensor:
    if dev is not None:
        device(str(dev))  # anything but the CPU raises
    t = wrap(value)
    if requires_grad:
        if not is_inexact(value.dtype):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t._requires_grad = True
    return t


def _default_for_kind(kind: str) -> np.dtype[Any]:
    if kind == "b":
        return dtypes.bool_.np
    if kind in "iu":
        return dtypes.int64.np
    if kind == "c":
        return dtypes.get_default_complex_dtype().np
    return dtypes.get_default_dtype().np


def _plain(data: Any) -> Any:
    """Nested sequences with 0-d tensors and arrays replaced by Python numbers."""
    if isinstance(data, Tensor):
        return data._value.tolist() if data._value.dtype.kind in "biufc" else data.tolist()
    if isinstance(data, list | tuple):
        for d in data:
            if type(d) not in _NUMBERS:
                return [_plain(d) for d in data]
        return data  # numbers only (the innermost rows, usually): nothing to replace
    if isinstance(data, np.ndarray):
        return data.tolist()
    return data


_NUMBERS = frozenset([int, float, bool, complex])


def _data_array(data: Any, dtype: np.dtype[Any] | None = None) -> np.ndarray[Any, Any]:
    """The array of ``torch.tensor(data, dtype)`` (a copy of the data); Python numbers are
    converted straight to ``dtype`` when given (0.3 as float64 is not rounded to float32)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
            "requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=3,
        )
        return np.array(data._value, copy=True)
    if isinstance(data, np.ndarray | np.number | np.bool_):
        value = np.array(data, copy=True)
        dtypes.from_numpy_dtype(value.dtype)  # refuse dtypes PyTorch has not
        return value
    value = nested_array(_plain(data), dtype)
    if dtype is not None:
        return value
    return value.astype(_default_for_kind(value.dtype.kind), copy=False)


def tensor(
    data: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new leaf tensor holding a copy of ``data``.

    Python floats make float32 (the default dtype), ints int64, bools bool; NumPy arrays
    keep their dtype.

    >>> tensor([[1, 2], [3, 4]]).dtype, tensor(2.0), tensor(np.ones(2)).dtype
    (torch.int64, tensor(2.), torch.float64)
    """
    d = np_dtype(dtype)
    value = _data_array(data, d)
    if d is not None and value.dtype != d:
        value = value.astype(d)
    return _finish(value, requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor where possible.

    >>> a = np.array([1.0, 2.0])
    >>> t = as_tensor(a)
    >>> t.numpy() is a
    True
    """
    d = np_dtype(dtype)
    if isinstance(data, Tensor):
        return data if d is None or data._value.dtype == d else wrap(data._value.astype(d))
    if isinstance(data, np.ndarray) and (d is None or data.dtype == d):
        dtypes.from_numpy_dtype(data.dtype)
        return wrap(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray[Any, Any]) -> Tensor:
    """A tensor sharing memory with ``ndarray``.

    >>> from_numpy(np.arange(3))
    tensor([0, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    return wrap(ndarray)


def _float_dtype(dtype: Any) -> np.dtype[Any]:
    d = np_dtype(dtype)
    return d if d is not None else dtypes.get_default_dtype().np


def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **unused: Any
) -> Tensor:
    """A tensor of zeros (``torch.zeros(2, 3)`` or ``torch.zeros((2, 3))``).

    >>> zeros(2, 2, dtype=dtypes.int32)
    tensor([[0, 0],
            [0, 0]], dtype=torch.int32)
    """
    return _finish(
        np.zeros(new_sizes(size, "zeros", unused), _float_dtype(dtype)), requires_grad, device
    )


def ones(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **unused: Any
) -> Tensor:
    """A tensor of ones.

    >>> ones((2,), requires_grad=True)
    tensor([1., 1.], requires_grad=True)
    """
    return _finish(
        np.ones(new_sizes(size, "ones", unused), _float_dtype(dtype)), requires_grad, device
    )


def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **unused: Any
) -> Tensor:
    """A new tensor (filled with zeros here: NumPy has no cheaper deterministic choice).

    >>> empty(2).shape
    torch.Size([2])
    """
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad, **unused)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value's Python type.

    >>> full((2,), 7), full((1,), 0.5)
    (tensor([7, 7]), tensor([0.5000]))
    """
    d = np_dtype(dtype)
    if d is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        d = dtypes.scalar_dtype(fill_value).np
    return _finish(np.full(new_sizes((size,), "full"), fill_value, d), requires_grad, device)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``; int64 unless one of
    them is a float.

    >>> arange(3), arange(0, 1, 0.25)
    (tensor([0, 1, 2]), tensor([0.0000, 0.2500, 0.5000, 0.7500]))
    """
    if end is None:
        start, end = 0, start
    bounds = [b.item() if isinstance(b, Tensor) else b for b in (start, end, step)]
    if bounds[2] == 0:
        raise RuntimeError("step must be nonzero")
    d = np_dtype(dtype)
    if d is None:
        is_float = any(isinstance(b, float | np.floating) for b in bounds)
        d = dtypes.get_default_dtype().np if is_float else dtypes.int64.np
    return _finish(np.arange(*bounds).astype(d), requires_grad, device)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> linspace(0, 1, 3)
    tensor([0.0000, 0.5000, 1.0000])
    """
    value = _linspace_values(float(start), float(end), int(steps), _float_dtype(dtype))
    return _finish(value, requires_grad, device)


def _linspace_values(start: float, end: float, steps: int, dtype: np.dtype[Any]) -> Arr:
    # PyTorch's CPU kernel, rounding for rounding: a step in the dtype, the first half
    # counted up from start and the second half down from end, each value one fused
    # multiply-add (so ``linspace(-pi, pi, 2000)`` agrees with PyTorch's in every bit).
    fma = {np.dtype(F32): fma32, np.dtype(F64): fma64}.get(dtype)
    if fma is None or steps < 2:
        out: Arr = np.linspace(start, end, steps).astype(dtype)
        return out
    t = dtype.type
    first, last = t(start), t(end)
    step = t(t(last - first) / t(steps - 1))
    i = np.arange(steps)
    up = fma(step, i[: steps // 2].astype(dtype), first)
    down = fma(-step, (steps - 1 - i[steps // 2 :]).astype(dtype), last)
    return np.concatenate([up, down]).astype(dtype)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """The ``n x m`` identity matrix.

    >>> eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _finish(
        np.eye(int(n), None if m is None else int(m), dtype=_float_dtype(dtype)),
        requires_grad,
        device,
    )


# ---- random numbers ------------------------------------------------------------------------


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Uniform random numbers in [0, 1), PyTorch's numbers for the same seed.

    >>> _ = manual_seed(0)
    >>> rand(2, 3)
    tensor([[0.4963, 0.7682, 0.0885],
            [0.1320, 0.3074, 0.6341]])
    """
    d = _random.require_float(_float_dtype(dtype), "check_uniform_bounds")
    shape = new_sizes(size, "rand", unused)
    value = _random.uniform(resolve(generator), _numel(shape), d, 0.0, 1.0)
    return _finish(value.reshape(shape), requires_grad, device)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Standard normal random numbers, PyTorch's numbers for the same seed.

    >>> _ = manual_seed(0)
    >>> randn(3)
    tensor([ 1.5410, -0.2934, -2.1788])
    >>> randn(4, dtype=dtypes.float64).dtype
    torch.float64
    """
    d = _random.require_float(_float_dtype(dtype), "normal_kernel_cpu")
    shape = new_sizes(size, "rand", unused)
    value = _random.normal(resolve(generator), _numel(shape), d, 0.0, 1.0, True)
    return _finish(value.reshape(shape), requires_grad, device)


def _int_range(low: Any, high: Any) -> tuple[int, int]:
    low, high = (0, low) if high is None else (low, high)
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    return low, high


def randint(
    low: int,
    high: Any = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Random integers in [low, high) (``randint(high, size)`` starts at 0); PyTorch's
    numbers for the same seed.

    >>> _ = manual_seed(0)
    >>> randint(0, 10, (5,))
    tensor([4, 9, 3, 0, 3])
    """
    if size is None:
        if high is None or not isinstance(high, tuple | list):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    lo, hi = _int_range(low, high)
    d, shape = np_dtype(dtype) or dtypes.int64.np, sizes_arg((size,))
    value = _random.int_from_to(resolve(generator), _numel(shape), lo, hi)
    return _finish(value.astype(d).reshape(shape), requires_grad, device)


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """A random permutation of ``0 .. n-1``; PyTorch's for the same seed.

    >>> _ = manual_seed(0)
    >>> randperm(5)
    tensor([4, 0, 1, 3, 2])
    """
    d = np_dtype(dtype) or dtypes.int64.np
    return _finish(_random.randperm(resolve(generator), int(n)).astype(d), requires_grad, device)


# ---- *_like --------------------------------------------------------------------------------


def _like_dtype(input: Tensor, dtype: Any) -> np.dtype[Any]:
    d = np_dtype(dtype)
    return d if d is not None else input._value.dtype


def zeros_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Zeros of the shape (and by default the dtype) of ``input``.

    >>> zeros_like(tensor([1, 2]))
    tensor([0, 0])
    """
    return _finish(np.zeros(input._value.shape, _like_dtype(input, dtype)), requires_grad, device)


def ones_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Ones of the shape (and by default the dtype) of ``input``.

    >>> ones_like(tensor([1.0]), dtype=dtypes.float64)
    tensor([1.], dtype=torch.float64)
    """
    return _finish(np.ones(input._value.shape, _like_dtype(input, dtype)), requires_grad, device)


def empty_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """A new tensor of the shape of ``input`` (zeros).

    >>> empty_like(tensor([1, 2])).shape
    torch.Size([2])
    """
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """``fill_value`` in the shape (and by default the dtype) of ``input``.

    >>> full_like(tensor([1.0, 2.0]), 3)
    tensor([3., 3.])
    """
    value = np.full(input._value.shape, fill_value, _like_dtype(input, dtype))
    return _finish(value, requires_grad, device)


def rand_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Uniform random numbers in the shape of ``input`` (as ``rand``).

    >>> rand_like(tensor([1.0, 2.0])).shape
    torch.Size([2])
    """
    return rand(
        input._value.shape, generator=generator, dtype=_like_dtype(input, dtype),
        device=device, requires_grad=requires_grad,
    )  # fmt: skip


def randn_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Normal random numbers in the shape of ``input`` (as ``randn``).

    >>> randn_like(tensor([1.0, 2.0])).dtype
    torch.float32
    """
    return randn(
        input._value.shape, generator=generator, dtype=_like_dtype(input, dtype),
        device=device, requires_grad=requires_grad,
    )  # fmt: skip


def randint_like(
    input: Tensor,
    low: int = 0,
    high: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Random integers in [low, high) in the shape and dtype of ``input`` (as ``randint``;
    ``randint_like(x, high)`` starts at 0).

    >>> randint_like(tensor([1.0, 2.0]), 5).dtype
    torch.float32
    """
    return randint(
        low, high, input._value.shape, generator=generator,
        dtype=_like_dtype(input, dtype), device=device, requires_grad=requires_grad,
    )  # fmt: skip


def _new(name: str, maker: Any) -> Any:
    def method(
        self: Tensor,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        **unused: Any,
    ) -> Tensor:
        d = dtype if dtype is not None else self.dtype
        out: Tensor = maker(*size, dtype=d, device=device, requires_grad=requires_grad)
        return out

    method.__name__ = name
    return method


def _new_tensor(
    self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return tensor(
        data,
        dtype=dtype if dtype is not None else self.dtype,
        device=device,
        requires_grad=requires_grad,
    )


def _new_full(
    self: Tensor,
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return full(
        size,
        fill_value,
        dtype=dtype if dtype is not None else self.dtype,
        device=device,
        requires_grad=requires_grad,
    )


TENSOR_METHODS: dict[str, Any] = {
    "new_zeros": _new("new_zeros", zeros), "new_ones": _new("new_ones", ones),
    "new_empty": _new("new_empty", empty), "new_tensor": _new_tensor, "new_full": _new_full,
}  # fmt: skip
