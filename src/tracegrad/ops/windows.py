"""Window reductions (``reduce_window_sum``, ``reduce_window_max``, ``reduce_window_min``: the
pooling primitives), and the two linear primitives that carry a max or min's derivative
through the element each window selects (``select_and_gather_add`` and its transpose
``select_and_scatter_add``), as JAX.

Every primitive here takes the same window parameters: ``window_dimensions``,
``window_strides``, ``padding`` (``(low, high)`` pairs, negative crops), ``base_dilation``
(holes between input elements) and ``window_dilation`` (holes inside a window).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    DTypeError,
    Primitive,
    ShapedArray,
    ShapeError,
    Zero,
    get_aval,
    is_undefined_primal,
)
from tracegrad.ops.combinators import defjvp
from tracegrad.ops.convolution import (
    dilate_pad_np,
    dilate_shape,
    vjp_lhs_padding,
    window_output_shape,
    windows_np,
)
from tracegrad.ops.rules import deflinear
from tracegrad.ops.structural import bdim_at_front, pad
from tracegrad.ops.structural import slice as slice_op

Shape = tuple[int, ...]
Pairs = tuple[tuple[int, int], ...]


def window_params(
    ndim: int,
    window_dimensions: Sequence[int],
    window_strides: Sequence[int] | None = None,
    padding: Sequence[tuple[int, int]] | None = None,
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The canonical (hashable, defaulted) window parameters of an ``ndim``-d operand."""

    def ints(v: Sequence[int] | None) -> Shape:
        return (1,) * ndim if v is None else tuple(int(d) for d in v)

    return dict(
        window_dimensions=tuple(int(d) for d in window_dimensions),
        window_strides=ints(window_strides),
        padding=((0, 0),) * ndim
        if padding is None
        else tuple((int(a), int(b)) for a, b in padding),
        base_dilation=ints(base_dilation),
        window_dilation=ints(window_dilation),
    )


def check_window(name: str, x: ShapedArray, p: dict[str, Any]) -> Shape:
    """The output shape of a window operation on ``x``, after JAX's checks of the parameters."""
    dims, strides = p["window_dimensions"], p["window_strides"]
    if len(dims) != x.ndim:
        raise ShapeError(
            f"{name} got the wrong number of window_dimensions for operand: got operand shape "
            f"{x.shape} with window_dimensions {dims}."
        )
    for what, values in (("window_strides", strides), ("padding", p["padding"])):
        if len(values) != x.ndim:
            raise ShapeError(
                f"{name} got inconsistent {what} and window_dimensions: got {what} {values} "
                f"and window_dimensions {dims} for an operand of shape {x.shape}."
            )
    for what, values in (("window_dimensions", dims), ("window_strides", strides)):
        if any(v <= 0 for v in values):
            raise ShapeError(
                f"{name} {what} must have every element be strictly positive, got {values}."
            )
    for what in ("base_dilation", "window_dilation"):
        values = p[what]
        if len(values) != x.ndim or any(v <= 0 for v in values):
            raise ShapeError(
                f"All dilations must be positive, got {values} ({name} {what}, one per dimension "
                f"of the operand of shape {x.shape})."
            )
    dilated = dilate_shape(x.shape, p["base_dilation"])
    if any(lo + hi < -n for (lo, hi), n in zip(p["padding"], dilated, strict=True)):
        raise ShapeError(
            f"{name}: negative padding {p['padding']} crops more than the (dilated) operand "
            f"of shape {dilated} holds."
        )
    return window_output_shape(
        x.shape, dims, strides, p["padding"], p["base_dilation"], p["window_dilation"]
    )


def _identity(kind: str, dtype: np.dtype[Any]) -> Any:
    """The padding value that no window reduction of ``kind`` ever selects."""
    if kind == "sum":
        return np.zeros((), dtype)
    low = kind == "max"
    if dtype.kind == "b":
        return np.array(not low)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.array(info.min if low else info.max, dtype)
    return np.array(-np.inf if low else np.inf, dtype)


