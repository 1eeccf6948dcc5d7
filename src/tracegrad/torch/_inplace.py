"""In-place operations (``zero_ fill_ add_ sub_ mul_ div_ copy_`` and ``+= -= *= /=``).

Outside recording they write into the tensor's array, so views and ``.data`` see the change
(as in PyTorch). Where the operation must be recorded (grad mode on and the tensor or the
operand requires grad) the tensor takes the result and its node instead; on a leaf that
requires grad that raises PyTorch's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.torch import dtypes
from tracegrad.torch._arith import add, div, mul, sub
from tracegrad.torch._common import result_dtype, value_dtype
from tracegrad.torch._shape import expand, to_dtype
from tracegrad.torch.creation import rand_like, randn_like
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _recorded(self: Tensor, other: Any) -> bool:
    if not STATE.enabled:
        return False
    if not (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        return False
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError(LEAF_IN_PLACE)
    return True


def _take(self: Tensor, out: Tensor) -> Tensor:
    """Make ``self`` the (recorded) result ``out``."""
    self._value = out._value
    self._grad_fn = out._grad_fn
    self._requires_grad = out._requires_grad
    return self


def _check_cast(self: Tensor, other: Any) -> dtypes.dtype:
    d = result_dtype(self, other)
    target = value_dtype(self)
    if not dtypes.can_cast(d, target):
        raise RuntimeError(
            f"result type {dtypes.scalar_name(d)} can't be cast to the desired output type "
            f"{dtypes.scalar_name(target)}"
        )
    return d


def _write(self: Tensor, value: np.ndarray[Any, Any]) -> Tensor:
    try:
        np.copyto(self._value, value, casting="unsafe")
    except ValueError as e:
        if not self._value.flags.writeable:
            raise RuntimeError(
                "unsupported operation: the tensor shares its memory with a read-only array "
                "(e.g. an expanded tensor); clone() it first."
            ) from None
        raise RuntimeError(
            f"output with shape {list(self._value.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(self._value.shape, np.shape(value)))}"
        ) from e
    return self


def _binary_inplace(fn: Callable[..., Tensor], np_fn: Any) -> Callable[..., Tensor]:
    def method(self: Tensor, other: Any, **kwargs: Any) -> Tensor:
        d = _check_cast(self, other)
        if _recorded(self, other):
            out = fn(self, other, **kwargs)
            if out._value.dtype != self._value.dtype:
                out = to_dtype(out, value_dtype(self))
            return _take(self, out)
        if kwargs or np_fn is None:
            return _write(self, fn(self, other, **kwargs)._value)
        b = other._value if isinstance(other, Tensor) else other
        a = self._value
        if a.dtype == d.np and (not isinstance(b, np.ndarray) or b.dtype == d.np):
            try:
                np_fn(a, b, out=a)
                return self
            except (ValueError, TypeError):
                pass
        return _write(self, fn(self, other)._value)

    return method


add_ = _binary_inplace(add, np.add)
sub_ = _binary_inplace(sub, np.subtract)
mul_ = _binary_inplace(mul, np.multiply)
div_ = _binary_inplace(div, None)


_ZERO = Op("ZeroBackward0", lambda x: x * 0)
_FILL = Op("FillBackward0", lambda x, value: x * 0 + value)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0, in place.

    >>> import tracegrad.torch as torch
    >>> torch.ones(2).zero_()
    tensor([0., 0.])
    """
    if _recorded(self, None):
        return _take(self, apply(_ZERO, (self,)))
    self._value[...] = 0
    return self


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2).fill_(3)
    tensor([3., 3.])
    """
    if isinstance(value, Tensor):
        value = value.item()
    if _recorded(self, None):
        return _take(self, apply(_FILL, (self,), value=value))
    self._value[...] = value
    return self


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted) into this tensor.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 2).copy_(torch.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if _recorded(self, src):
        out = to_dtype(expand(src, self._value.shape), value_dtype(self), copy=True)
        return _take(self, out)
    return _write(self, src._value if isinstance(src, Tensor) else np.asarray(src))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with uniform random numbers in [a, b), in place.

    >>> import tracegrad.torch as torch
    >>> t = torch.zeros(1000).uniform_(2, 3)
    >>> 2 <= t.min().item() and t.max().item() < 3
    True
    """
    with_grad = STATE.enabled and self._requires_grad
    if with_grad and self._grad_fn is None:
        raise RuntimeError(LEAF_IN_PLACE)
    return _write(self, rand_like(self)._value * (b - a) + a)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with normal random numbers, in place.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(3).normal_().shape
    torch.Size([3])
    """
    with_grad = STATE.enabled and self._requires_grad
    if with_grad and self._grad_fn is None:
        raise RuntimeError(LEAF_IN_PLACE)
    return _write(self, randn_like(self)._value * std + mean)


TENSOR_METHODS: dict[str, Any] = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_,
    "zero_": zero_, "fill_": fill_, "copy_": copy_, "uniform_": uniform_, "normal_": normal_,
}  # fmt: skip
