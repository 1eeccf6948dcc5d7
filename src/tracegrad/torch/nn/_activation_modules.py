"""The activation modules: each calls its ``torch.nn.functional`` counterpart with the
arguments it was built with, and prints them as PyTorch does."""

from __future__ import annotations

from typing import Any

from tracegrad.torch import creation, dtypes
from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.tensor import Tensor


def _inplace(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class _Inplace(Module):
    """An activation without arguments other than ``inplace``."""

    _fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(input, inplace=self.inplace)
        return out

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without arguments."""

    _fn: Any = None

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(input)
        return out


class ReLU(_Inplace):
    """``F.relu`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.ReLU(inplace=True)
    ReLU(inplace=True)
    """

    _fn = staticmethod(F.relu)


class SELU(_Inplace):
    """``F.selu`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.SELU()
    SELU()
    """

    _fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """``F.silu`` as a module."""

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``F.mish`` as a module."""

    _fn = staticmethod(F.mish)


class ReLU6(_Inplace):
    """``F.relu6`` as a module."""

    _fn = staticmethod(F.relu6)


class Hardsigmoid(_Inplace):
    """``F.hardsigmoid`` as a module."""

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""


class Hardswish(_Inplace):
    """``F.hardswish`` as a module."""

    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""


class Softsign(_Plain):
    """``F.softsign`` as a module."""

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """``F.tanhshrink`` as a module."""

    _fn = staticmethod(F.tanhshrink)


class LogSigmoid(_Plain):
    """``F.logsigmoid`` as a module."""

    _fn = staticmethod(F.logsigmoid)


class GELU(Module):
    """``F.gelu`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.GELU("tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _Dim(Module):
    _fn: Any = None

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(input, self.dim, _stacklevel=5)
        return out

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_Dim):
    """``F.softmax`` along ``dim`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Softmax(dim=1)
    Softmax(dim=1)
    """

    _fn = staticmethod(F.softmax)


class LogSoftmax(_Dim):
    """``F.log_softmax`` along ``dim`` as a module."""

    _fn = staticmethod(F.log_softmax)


class Softmin(_Dim):
    """``F.softmin`` along ``dim`` as a module."""

    _fn = staticmethod(F.softmin)


class GLU(Module):
    """``F.glu`` along ``dim`` as a module."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """``F.leaky_relu`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.LeakyReLU(0.2)
    LeakyReLU(negative_slope=0.2)
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace)}"


class ELU(Module):
    """``F.elu`` as a module."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class CELU(ELU):
    """``F.celu`` as a module."""

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)


class Hardtanh(Module):
    """``F.hardtanh`` as a module."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace)}"


class Softplus(Module):
    """``F.softplus`` as a module."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Threshold(Module):
    """``F.threshold`` as a module."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace)}"


class Softshrink(Module):
    """``F.softshrink`` as a module."""

    _fn: Any = staticmethod(F.softshrink)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(input, self.lambd)
        return out

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``F.hardshrink`` as a module."""

    _fn = staticmethod(F.hardshrink)


class PReLU(Module):
    """``F.prelu`` with a learnable slope (one, or one per channel), ``init`` at first.

    >>> import tracegrad.torch as torch
    >>> torch.nn.PReLU(3)
    PReLU(num_parameters=3)
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        self.weight = Parameter(creation.full((num_parameters,), init, dtype=d))

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
