"""Lookup tables and friends: ``F.embedding`` and ``Embedding`` (``padding_idx``,
``max_norm``, ``scale_grad_by_freq``, ``from_pretrained``), ``F.one_hot``, ``F.bilinear``
and ``Bilinear``, ``Unflatten``.

``padding_idx`` and ``scale_grad_by_freq`` change only the gradient: the lookup is written
``sg(y) + (y - sg(y)) * s`` (``sg`` = stop_gradient), equal to ``y`` and with derivative
``s`` (0 on padding rows, ``1/count`` of each index), so the core's rules give PyTorch's
gradient."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.lax as lax
import tracegrad.numpy as tnp
from tracegrad.torch import creation, dtypes
from tracegrad.torch._views import write
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn import init
from tracegrad.torch.nn._module import Module, Parameter, _legacy_name
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim


def _lookup(w: Any, idx: Any, *scale: Any) -> Any:
    y = tnp.take(w, idx, axis=0)
    if not scale:
        return y
    frozen = lax.stop_gradient(y)
    return tnp.add(frozen, tnp.multiply(tnp.subtract(y, frozen), scale[0]))


EMBEDDING = Op("EmbeddingBackward0", _lookup)


def _renorm(weight: Tensor, idx: np.ndarray[Any, Any], max_norm: float, p: float) -> None:
    """Scale the rows of ``weight`` that ``idx`` looks up to norm at most ``max_norm``, in
    place, as PyTorch's ``embedding_renorm_``."""
    w = weight._value
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=p, axis=1)
    big = norms > max_norm
    if big.any():
        new = w.copy()
        factor = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        new[rows[big]] = w[rows[big]] * factor[:, None]
        write(weight, new)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` at the indices ``input`` (``padding_idx``'s row gets no
    gradient; ``max_norm`` renormalises the rows used, in place).

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True)
    >>> torch.nn.functional.embedding(torch.tensor([1, 1, 0]), w)
    tensor([[2., 3.],
            [2., 3.],
            [0., 1.]], grad_fn=<EmbeddingBackward0>)
    """
    idx = input._value
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {_legacy_name(input)} instead (while checking arguments "
            "for embedding)"
        )
    n = weight._value.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    if padding_idx is None and not scale_grad_by_freq:
        return apply(EMBEDDING, (weight, input))
    s = np.ones(idx.shape, weight._value.dtype)
    if scale_grad_by_freq:
        _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        s = s / counts[inverse.reshape(idx.shape)].astype(s.dtype)
    if padding_idx is not None:
        s = np.where(idx == padding_idx, 0, s).astype(s.dtype)
    return apply(EMBEDDING, (weight, input, s[..., None]))


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, drawn from
    ``N(0, 1)`` (the ``padding_idx`` row zeroed).

    >>> import tracegrad.torch as torch
    >>> torch.nn.Embedding(10, 3, padding_idx=0)
    Embedding(10, 3, padding_idx=0)
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
        max_norm: float | None = None, norm_type: float = 2.0,
        scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Tensor | None = None,
        _freeze: bool = False, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=d))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._value[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.sparse,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
        max_norm: float | None = None, norm_type: float = 2.0,
        scale_grad_by_freq: bool = False, sparse: bool = False,
    ) -> Embedding:  # fmt: skip
        """An ``Embedding`` whose table is ``embeddings`` (frozen unless ``freeze=False``)."""
        if embeddings._value.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings._value.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
            _weight=embeddings, _freeze=freeze,
        )  # fmt: skip


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``int64`` one-hot vectors of the class indices ``tensor`` along a new last dim
    (``num_classes`` of them, by default one more than the largest index).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.one_hot(torch.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    idx = tensor._value
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- bilinear, Unflatten -------------------------------------------------------------------


def _bilinear_fn(x1: Any, x2: Any, w: Any, *b: Any) -> Any:
    out = tnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return tnp.add(out, b[0]) if b else out


BILINEAR = {True: Op("AddBackward0", _bilinear_fn), False: Op("ViewBackward0", _bilinear_fn)}


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[o] = x1 @ weight[o] @ x2 + bias[o]``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.bilinear(torch.ones(1, 2), torch.ones(1, 2), torch.ones(3, 2, 2))
    tensor([[4., 4., 4.]])
    """
    w = weight._value.shape
    if input1._value.shape[-1] != w[1] or input2._value.shape[-1] != w[2]:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1._value.shape[-1]} and "
            f"{input2._value.shape[-1]}, expected {w[1]} and {w[2]}"
        )
    args = (input1, input2, weight) if bias is None else (input1, input2, weight, bias)
    return apply(BILINEAR[bias is not None], args)


class Bilinear(Module):
    """``F.bilinear`` with weights and bias uniform in ``±1/sqrt(in1_features)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Bilinear(2, 3, 4)
    Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)
    """

    def __init__(
        self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        shape = (out_features, in1_features, in2_features)
        self.weight = Parameter(creation.empty(*shape, dtype=d))
        if bias:
            self.bias: Parameter | None = Parameter(creation.empty(out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight._value.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size`` (one entry may be -1).

    >>> import tracegrad.torch as torch
    >>> torch.nn.Unflatten(1, (2, 3))(torch.zeros(4, 6)).shape
    torch.Size([4, 2, 3])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        for i, s in enumerate(unflattened_size):
            if not isinstance(s, int):
                raise TypeError(
                    "unflattened_size must be tuple of ints, but found element of type "
                    f"{type(s).__name__} at pos {i}"
                )
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = input._value.shape
        dim = wrap_dim(self.dim, len(shape))
        sizes = list(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes and known:
            sizes[sizes.index(-1)] = shape[dim] // known
        if math.prod(sizes) != shape[dim]:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(self.unflattened_size)} don't multiply up to "
                f"the size of dim {dim} ({shape[dim]}) in the input tensor"
            )
        out: Tensor = input.reshape(*shape[:dim], *sizes, *shape[dim + 1 :])  # type: ignore[attr-defined]
        return out

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
