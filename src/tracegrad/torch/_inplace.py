"""In-place operations (``zero_ fill_ add_ sub_ mul_ div_ copy_``, ``+= -= *= /=``, and the
unary ones ``abs_ exp_ neg_ ...``).

Each writes into the tensor's storage, so views, ``detach()`` and ``.data`` see the change,
and bumps its version counter. Where the operation must be recorded (grad mode on and the
tensor or the operand requires grad) its node becomes the tensor's ``grad_fn`` (through
``CopySlices`` of the base for a view; see ``_views``); on a leaf that requires grad that
raises PyTorch's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import _arith, dtypes
from tracegrad.torch._arith import add, div, mul, sub
from tracegrad.torch._common import (
    cast,
    result_dtype,
    value_dtype,
)
from tracegrad.torch._shape import expand, to_dtype
from tracegrad.torch._views import commit, recorded, write
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor


def _check_cast(self: Tensor, other: Any) -> dtypes.dtype:
    d = result_dtype(self, other)
    target = value_dtype(self)
    if not dtypes.can_cast(d, target):
        raise RuntimeError(
            f"result type {dtypes.scalar_name(d)} can't be cast to the desired output type "
            f"{dtypes.scalar_name(target)}"
        )
    return d


def _binary_inplace(fn: Callable[..., Tensor], np_fn: Any) -> Callable[..., Tensor]:
    def method(self: Tensor, other: Any, **kwargs: Any) -> Tensor:
        if not STATE.enabled and np_fn is not None and not kwargs and isinstance(other, Tensor):
            a, b = self._value, other._value  # p -= lr * p.grad: one dtype, nothing recorded
            if a.dtype == b.dtype and type(a) is type(b) is np.ndarray:
                try:
                    np_fn(a, b, out=a)
                    self._vc[0] += 1
                    return self
                except (ValueError, TypeError):
                    pass  # PyTorch's errors, from the general path
        d = _check_cast(self, other)
        if recorded(self, other):

            def compute() -> Tensor:
                out = fn(self, other, **kwargs)
                if out._value.dtype != self._value.dtype:
                    out = to_dtype(out, value_dtype(self))
                return out

            return commit(self, compute)
        if kwargs or np_fn is None:
            return write(self, fn(self, other, **kwargs)._value)
        b = other._value if isinstance(other, Tensor) else other
        a = self._value
        if a.dtype == d.np and (not isinstance(b, np.ndarray) or b.dtype == d.np):
            try:
                np_fn(a, b, out=a)
                self._vc[0] += 1
                return self
            except (ValueError, TypeError):
                pass
        return write(self, fn(self, other)._value)

    return method


add_ = _binary_inplace(add, np.add)
sub_ = _binary_inplace(sub, np.subtract)
mul_ = _binary_inplace(mul, np.multiply)
div_ = _binary_inplace(div, None)


_ZERO = Op("ZeroBackward0", lambda x: x * 0)
_COPY = Op("CopyBackwards", lambda x, src: tnp.broadcast_to(cast(src, x.dtype), x.shape))
_FILL = Op("FillBackward0", lambda x, value: x * 0 + value)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0, in place.

    >>> import tracegrad.torch as torch
    >>> torch.ones(2).zero_()
    tensor([0., 0.])
    """
    if recorded(self, None):
        return commit(self, lambda: apply(_ZERO, (self,)))
    return write(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2).fill_(3)
    tensor([3., 3.])
    """
    if isinstance(value, Tensor):
        value = value.item()
    if recorded(self, None):
        return commit(self, lambda: apply(_FILL, (self,), value=value))
    return write(self, value)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted) into this tensor.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(2, 2).copy_(torch.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if recorded(self, src):
        expand(src, self._value.shape)  # PyTorch's error if src does not broadcast
        return commit(self, lambda: apply(_COPY, (self, src)))
    return write(self, src._value if isinstance(src, Tensor) else np.asarray(src))


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
    **{
        f"{name}_": _unary_inplace(getattr(_arith, name))
        for name in (
            "floor", "ceil", "round", "sign", "log1p", "expm1", "exp2", "log2", "log10", "tan",
            "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "erf", "erfinv",
            "reciprocal", "rsqrt", "trunc",
        )
    },
}  # fmt: skip


TENSOR_METHODS: dict[str, Any] = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_,
    "zero_": zero_, "fill_": fill_, "copy_": copy_, **_INPLACE,
}  # fmt: skip
