"""Products and diagonals of ``tracegrad.numpy``: ``dot``, ``matmul``, ``tensordot``,
``einsum``, ``cross`` and their kin, with NumPy's signatures, promotion and shape rules."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from tracegrad.core import ShapeError, get_aval, is_eager, is_python_scalar
from tracegrad.core.dtypes import canonical_dtype, is_complex
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy._einsum import einsum_traced, parse_einsum_args
from tracegrad.numpy._joining import stack
from tracegrad.numpy._manipulation import broadcast_arrays, moveaxis
from tracegrad.numpy._methods import swapped
from tracegrad.numpy._reductions import sum as _sum
from tracegrad.numpy.frontend import (
    asarray_or_tracer,
    cast,
    numpy_takes,
    numpy_when_eager,
    promote_dtypes,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import linalg as la
from tracegrad.ops import structural as st
from tracegrad.ops.rules import broadcast_shapes
from tracegrad.ops.structural import canonical_axis, reshape, transpose

F = TypeVar("F", bound=Callable[..., Any])


def eager_numpy(np_fn: Callable[..., Any]) -> Callable[[F], F]:
    """As ``numpy_when_eager``, and a ValueError from NumPy is checked again by the traced
    implementation, which raises ``ShapeError`` (a ValueError and a TypeError) naming both
    shapes when shapes are at fault, so eager and traced calls fail alike."""

    def wrap(traced: F) -> F:
        @functools.wraps(traced)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if not (is_eager() and numpy_takes(args)):
                return traced(*args, **kwargs)
            try:
                return np_fn(*args, **kwargs)
            except ValueError as e:
                error = e
            traced(*args, **kwargs)
            raise error

        dispatch.__wrapped_traced__ = traced  # type: ignore[attr-defined]
        return dispatch  # type: ignore[return-value]

    return wrap


def operands(*args: Any) -> list[Any]:
    """Convert and promote operands as NumPy's products do: unlike ufuncs, ``np.dot`` and
    its kin convert Python scalars to (strongly typed) arrays first, so that
    ``dot(x_f32, 2.0)`` is float64 there, and here too."""
    return promote_dtypes(*(np.asarray(a) if is_python_scalar(a) else a for a in args))


def np_shape(shape: tuple[int, ...]) -> str:
    """A shape as NumPy prints it in error messages: ``(2,3)``, ``(3,)``."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: the out= argument is not "
            "supported on traced values; use the returned array."
        )


# ---- dot, vdot, inner, outer ---------------------------------------------------
@eager_numpy(np.dot)
def dot(a: Any, b: Any, out: None = None) -> Any:
    """Dot product: matrix product for 2-d arrays, sum over the last axis of ``a`` and the
    second-to-last of ``b`` in general, a product when either is 0-d.

    >>> dot(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    _no_out("dot", out)
    a, b = operands(a, b)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    if not a_shape or not b_shape:
        return ew.mul(a, b)
    a_dim, b_dim = len(a_shape) - 1, max(len(b_shape) - 2, 0)
    if a_shape[a_dim] != b_shape[b_dim]:
        raise ShapeError(
            f"shapes {np_shape(a_shape)} and {np_shape(b_shape)} not aligned: "
            f"{a_shape[a_dim]} (dim {a_dim}) != {b_shape[b_dim]} (dim {b_dim}). dot sums over "
            "the last axis of a and the second-to-last axis of b: transpose or reshape one "
            "operand so that these sizes agree."
        )
    return la.dot_general(a, b, (((a_dim,), (b_dim,)), ((), ())))


@eager_numpy(np.vdot)
def vdot(a: Any, b: Any, /) -> Any:
    """Dot product of the flattened arrays, conjugating ``a`` when complex.

    >>> vdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)))
    np.float64(10.0)
    """
    a, b = operands(a, b)
    a_aval, b_aval = get_aval(a), get_aval(b)
    if a_aval.size != b_aval.size:
        raise ShapeError(
            f"vdot: vectors a and b have different sizes: a has shape {np_shape(a_aval.shape)} "
            f"(size {a_aval.size}) and b has shape {np_shape(b_aval.shape)} (size "
            f"{b_aval.size}). vdot flattens both; pass arrays with the same number of elements."
        )
    a, b = reshape(a, (a_aval.size,)), reshape(b, (b_aval.size,))
    if is_complex(a_aval.dtype):
        a = ew.conj(a)
    return la.dot_general(a, b, (((0,), (0,)), ((), ())))


@eager_numpy(np.inner)
def inner(a: Any, b: Any, /) -> Any:
    """Inner product over the last axes of ``a`` and ``b`` (a product when either is 0-d).

    >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    a, b = operands(a, b)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    if not a_shape or not b_shape:
        return ew.mul(a, b)
    if a_shape[-1] != b_shape[-1]:
        raise ShapeError(
            f"inner: shapes {np_shape(a_shape)} and {np_shape(b_shape)} not aligned: "
            f"{a_shape[-1]} (dim {len(a_shape) - 1}) != {b_shape[-1]} (dim "
            f"{len(b_shape) - 1}). inner sums over the last axis of both operands."
        )
    return la.dot_general(a, b, (((len(a_shape) - 1,), (len(b_shape) - 1,)), ((), ())))


