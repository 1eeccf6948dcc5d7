"""More recorded operations: ``einsum``, ``logsumexp``, ``angle``/``conj``, ``cumprod``,
``diff``, ``repeat_interleave``, ``cross``, ``kron``, ``flip``/``roll``/``tile``,
``tril``/``triu``, ``dist``/``cdist``, ``outer`` and the fused products ``addmm``/``baddbmm``.
Each is one node named as PyTorch names it, its function written with ``tracegrad.numpy``."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast, dims_arg, inexact, result_dtype, sizes_arg, value_dtype
from tracegrad.torch._reduce import _int_to_long, _vector_norm_fn, bmm, mm
from tracegrad.torch._shape import cat, repeat, reshape, to_dtype
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim

# ---- einsum --------------------------------------------------------------------------------

_EINSUM_OPS: dict[str, Op] = {}


def _einsum_name(spec: str, n: int) -> str:
    """The grad_fn PyTorch's einsum leaves: it permutes or sums one operand, and multiplies
    (no index summed) or contracts with bmm and reshapes (``ViewBackward0``) several."""
    ins, _, out = spec.replace(" ", "").partition("->")
    letters = set(ins.replace(",", "").replace(".", ""))
    # Without "->" the output holds the letters written once.
    summed = letters - set(out) if "->" in spec else {c for c in letters if ins.count(c) > 1}
    if n == 1:
        return "SumBackward1" if summed else "PermuteBackward0"
    return "ViewBackward0" if summed else "MulBackward0"


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over ``operands`` (a list of tensors is accepted too).

    >>> import tracegrad.torch as torch
    >>> torch.einsum("ij,j->i", torch.ones(2, 3), torch.arange(3.0))
    tensor([3., 3.])
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    n_specs = equation.partition("->")[0].count(",") + 1
    if n_specs != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > n_specs
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    d = result_dtype(*operands)
    name = _einsum_name(equation, len(operands))
    op = _EINSUM_OPS.get(name)
    if op is None:
        op = _EINSUM_OPS[name] = Op(name, _einsum_fn)
    return apply(op, tuple(operands), equation=equation, dtype=d.np)


def _einsum_fn(*xs: Any, equation: str, dtype: np.dtype[Any]) -> Any:
    return tnp.einsum(equation, *(cast(x, dtype) for x in xs))


# ---- diff -----------------------------------------------------------------------------------


def _diff_fn(x: Any, axis: int, n: int) -> Any:
    if n == 0:
        return tnp.copy(x)
    head = (slice(None),) * axis
    later_idx, earlier_idx = (*head, slice(1, None)), (*head, slice(None, -1))
    for _ in range(n):
        later, earlier = x[later_idx], x[earlier_idx]
        x = tnp.not_equal(later, earlier) if x.dtype == np.bool_ else tnp.subtract(later, earlier)
    return x


_DIFF = Op("SubBackward0", _diff_fn)
_DIFF_COPY = Op("CopyBackwards", _diff_fn)


def diff(
    input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i + 1] - x[i]``, applied
    ``n`` times; for bools ``x[i + 1] != x[i]``), after joining ``prepend`` and ``append``.

    >>> import tracegrad.torch as torch
    >>> torch.diff(torch.tensor([1.0, 4.0, 9.0, 16.0]), prepend=torch.tensor([0.0]))
    tensor([1., 3., 5., 7.])
    >>> torch.tensor([[1, 3], [6, 10]]).diff(n=1, dim=0)
    tensor([[5, 7]])
    """
    ndim = input._value.ndim
    if ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = wrap_dim(dim, ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    for t in parts:
        if t._value.ndim != ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for k, (a, b) in enumerate(zip(input._value.shape, t._value.shape, strict=True)):
            if k != axis and a != b:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of "
                    f"input except along the differencing dimension; input.size({k}) = {a}, "
                    f"but got tensor.size({k}) = {b}"
                )
    joined = input if len(parts) == 1 else cat(parts, dim=axis)
    return apply(_DIFF if n else _DIFF_COPY, (joined,), axis=axis, n=int(n))


# ---- repeat_interleave, cross, kron ---------------------------------------------------------

_REPEAT_EACH = Op("ViewBackward0", lambda x, repeats, axis: tnp.repeat(x, repeats, axis=axis))
_REPEAT_BY = Op(
    "IndexSelectBackward0", lambda x, idx, axis: tnp.take(x, idx, axis=axis), meta_from=1
)