def _windows(x: Any, kind: str, p: dict[str, Any]) -> tuple[Any, Shape]:
    """The dilated and padded ``x`` and a view of it with shape (*output, *window)."""
    x = np.asarray(x)
    padded = dilate_pad_np(x, p["base_dilation"], p["padding"], _identity(kind, x.dtype))
    out = window_output_shape(
        x.shape, p["window_dimensions"], p["window_strides"], p["padding"],
        p["base_dilation"], p["window_dilation"],
    )  # fmt: skip
    if 0 in out:
        return padded, out
    view = windows_np(padded, p["window_dimensions"], p["window_strides"], p["window_dilation"], 0)
    return padded, view


def _window_axes(ndim: int) -> Shape:
    return tuple(range(ndim, 2 * ndim))


def _reduce_impl(kind: str, np_fn: Any) -> Callable[..., Any]:
    def impl(x: Any, **p: Any) -> Any:
        x = np.asarray(x)
        check_window(f"reduce_window_{kind}", get_aval(x), p)
        _, view = _windows(x, kind, p)
        if isinstance(view, tuple):  # no window fits: an empty result
            return np.zeros(view, x.dtype)
        return np_fn(view, axis=_window_axes(x.ndim)).astype(x.dtype, copy=False)

    return impl


def _reduce_abstract_eval(kind: str) -> Callable[..., ShapedArray]:
    def rule(x: ShapedArray, **p: Any) -> ShapedArray:
        name = f"reduce_window_{kind}"
        if kind != "sum" and x.dtype.kind == "c":
            raise DTypeError(f"{name} does not accept complex operands, got {x.dtype.name}.")
        return x.update(shape=check_window(name, x, p))

    return rule


def _window_batch(prim: Primitive) -> None:
    """vmap adds a window of size 1 over the batch dimension (moved to the front)."""

    def rule(args: Sequence[Any], dims: Sequence[int | None], **p: Any) -> tuple[Any, int]:
        size = next(get_aval(a).shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
        front = [bdim_at_front(a, d, size) for a, d in zip(args, dims, strict=True)]
        q = dict(p)
        for key, one in (
            ("window_dimensions", 1),
            ("window_strides", 1),
            ("padding", (0, 0)),
            ("base_dilation", 1),
            ("window_dilation", 1),
        ):
            q[key] = (one, *p[key])
        return prim.bind(*front, **q), 0

    prim.def_batch(rule)


def pad_signed(x: Any, padding: Pairs, dilation: Shape) -> Any:
    """``x`` with holes between neighbours and ``padding`` (negative: cropped), zero-filled:
    the traced counterpart of ``dilate_pad_np``."""
    zero = np.zeros((), get_aval(x).dtype)
    y = pad(x, zero, [(max(lo, 0), max(hi, 0), d - 1) for (lo, hi), d in zip(padding, dilation)])
    if all(lo >= 0 and hi >= 0 for lo, hi in padding):
        return y
    shape = get_aval(y).shape
    starts = [max(-lo, 0) for lo, _ in padding]
    limits = [n - max(-hi, 0) for n, (_, hi) in zip(shape, padding, strict=True)]
    return slice_op(y, starts, limits)


# ---- reduce_window_sum ------------------------------------------------------------
def reduce_window_sum(x: Any, **params: Any) -> Any:
    """Sums over windows (``params``: see ``window_params``).

    >>> reduce_window_sum(np.arange(5.0), **window_params(1, (2,)))
    array([1., 3., 5., 7.])
    """
    return reduce_window_sum_p.bind(x, **params)


def _reduce_window_sum_transpose(ct: Any, x: Any, **p: Any) -> list[Any]:
    """Spread each output's cotangent over its window: the cotangent, dilated by the strides
    and padded, summed over windows that step by the base dilation."""
    if type(ct) is Zero:
        return [None]
    shape = x.aval.shape
    pads = vjp_lhs_padding(
        shape,
        p["window_dimensions"],
        p["window_strides"],
        get_aval(ct).shape,
        p["padding"],
        p["base_dilation"],
        p["window_dilation"],
    )
    spread = pad_signed(ct, pads, p["window_strides"])
    q = window_params(
        len(shape),
        p["window_dimensions"],
        p["base_dilation"],
        window_dilation=p["window_dilation"],
    )
    return [reduce_window_sum(spread, **q)]


reduce_window_sum_p = Primitive("reduce_window_sum")
reduce_window_sum_p.def_impl(_reduce_impl("sum", np.sum))
reduce_window_sum_p.def_abstract_eval(_reduce_abstract_eval("sum"))
deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)
_window_batch(reduce_window_sum_p)


