"""``torch.linalg``: inverse, determinant, sign and log-determinant, solve, Cholesky factor
and norms, each one node named as PyTorch names it and computed with
``tracegrad.numpy.linalg``, so its derivative comes from the core's rules.

>>> import tracegrad.torch as torch
>>> A = torch.tensor([[4.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> torch.linalg.det(A)
tensor(11., grad_fn=<LinalgDetBackward0>)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import value_dtype
from tracegrad.torch._reduce import norm as _norm
from tracegrad.torch.graph import Op, apply, grad_fn_class
from tracegrad.torch.printing import tensor_repr
from tracegrad.torch.tensor import Tensor


class _LinAlgError(RuntimeError):
    """A matrix is singular or not positive-definite (``torch.linalg.LinAlgError``, whose
    class PyTorch names ``_LinAlgError``)."""


LinAlgError = _LinAlgError


def _check_square(name: str, t: Tensor) -> None:
    v = t._value
    if value_dtype(t).category < dtypes.FLOAT:
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor "
                           f"as input. Got {dtypes.scalar_name(value_dtype(t))}")  # fmt: skip
    if v.ndim < 2 or v.shape[-1] != v.shape[-2]:
        shape = v.shape[-2:] if v.ndim >= 2 else v.shape
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they "
                           f"are {' by '.join(map(str, shape))} matrices")  # fmt: skip


def _zero_pivot(a: np.ndarray[Any, Any]) -> int:
    """The 1-based position of LAPACK's first zero pivot in ``a``'s LU factorisation with
    partial pivoting (the number PyTorch's "singular" message names); 0 if none."""
    u = np.array(a, dtype=np.float64 if a.dtype.kind != "c" else np.complex128)
    n = u.shape[-1]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1 :] -= np.outer(u[k + 1 :, k] / u[k, k], u[k])
    return 0


def _factorized(name: str, op: Op, args: tuple[Any, ...], **params: Any) -> Tensor:
    """``apply(op, args, **params)``, where NumPy's LinAlgError (LAPACK met a zero pivot, or
    a matrix that is not positive-definite) becomes PyTorch's, naming what PyTorch names.
    The position is worked out only then: a call that succeeds pays nothing for it."""
    try:
        return apply(op, args, **params)
    except np.linalg.LinAlgError:
        a = args[0]._value
        matrices = a.reshape(-1, *a.shape[-2:])
        if name == "cholesky":
            order = next((k for k in map(_first_failing_minor, matrices) if k), 0)
            message = ("linalg.cholesky: The factorization could not be completed because the "
                       f"input is not positive-definite (the leading minor of order {order} "
                       "is not positive-definite).")  # fmt: skip
        elif name == "solve":
            message = "torch.linalg.solve: The solver failed because the input matrix is singular."
        else:
            k = next((k for k in map(_zero_pivot, matrices) if k), a.shape[-1])
            message = (f"linalg.{name}: The diagonal element {k} is zero, the inversion could "
                       "not be completed because the input matrix is singular.")  # fmt: skip
        raise LinAlgError(message) from None


INV = Op("LinalgInvExBackward0", lambda a: tnp.linalg.inv(a))
DET = Op("LinalgDetBackward0", lambda a: tnp.linalg.det(a))
SLOGDET_SIGN = Op("LinalgSlogdetBackward0", lambda a: tnp.linalg.slogdet(a)[0])
SLOGDET_LOG = Op("LinalgSlogdetBackward0", lambda a: tnp.linalg.slogdet(a)[1])
SOLVE = Op("LinalgSolveExBackward0", lambda a, b: tnp.linalg.solve(a, b))


def _cholesky_fn(a: Any, upper: bool) -> Any:
    lower = tnp.linalg.cholesky(a)
    return tnp.conj(tnp.swapaxes(lower, -1, -2)) if upper else lower


CHOLESKY = Op("LinalgCholeskyExBackward0", _cholesky_fn)


