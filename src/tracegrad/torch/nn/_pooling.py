"""``torch.nn.functional`` pooling (max, average, adaptive average and adaptive max, 1-d and
2-d) and the pooling modules, on the window-reduction primitives that ``tracegrad.lax``
shares. 1-d pooling runs as 2-d pooling of a height-1 input, as PyTorch's does (so its
``grad_fn`` is ``SqueezeBackward1``)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.ops import windows
from tracegrad.torch._reduce import mean
from tracegrad.torch._shape import squeeze, unsqueeze
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._conv import ntuple
from tracegrad.torch.nn._module import Module
from tracegrad.torch.tensor import Tensor, wrap

Ints = tuple[int, ...]


def _check_input(name: str, input: Tensor) -> None:
    shape = input._value.shape
    if input._value.ndim not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError(
            f"{name}: non-empty 3D or 4D (batch mode) tensor expected for input, got size "
            f"{list(shape)}"
        )


def _out_size(n: int, k: int, pad: int, stride: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: with ``ceil_mode`` a last partial window counts
    if it starts inside the input or its left padding."""
    span = dilation * (k - 1) + 1
    out = (n + 2 * pad - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _pool_geometry(
    name: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Ints,
    ceil_mode: bool,
) -> tuple[Ints, Ints, Ints, Ints, tuple[tuple[int, int], ...]]:  # fmt: skip
    """(kernel, stride, padding, output spatial shape, the padding pairs that give that
    shape), after PyTorch's checks."""
    _check_input(name, input)
    kernel = ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None or stride == [] else ntuple(stride, 2, "stride")
    pad = ntuple(padding, 2, "padding")
    for p, k, d in zip(pad, kernel, dilation, strict=True):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{name}: stride should be greater than zero, but got {stride}")
    shape = input._value.shape
    sizes = tuple(
        _out_size(n, k, p, s, d, ceil_mode)
        for n, k, p, s, d in zip(shape[-2:], kernel, pad, stride, dilation, strict=True)
    )
    if min(sizes) < 1:
        lead = shape[-3]
        raise RuntimeError(
            f"Given input size: ({lead}x{shape[-2]}x{shape[-1]}). Calculated output size: "
            f"({lead}x{sizes[0]}x{sizes[1]}). Output size is too small"
        )
    pairs = tuple(
        (p, (o - 1) * s + d * (k - 1) + 1 - n - p)
        for n, o, k, p, s, d in zip(shape[-2:], sizes, kernel, pad, stride, dilation, strict=True)
    )
    return kernel, stride, pad, sizes, pairs


def _window_params(ndim: int, kernel: Ints, stride: Ints, pairs: Any, dilation: Ints) -> Any:
    lead = ndim - 2
    return windows.window_params(
        ndim, (1,) * lead + kernel, (1,) * lead + stride, ((0, 0),) * lead + pairs,
        None, (1,) * lead + dilation,
    )  # fmt: skip


def _max_pool_fn(x: Any, **p: Any) -> Any:
    return windows.reduce_window_max(x, **p)


MAX_POOL = Op("MaxPool2DWithIndicesBackward0", _max_pool_fn)


def _max_pool_indices(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    """PyTorch's indices: the flat position, in its (H, W) plane, of each window's maximum."""
    idx, padded_shape = windows.selected_indices(x, "max", p)
    pos = np.unravel_index(idx, padded_shape)
    h = pos[-2] - p["padding"][-2][0]
    w = pos[-1] - p["padding"][-1][0]
    flat: np.ndarray = (h * x.shape[-1] + w).astype(np.int64)
    return flat


def max_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """2-d max pooling over (N, C, H, W) or (C, H, W) inputs; its gradient goes to the first
    maximum of each window, as PyTorch's.

    >>> import tracegrad.torch as torch
    >>> max_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    dil = ntuple(dilation, 2, "dilation")
    kernel, stride_t, _, _, pairs = _pool_geometry(
        "max_pool2d", input, kernel_size, stride, padding, dil, ceil_mode
    )
    p = _window_params(input._value.ndim, kernel, stride_t, pairs, dil)
    out = apply(MAX_POOL, (input,), **p)
    if not return_indices:
        return out
    return out, wrap(_max_pool_indices(input._value, p))


def max_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """1-d max pooling over (N, C, L) or (C, L) inputs.

    >>> import tracegrad.torch as torch
    >>> max_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[3., 2.]])
    """
    if input._value.ndim not in (2, 3):
        raise RuntimeError(
            f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input._value.shape)}"
        )
    stride = kernel_size if stride is None or stride == [] else stride
    res = max_pool2d(
        unsqueeze(input, -2), (1, *ntuple(kernel_size, 1)), (1, *ntuple(stride, 1)),
        (0, *ntuple(padding, 1)), (1, *ntuple(dilation, 1)), ceil_mode, return_indices,
    )  # fmt: skip
    if return_indices:
        return squeeze(res[0], -2), squeeze(res[1], -2)
    return squeeze(res, -2)


def _avg_divisor(
    n: int, o: int, k: int, pad: int, stride: int, count_include_pad: bool
) -> np.ndarray:
    """PyTorch's divisor per output position along one axis: the window clipped to the
    padded input (with ``count_include_pad``) or to the input itself."""
    start = np.arange(o) * stride - pad
    end = np.minimum(start + k, n + pad)
    if not count_include_pad:
        end, start = np.minimum(end, n), np.maximum(start, 0)
    sizes: np.ndarray = (end - start).astype(np.float64)
    return sizes


def _avg_pool_fn(x: Any, divisor: Any, **p: Any) -> Any:
    return tnp.true_divide(windows.reduce_window_sum(x, **p), divisor)


AVG_POOL = Op("AvgPool2DBackward0", _avg_pool_fn, meta_from=1)


def avg_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    """2-d average pooling over (N, C, H, W) or (C, H, W) inputs, dividing as PyTorch does.

    >>> import tracegrad.torch as torch
    >>> avg_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    """
    kernel, stride_t, pad, sizes, pairs = _pool_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, (1, 1), ceil_mode
    )
    x = input._value
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        divisor = np.full(sizes, float(divisor_override))
    else:
        dh, dw = (
            _avg_divisor(n, o, k, p_, s, count_include_pad)
            for n, o, k, p_, s in zip(x.shape[-2:], sizes, kernel, pad, stride_t, strict=True)
        )
        divisor = np.outer(dh, dw)
    p = _window_params(x.ndim, kernel, stride_t, pairs, (1, 1))
    return apply(AVG_POOL, (input, divisor.astype(x.dtype)), **p)


def avg_pool1d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """1-d average pooling over (N, C, L) or (C, L) inputs.

    >>> import tracegrad.torch as torch
    >>> avg_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[2., 1.]])
    """
    stride = kernel_size if stride is None or stride == [] else stride
    out = avg_pool2d(
        unsqueeze(input, -2), (1, *ntuple(kernel_size, 1)), (1, *ntuple(stride, 1)),
        (0, *ntuple(padding, 1)), ceil_mode, count_include_pad,
    )  # fmt: skip
    return squeeze(out, -2)


# ---- adaptive pooling ---------------------------------------------------------------------


def _adaptive_sizes(name: str, input: Tensor, output_size: Any) -> Ints:
    shape = input._value.shape
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"{name}: output_size must be 2")
    _check_input(name, input)
    return tuple(n if o is None else int(o) for o, n in zip(sizes, shape[-2:], strict=True))


def _bins(n: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive bins: output i covers [floor(i n / o), ceil((i + 1) n / o))."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _averaging_matrix(n: int, o: int) -> np.ndarray:
    start, end = _bins(n, o)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    weights: np.ndarray = inside / (end - start)[:, None]
    return weights


def _adaptive_avg_fn(x: Any, rows: Any, cols: Any) -> Any:
    return tnp.matmul(tnp.matmul(rows, x), tnp.swapaxes(cols, 0, 1))


ADAPTIVE_AVG = Op("AdaptiveAvgPool2DBackward0", _adaptive_avg_fn, meta_from=1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-d adaptive average pooling to ``output_size`` (None keeps that dimension).

    >>> import tracegrad.torch as torch
    >>> adaptive_avg_pool2d(torch.arange(9.0).reshape(1, 3, 3), 2)
    tensor([[[2., 3.],
             [5., 6.]]])
    """
    oh, ow = _adaptive_sizes("adaptive_avg_pool2d", input, output_size)
    x = input._value
    if (oh, ow) == (1, 1):
        return mean(input, (-2, -1), keepdim=True)
    rows = _averaging_matrix(x.shape[-2], oh).astype(x.dtype)
    cols = _averaging_matrix(x.shape[-1], ow).astype(x.dtype)
    return apply(ADAPTIVE_AVG, (input, rows, cols))


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """1-d adaptive average pooling.

    >>> import tracegrad.torch as torch
    >>> adaptive_avg_pool1d(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), 2)
    tensor([[1.5000, 3.5000]])
    """
    (o,) = ntuple(output_size, 1, "output_size")
    return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), (1, o)), -2)