# ---- reduce_window_max, reduce_window_min ------------------------------------------
def reduce_window_max(x: Any, **params: Any) -> Any:
    """Maxima over windows, padding never selected (``params``: see ``window_params``).

    >>> reduce_window_max(np.array([1.0, 3.0, 2.0]), **window_params(1, (2,)))
    array([3., 3.])
    """
    return reduce_window_max_p.bind(x, **params)


def reduce_window_min(x: Any, **params: Any) -> Any:
    """Minima over windows, padding never selected (``params``: see ``window_params``).

    >>> reduce_window_min(np.array([1.0, 3.0, 2.0]), **window_params(1, (2,)))
    array([1., 2.])
    """
    return reduce_window_min_p.bind(x, **params)


def _defchooser(kind: str, np_fn: Any) -> Primitive:
    prim = Primitive(f"reduce_window_{kind}")
    prim.def_impl(_reduce_impl(kind, np_fn))
    prim.def_abstract_eval(_reduce_abstract_eval(kind))

    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **p: Any) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        out = prim.bind(x, **p)
        if type(t) is Zero:
            return out, Zero.like_primal(get_aval(out))
        return out, select_and_gather_add(t, x, select=kind, **p)

    prim.def_jvp(jvp)
    _window_batch(prim)
    return prim


# ---- select_and_gather_add, select_and_scatter_add --------------------------------------
def selected_indices(x: Any, select: str, p: dict[str, Any]) -> tuple[Any, Shape]:
    """The flat index, into the dilated and padded ``x``, of the element each window selects
    (the first maximum or minimum, as JAX), and that padded shape."""
    padded, view = _windows(x, select, p)
    if isinstance(view, tuple):
        return np.zeros(view, np.intp), padded.shape
    out_shape = view.shape[: padded.ndim]
    local = (np.argmax if select == "max" else np.argmin)(view.reshape(*out_shape, -1), axis=-1)
    offsets = np.unravel_index(local, p["window_dimensions"])
    coords = [
        np.arange(n).reshape((-1,) + (1,) * (len(out_shape) - 1 - axis)) * s + off * d
        for axis, (n, s, d, off) in enumerate(
            zip(out_shape, p["window_strides"], p["window_dilation"], offsets, strict=True)
        )
    ]
    return np.ravel_multi_index(coords, padded.shape), padded.shape


def select_and_gather_add(t: Any, x: Any, select: str, **params: Any) -> Any:
    """For each window of ``x``, the element of ``t`` where ``x`` has its (first) maximum or
    minimum: the jvp of ``reduce_window_max``/``min``; linear in ``t``.

    >>> select_and_gather_add(np.array([10.0, 20.0, 30.0]), np.array([1.0, 3.0, 2.0]),
    ...                       "max", **window_params(1, (2,)))
    array([20., 20.])
    """
    return select_and_gather_add_p.bind(t, x, select=select, **params)


def _gather_impl(t: Any, x: Any, *, select: str, **p: Any) -> Any:
    t = np.asarray(t)
    idx, _ = selected_indices(x, select, p)
    return dilate_pad_np(t, p["base_dilation"], p["padding"], 0).reshape(-1)[idx]


def _gather_abstract_eval(t: ShapedArray, x: ShapedArray, *, select: str, **p: Any) -> ShapedArray:
    if t.shape != x.shape or t.dtype != x.dtype:
        raise ShapeError(
            f"select_and_gather_add: tangent {t.str_short()} and operand {x.str_short()} must "
            "have one shape and dtype."
        )
    return t.update(shape=check_window("select_and_gather_add", x, p))


