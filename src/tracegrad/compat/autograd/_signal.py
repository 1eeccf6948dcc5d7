"""``autograd.scipy.signal.convolve(A, B, axes=None, dot_axes=[(), ()], mode='full')``.

autograd's tensor convolution: the axes pairs ``axes`` are convolved, the pairs
``dot_axes`` summed over (a dot product), and the remaining axes kept as an outer
product. The result's axes are ``A``'s kept axes, then ``B``'s, then the convolved ones
(in the order of ``axes``); 'full' and 'valid' are commutative, so either operand may be
the smaller; 'same' keeps ``A``'s size, centred as SciPy's. Built from one ``einsum`` per
position of the kernel, so it traces and differentiates like any tracegrad.numpy code.

>>> import tracegrad.compat.autograd.scipy.signal as signal
>>> signal.convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
array([1., 3., 2.])
>>> images, filters = np.ones((2, 1, 4, 4)), np.ones((1, 3, 2, 2))  # batch, in, h, w
>>> signal.convolve(images, filters, axes=([2, 3], [2, 3]), dot_axes=([1], [0]), mode="valid").shape
(2, 3, 3, 3)
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Sequence
from typing import Any

import tracegrad.numpy as tnp

_NO_DOT: Sequence[Sequence[int]] = ((), ())


def _check(A: Any, B: Any, axes: Any, dot_axes: Any, mode: str) -> None:
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"Mode {mode} undefined, it can be one of 'valid', 'full', and 'same'")
    pairs = list(zip(*axes)) + list(zip(*dot_axes))
    if len(axes[0]) != len(axes[1]) or len(dot_axes[0]) != len(dot_axes[1]):
        raise ValueError(f"axes {axes!r} and dot_axes {dot_axes!r} must pair A's with B's")
    for a, b in pairs[len(axes[0]) :]:
        if A.shape[a] != B.shape[b]:
            raise ValueError(
                f"dot_axes pair ({a}, {b}) has sizes {A.shape[a]} and {B.shape[b]} "
                f"(A.shape={A.shape}, B.shape={B.shape}): they must be equal"
            )


def convolve(
    A: Any,
    B: Any,
    axes: Sequence[Sequence[int]] | None = None,
    dot_axes: Sequence[Sequence[int]] = _NO_DOT,
    mode: str = "full",
) -> Any:
    """autograd's convolution of ``A`` and ``B`` (see the module's description)."""
    A, B = tnp.asarray(A), tnp.asarray(B)
    if axes is None:
        axes = (list(range(A.ndim)), list(range(A.ndim)))
    _check(A, B, axes, dot_axes, mode)
    conv_a, conv_b = list(axes[0]), list(axes[1])
    size_a = [A.shape[i] for i in conv_a]
    size_b = [B.shape[i] for i in conv_b]
    if mode == "valid" and not (
        all(a <= b for a, b in zip(size_a, size_b)) or all(b <= a for a, b in zip(size_a, size_b))
    ):
        raise ValueError("One array must be larger than the other along all convolved dimensions")
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(A.ndim)]
    sub_b = [next(letters) for _ in range(B.ndim)]
    for a, b in zip(*dot_axes):
        sub_b[b] = sub_a[a]
    conv = [next(letters) for _ in conv_a]
    kept_a = [s for i, s in enumerate(sub_a) if i not in conv_a and i not in dot_axes[0]]
    kept_b = [s for i, s in enumerate(sub_b) if i not in conv_b and i not in dot_axes[1]]
    # The kernel is the operand smaller along the convolved axes; the other slides under it.
    a_is_kernel = mode == "full" or all(a <= b for a, b in zip(size_a, size_b))
    if mode == "same":
        a_is_kernel = False
    kernel, signal = (A, B) if a_is_kernel else (B, A)
    k_axes, s_axes = (conv_a, conv_b) if a_is_kernel else (conv_b, conv_a)
    k_sub, s_sub = (sub_a, sub_b) if a_is_kernel else (sub_b, sub_a)
    k_size = [kernel.shape[i] for i in k_axes]
    s_size = [signal.shape[i] for i in s_axes]
    if mode == "valid":
        out_size = [s - k + 1 for s, k in zip(s_size, k_size)]
    else:
        out_size = [s + k - 1 for s, k in zip(s_size, k_size)]
        pad = [(0, 0)] * signal.ndim
        for ax, k in zip(s_axes, k_size):
            pad[ax] = (k - 1, k - 1)
        signal = tnp.pad(signal, pad)
    k_free = "".join(s for i, s in enumerate(k_sub) if i not in k_axes)
    s_letters = list(s_sub)
    for ax, c in zip(s_axes, conv):
        s_letters[ax] = c
    spec = f"{k_free},{''.join(s_letters)}->{''.join(kept_a + kept_b + conv)}"
    total: Any = None
    for pos in itertools.product(*[range(k) for k in k_size]):
        k_index: list[int | slice] = [slice(None)] * kernel.ndim
        s_index = [slice(None)] * signal.ndim
        for ax, sax, j, k, n in zip(k_axes, s_axes, pos, k_size, out_size):
            k_index[ax] = j
            s_index[sax] = slice(k - 1 - j, k - 1 - j + n)
        term = tnp.einsum(spec, kernel[tuple(k_index)], signal[tuple(s_index)])
        total = term if total is None else total + term
    if mode == "same":
        start = [(k - 1) // 2 for k in k_size]
        # 'same' keeps A's size: the centred window of the full result
        index = [slice(None)] * (total.ndim - len(conv))
        index += [slice(s, s + n) for s, n in zip(start, size_a)]
        total = total[tuple(index)]
    return total