def _first_max(x: Any, n: int, o: int, axis: int) -> tuple[Any, Any]:
    """Max over each adaptive bin along ``axis`` (the first maximum, so the gradient goes to
    one element, as PyTorch's), and the position of that maximum along ``axis``."""
    start, end = _bins(n, o)
    k = int((end - start).max())
    # Bins padded to one width by repeating their last element: a repeat never changes the
    # maximum, and the first maximum is never a repeat.
    idx = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)
    shape = x.shape
    ax = axis % len(shape)
    v = tnp.take(x, idx.reshape(-1), axis=ax)
    v = tnp.reshape(v, (*shape[:ax], o, k, *shape[ax + 1 :]))
    j = tnp.argmax(v, axis=ax + 1)
    out = tnp.squeeze(tnp.take_along_axis(v, tnp.expand_dims(j, ax + 1), axis=ax + 1), ax + 1)
    return out, j + start.reshape((o,) + (1,) * (len(shape) - ax - 1))


def _adaptive_max(x: Any, oh: int, ow: int) -> tuple[Any, Any]:
    h, w = tnp.shape(x)[-2:]
    vals, cols = _first_max(x, w, ow, -1)  # (..., H, ow)
    out, rows = _first_max(vals, h, oh, -2)  # (..., oh, ow)
    col = tnp.take_along_axis(cols, rows, axis=-2)
    return out, rows * w + col


