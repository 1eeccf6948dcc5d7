"""``torch.nn.functional`` convolutions (``conv1d``..``conv3d``, ``conv_transpose1d``/``2d``)
and the ``Conv*`` modules, on the ``conv_general_dilated`` primitive that ``tracegrad.lax``
shares. Each records one ``ConvolutionBackward0`` node (bias included), as PyTorch."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as tnp
from tracegrad.lax import conv_general_dilated
from tracegrad.torch import creation, dtypes
from tracegrad.torch._common import value_dtype
from tracegrad.torch._shape import squeeze, unsqueeze
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn import init as nn_init
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.tensor import Size, Tensor

Ints = tuple[int, ...]
_PADDING_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def ntuple(value: Any, n: int, name: str = "argument") -> Ints:
    """An int or a sequence of ``n`` ints as a tuple of ``n`` ints (PyTorch's ``_ntuple``)."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1 and n > 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values")
    return values


def _conv_fn(x: Any, w: Any, *b: Any, **p: Any) -> Any:
    """The batched convolution on arrays: NC... inputs, OI... (IO... transposed) kernels."""
    nsp = len(p["stride"])
    if p["mode"] != "constant":
        x = tnp.pad(x, ((0, 0), (0, 0), *p["mode_pads"]), mode=p["mode"])
    if p["transposed"]:
        # The gradient of a convolution with this kernel: input dilated by the stride, kernel
        # flipped, its in/out features swapped within each group.
        g, k = p["groups"], w.shape[2:]
        kern = tnp.reshape(w, (g, w.shape[0] // g, w.shape[1], *k))
        kern = tnp.reshape(tnp.swapaxes(kern, 1, 2), (g * w.shape[1], w.shape[0] // g, *k))
        kern = tnp.flip(kern, tuple(range(2, 2 + nsp)))
        pads = [
            (d * (kk - 1) - lo, d * (kk - 1) - lo + op)
            for d, kk, (lo, _), op in zip(p["dilation"], k, p["padding"], p["output_padding"])
        ]
        out = conv_general_dilated(x, kern, (1,) * nsp, pads, p["stride"], p["dilation"], None, g)
    else:
        out = conv_general_dilated(
            x, w, p["stride"], p["padding"], None, p["dilation"], None, p["groups"]
        )
    if b:
        out = tnp.add(out, tnp.reshape(b[0], (-1,) + (1,) * nsp))
    return out


CONVOLUTION = Op("ConvolutionBackward0", _conv_fn)


def _check_args(name: str, nsp: int, input: Tensor, weight: Tensor, bias: Any) -> None:
    x, w = input._value, weight._value
    if x.ndim not in (nsp + 1, nsp + 2):
        raise RuntimeError(
            f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {name}, but got "
            f"input of size: {list(x.shape)}"
        )
    if w.ndim != nsp + 2:
        raise RuntimeError(
            f"weight should have at least three dimensions; {name} expects a weight of "
            f"{nsp + 2} dimensions, got size {list(w.shape)}"
        )
    if x.dtype != w.dtype or (bias is not None and bias._value.dtype != x.dtype):
        other = w.dtype if x.dtype != w.dtype else bias._value.dtype
        names = [dtypes.legacy_type_name(dtypes.from_numpy_dtype(d)) for d in (x.dtype, other)]
        what = "weight" if x.dtype != w.dtype else "bias"
        raise RuntimeError(
            f"Input type ({names[0]}) and {what} type ({names[1]}) should be the same or input "
            "should be a MKLDNN tensor and weight is a dense tensor"
        )
    if value_dtype(input).category < dtypes.FLOAT:
        raise RuntimeError(
            f"\"slow_conv2d_cpu\" not implemented for '{dtypes.scalar_name(value_dtype(input))}'"
        )


def _padding_pairs(padding: Any, nsp: int, stride: Ints, dilation: Ints, kernel: Ints) -> Any:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    pads = ntuple(padding, nsp, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in pads)


def convolution(
    name: str,
    nsp: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    transposed: bool = False,
    output_padding: Any = 0,
    padding_mode: str = "zeros",
) -> Tensor:
    """The one entry of every convolution: PyTorch's checks, then one recorded node."""
    _check_args(name, nsp, input, weight, bias)
    stride_t, dilation_t = ntuple(stride, nsp, "stride"), ntuple(dilation, nsp, "dilation")
    if any(s <= 0 for s in stride_t):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation_t):
        raise RuntimeError("non-positive dilation is not supported")
    x, w = input._value, weight._value
    kernel = w.shape[2:]
    pads = _padding_pairs(padding, nsp, stride_t, dilation_t, kernel)
    out_pad = ntuple(output_padding, nsp, "output_padding")
    batched = x.ndim == nsp + 2
    shape = x.shape if batched else (1, *x.shape)
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    want = w.shape[0] if transposed else w.shape[1] * groups
    if shape[1] != want:
        raise RuntimeError(
            f"Given {'transposed=1' if transposed else f'groups={groups}'}, weight of size "
            f"{list(w.shape)}, expected input{list(shape)} to have {want} channels, but got "
            f"{shape[1]} channels instead"
        )
    n_out = w.shape[1] * groups if transposed else w.shape[0]
    if bias is not None and tuple(bias._value.shape) != (n_out,):
        raise RuntimeError(
            f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
            f"{n_out} elements, but got bias of size {list(bias._value.shape)} instead"
        )
    mode = _PADDING_MODES[padding_mode]
    mode_pads: Any = ()
    if mode != "constant":
        mode_pads, pads = pads, ((0, 0),) * nsp
    if transposed:
        if any(op >= s and op >= d for op, s, d in zip(out_pad, stride_t, dilation_t)):
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding={out_pad}, stride={stride_t} and dilation={dilation_t}"
            )
    else:
        padded = [n + lo + hi for n, (lo, hi) in zip(shape[2:], pads, strict=True)]
        span = [d * (k - 1) + 1 for d, k in zip(dilation_t, kernel, strict=True)]
        if any(n < k for n, k in zip(padded, span, strict=True)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater "
                "than actual input size"
            )
    args = (input, weight) if bias is None else (input, weight, bias)
    if not batched:
        args = (unsqueeze(input, 0), *args[1:])
    out = apply(
        CONVOLUTION,
        args,
        stride=stride_t,
        padding=pads,
        dilation=dilation_t,
        groups=groups,
        transposed=transposed,
        output_padding=out_pad,
        mode=mode,
        mode_pads=mode_pads,
    )
    return out if batched else squeeze(out, 0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:  # fmt: skip
    """1-d convolution (cross-correlation) over (N, C, L) or (C, L) inputs.

    >>> import tracegrad.torch as torch
    >>> conv1d(torch.arange(5.0).reshape(1, 1, 5), torch.ones(1, 1, 2))
    tensor([[[1., 3., 5., 7.]]])
    """
    return convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:  # fmt: skip
    """2-d convolution over (N, C, H, W) or (C, H, W) inputs.

    >>> import tracegrad.torch as torch
    >>> conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2), padding="same")[0, 0]
    tensor([[4., 4., 2.],
            [4., 4., 2.],
            [2., 2., 1.]])
    """
    return convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:  # fmt: skip
    """3-d convolution over (N, C, D, H, W) or (C, D, H, W) inputs.

    >>> import tracegrad.torch as torch
    >>> conv3d(torch.ones(1, 1, 2, 2, 2), torch.ones(1, 1, 2, 2, 2)).flatten()
    tensor([8.])
    """
    return convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:  # fmt: skip
    """1-d transposed convolution; ``weight`` is (in, out / groups, k).

    >>> import tracegrad.torch as torch
    >>> conv_transpose1d(torch.ones(1, 1, 2), torch.ones(1, 1, 2), stride=2)
    tensor([[[1., 1., 1., 1.]]])
    """
    return convolution("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation,
                       groups, True, output_padding)  # fmt: skip


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:  # fmt: skip
    """2-d transposed convolution; ``weight`` is (in, out / groups, kH, kW).

    >>> import tracegrad.torch as torch
    >>> conv_transpose2d(torch.ones(1, 1, 1, 1), torch.ones(1, 2, 2, 2)).shape
    torch.Size([1, 2, 2, 2])
    """
    return convolution("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation,
                       groups, True, output_padding)  # fmt: skip


# ---- modules -----------------------------------------------------------------------------------


class _ConvNd(Module):
    _nsp = 0
    _transposed = False

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
        padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
        output_padding: Any = 0,
    ) -> None:  # fmt: skip
        super().__init__()
        n = self._nsp
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                "padding_mode must be one of {'circular', 'replicate', 'reflect', 'zeros'}, but "
                f"got padding_mode={padding_mode!r}"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, n)
        self.stride = ntuple(stride, n)
        self.padding: Any = padding if isinstance(padding, str) else ntuple(padding, n)
        self.dilation = ntuple(dilation, n)
        self.output_padding = ntuple(output_padding, n)
        self.groups, self.padding_mode = groups, padding_mode
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(*shape, dtype=d))
        if bias:
            self.bias: Parameter | None = Parameter(creation.empty(out_channels, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(a=sqrt(5))`` on the weight, then the bias
        uniform in ``±1/sqrt(fan_in)``, drawn in that order."""
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        if fan_in:
            nn_init.kaiming_uniform_(self.weight, a=math.sqrt(5))
            if self.bias is not None:
                nn_init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, input: Tensor) -> Tensor:
        return convolution(
            type(self).__name__.lower(), self._nsp, input, self.weight, self.bias, self.stride,
            self.padding, self.dilation, self.groups, self._transposed, self.output_padding,
            self.padding_mode,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._nsp:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nsp:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nsp:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution layer, with PyTorch's arguments, initialisation and repr.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Conv1d(3, 8, 3, padding="same", padding_mode="reflect")
    Conv1d(3, 8, kernel_size=(3,), stride=(1,), padding=same, padding_mode=reflect)
    """

    _nsp = 1


class Conv2d(_ConvNd):
    """2-d convolution layer, with PyTorch's arguments, initialisation and repr.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
    Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
    """

    _nsp = 2


class Conv3d(_ConvNd):
    """3-d convolution layer, with PyTorch's arguments, initialisation and repr.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Conv3d(2, 2, 3)
    Conv3d(2, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1))
    """

    _nsp = 3


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
        padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
        dilation: Any = 1, padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, output_padding,
        )  # fmt: skip

    def _output_padding(self, input: Tensor, output_size: Any) -> Ints:
        """PyTorch's ``output_padding`` for a requested ``output_size``."""
        n, x = self._nsp, input._value
        lead = 2 if x.ndim == n + 2 else 1
        if len(output_size) == lead + n:
            output_size = output_size[lead:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {x.ndim}D input, output_size must have {n} or "
                f"{lead + n} elements (got {len(output_size)})"
            )
        sizes = tuple(int(v) for v in output_size)
        low = [
            (i - 1) * s - 2 * p + d * (k - 1) + 1
            for i, s, p, d, k in zip(
                x.shape[lead:], self.stride, self.padding, self.dilation, self.kernel_size,
                strict=True,
            )
        ]  # fmt: skip
        high = [m + s - 1 for m, s in zip(low, self.stride, strict=True)]
        if any(not lo <= v <= hi for v, lo, hi in zip(sizes, low, high, strict=True)):
            raise ValueError(
                f"requested an output size of {output_size}, but valid sizes range from {low} "
                f"to {high} (for an input of {Size(x.shape[lead:])!r})"
            )
        return tuple(v - lo for v, lo in zip(sizes, low, strict=True))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        pad = (
            self.output_padding if output_size is None else self._output_padding(input, output_size)
        )
        return convolution(
            type(self).__name__.lower(), self._nsp, input, self.weight, self.bias, self.stride,
            self.padding, self.dilation, self.groups, True, pad,
        )  # fmt: skip


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution layer, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> torch.nn.ConvTranspose1d(3, 6, 2, groups=3, bias=False, dilation=2)
    ConvTranspose1d(3, 6, kernel_size=(2,), stride=(1,), dilation=(2,), groups=3, bias=False)
    """

    _nsp = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution layer, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> torch.nn.ConvTranspose2d(3, 8, 3, stride=2, padding=1, output_padding=1)
    ConvTranspose2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
    """

    _nsp = 2
