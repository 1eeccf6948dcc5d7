"""Array manipulation in ``tracegrad.numpy``: reshaping, moving and rotating axes,
broadcasting, flips and rolls (joining and splitting are in ``_joining``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.numpy._arraylike import at_least, check_c_order, concrete, concrete_int, operand
from tracegrad.numpy.frontend import (
    normalize_axis_tuple,
    numpy_when_eager,
)
from tracegrad.ops import structural as st
from tracegrad.ops.rules import broadcast_shapes
from tracegrad.ops.shapes import rev

Shape = tuple[int, ...]


def _shape_arg(shape: Any, what: str) -> Shape:
    """A shape argument (an int or a sequence of ints) as a tuple of Python ints."""
    shape = concrete(shape, what)
    if isinstance(shape, int | np.integer) or np.ndim(shape) == 0:
        return (concrete_int(shape, what),)
    return tuple(concrete_int(s, what) for s in shape)


def _resolve_shape(newshape: Shape, shape: Shape) -> Shape:
    """``newshape`` with its one -1 replaced by the size that keeps the element count."""
    size = int(np.prod(shape, dtype=np.int64))
    unknown = [i for i, s in enumerate(newshape) if s == -1]
    if len(unknown) > 1:
        raise ValueError(f"can only specify one unknown dimension, got shape {newshape}.")
    if any(s < -1 for s in newshape):
        raise ValueError(f"negative dimensions not allowed, got shape {newshape}.")
    if unknown:
        known = int(np.prod([s for s in newshape if s != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ShapeError(
                f"cannot reshape array of shape {shape} (size {size}) into shape "
                f"{newshape}: the size is not a multiple of {known}."
            )
        newshape = tuple(size // known if s == -1 else s for s in newshape)
    if int(np.prod(newshape, dtype=np.int64)) != size:
        raise ShapeError(
            f"cannot reshape array of shape {shape} (size {size}) into shape "
            f"{newshape}. The sizes must be equal; use -1 for one dimension to "
            "infer it."
        )
    return newshape


@numpy_when_eager(np.reshape)
def reshape(a: Any, /, shape: Any = None, order: str = "C", *, copy: bool | None = None) -> Any:
    """Give a new shape to an array without changing its data; one dimension may be -1.

    >>> reshape(np.arange(6), (2, -1))
    array([[0, 1, 2],
           [3, 4, 5]])
    """
    check_c_order("reshape", order)
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'.")
    x = operand(a)
    old = get_aval(x).shape
    return st.reshape(x, _resolve_shape(_shape_arg(shape, "reshape's shape"), old))


@numpy_when_eager(np.ravel)
def ravel(a: Any, order: str = "C") -> Any:
    """A flattened (1-d) array.

    >>> ravel(np.ones((2, 2)))
    array([1., 1., 1., 1.])
    """
    check_c_order("ravel", order)
    x = operand(a)
    return st.reshape(x, (get_aval(x).size,))


def _permutation(axes: Any, ndim: int) -> Shape:
    perm = tuple(st.canonical_axis(concrete_int(a, "transpose's axes"), ndim) for a in axes)
    if len(perm) != ndim:
        raise ValueError(
            f"axes don't match array: got axes {tuple(axes)} for an array with {ndim} dimensions."
        )
    if len(set(perm)) != ndim:
        raise ValueError(f"repeated axis in transpose: axes {tuple(axes)}.")
    return perm


@numpy_when_eager(np.transpose)
def transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    """Permute the dimensions; ``axes=None`` reverses them.

    >>> transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    x = operand(a)
    ndim = get_aval(x).ndim
    if axes is None:
        return st.transpose(x, tuple(reversed(range(ndim))))
    return st.transpose(x, _permutation(axes, ndim))


