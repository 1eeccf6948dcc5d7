"""``torch.nn.functional.pad`` (constant, reflect, replicate, circular): one node named as
PyTorch names it, its function written with ``tracegrad.numpy``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor

_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_fn(x: Any, widths: tuple[tuple[int, int], ...], mode: str, value: float) -> Any:
    crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(widths))
    x = x[crop]
    grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
    if mode == "constant":
        return tnp.pad(x, grow, mode="constant", constant_values=cast(np.asarray(value), x.dtype))
    return tnp.pad(x, grow, mode=_NP_MODES[mode])


_PAD_OPS: dict[str, Op] = {}


def _pad_op(name: str) -> Op:
    op = _PAD_OPS.get(name)
    if op is None:
        op = _PAD_OPS[name] = Op(name, _pad_fn)
    return op


def _check_pad(shape: tuple[int, ...], pad: Sequence[int], mode: str, value: Any) -> int:
    """PyTorch's checks of ``F.pad``'s arguments; returns the number of padded dims."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > len(shape):
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {len(shape)}"
        )
    if mode == "constant":
        return k
    if mode not in _NP_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= k <= 3 or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(
            "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"
        )
    for j in range(k):
        lo, hi = pad[2 * j], pad[2 * j + 1]
        dim = len(shape) - 1 - j
        if mode == "reflect" and (lo >= shape[dim] or hi >= shape[dim]):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {dim} of input "
                f"{list(shape)}"
            )
        if mode == "circular" and (lo > shape[dim] or hi > shape[dim]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    return k


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``, the
    last dim first; negative widths crop (constant mode).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.pad(torch.tensor([[1.0, 2.0]]), (1, 2))
    tensor([[0., 1., 2., 0., 0.]])
    >>> torch.nn.functional.pad(torch.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    shape = input._value.shape
    k = _check_pad(shape, pad, mode, value)
    widths = [(0, 0)] * (len(shape) - k) + [
        (int(pad[2 * j]), int(pad[2 * j + 1])) for j in reversed(range(k))
    ]
    if mode == "constant":
        name = "ConstantPadNdBackward0"
    elif mode == "circular":
        name = "CopySlices"
    else:
        name = f"{'ReflectionPad' if mode == 'reflect' else 'ReplicationPad'}{k}DBackward0"
    return apply(_pad_op(name), (input,), widths=tuple(widths), mode=mode, value=float(value or 0))