@eager_numpy(np.outer)
def outer(a: Any, b: Any, out: None = None) -> Any:
    """Outer product of the flattened arrays: ``out[i, j] = a.ravel()[i] * b.ravel()[j]``.

    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0, 100.0]))
    array([[  1.,  10., 100.],
           [  2.,  20., 200.]])
    """
    _no_out("outer", out)
    a, b = operands(a, b)
    a = reshape(a, (get_aval(a).size, 1))
    b = reshape(b, (get_aval(b).size,))
    return ew.mul(a, b)


# ---- matmul --------------------------------------------------------------------
_MATMUL_SIGNATURE = "(n?,k),(k,m?)->(n?,m?)"


@eager_numpy(np.matmul)
def matmul(x1: Any, x2: Any, /, out: None = None, *, dtype: Any = None) -> Any:
    """Matrix product with NumPy's rules: leading dimensions broadcast as a stack of
    matrices; a 1-d operand is a vector (a row on the left, a column on the right) whose
    dimension is removed from the result.

    >>> matmul(np.ones((5, 2, 3)), np.ones(3)).shape
    (5, 2)
    """
    _no_out("matmul", out)
    a, b = operands(x1, x2)
    if dtype is not None:
        a, b = (cast(v, canonical_dtype(dtype)) for v in (a, b))
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    for i, shape in enumerate((a_shape, b_shape)):
        if not shape:
            raise ShapeError(
                f"matmul: Input operand {i} does not have enough dimensions (has 0, gufunc "
                f"core with signature {_MATMUL_SIGNATURE} requires 1): shapes "
                f"{np_shape(a_shape)} and {np_shape(b_shape)}. Use multiply (or *) to scale "
                "by a scalar."
            )
    a_vec, b_vec = len(a_shape) == 1, len(b_shape) == 1
    k_b = b_shape[0] if b_vec else b_shape[-2]
    if a_shape[-1] != k_b:
        raise ShapeError(
            f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature {_MATMUL_SIGNATURE} (size {k_b} is different from {a_shape[-1]}): "
            f"shapes {np_shape(a_shape)} and {np_shape(b_shape)}. The last axis of x1 must "
            "match the second-to-last axis of x2 (the only axis of a 1-d x2)."
        )
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    try:
        out_batch = broadcast_shapes("matmul", a_batch, b_batch)
    except ShapeError:
        raise ShapeError(
            f"matmul: operands could not be broadcast together: the stack dimensions "
            f"{np_shape(a_batch)} and {np_shape(b_batch)} of shapes {np_shape(a_shape)} and "
            f"{np_shape(b_shape)} do not broadcast (each must be equal or 1, aligned from "
            "the right)."
        ) from None
    return _batched_matmul(a, b, a_vec, b_vec, out_batch)


def _batched_matmul(a: Any, b: Any, a_vec: bool, b_vec: bool, out_batch: tuple[int, ...]) -> Any:
    """``a @ b`` as one dot_general: a stack dimension that both operands have at full size
    is a batch dimension; one that only one operand has (or has at size > 1 while the other
    has 1) is a free dimension of that operand, the other's size-1 dimension squeezed."""
    nb = len(out_batch)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    a_lead, b_lead = nb - (len(a_shape) - 2 + a_vec), nb - (len(b_shape) - 2 + b_vec)
    # role of each output stack position: "both", "a" or "b"
    roles: list[str] = []
    for i in range(nb):
        a_size = a_shape[i - a_lead] if i >= a_lead else None
        b_size = b_shape[i - b_lead] if i >= b_lead else None
        if a_size is not None and a_size == b_size:
            roles.append("both")
        elif a_size == out_batch[i] and b_size in (None, 1):
            roles.append("a")
        else:
            roles.append("b")
    a_keep = [i for i in range(nb) if i >= a_lead and roles[i] != "b"]
    b_keep = [i for i in range(nb) if i >= b_lead and roles[i] != "a"]
    a = reshape(a, tuple(out_batch[i] for i in a_keep) + a_shape[nb - a_lead :])
    b = reshape(b, tuple(out_batch[i] for i in b_keep) + b_shape[nb - b_lead :])
    a_ndim, b_ndim = get_aval(a).ndim, get_aval(b).ndim
    batch = [i for i in range(nb) if roles[i] == "both"]
    a_batch = tuple(a_keep.index(i) for i in batch)
    b_batch = tuple(b_keep.index(i) for i in batch)
    k_a, k_b = a_ndim - 1, b_ndim - 1 if b_vec else b_ndim - 2
    out = la.dot_general(a, b, (((k_a,), (k_b,)), (a_batch, b_batch)))
    # dot_general's output: batch, a's free (its own stack dims, then n), b's free.
    order = (
        batch
        + [i for i in a_keep if roles[i] == "a"]
        + (["n"] if not a_vec else [])
        + [i for i in b_keep if roles[i] == "b"]
        + (["m"] if not b_vec else [])
    )
    want: list[Any] = [*range(nb), *(["n"] if not a_vec else []), *(["m"] if not b_vec else [])]
    return transpose(out, [order.index(w) for w in want])