def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Repeat each element (each slice along ``dim``; of the flattened input if ``dim`` is
    None) ``repeats`` times: an int, or a tensor with one count per slice.
    ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` so repeated.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).repeat_interleave(torch.tensor([1, 2]), dim=0)
    tensor([[1., 2.],
            [3., 4.],
            [3., 4.]])
    >>> torch.repeat_interleave(torch.tensor([2, 0, 1]))
    tensor([0, 0, 2])
    """
    if repeats is None:  # the form with counts only
        input, repeats, dim = arange_like(input), input, 0
    if dim is None:
        input, axis = reshape(input, -1), 0
    else:
        axis = wrap_dim(dim, input._value.ndim)
    if isinstance(repeats, Tensor):
        counts = repeats._value
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        n = input._value.shape[axis] if input._value.ndim else 1
        counts = np.broadcast_to(counts.reshape(-1), (n,)) if counts.size == 1 else counts
        if counts.shape[0] != n:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {counts.shape[0]} and input.size({axis}) = {n}"
            )
        _check_repeats(counts)
        idx = np.repeat(np.arange(n), counts)
        return apply(_REPEAT_BY, (input, idx), axis=axis)
    if not isinstance(repeats, int) or isinstance(repeats, bool):
        raise TypeError(
            f"repeat_interleave(): argument 'repeats' must be int or Tensor, not "
            f"{type(repeats).__name__}"
        )
    _check_repeats(np.asarray(repeats))
    return apply(_REPEAT_EACH, (input,), repeats=repeats, axis=axis)


def _check_repeats(counts: np.ndarray[Any, Any]) -> None:
    if counts.size and counts.min() < 0:
        raise RuntimeError("Repeats must be non-negative")


def arange_like(counts: Tensor) -> Tensor:
    """``arange(len(counts))`` as int64 (the values ``repeat_interleave(counts)`` repeats)."""
    if counts._value.ndim != 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    return wrap(np.arange(counts._value.shape[0]))


_CROSS = Op("LinalgCrossBackward0", lambda a, b, axis: tnp.cross(a, b, axis=axis))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the inputs broadcast); without ``dim``,
    the first dimension of size 3, as ``torch.cross``.

    >>> import tracegrad.torch as torch
    >>> torch.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    a, b = input._value, other._value
    if a.ndim != b.ndim:
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {a.ndim} and "
            f"{b.ndim}"
        )
    if dim is None:
        dim = next((k for k, n in enumerate(np.broadcast_shapes(a.shape, b.shape)) if n == 3), -1)
    axis = wrap_dim(dim, a.ndim)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[axis]} and "
            f"{b.shape[axis]}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected scalar type {dtypes.scalar_name(input.dtype)} but found "
            f"{dtypes.scalar_name(other.dtype)}"
        )
    return apply(_CROSS, (input, other), axis=axis)


_KRON = Op("UnsafeViewBackward0", lambda a, b: tnp.kron(a, b))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks ``input[i, j] * other``.

    >>> import tracegrad.torch as torch
    >>> torch.kron(torch.eye(2), torch.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    d = result_dtype(input, other)
    return apply(_KRON, (to_dtype(input, d), to_dtype(other, d)))


# ---- logsumexp, angle, conj, cumprod -------------------------------------------------------

LOGSUMEXP = Op(
    "LogsumexpBackward0",
    lambda x, axes, keepdims, dtype: tnn.logsumexp(cast(x, dtype), axis=axes, keepdims=keepdims),
    staged=True,
)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``dim``, computed stably; integers give the default float.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[0.0, 0.0], [1.0, 1.0]]).logsumexp(1)
    tensor([0.6931, 1.6931])
    """
    d = inexact(value_dtype(input))
    axes = dims_arg(dim, input._value.ndim)
    return apply(LOGSUMEXP, (input,), axes=axes, keepdims=bool(keepdim), dtype=d.np)


ANGLE = Op("AngleBackward0", lambda x, dtype: cast(tnp.angle(x), dtype))
CONJ = Op("ConjBackward0", lambda x: tnp.conj(x))


def angle(input: Tensor) -> Tensor:
    """The argument of each element (0 or pi for real numbers; gradient 0 there).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, -1.0]).angle()
    tensor([0.0000, 3.1416])
    """
    d = value_dtype(input)
    out = dtypes.get_default_dtype() if d.category < dtypes.FLOAT else d
    if d.category == dtypes.COMPLEX:
        out = dtypes.from_numpy_dtype(np.empty(0, d.np).real.dtype)
    return apply(ANGLE, (input,), dtype=out.np)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; a real tensor is returned as it is.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1 + 2j]).conj()
    tensor([1.-2.j])
    """
    if value_dtype(input).category != dtypes.COMPLEX:
        return input
    return apply(CONJ, (input,))


def _cumprod_fn(x: Any, axis: int, dtype: np.dtype[Any]) -> Any:
    x = cast(x, dtype)
    return tnp.cumprod(x, axis=axis) if x.ndim else x


CUMPROD = Op("CumprodBackward0", _cumprod_fn)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative products along ``dim``; integers multiply as int64.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2, 3]).cumprod(0)
    tensor([1, 2, 6])
    """
    d = _int_to_long(input, dtype)
    return apply(CUMPROD, (input,), axis=wrap_dim(dim, input._value.ndim), dtype=d)


# ---- flip, roll, tile, tril, triu ----------------------------------------------------------

FLIP = Op("FlipBackward0", lambda x, axes: tnp.flip(x, axis=axes) if axes else x)


def flip(input: Tensor, *dims: Any) -> Tensor:
    """``input`` reversed along ``dims``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([[1, 2], [3, 4]]).flip(1)
    tensor([[2, 1],
            [4, 3]])
    """
    axes = dims_arg(list(sizes_arg(dims, "dims")), input._value.ndim)
    return apply(FLIP, (input,), axes=axes)


def _roll_fn(x: Any, shifts: tuple[int, ...], axes: tuple[int, ...] | None) -> Any:
    if axes is None:
        return tnp.reshape(tnp.roll(tnp.ravel(x), shifts[0]), x.shape)
    return tnp.roll(x, shifts, axis=axes)


ROLL = Op("RollBackward0", _roll_fn)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``input`` shifted cyclically by ``shifts`` along ``dims`` (flattened if no dims).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2, 3]).roll(1)
    tensor([3, 1, 2])
    """
    sh = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        return apply(ROLL, (input,), shifts=sh, axes=None)
    ds = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    axes = tuple(wrap_dim(d, input._value.ndim) for d in ds)
    return apply(ROLL, (input,), shifts=sh, axes=axes)


def tile(input: Tensor, *dims: Any) -> Tensor:
    """``input`` repeated ``dims`` times (missing leading dims count as 1), as ``repeat``.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1, 2]).tile(2)
    tensor([1, 2, 1, 2])
    """
    reps = sizes_arg(dims, "dims")
    reps = (1,) * (input._value.ndim - len(reps)) + reps
    return repeat(input, reps)


TRIL = Op("TrilBackward0", lambda x, k: tnp.tril(x, k))
TRIU = Op("TriuBackward0", lambda x, k: tnp.triu(x, k))


def _triangle(op: Op, name: str, input: Tensor, diagonal: int) -> Tensor:
    if input._value.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return apply(op, (input,), k=int(diagonal))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below ``diagonal``) of the last two dims; the rest is 0.

    >>> import tracegrad.torch as torch
    >>> torch.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    return _triangle(TRIL, "tril", input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above ``diagonal``) of the last two dims; the rest is 0.

    >>> import tracegrad.torch as torch
    >>> torch.ones(2, 2).triu(1)
    tensor([[0., 1.],
            [0., 0.]])
    """
    return _triangle(TRIU, "triu", input, diagonal)


# ---- dist, cdist, outer, addmm, baddbmm ----------------------------------------------------


def _dist_fn(x: Any, y: Any, p: float, dtype: np.dtype[Any]) -> Any:
    return _vector_norm_fn(tnp.subtract(cast(x, dtype), cast(y, dtype)), None, False, p)


DIST = Op("DistBackward0", _dist_fn)


def _float_operands(name: str, *xs: Tensor) -> dtypes.dtype:
    d = result_dtype(*xs)
    if d.category < dtypes.FLOAT:
        raise RuntimeError(f"{name} only supports floating-point dtypes")
    return d


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast).

    >>> import tracegrad.torch as torch
    >>> torch.dist(torch.tensor([0.0, 0.0]), torch.tensor([3.0, 4.0]))
    tensor(5.)
    """
    d = result_dtype(input, other)
    return apply(DIST, (input, other), p=float(p), dtype=d.np)


def _cdist_fn(x1: Any, x2: Any, p: float) -> Any:
    diff = tnp.subtract(tnp.expand_dims(x1, -2), tnp.expand_dims(x2, -3))
    return _vector_norm_fn(diff, (diff.ndim - 1,), False, p)


CDIST = Op("CdistBackward0", _cdist_fn)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (``... x P x M``) and each row of
    ``x2`` (``... x R x M``): a ``... x P x R`` tensor.

    >>> import tracegrad.torch as torch
    >>> torch.cdist(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    a, b = x1._value, x2._value
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}"
        )
    _float_operands("cdist", x1, x2)
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return apply(CDIST, (x1, x2), p=float(p))


OUTER = Op(
    "MulBackward0",
    lambda x, y, dtype: tnp.multiply(
        tnp.expand_dims(cast(x, dtype), 1), tnp.expand_dims(cast(y, dtype), 0)
    ),
)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors.

    >>> import tracegrad.torch as torch
    >>> torch.outer(torch.tensor([1, 2]), torch.tensor([1, 10]))
    tensor([[ 1, 10],
            [ 2, 20]])
    """
    if input._value.ndim != 1 or vec2._value.ndim != 1:
        raise RuntimeError(
            f"outer: Expected 1-D argument self, but got {input._value.ndim}-D"
            if input._value.ndim != 1
            else f"outer: Expected 1-D argument vec2, but got {vec2._value.ndim}-D"
        )
    return apply(OUTER, (input, vec2), dtype=result_dtype(input, vec2).np)


def _add_product_fn(c: Any, a: Any, b: Any, beta: Any, alpha: Any) -> Any:
    prod = tnp.matmul(a, b)
    if alpha != 1:
        prod = tnp.multiply(prod, cast(np.asarray(alpha), prod.dtype))
    if beta == 0:  # PyTorch ignores input then (nan and inf included)
        return tnp.add(prod, tnp.zeros_like(c))
    if beta != 1:
        c = tnp.multiply(c, cast(np.asarray(beta), c.dtype))
    return tnp.add(c, prod)


ADDMM = Op("AddmmBackward0", _add_product_fn)
BADDBMM = Op("BaddbmmBackward0", _add_product_fn)


def _fused(
    op: Op, product: Any, input: Tensor, a: Tensor, b: Tensor, beta: Any, alpha: Any
) -> Tensor:
    shape = product(a.detach(), b.detach())._value.shape  # the product's own checks
    try:
        np.broadcast_shapes(input._value.shape, shape)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor ({shape[-1]}) must match the existing size "
            f"({input._value.shape[-1]}) at non-singleton dimension {len(shape) - 1}.  Target "
            f"sizes: {list(shape)}.  Tensor sizes: {list(input._value.shape)}"
        ) from None
    return apply(op, (input, a, b), beta=beta, alpha=alpha)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``.

    >>> import tracegrad.torch as torch
    >>> torch.addmm(torch.ones(2), torch.eye(2), torch.full((2, 2), 2.0), beta=0.5)
    tensor([[2.5000, 2.5000],
            [2.5000, 2.5000]])
    """
    return _fused(ADDMM, mm, input, mat1, mat2, beta, alpha)


def baddbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1
) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices.

    >>> import tracegrad.torch as torch
    >>> torch.baddbmm(torch.zeros(1, 1, 1), torch.ones(1, 1, 2), torch.ones(1, 2, 1))
    tensor([[[2.]]])
    """
    return _fused(BADDBMM, bmm, input, batch1, batch2, beta, alpha)


TENSOR_METHODS: dict[str, Any] = {
    "logsumexp": logsumexp, "angle": angle, "conj": conj, "cumprod": cumprod, "flip": flip,
    "roll": roll, "tile": tile, "tril": tril, "triu": triu, "dist": dist, "outer": outer,
    "addmm": addmm, "baddbmm": baddbmm, "diff": diff,
    "repeat_interleave": repeat_interleave, "cross": cross, "kron": kron,
}  # fmt: skip