def _gather_transpose(ct: Any, t: Any, x: Any, **p: Any) -> list[Any]:
    if is_undefined_primal(x):
        raise TypeError("select_and_gather_add is linear in its tangent only.")
    if type(ct) is Zero:
        return [None, None]
    return [select_and_scatter_add(ct, x, **p), None]


select_and_gather_add_p = Primitive("select_and_gather_add", linear=True)
select_and_gather_add_p.def_impl(_gather_impl)
select_and_gather_add_p.def_abstract_eval(_gather_abstract_eval)
# The selection is piecewise constant in ``x``: no derivative through it.
defjvp(
    select_and_gather_add_p,
    lambda dt, t, x, **p: select_and_gather_add_p.bind(dt, x, **p),
    None,
)
select_and_gather_add_p.def_transpose(_gather_transpose)
_window_batch(select_and_gather_add_p)


def select_and_scatter_add(ct: Any, x: Any, select: str, **params: Any) -> Any:
    """Each element of ``ct`` added at the element its window of ``x`` selects: the transpose
    of ``select_and_gather_add`` (the gradient of max pooling).

    >>> select_and_scatter_add(np.array([1.0, 1.0]), np.array([1.0, 3.0, 2.0]),
    ...                        "max", **window_params(1, (2,)))
    array([0., 2., 0.])
    """
    return select_and_scatter_add_p.bind(ct, x, select=select, **params)


def undilate_unpad_np(y: Any, shape: Shape, dilation: Shape, padding: Pairs) -> Any:
    """The elements of a dilated and padded array that came from the operand of ``shape``:
    the adjoint of ``dilate_pad_np``."""
    inner = dilate_shape(shape, dilation)
    grown = [(max(lo, 0), max(hi, 0)) for lo, hi in padding]
    full_shape = tuple(n + lo + hi for n, (lo, hi) in zip(inner, grown, strict=True))
    full = np.zeros(full_shape, y.dtype)
    full[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(padding, full_shape))] = y
    return full[tuple(slice(lo, lo + n, d) for (lo, _), n, d in zip(grown, inner, dilation))]


def _scatter_impl(ct: Any, x: Any, *, select: str, **p: Any) -> Any:
    ct, x = np.asarray(ct), np.asarray(x)
    idx, padded_shape = selected_indices(x, select, p)
    size = int(np.prod(padded_shape))
    if ct.dtype.kind == "f":
        acc = np.bincount(idx.reshape(-1), ct.reshape(-1), size).astype(ct.dtype, copy=False)
    else:
        acc = np.zeros(size, ct.dtype)
        np.add.at(acc, idx.reshape(-1), ct.reshape(-1))
    return undilate_unpad_np(acc.reshape(padded_shape), x.shape, p["base_dilation"], p["padding"])


def _scatter_abstract_eval(
    ct: ShapedArray, x: ShapedArray, *, select: str, **p: Any
) -> ShapedArray:
    out = check_window("select_and_scatter_add", x, p)
    if ct.shape != out or ct.dtype != x.dtype:
        raise ShapeError(
            f"select_and_scatter_add: cotangent {ct.str_short()} must have the window output "
            f"shape {out} and the dtype of the operand {x.str_short()}."
        )
    return x


def _scatter_transpose(t: Any, ct: Any, x: Any, **p: Any) -> list[Any]:
    if is_undefined_primal(x):
        raise TypeError("select_and_scatter_add is linear in its cotangent only.")
    if type(t) is Zero:
        return [None, None]
    return [select_and_gather_add(t, x, **p), None]


select_and_scatter_add_p = Primitive("select_and_scatter_add", linear=True)
select_and_scatter_add_p.def_impl(_scatter_impl)
select_and_scatter_add_p.def_abstract_eval(_scatter_abstract_eval)
defjvp(
    select_and_scatter_add_p,
    lambda dc, ct, x, **p: select_and_scatter_add_p.bind(dc, x, **p),
    None,
)
select_and_scatter_add_p.def_transpose(_scatter_transpose)
_window_batch(select_and_scatter_add_p)

reduce_window_max_p = _defchooser("max", np.max)
reduce_window_min_p = _defchooser("min", np.min)
