"""``tracegrad.lax`` convolutions: the user-facing forms of ``conv_general_dilated`` (string
paddings, layout strings, defaults) and the helpers that build their parameters, as JAX's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.ops import convolution as _conv
from tracegrad.ops.convolution import ConvDimensionNumbers, dilate_shape
from tracegrad.ops.shapes import rev
from tracegrad.ops.structural import transpose

Shape = tuple[int, ...]
Pairs = tuple[tuple[int, int], ...]
PADDING_TYPES = ("VALID", "SAME", "SAME_LOWER")


def padtype_to_pads(
    in_shape: Sequence[int],
    window_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: str,
) -> list[tuple[int, int]]:
    """The explicit ``(low, high)`` pads of a string padding, as ``jax.lax.padtype_to_pads``:
    'VALID' pads nothing; 'SAME' pads so that the output has ``ceil(n / stride)`` positions,
    the extra pad at the high end ('SAME_LOWER': at the low end).

    >>> padtype_to_pads((5,), (3,), (2,), "SAME")
    [(1, 1)]
    >>> padtype_to_pads((6,), (4,), (1,), "SAME_LOWER")
    [(2, 1)]
    """
    kind = padding.upper() if isinstance(padding, str) else padding
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise RuntimeError(
            f"Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got {padding}."
        )
    pads = []
    for n, k, s in zip(in_shape, window_shape, window_strides, strict=True):
        total = max((-(-n // s) - 1) * s + k - n, 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if kind == "SAME" else (big, small))
    return pads


def _layout_perms(specs: Sequence[str]) -> ConvDimensionNumbers:
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(specs, pairs, strict=True)):
        if spec.count(a) != 1 or spec.count(b) != 1:
            raise TypeError(
                f"convolution dimension_numbers[{i}] must contain the characters '{a}' and "
                f"'{b}' exactly once, got {spec}."
            )
        if len(set(spec)) != len(spec):
            raise TypeError(
                f"convolution dimension_numbers[{i}] cannot have duplicate characters, got {spec}."
            )
    spatial = [set(spec) - set(pair) for spec, pair in zip(specs, pairs, strict=True)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(
            "convolution dimension_numbers elements must each have the same set of spatial "
            f"characters, got {tuple(specs)}."
        )
    rhs = specs[1]
    # Spatial dimensions are matched by letter, in the order the kernel lists them.
    letters = [c for c in rhs if c not in "OI"]
    perms = [
        (spec.index(a), spec.index(b), *(spec.index(c) for c in letters))
        for spec, (a, b) in zip(specs, pairs, strict=True)
    ]
    return ConvDimensionNumbers(*perms)


def conv_dimension_numbers(
    lhs_shape: Sequence[int], rhs_shape: Sequence[int], dimension_numbers: Any
) -> ConvDimensionNumbers:
    """``ConvDimensionNumbers`` from None (NCHW, OIHW, NCHW), layout strings such as
    ``('NHWC', 'HWIO', 'NHWC')``, or integer specs, as ``jax.lax.conv_dimension_numbers``.

    >>> conv_dimension_numbers((1, 8, 8, 3), (3, 3, 3, 16), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    ndim = len(lhs_shape)
    if ndim != len(rhs_shape):
        raise TypeError(
            f"convolution requires lhs and rhs ndim to be equal, got {ndim} and {len(rhs_shape)}."
        )
    if dimension_numbers is None:
        iota = tuple(range(ndim))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, list | tuple):
        raise TypeError(
            f"convolution dimension_numbers must be tuple/list or None, got {dimension_numbers!r}."
        )
    if len(dimension_numbers) != 3:
        raise TypeError(
            "convolution dimension_numbers list/tuple must be length 3, got "
            f"{len(dimension_numbers)}."
        )
    if all(isinstance(s, list | tuple) for s in dimension_numbers):
        return ConvDimensionNumbers(*(tuple(int(d) for d in s) for s in dimension_numbers))
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError(
            f"convolution dimension_numbers elements must be strings, got {dimension_numbers}."
        )
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != ndim:
            raise TypeError(
                f"convolution dimension_numbers[{i}] must have len equal to the ndim of lhs and "
                f"rhs, got {len(spec)} for lhs and rhs shapes {tuple(lhs_shape)} and "
                f"{tuple(rhs_shape)}."
            )
    return _layout_perms(dimension_numbers)


def _ints(values: Sequence[int] | None, n: int) -> Shape:
    return (1,) * n if values is None else tuple(int(v) for v in values)


