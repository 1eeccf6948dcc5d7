"""The ``conv_general_dilated`` primitive: N-d convolution with strides, padding, input and
kernel dilation, feature and batch groups, in any dimension layout, as ``jax.lax``.

Parameters are canonical here (padding as ``(low, high)`` pairs, dimension numbers as
:class:`ConvDimensionNumbers` of integer tuples); ``tracegrad.lax`` parses the user's forms.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray, ShapeError, get_aval
from tracegrad.ops.combinators import defbilinear
from tracegrad.ops.indexing import full
from tracegrad.ops.rules import same_dtype
from tracegrad.ops.shapes import rev
from tracegrad.ops.structural import convert_element_type, moveaxis, reshape, transpose

Shape = tuple[int, ...]
Pairs = tuple[tuple[int, int], ...]


class ConvDimensionNumbers(NamedTuple):
    """Where each logical dimension of a convolution lives, as ``jax.lax.ConvDimensionNumbers``:
    ``lhs_spec`` is (batch, feature, *spatial) axes of the input, ``rhs_spec`` (output feature,
    input feature, *spatial) axes of the kernel, ``out_spec`` (batch, feature, *spatial) axes
    of the output.

    >>> ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2)).lhs_spec
    (0, 1, 2)
    """

    lhs_spec: Shape
    rhs_spec: Shape
    out_spec: Shape


def dilate_shape(shape: Sequence[int], dilation: Sequence[int]) -> Shape:
    """The sizes after putting ``dilation - 1`` holes between neighbours (0 stays 0)."""
    return tuple(0 if n == 0 else 1 + d * (n - 1) for n, d in zip(shape, dilation, strict=True))


def window_output_shape(
    in_shape: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    padding: Pairs,
    base_dilation: Sequence[int],
    window_dilation: Sequence[int],
) -> Shape:
    """How many windows of ``window`` (dilated) fit, at ``strides``, in the dilated and padded
    input: the spatial output shape of a convolution and of a window reduction."""
    sizes = np.add(dilate_shape(in_shape, base_dilation), [lo + hi for lo, hi in padding])
    spans = dilate_shape(window, window_dilation)
    out = [0 if n < k else (n - k) // s + 1 for n, k, s in zip(sizes, spans, strides, strict=True)]
    return tuple(int(v) for v in out)


def dilate_pad_np(x: np.ndarray, dilation: Sequence[int], padding: Pairs, fill: Any) -> Any:
    """``x`` with holes (``fill``) between neighbours and ``padding`` (negative: cropped) on
    every dimension, in NumPy."""
    grown = [(max(lo, 0), max(hi, 0)) for lo, hi in padding]
    inner = dilate_shape(x.shape, dilation)
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(inner, grown, strict=True))
    if shape == x.shape:
        out = x
    else:
        out = np.full(shape, fill, dtype=x.dtype)
        out[tuple(slice(lo, lo + n, d) for (lo, _), n, d in zip(grown, inner, dilation))] = x
    crop = tuple(
        slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(padding, shape, strict=True)
    )
    return out[crop]


def windows_np(x: np.ndarray, window: Shape, strides: Shape, dilation: Shape, first: int) -> Any:
    """A strided view of ``x`` with one entry per window position: the ``len(window)``
    dimensions from ``first`` on become positions, and the window offsets are appended
    as the last dimensions (no copy)."""
    spans = dilate_shape(window, dilation)
    axes = tuple(range(first, first + len(window)))
    view = np.lib.stride_tricks.sliding_window_view(x, spans, axis=axes)
    lead = (slice(None),) * first
    steps = tuple(slice(None, None, s) for s in strides)
    spaced = tuple(slice(None, None, d) for d in dilation)
    index: tuple[Any, ...] = (*lead, *steps, Ellipsis, *spaced)
    return view[index]


# ---- conv_general_dilated ---------------------------------------------------------------
def conv_general_dilated(
    lhs: Any,
    rhs: Any,
    window_strides: Shape,
    padding: Pairs,
    lhs_dilation: Shape,
    rhs_dilation: Shape,
    dimension_numbers: ConvDimensionNumbers,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    preferred_element_type: np.dtype[Any] | None = None,
) -> Any:
    """Convolution with canonical parameters (``tracegrad.lax.conv_general_dilated`` is the
    user's form).

    >>> dn = ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))
    >>> x, w = np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 2))
    >>> conv_general_dilated(x, w, (1,), ((0, 0),), (1,), (1,), dn)
    array([[[1., 3., 5., 7.]]])
    """
    return conv_general_dilated_p.bind(
        lhs,
        rhs,
        window_strides=tuple(window_strides),
        padding=tuple((int(lo), int(hi)) for lo, hi in padding),
        lhs_dilation=tuple(lhs_dilation),
        rhs_dilation=tuple(rhs_dilation),
        dimension_numbers=ConvDimensionNumbers(*(tuple(s) for s in dimension_numbers)),
        feature_group_count=int(feature_group_count),
        batch_group_count=int(batch_group_count),
        preferred_element_type=preferred_element_type,
    )


def _conv_impl(lhs: Any, rhs: Any, **p: Any) -> Any:
    # Validate first: bad parameters could otherwise make NumPy compute something else.
    dtype = _conv_abstract_eval(get_aval(lhs), get_aval(rhs), **p).dtype
    strides, dilation = p["window_strides"], p["rhs_dilation"]
    bgc = p["batch_group_count"]
    groups = p["feature_group_count"] * bgc
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    nsp = len(strides)
    # Channels last: (N, *spatial, C) and (O, *kernel, I), so that every copy below moves
    # runs of C contiguous elements.
    x = np.transpose(np.asarray(lhs), (lhs_spec[0], *lhs_spec[2:], lhs_spec[1]))
    w = np.transpose(np.asarray(rhs), (rhs_spec[0], *rhs_spec[2:], rhs_spec[1]))
    x = dilate_pad_np(x, (1, *p["lhs_dilation"], 1), ((0, 0), *p["padding"], (0, 0)), 0)
    n, c, o, kernel = x.shape[0], x.shape[-1], w.shape[0], w.shape[1:-1]
    nb, og = n // bgc, o // groups
    positions = window_output_shape(
        x.shape[1:-1], kernel, strides, ((0, 0),) * nsp, (1,) * nsp, dilation
    )
    if 0 in (nb, o, *positions) or w.size == 0:
        out = np.zeros((nb, o, *positions), dtype)
        return out.transpose(np.argsort(out_spec))
    # Groups first: (G, Nb, *spatial, Cg) and (G, Og, *kernel, I), views of x and w.
    if bgc > 1:
        xg = x.reshape(bgc, nb, *x.shape[1:])
    else:
        xg = np.moveaxis(x.reshape(*x.shape[:-1], groups, c // groups), -2, 0)
    wg = w.reshape(groups, og, *w.shape[1:])
    rows = nb * math.prod(positions)
    if math.prod(kernel) <= math.prod(positions):
        # Few kernel offsets: one matmul per offset, of the input shifted by it.
        res = np.zeros((groups, rows, og), np.result_type(x, w))
        for offset in itertools.product(*(range(k) for k in kernel)):
            steps = zip(offset, dilation, positions, strides, strict=True)
            shifts = tuple(slice(k * d, k * d + (m - 1) * s + 1, s) for k, d, m, s in steps)
            index = (slice(None), slice(None), *shifts)
            k_index: tuple[Any, ...] = (slice(None), slice(None), *offset)
            kern = wg[k_index].transpose(0, 2, 1)
            shifted = xg[index]
            res += np.matmul(shifted.reshape(groups, rows, -1), kern)
    else:
        # Few output positions (a kernel cotangent): one matmul of all windows (im2col).
        win = windows_np(xg, kernel, strides, dilation, 2)  # (G, Nb, *P, Cg, *K)
        k_axes = tuple(range(3 + nsp, 3 + 2 * nsp))
        cols = win.transpose(0, 1, *range(2, 2 + nsp), *k_axes, 2 + nsp).reshape(groups, rows, -1)
        res = np.matmul(cols, wg.reshape(groups, og, -1).transpose(0, 2, 1))
    res = res.reshape(groups, nb, *positions, og)
    res = res.transpose(1, 0, nsp + 2, *range(2, nsp + 2)).reshape(nb, o, *positions)
    return res.astype(dtype, copy=False).transpose(np.argsort(out_spec))


def _check_spec(name: str, spec: Shape, ndim: int) -> None:
    if sorted(spec) != list(range(ndim)):
        raise ShapeError(
            f"convolution {name} {spec} must be a permutation of the {ndim} dimensions of the "
            "operands (batch/feature first, then spatial); build it with "
            "tracegrad.lax.conv_dimension_numbers."
        )


def _check_positive(name: str, values: Shape, nsp: int, what: str = "window_strides") -> None:
    if len(values) != nsp:
        raise ShapeError(
            f"conv_general_dilated window and {what} must have the same number of dimensions, "
            f"but got {nsp} and {len(values)}"
        )
    if any(v <= 0 for v in values):
        raise ShapeError(
            f"conv_general_dilated {name} must have every element be strictly positive, got "
            f"{values}."
        )


def _check_groups(lhs: Shape, rhs: Shape, feature_groups: int, batch_groups: int) -> None:
    for name, count in (
        ("feature_group_count", feature_groups),
        ("batch_group_count", batch_groups),
    ):
        if count <= 0:
            raise ShapeError(
                f"conv_general_dilated {name} must be a positive integer, got {count}."
            )
    if feature_groups > 1 and batch_groups > 1:
        raise ShapeError(
            "conv_general_dilated: at most one of batch_group_count and feature_group_count may "
            f"be > 1, got batch_group_count={batch_groups} and "
            f"feature_group_count={feature_groups}."
        )
    if lhs[1] % feature_groups:
        raise ShapeError(
            "conv_general_dilated feature_group_count must divide lhs feature dimension size, "
            f"but {feature_groups} does not divide {lhs[1]}."
        )
    if lhs[1] // feature_groups != rhs[1]:
        raise ShapeError(
            "conv_general_dilated lhs feature dimension size divided by feature_group_count "
            "must equal the rhs input feature dimension size, but "
            f"{lhs[1]} // {feature_groups} != {rhs[1]}."
        )
    if lhs[0] % batch_groups:
        raise ShapeError(
            "conv_general_dilated batch_group_count must divide lhs batch dimension size, but "
            f"{batch_groups} does not divide {lhs[0]}."
        )
    for name, count in (
        ("feature_group_count", feature_groups),
        ("batch_group_count", batch_groups),
    ):
        if rhs[0] % count:
            raise ShapeError(
                "conv_general_dilated rhs output feature dimension size must be a multiple of "
                f"{name}, but {rhs[0]} is not a multiple of {count}."
            )


def _conv_abstract_eval(
    lhs: ShapedArray,
    rhs: ShapedArray,
    *,
    window_strides: Shape,
    padding: Pairs,
    lhs_dilation: Shape,
    rhs_dilation: Shape,
    dimension_numbers: ConvDimensionNumbers,
    feature_group_count: int,
    batch_group_count: int,
    preferred_element_type: np.dtype[Any] | None,
) -> ShapedArray:
    if lhs.ndim != rhs.ndim:
        raise ShapeError(
            f"convolution requires lhs and rhs ndim to be equal, got {lhs.ndim} and {rhs.ndim} "
            f"(lhs shape {lhs.shape}, rhs shape {rhs.shape})."
        )
    if lhs.ndim < 2:
        raise ShapeError(
            f"convolution needs operands with a batch and a feature dimension, got lhs shape "
            f"{lhs.shape}."
        )
    dtype = same_dtype("conv_general_dilated", lhs, rhs)
    for name, spec in zip(("lhs_spec", "rhs_spec", "out_spec"), dimension_numbers, strict=True):
        _check_spec(name, spec, lhs.ndim)
    nsp = lhs.ndim - 2
    _check_positive("window_strides", window_strides, nsp)
    _check_positive("lhs_dilation", lhs_dilation, nsp, "lhs_dilation")
    _check_positive("rhs_dilation", rhs_dilation, nsp, "rhs_dilation")
    if len(padding) != nsp:
        raise ShapeError(
            f"Wrong number of explicit pads for convolution: expected {nsp}, got {len(padding)}."
        )
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    x = tuple(lhs.shape[d] for d in lhs_spec)
    w = tuple(rhs.shape[d] for d in rhs_spec)
    _check_groups(x, w, feature_group_count, batch_group_count)
    dilated = dilate_shape(x[2:], lhs_dilation)
    if any(lo + hi < -n for (lo, hi), n in zip(padding, dilated, strict=True)):
        raise ShapeError(
            "Negative padding is larger than the size of the corresponding dimension: got "
            f"padding={padding} for lhs_shape[2:]={x[2:]}."
        )
    spatial = window_output_shape(x[2:], w[2:], window_strides, padding, lhs_dilation, rhs_dilation)
    logical = (x[0] // batch_group_count, w[0], *spatial)
    shape = tuple(logical[out_spec.index(d)] for d in range(lhs.ndim))
    if preferred_element_type is not None:
        preferred = np.dtype(preferred_element_type)
        if preferred.kind != dtype.kind and not (dtype.kind in "biu" and preferred.kind in "iuf"):
            raise DTypeError(
                f"conv_general_dilated: preferred_element_type {preferred.name} does not hold "
                f"the result of operands of dtype {dtype.name}; pass a dtype of the same kind."
            )
        dtype = preferred
    return ShapedArray(shape, dtype, lhs.weak_type and rhs.weak_type)


# Axis regrouping for the transpose and batch rules. An "extra" axis (a vmap batch axis, or
# a group axis split out of another) sits at position ``extra`` of an array whose other axes
# are in the layout the dimension numbers describe.
def fold_axis(x: Any, extra: int, into: int, groups: int = 1) -> Any:
    """Merge axis ``extra`` into axis ``into`` (numbered without ``extra``), whose size is
    ``groups * m``: the merged axis is laid out (groups, extra, m)."""
    x = moveaxis(x, extra, 0)
    k, *shape = get_aval(x).shape
    x = reshape(x, (k, *shape[:into], groups, shape[into] // groups, *shape[into + 1 :]))
    perm = [*range(1, into + 2), 0, *range(into + 2, len(shape) + 2)]
    x = transpose(x, perm)
    return reshape(x, (*shape[:into], shape[into] * k, *shape[into + 1 :]))


def unfold_axis(x: Any, axis: int, size: int, groups: int = 1) -> Any:
    """Split axis ``axis``, laid out (groups, size, m), into an axis of ``size`` at ``axis``
    followed by one of ``groups * m``: the inverse of ``fold_axis``."""
    shape = get_aval(x).shape
    m = shape[axis] // (groups * size)
    x = reshape(x, (*shape[:axis], groups, size, m, *shape[axis + 1 :]))
    x = moveaxis(x, axis + 1, axis)
    return reshape(x, (*shape[:axis], size, groups * m, *shape[axis + 1 :]))


def _swap(spec: Shape) -> Shape:
    return (spec[1], spec[0], *spec[2:])


def vjp_lhs_padding(
    in_shape: Shape,
    window: Shape,
    strides: Shape,
    out_shape: Shape,
    padding: Pairs,
    base_dilation: Shape,
    window_dilation: Shape,
) -> Pairs:
    """The padding under which a window operation of the cotangent, dilated by ``strides``,
    lands on the input positions: the input cotangent of a convolution or window sum."""
    lhs_d = dilate_shape(in_shape, base_dilation)
    rhs_d = dilate_shape(window, window_dilation)
    out_d = dilate_shape(out_shape, strides)
    before = [k - lo - 1 for k, (lo, _) in zip(rhs_d, padding, strict=True)]
    after = [a + k - 1 - o - b for a, k, o, b in zip(lhs_d, rhs_d, out_d, before, strict=True)]
    return tuple(zip(before, after, strict=True))


def _rhs_vjp_padding(in_shape: Shape, kernel: Shape, out_shape: Shape, p: dict[str, Any]) -> Pairs:
    lhs_d = dilate_shape(in_shape, p["lhs_dilation"])
    rhs_d = dilate_shape(kernel, p["rhs_dilation"])
    out_d = dilate_shape(out_shape, p["window_strides"])
    return tuple(
        (lo, o - a + k - lo - 1)
        for (lo, _), a, k, o in zip(p["padding"], lhs_d, rhs_d, out_d, strict=True)
    )


def _spatial(shape: Shape, spec: Shape) -> Shape:
    return tuple(shape[d] for d in spec[2:])


def _as_dtype(ct: Any, dtype: np.dtype[Any]) -> Any:
    return ct if get_aval(ct).dtype == dtype else convert_element_type(ct, dtype)


def _transpose_lhs(ct: Any, lhs: Any, rhs: Any, **p: Any) -> Any:
    """The cotangent of the input: the cotangent convolved with the flipped kernel, input and
    output features swapped, strides becoming input dilation."""
    lhs_aval, rhs_aval, ct_aval = lhs.aval, get_aval(rhs), get_aval(ct)
    if ct_aval.size == 0:
        return full(lhs_aval.shape, 0, lhs_aval.dtype)
    ct = _as_dtype(ct, lhs_aval.dtype)
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    groups = max(p["feature_group_count"], p["batch_group_count"])
    w = rhs
    if groups > 1:
        # The group axis moves from the kernel's output features to its input features.
        o_axis = rhs_spec[0]
        shape = rhs_aval.shape
        w = reshape(w, (*shape[:o_axis], groups, shape[o_axis] // groups, *shape[o_axis + 1 :]))
        w = fold_axis(w, o_axis, rhs_spec[1])
    w = rev(w, rhs_spec[2:])
    pads = vjp_lhs_padding(
        _spatial(lhs_aval.shape, lhs_spec),
        _spatial(rhs_aval.shape, rhs_spec),
        p["window_strides"],
        _spatial(ct_aval.shape, out_spec),
        p["padding"],
        p["lhs_dilation"],
        p["rhs_dilation"],
    )
    out = conv_general_dilated(
        ct,
        w,
        p["lhs_dilation"],
        pads,
        p["window_strides"],
        p["rhs_dilation"],
        ConvDimensionNumbers(out_spec, _swap(rhs_spec), lhs_spec),
        feature_group_count=groups,
    )
    if p["batch_group_count"] > 1:
        # Features came out laid out (groups, C); the groups belong to the batch.
        f_axis, shape = lhs_spec[1], get_aval(out).shape
        out = reshape(out, (*shape[:f_axis], groups, shape[f_axis] // groups, *shape[f_axis + 1 :]))
        out = fold_axis(out, f_axis, lhs_spec[0])
    return out


def _transpose_rhs(ct: Any, lhs: Any, rhs: Any, **p: Any) -> Any:
    """The cotangent of the kernel: the input convolved with the cotangent, batch and
    feature roles swapped (feature groups become batch groups and back)."""
    lhs_aval, rhs_aval, ct_aval = get_aval(lhs), rhs.aval, get_aval(ct)
    if ct_aval.size == 0:
        return full(rhs_aval.shape, 0, rhs_aval.dtype)
    ct = _as_dtype(ct, rhs_aval.dtype)
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    pads = _rhs_vjp_padding(
        _spatial(lhs_aval.shape, lhs_spec),
        _spatial(rhs_aval.shape, rhs_spec),
        _spatial(ct_aval.shape, out_spec),
        p,
    )
    return conv_general_dilated(
        lhs,
        ct,
        p["rhs_dilation"],
        pads,
        p["lhs_dilation"],
        p["window_strides"],
        ConvDimensionNumbers(_swap(lhs_spec), _swap(out_spec), _swap(rhs_spec)),
        feature_group_count=p["batch_group_count"],
        batch_group_count=p["feature_group_count"],
    )


def _conv_batch(args: Sequence[Any], dims: Sequence[int | None], **p: Any) -> tuple[Any, int]:
    """vmap folds the batch into the convolution's own batch or feature groups."""
    (lhs, rhs), (dl, dr) = args, dims
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    fgc, bgc = p["feature_group_count"], p["batch_group_count"]
    if dl is not None and dr is not None:
        k = get_aval(lhs).shape[dl]
        if bgc > 1:
            lhs, bgc = fold_axis(lhs, dl, lhs_spec[0]), bgc * k
        else:
            lhs, fgc = fold_axis(lhs, dl, lhs_spec[1]), fgc * k
        rhs = fold_axis(rhs, dr, rhs_spec[0])
        out = conv_general_dilated_p.bind(
            lhs, rhs, **{**p, "feature_group_count": fgc, "batch_group_count": bgc}
        )
        return unfold_axis(out, out_spec[1], k), out_spec[1]
    if dl is not None:
        k = get_aval(lhs).shape[dl]
        out = conv_general_dilated_p.bind(fold_axis(lhs, dl, lhs_spec[0], bgc), rhs, **p)
        return unfold_axis(out, out_spec[0], k), out_spec[0]
    assert dr is not None
    k, groups = get_aval(rhs).shape[dr], fgc * bgc
    out = conv_general_dilated_p.bind(lhs, fold_axis(rhs, dr, rhs_spec[0], groups), **p)
    return unfold_axis(out, out_spec[1], k, groups), out_spec[1]


conv_general_dilated_p = Primitive("conv_general_dilated")
conv_general_dilated_p.def_impl(_conv_impl)
conv_general_dilated_p.def_abstract_eval(_conv_abstract_eval)
defbilinear(conv_general_dilated_p, _transpose_lhs, _transpose_rhs)
conv_general_dilated_p.def_batch(_conv_batch)