@numpy_when_eager(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """Interchange two axes.

    >>> swapaxes(np.ones((2, 3, 4)), 0, -1).shape
    (4, 3, 2)
    """
    x = operand(a)
    ndim = get_aval(x).ndim
    i, j = st.canonical_axis(axis1, ndim, "axis1"), st.canonical_axis(axis2, ndim, "axis2")
    perm = list(range(ndim))
    perm[i], perm[j] = j, i
    return st.transpose(x, perm)


def _axis_sequence(axis: Any, ndim: int, name: str) -> Shape:
    """Axes in the order given (not sorted), non-negative, without repeats."""
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = tuple(st.canonical_axis(int(a), ndim, name) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in `{name}` argument: {axis!r}")
    return out


@numpy_when_eager(np.moveaxis)
def moveaxis(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Move axes to new positions; the other axes keep their order.

    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = operand(a)
    ndim = get_aval(x).ndim
    src = _axis_sequence(source, ndim, "source")
    dst = _axis_sequence(destination, ndim, "destination")
    if len(src) != len(dst):
        raise ValueError(
            "`source` and `destination` arguments must have the same number of "
            f"elements, got {source!r} and {destination!r}."
        )
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return st.transpose(x, order)


@numpy_when_eager(np.expand_dims)
def expand_dims(a: Any, axis: int | Sequence[int]) -> Any:
    """Insert size-1 axes at the positions ``axis`` of the result.

    >>> expand_dims(np.ones((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    x = operand(a)
    shape = get_aval(x).shape
    n_new = 1 if isinstance(axis, int | np.integer) else len(tuple(axis))
    new = set(_axis_sequence(axis, len(shape) + n_new, "axis"))
    it = iter(shape)
    return st.reshape(x, tuple(1 if i in new else next(it) for i in range(len(shape) + n_new)))


@numpy_when_eager(np.squeeze)
def squeeze(a: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Remove size-1 axes (all of them, or those named by ``axis``).

    >>> squeeze(np.ones((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    x = operand(a)
    shape = get_aval(x).shape
    if axis is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        axes = normalize_axis_tuple(axis, len(shape))
        if any(shape[i] != 1 for i in axes):
            raise ValueError(
                "cannot select an axis to squeeze out which has size not equal to "
                f"one: axis={axis!r} for an array of shape {shape}."
            )
    return st.reshape(x, tuple(s for i, s in enumerate(shape) if i not in axes))


def _broadcast(x: Any, shape: Shape) -> Any:
    old = get_aval(x).shape
    lead = len(shape) - len(old)
    if any(s < 0 for s in shape):
        raise ValueError(f"all elements of broadcast shape must be non-negative, got {shape}.")
    if lead < 0 or any(o not in (1, n) for o, n in zip(old, shape[lead:], strict=True)):
        raise ShapeError(
            f"operands could not be broadcast together with remapped shapes "
            f"[original->remapped]: {old} and requested shape {shape}."
        )
    return st.broadcast_to(x, shape)


@numpy_when_eager(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """Broadcast an array to ``shape``, as NumPy broadcasting would.

    >>> broadcast_to(np.arange(3), (2, 3))
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    return _broadcast(operand(array), _shape_arg(shape, "broadcast_to's shape"))


@numpy_when_eager(np.broadcast_arrays)
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Any, ...]:
    """Broadcast arrays against each other (dtypes unchanged).

    >>> [a.shape for a in broadcast_arrays(np.ones(3), np.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    xs = [operand(a) for a in args]
    shape = broadcast_shapes("broadcast_arrays", *(get_aval(x).shape for x in xs))
    return tuple(st.broadcast_to(x, shape) for x in xs)


def _atleast(arys: tuple[Any, ...], ndim: int) -> Any:
    outs = [at_least(operand(a), ndim) for a in arys]
    return outs[0] if len(outs) == 1 else tuple(outs)


@numpy_when_eager(np.atleast_1d)
def atleast_1d(*arys: Any) -> Any:
    """Arrays with at least one dimension; one argument gives an array, several a tuple.

    >>> atleast_1d(1.0)
    array([1.])
    """
    return _atleast(arys, 1)


@numpy_when_eager(np.atleast_2d)
def atleast_2d(*arys: Any) -> Any:
    """Arrays with at least two dimensions (new axes in front).

    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(arys, 2)


@numpy_when_eager(np.atleast_3d)
def atleast_3d(*arys: Any) -> Any:
    """Arrays with at least three dimensions: ``(n,)`` becomes ``(1, n, 1)`` and ``(m, n)``
    becomes ``(m, n, 1)``.

    >>> atleast_3d(np.ones(3)).shape
    (1, 3, 1)
    """
    return _atleast(arys, 3)


@numpy_when_eager(np.flip)
def flip(m: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Reverse the order of elements along ``axis`` (all axes if None).

    >>> flip(np.arange(3))
    array([2, 1, 0])
    """
    x = operand(m)
    return rev(x, normalize_axis_tuple(axis, get_aval(x).ndim))


@numpy_when_eager(np.fliplr)
def fliplr(m: Any) -> Any:
    """Reverse the order of the columns (axis 1).

    >>> fliplr(np.array([[1, 2]]))
    array([[2, 1]])
    """
    x = operand(m)
    if get_aval(x).ndim < 2:
        raise ValueError(f"Input must be >= 2-d, got shape {get_aval(x).shape}.")
    return rev(x, (1,))


@numpy_when_eager(np.flipud)
def flipud(m: Any) -> Any:
    """Reverse the order of the rows (axis 0).

    >>> flipud(np.array([1, 2]))
    array([2, 1])
    """
    x = operand(m)
    if get_aval(x).ndim < 1:
        raise ValueError("Input must be >= 1-d, got a 0-d array.")
    return rev(x, (0,))


@numpy_when_eager(np.roll)
def roll(a: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Any:
    """Roll elements along ``axis``: those shifted past the end come back at the start.

    >>> roll(np.arange(5), 2)
    array([3, 4, 0, 1, 2])
    """
    x = operand(a)
    shape = get_aval(x).shape
    if axis is None:
        return st.reshape(roll(st.reshape(x, (int(np.prod(shape)),)), shift, 0), shape)
    try:
        pairs = np.broadcast(np.asarray(concrete(shift, "roll's shift")), np.asarray(axis))
    except ValueError:
        raise ValueError(
            "'shift' and 'axis' should be scalars or 1D sequences, got "
            f"shift={shift!r} and axis={axis!r}."
        ) from None
    shifts = dict.fromkeys(range(len(shape)), 0)
    for s, ax in pairs:
        shifts[st.canonical_axis(int(ax), len(shape))] += int(s)
    for ax, s in shifts.items():
        n = shape[ax]
        s = s % n if n else 0
        if s:
            x = st.concatenate(
                [st.slice_in_dim(x, n - s, n, ax), st.slice_in_dim(x, 0, n - s, ax)], ax
            )
    return x


reshape_traced = reshape.__wrapped_traced__  # type: ignore[attr-defined]
transpose_traced = transpose.__wrapped_traced__  # type: ignore[attr-defined]


def _reshape_method(
    self: Any, *shape: Any, order: str = "C", copy: bool | None = None, **kwargs: Any
) -> Any:
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    if kwargs:
        raise TypeError(f"reshape() got unexpected keyword arguments {sorted(kwargs)}.")
    new = shape[0] if len(shape) == 1 else shape
    return reshape_traced(self, new, order)


def _transpose_method(self: Any, *axes: Any) -> Any:
    if not axes or (len(axes) == 1 and axes[0] is None):
        return transpose_traced(self)
    return transpose_traced(self, axes[0] if len(axes) == 1 and np.ndim(axes[0]) else axes)


def _flatten_method(self: Any, order: str = "C") -> Any:
    return ravel.__wrapped_traced__(self, order)  # type: ignore[attr-defined]


def _matrix_transpose(self: Any) -> Any:
    if self.ndim < 2:
        raise ValueError(f"matrix transpose with ndim < 2 is undefined, got shape {self.shape}.")
    return swapaxes.__wrapped_traced__(self, -1, -2)  # type: ignore[attr-defined]


TRACER_METHODS: dict[str, Any] = {
    "reshape": _reshape_method,
    "ravel": _flatten_method,
    "flatten": _flatten_method,
    "transpose": _transpose_method,
    "T": property(transpose_traced, doc="The array with its axes reversed, as ndarray.T."),
    "mT": property(_matrix_transpose, doc="The last two axes swapped, as ndarray.mT."),
    "squeeze": squeeze.__wrapped_traced__,  # type: ignore[attr-defined]
    "swapaxes": swapaxes.__wrapped_traced__,  # type: ignore[attr-defined]
}


@numpy_when_eager(np.rot90)
def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """The array rotated by 90 degrees ``k`` times, from the first of ``axes`` to the second.

    >>> rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    x = operand(m)
    nd = get_aval(x).ndim
    a0, a1 = (st.canonical_axis(int(a), nd) for a in axes)
    if len(axes) != 2 or a0 == a1:
        raise ValueError(f"rot90: axes must be two different axes, got {tuple(axes)}.")
    k = concrete_int(k, "rot90's k") % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(x, a1), perm)
    return flip(transpose(x, perm), a1)


@numpy_when_eager(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Axis ``axis`` moved to lie before position ``start`` (``moveaxis`` is clearer).

    >>> rollaxis(np.zeros((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    x = operand(a)
    n = get_aval(x).ndim
    axis = st.canonical_axis(axis, n)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in"
        )
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return x
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return transpose(x, perm)