def conv_general_dilated(
    lhs: Any,
    rhs: Any,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Any:
    """General N-d convolution (cross-correlation, as in deep learning), as
    ``jax.lax.conv_general_dilated``; ``precision`` is accepted and ignored (NumPy computes in
    the operands' dtype).

    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> conv_general_dilated(x, np.ones((1, 1, 3)), (1,), "SAME")
    array([[[1., 3., 6., 9., 7.]]])
    """
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    nsp = len(lhs_shape) - 2
    lhs_dil, rhs_dil = _ints(lhs_dilation, nsp), _ints(rhs_dilation, nsp)
    strides = tuple(int(s) for s in window_strides)
    if len(strides) != nsp:
        raise ShapeError(
            "conv_general_dilated window and window_strides must have the same number of "
            f"dimensions, but got {nsp} and {len(strides)} (lhs shape {lhs_shape})."
        )
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dil):
            raise ValueError(
                "String padding is not implemented for transposed convolution using this op. "
                "Please either exactly specify the required padding or use conv_transpose."
            )
        spatial = [lhs_shape[d] for d in dn.lhs_spec[2:]]
        kernel = dilate_shape([rhs_shape[d] for d in dn.rhs_spec[2:]], rhs_dil)
        padding = padtype_to_pads(spatial, kernel, strides, padding)
    pads = tuple((int(lo), int(hi)) for lo, hi in padding)
    if len(pads) != nsp:
        raise ShapeError(
            f"Wrong number of explicit pads for convolution: expected {nsp}, got {len(pads)}."
        )
    return _conv.conv_general_dilated(
        lhs,
        rhs,
        strides,
        pads,
        lhs_dil,
        rhs_dil,
        dn,
        feature_group_count,
        batch_group_count,
        None if preferred_element_type is None else np.dtype(preferred_element_type),
    )


def conv(
    lhs: Any,
    rhs: Any,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Any:
    """Convolution of NCHW inputs with OIHW kernels, as ``jax.lax.conv``.

    >>> conv(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), (1, 1), "VALID")[0, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    return conv_general_dilated(
        lhs, rhs, window_strides, padding, preferred_element_type=preferred_element_type
    )


def conv_with_general_padding(
    lhs: Any,
    rhs: Any,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None,
    rhs_dilation: Sequence[int] | None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Any:
    """Convolution of NCHW inputs with OIHW kernels and dilations, as
    ``jax.lax.conv_with_general_padding``.

    >>> conv_with_general_padding(np.ones((1, 1, 3)), np.ones((1, 1, 2)), (1,), [(1, 0)],
    ...                           (2,), None)
    array([[[1., 1., 1., 1., 1.]]])
    """
    return conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        lhs_dilation,
        rhs_dilation,
        preferred_element_type=preferred_element_type,
    )


def _transpose_pads(k: int, s: int, padding: str) -> tuple[int, int]:
    """The pads that make a stride-``s`` transposed convolution the gradient of a 'SAME' or
    'VALID' convolution with a kernel of (dilated) size ``k``."""
    if padding == "SAME":
        total = k + s - 2
        low = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        low = k - 1
    else:
        raise ValueError(f"Padding mode must be `SAME` or `VALID`, got {padding!r}.")
    return low, total - low


_TRANSPOSE_LAYOUTS = {
    2: ("NC", "IO", "NC"),
    3: ("NHC", "HIO", "NHC"),
    4: ("NHWC", "HWIO", "NHWC"),
    5: ("NHWDC", "HWDIO", "NHWDC"),
}


def conv_transpose(
    lhs: Any,
    rhs: Any,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    transpose_kernel: bool = False,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Any:
    """Transposed convolution ("deconvolution"), as ``jax.lax.conv_transpose``: the input is
    dilated by ``strides``; default layouts are channels-last (NHWC, HWIO).

    >>> conv_transpose(np.ones((1, 2, 1)), np.ones((2, 1, 1)), (2,), "VALID")[0, :, 0]
    array([1., 1., 1., 1.])
    """
    ndim = get_aval(lhs).ndim
    if dimension_numbers is None:
        if ndim not in _TRANSPOSE_LAYOUTS:
            raise ValueError(f"No {ndim}-dimensional dimension_number defaults for conv_transpose.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[ndim]
    dn = conv_dimension_numbers(get_aval(lhs).shape, get_aval(rhs).shape, dimension_numbers)
    nsp = ndim - 2
    rhs_dil = _ints(rhs_dilation, nsp)
    if isinstance(padding, str):
        kernel = dilate_shape([get_aval(rhs).shape[d] for d in dn.rhs_spec[2:]], rhs_dil)
        padding = [
            _transpose_pads(k, int(s), padding) for k, s in zip(kernel, strides, strict=True)
        ]
    if transpose_kernel:
        rhs = rev(rhs, dn.rhs_spec[2:])
        perm = list(range(ndim))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = transpose(rhs, perm)
    return conv_general_dilated(
        lhs,
        rhs,
        (1,) * nsp,
        padding,
        strides,
        rhs_dil,
        dn,
        preferred_element_type=preferred_element_type,
    )


__all__ = [
    "ConvDimensionNumbers",
    "conv",
    "conv_dimension_numbers",
    "conv_general_dilated",
    "conv_transpose",
    "conv_with_general_padding",
    "padtype_to_pads",
]
