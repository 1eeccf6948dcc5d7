"""Padding modules over ``F.pad``: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d``, and
``Softmax2d``."""

from __future__ import annotations

from collections.abc import Sequence

from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn._module import Module
from tracegrad.torch.tensor import Tensor


class _Pad(Module):
    """Pads the last ``_dims`` dims: one width for all sides, or ``(left, right, ...)``."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int], value: float = 0.0) -> None:
        super().__init__()
        n = 2 * self._dims
        self.padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != n:
            raise ValueError(f"expected a padding of length {n}, got {self.padding}")
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        if self._mode == "circular":
            n = input._value.ndim
            if n not in (self._dims + 1, self._dims + 2):
                want = f"{self._dims + 1}D or {self._dims + 2}D"
                raise ValueError(f"expected {want} input (got {n}D input)")
        value = self.value if self._mode == "constant" else None
        return F.pad(input, self.padding, self._mode, value)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_Pad):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)


def _kind(base: type[_Pad], name: str, dims: int, mode: str) -> type[_Pad]:
    doc = f"``F.pad(input, padding, {mode!r})`` over the last {dims} dim(s), as a module."
    return type(name, (base,), {"_dims": dims, "_mode": mode, "__doc__": doc})


ZeroPad1d = _kind(_ZeroPad, "ZeroPad1d", 1, "constant")
ZeroPad2d = _kind(_ZeroPad, "ZeroPad2d", 2, "constant")
ZeroPad3d = _kind(_ZeroPad, "ZeroPad3d", 3, "constant")
ConstantPad1d = _kind(_ConstantPad, "ConstantPad1d", 1, "constant")
ConstantPad2d = _kind(_ConstantPad, "ConstantPad2d", 2, "constant")
ConstantPad3d = _kind(_ConstantPad, "ConstantPad3d", 3, "constant")
ReflectionPad1d = _kind(_Pad, "ReflectionPad1d", 1, "reflect")
ReflectionPad2d = _kind(_Pad, "ReflectionPad2d", 2, "reflect")
ReflectionPad3d = _kind(_Pad, "ReflectionPad3d", 3, "reflect")
ReplicationPad1d = _kind(_Pad, "ReplicationPad1d", 1, "replicate")
ReplicationPad2d = _kind(_Pad, "ReplicationPad2d", 2, "replicate")
ReplicationPad3d = _kind(_Pad, "ReplicationPad3d", 3, "replicate")
CircularPad1d = _kind(_Pad, "CircularPad1d", 1, "circular")
CircularPad2d = _kind(_Pad, "CircularPad2d", 2, "circular")
CircularPad3d = _kind(_Pad, "CircularPad3d", 3, "circular")


class Softmax2d(Module):
    """``softmax`` over the channels (dim -3) of a 3-D or 4-D input.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Softmax2d()(torch.zeros(1, 2, 1, 1)).flatten()
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        n = input._value.ndim
        if n not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {n}D instead")
        return F.softmax(input, -3)