ADAPTIVE_MAX = Op("AdaptiveMaxPool2DBackward0", lambda x, oh, ow: _adaptive_max(x, oh, ow)[0])


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-d adaptive max pooling to ``output_size`` (None keeps that dimension).

    >>> import tracegrad.torch as torch
    >>> adaptive_max_pool2d(torch.arange(9.0).reshape(1, 3, 3), 2)
    tensor([[[4., 5.],
             [7., 8.]]])
    """
    oh, ow = _adaptive_sizes("adaptive_max_pool2d", input, output_size)
    out = apply(ADAPTIVE_MAX, (input,), oh=oh, ow=ow)
    if not return_indices:
        return out
    return out, wrap(np.asarray(_adaptive_max(input._value, oh, ow)[1], np.int64))


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """1-d adaptive max pooling.

    >>> import tracegrad.torch as torch
    >>> adaptive_max_pool1d(torch.tensor([[1.0, 4.0, 3.0, 2.0]]), 2)
    tensor([[4., 3.]])
    """
    (o,) = ntuple(output_size, 1, "output_size")
    res = adaptive_max_pool2d(unsqueeze(input, -2), (1, o), return_indices)
    if return_indices:
        return squeeze(res[0], -2), squeeze(res[1], -2)
    return squeeze(res, -2)


# ---- modules -------------------------------------------------------------------------------


class _Pool(Module):
    _fields: tuple[str, ...] = ()
    _fn: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        names = self._fields + tuple(k for k, _ in self._defaults)
        values = dict(self._defaults)
        values.update(zip(names, args, strict=False))
        values.update(kwargs)
        if "stride" in values and values["stride"] is None:
            values["stride"] = values["kernel_size"]
        for k, v in values.items():
            setattr(self, k, v)
        self._args = values

    _defaults: tuple[tuple[str, Any], ...] = ()

    def forward(self, input: Tensor) -> Any:
        return type(self)._fn(input, **self._args)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._shown)

    _shown: tuple[str, ...] = ()


_MAX_ARGS = (("stride", None), ("padding", 0), ("dilation", 1), ("return_indices", False),
             ("ceil_mode", False))  # fmt: skip
_AVG_ARGS = (("stride", None), ("padding", 0), ("ceil_mode", False), ("count_include_pad", True))


class MaxPool2d(_Pool):
    """2-d max pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True)
    MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)
    """

    _fields = ("kernel_size",)
    _defaults = _MAX_ARGS
    _fn = staticmethod(max_pool2d)
    _shown = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")


class MaxPool1d(MaxPool2d):
    """1-d max pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.MaxPool1d(2)
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _fn = staticmethod(max_pool1d)


class AvgPool2d(_Pool):
    """2-d average pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.AvgPool2d(2)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    _fields = ("kernel_size",)
    _defaults = (*_AVG_ARGS, ("divisor_override", None))
    _fn = staticmethod(avg_pool2d)
    _shown = ("kernel_size", "stride", "padding")


class AvgPool1d(_Pool):
    """1-d average pooling layer (its sizes shown as 1-tuples, as PyTorch's).

    >>> import tracegrad.torch as torch
    >>> torch.nn.AvgPool1d(3)
    AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))
    """

    _fields = ("kernel_size",)
    _defaults = _AVG_ARGS
    _fn = staticmethod(avg_pool1d)
    _shown = ("kernel_size", "stride", "padding")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for k in self._shown:
            setattr(self, k, ntuple(getattr(self, k), 1, k))


class AdaptiveAvgPool2d(_Pool):
    """2-d adaptive average pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.AdaptiveAvgPool2d((3, None))
    AdaptiveAvgPool2d(output_size=(3, None))
    """

    _fields = ("output_size",)
    _fn = staticmethod(adaptive_avg_pool2d)
    _shown = ("output_size",)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """1-d adaptive average pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.AdaptiveAvgPool1d(4)
    AdaptiveAvgPool1d(output_size=4)
    """

    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveMaxPool2d(_Pool):
    """2-d adaptive max pooling layer.

    >>> import tracegrad.torch as torch
    >>> torch.nn.AdaptiveMaxPool2d(2)
    AdaptiveMaxPool2d(output_size=2)
    """

    _fields = ("output_size",)
    _defaults = (("return_indices", False),)
    _fn = staticmethod(adaptive_max_pool2d)
    _shown = ("output_size",)