# ---- tensordot -----------------------------------------------------------------
@eager_numpy(np.tensordot)
def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Any:
    """Sum of products over the given axes: ``axes=N`` pairs the last N axes of ``a`` with
    the first N of ``b``; ``axes=(a_axes, b_axes)`` names them.

    >>> tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
    (2, 5)
    """
    a, b = operands(a, b)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    if isinstance(axes, int | np.integer):
        n = int(axes)
        if n < 0 or n > len(a_shape) or n > len(b_shape):
            raise ShapeError(
                f"tensordot: axes={n} needs both operands to have at least {n} dimensions, "
                f"got shapes {np_shape(a_shape)} and {np_shape(b_shape)}."
            )
        a_axes: tuple[int, ...] = tuple(range(len(a_shape) - n, len(a_shape)))
        b_axes: tuple[int, ...] = tuple(range(n))
    else:
        try:
            axes_a, axes_b = axes
        except (TypeError, ValueError):
            raise TypeError(
                f"tensordot: axes must be an int or a pair of sequences of ints, got {axes!r}."
            ) from None
        a_axes = tuple(canonical_axis(int(i), len(a_shape)) for i in np.atleast_1d(axes_a))
        b_axes = tuple(canonical_axis(int(i), len(b_shape)) for i in np.atleast_1d(axes_b))
    a_sizes, b_sizes = [a_shape[i] for i in a_axes], [b_shape[i] for i in b_axes]
    if a_sizes != b_sizes:
        raise ShapeError(
            f"shape-mismatch for sum: tensordot of shapes {np_shape(a_shape)} and "
            f"{np_shape(b_shape)} over axes {a_axes} and {b_axes}, whose sizes {a_sizes} "
            f"and {b_sizes} differ. Paired axes must have equal sizes."
        )
    return la.dot_general(a, b, ((a_axes, b_axes), ((), ())))


# ---- kron ----------------------------------------------------------------------
@eager_numpy(np.kron)
def kron(a: Any, b: Any) -> Any:
    """Kronecker product: blocks ``a[i, j] * b``, shapes padded with leading ones.

    >>> kron(np.eye(2), np.ones((1, 2)))
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])
    """
    a, b = operands(a, b)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    nd = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (nd - len(a_shape)) + a_shape
    b_shape = (1,) * (nd - len(b_shape)) + b_shape
    # interleave: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...), multiply, merge pairs
    a = reshape(a, tuple(s for n in a_shape for s in (n, 1)))
    b = reshape(b, tuple(s for n in b_shape for s in (1, n)))
    return reshape(ew.mul(a, b), tuple(m * n for m, n in zip(a_shape, b_shape, strict=True)))


# ---- diagonals and triangles ---------------------------------------------------
def _check_diagonal_axes(ndim: int, axis1: int, axis2: int) -> None:
    if ndim < 2:
        raise ValueError(
            f"diag requires an array of at least two dimensions, got {ndim}. "
            "Use diag to build a matrix from a vector."
        )
    a1, a2 = canonical_axis(axis1, ndim, "axis1"), canonical_axis(axis2, ndim, "axis2")
    if a1 == a2:
        raise ValueError(f"axis1 and axis2 cannot be the same (both are axis {a1}).")


@eager_numpy(np.diagonal)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Diagonal ``offset`` of the matrices spanned by ``axis1`` and ``axis2``; it becomes the
    last axis of the result.

    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    a = asarray_or_tracer(a)
    a = np.asarray(a) if is_python_scalar(a) else a
    _check_diagonal_axes(get_aval(a).ndim, axis1, axis2)
    return la.diagonal(a, int(offset), axis1, axis2)


@eager_numpy(np.trace)
def trace(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: None = None
) -> Any:
    """Sum along a diagonal (``offset``) of the matrices spanned by ``axis1`` and ``axis2``.

    >>> trace(np.arange(4.0).reshape(2, 2))
    np.float64(3.0)
    """
    _no_out("trace", out)
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