def inv(A: Tensor) -> Tensor:
    """The inverse of the square matrix (or batch of matrices) ``A``.

    >>> import tracegrad.torch as torch
    >>> torch.linalg.inv(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square("inv", A)
    return _factorized("inv", INV, (A,))


def det(A: Tensor) -> Tensor:
    """The determinant of ``A``."""
    _check_square("det", A)
    return apply(DET, (A,))


class _NoGradientPlan:
    """The plan of a node that passes no gradient on (PyTorch's ``LinalgSlogdetBackward0``
    for a real sign, which has none): its input is reached only through other nodes, so
    ``autograd.grad`` of the sign alone finds it unused, as PyTorch does."""

    diff_idx: tuple[int, ...] = ()
    error = None
    fuse = 0
    saves_tensors = False
    ct_dtypes: tuple[Any, ...] = ()
    alias: tuple[bool, ...] = ()
    saved_idx: tuple[int, ...] = ()

    @staticmethod
    def run(*args: Any) -> list[Any]:
        return []


_NO_GRADIENT: Any = _NoGradientPlan()


class _Slogdet(tuple[Tensor, Tensor]):
    """``torch.return_types.linalg_slogdet``: ``(sign, logabsdet)``."""

    @property
    def sign(self) -> Tensor:
        return self[0]

    @property
    def logabsdet(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return (f"torch.return_types.linalg_slogdet(\nsign={tensor_repr(self[0])},\n"
                f"logabsdet={tensor_repr(self[1])})")  # fmt: skip


def slogdet(A: Tensor) -> _Slogdet:
    """The sign and the log of the absolute value of the determinant of ``A``.

    >>> import tracegrad.torch as torch
    >>> torch.linalg.slogdet(torch.tensor([[0.0, 2.0], [1.0, 0.0]])).sign
    tensor(-1.)
    """
    _check_square("slogdet", A)
    sign = apply(SLOGDET_SIGN, (A,))
    node = sign._grad_fn
    if node is not None and A._value.dtype.kind != "c":  # a complex sign has a derivative
        sign._grad_fn = grad_fn_class(SLOGDET_SIGN.name)(_NO_GRADIENT, node.next, ())
    return _Slogdet((sign, apply(SLOGDET_LOG, (A,))))


def solve(A: Tensor, B: Tensor) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``B`` a vector or a matrix)."""
    _check_square("solve", A)
    a, b = A._value, B._value
    if value_dtype(A) is not value_dtype(B):
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{dtypes.scalar_name(value_dtype(A))} and B of type "
            f"{dtypes.scalar_name(value_dtype(B))} instead"
        )
    vector = b.ndim == a.ndim - 1
    rows = b.shape[-1] if vector else b.shape[-2]
    if rows != a.shape[-1]:
        cols = 1 if vector else b.shape[-1]
        raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({a.shape[-2]}x{a.shape[-1]} and {rows}x{cols})")  # fmt: skip
    return _factorized("solve", SOLVE, (A, B))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The lower Cholesky factor ``L`` of the positive-definite ``A = L L^H`` (``L^H`` with
    ``upper=True``)."""
    _check_square("cholesky", A)
    return _factorized("cholesky", CHOLESKY, (A,), upper=bool(upper))


def _first_failing_minor(m: np.ndarray[Any, Any]) -> int:
    """The order of ``m``'s first leading minor that is not positive-definite (0 if none)."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def vector_norm(
    x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements by default).

    >>> import tracegrad.torch as torch
    >>> torch.linalg.vector_norm(torch.tensor([3.0, -4.0]), ord=1)
    tensor(7.)
    """
    return _norm(x, ord, dim, keepdim, dtype)


def matrix_norm(
    A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The Frobenius norm of the matrices of ``A`` (other orders are not provided)."""
    if ord != "fro":
        raise NotImplementedError(f"tracegrad.torch.linalg.matrix_norm: ord={ord!r}")
    return _norm(A, 2, dim, keepdim, dtype)


def norm(
    A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """``vector_norm`` for a vector ``ord`` or ``ord=None`` (the Frobenius norm of a
    matrix); ``matrix_norm`` for ``ord="fro"``.

    >>> import tracegrad.torch as torch
    >>> torch.linalg.norm(torch.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    """
    if ord is None:
        return _norm(A, 2, dim, keepdim, dtype)
    if ord == "fro":
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    matrix = (A._value.ndim == 2 and dim is None) or (isinstance(dim, tuple) and len(dim) == 2)
    if matrix or isinstance(ord, str):
        raise NotImplementedError(f"tracegrad.torch.linalg.norm: matrix norm ord={ord!r}")
    return _norm(A, ord, dim, keepdim, dtype)


__all__ = [
    "LinAlgError", "cholesky", "det", "inv", "matrix_norm", "norm", "slogdet", "solve",
    "vector_norm",
]  # fmt: skip