@eager_numpy(np.diag)
def diag(v: Any, k: int = 0) -> Any:
    """A diagonal of a 2-d array, or the 2-d array with the 1-d ``v`` on diagonal ``k``.

    >>> diag(np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    v = asarray_or_tracer(v)
    v = np.asarray(v) if is_python_scalar(v) else v
    ndim = get_aval(v).ndim
    if ndim == 1:
        return la.diagonal_matrix(v, int(k))
    if ndim == 2:
        return la.diagonal(v, int(k))
    raise ValueError(
        f"diag: Input must be 1- or 2-d, got an array of shape "
        f"{np_shape(get_aval(v).shape)}. Use diagonal for stacks of matrices."
    )


def _triangle(name: str, m: Any, k: int, upper: bool) -> Any:
    """``where(mask, m, 0)`` with the triangular mask of the last two axes (a 1-d ``m``
    broadcasts against a square mask, as in NumPy)."""
    m = asarray_or_tracer(m)
    m = np.asarray(m) if is_python_scalar(m) else m
    aval = get_aval(m)
    if aval.ndim == 0:
        raise ValueError(f"{name}: the input must have at least one dimension, got a 0-d array.")
    rows, cols = aval.shape[-2:] if aval.ndim >= 2 else aval.shape * 2
    keep = ~np.tri(rows, cols, k - 1, dtype=bool) if upper else np.tri(rows, cols, k, dtype=bool)
    return ew.select_n(keep, np.zeros((), aval.dtype), m)


@eager_numpy(np.tril)
def tril(m: Any, k: int = 0) -> Any:
    """Lower triangle of the matrices in the last two axes: zeros above diagonal ``k``.

    >>> tril(np.ones((2, 3)))
    array([[1., 0., 0.],
           [1., 1., 0.]])
    """
    return _triangle("tril", m, int(k), upper=False)


@eager_numpy(np.triu)
def triu(m: Any, k: int = 0) -> Any:
    """Upper triangle of the matrices in the last two axes: zeros below diagonal ``k``.

    >>> triu(np.ones((2, 3)), 1)
    array([[0., 1., 1.],
           [0., 0., 1.]])
    """
    return _triangle("triu", m, int(k), upper=True)


# ---- einsum --------------------------------------------------------------------
@eager_numpy(np.einsum)
def einsum(
    *operands_and_subscripts: Any,
    out: None = None,
    dtype: Any = None,
    order: str = "K",
    casting: str = "safe",
    optimize: Any = False,
) -> Any:
    """Einstein summation, as ``numpy.einsum``: a subscripts string (with ``...`` and the
    implicit output mode) or the interleaved ``(op, sublist, ..., [sublist_out])`` form,
    any number of operands. ``optimize`` chooses the order of pairwise contractions
    (``False``: left to right; ``True``/``'greedy'``/``'optimal'``: NumPy's einsum_path).

    >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> einsum("ii", np.eye(3))
    np.float64(3.0)
    """
    _no_out("einsum", out)
    spec, arrays = parse_einsum_args(operands_and_subscripts)
    arrays = operands(*arrays)
    if dtype is not None:
        arrays = [cast(x, canonical_dtype(dtype)) for x in arrays]
    return einsum_traced(spec, arrays, optimize)


TRACER_METHODS: dict[str, Any] = {
    "dot": dot,
    "__matmul__": matmul, "__rmatmul__": swapped(matmul),
    "diagonal": diagonal,
    "trace": trace,
}  # fmt: skip


def _component(v: Any, i: int) -> Any:
    shape = get_aval(v).shape
    return st.reshape(st.slice_in_dim(v, i, i + 1, len(shape) - 1), shape[:-1])


@numpy_when_eager(np.cross)
def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Any:
    """The cross product of (arrays of) 2- or 3-vectors; ``axis`` sets all three axes.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = promote_dtypes(operand(a), operand(b))
    x, y = moveaxis(x, axisa, -1), moveaxis(y, axisb, -1)
    nx, ny = get_aval(x).shape[-1], get_aval(y).shape[-1]
    if nx not in (2, 3) or ny not in (2, 3):
        raise ValueError(
            f"incompatible dimensions for cross product (dimension must be 2 or 3): "
            f"got vectors of {nx} and {ny} components."
        )
    x0, x1 = _component(x, 0), _component(x, 1)
    y0, y1 = _component(y, 0), _component(y, 1)
    z = x0 * y1 - x1 * y0
    if nx == 2 and ny == 2:
        return z
    # A 2-vector is a 3-vector with a zero third component (as NumPy takes it).
    x2: Any = _component(x, 2) if nx == 3 else 0
    y2: Any = _component(y, 2) if ny == 3 else 0
    cx = x1 * y2 - x2 * y1
    cy = x2 * y0 - x0 * y2
    cx, cy, z = broadcast_arrays(cx, cy, z)
    out = stack([cx, cy, z], axis=-1)
    return moveaxis(out, -1, axisc)
