"""``torch.nn.functional``'s norms and similarities: ``normalize``, ``cosine_similarity``,
``pairwise_distance`` and ``scaled_dot_product_attention`` (similarity-weighted values),
each one node named as PyTorch names it, its function written with ``tracegrad.numpy``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._dropout import check_p, keep_mask
from tracegrad.torch.tensor import Tensor, wrap_dim

# ---- norms and distances -------------------------------------------------------------------


def _norm(x: Any, p: float, axis: int, keepdims: bool) -> Any:
    """The ``p``-norm along ``axis`` whose derivative at a zero vector is 0 (not NaN), as
    PyTorch's."""
    a = tnp.abs(x)
    if p == math.inf:
        return tnp.max(a, axis=axis, keepdims=keepdims)
    if p == 1:
        return tnp.sum(a, axis=axis, keepdims=keepdims)
    s = tnp.sum(tnp.power(a, cast(np.asarray(p), x.dtype)), axis=axis, keepdims=keepdims)
    pos = s > 0
    safe = tnp.where(pos, s, cast(np.asarray(1), s.dtype))
    root = tnp.power(safe, cast(np.asarray(1 / p), s.dtype))
    return tnp.where(pos, root, cast(np.asarray(0), s.dtype))


def _normalize_fn(x: Any, p: float, axis: int, eps: float) -> Any:
    n = _norm(x, p, axis, True)
    return tnp.true_divide(x, tnp.maximum(n, cast(np.asarray(eps), n.dtype)))


NORMALIZE = Op("DivBackward0", _normalize_fn)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None
) -> Tensor:
    """``input / max(norm(input, p, dim), eps)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.normalize(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("tracegrad.torch.nn.functional.normalize: out=")
    axis = wrap_dim(dim, input._value.ndim)
    return apply(NORMALIZE, (input,), p=float(p), axis=axis, eps=float(eps))


def _cosine_fn(x1: Any, x2: Any, axis: int, eps: float) -> Any:
    e = cast(np.asarray(eps), x1.dtype)
    n1 = tnp.maximum(_norm(x1, 2.0, axis, True), e)
    n2 = tnp.maximum(_norm(x2, 2.0, axis, True), e)
    return tnp.sum(tnp.multiply(tnp.true_divide(x1, n1), tnp.true_divide(x2, n2)), axis=axis)


COSINE = Op("SumBackward1", _cosine_fn)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcasting).

    >>> import tracegrad.torch as torch
    >>> a, b = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    >>> torch.nn.functional.cosine_similarity(a, b)
    tensor([0.7071])
    """
    ndim = max(x1._value.ndim, x2._value.ndim)
    return apply(COSINE, (x1, x2), axis=wrap_dim(dim, ndim) - ndim, eps=float(eps))


def _distance_fn(x1: Any, x2: Any, p: float, eps: float, keepdim: bool) -> Any:
    d = tnp.add(tnp.subtract(x1, x2), cast(np.asarray(eps), x1.dtype))
    return _norm(d, p, -1, keepdim)


DISTANCE = Op("NormBackward1", _distance_fn)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``norm(x1 - x2 + eps, p)`` along the last dim.

    >>> import tracegrad.torch as torch
    >>> a, b = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    >>> torch.nn.functional.pairwise_distance(a, b)
    tensor([5.0000])
    """
    return apply(DISTANCE, (x1, x2), p=float(p), eps=float(eps), keepdim=bool(keepdim))


# ---- attention -----------------------------------------------------------------------------


def _attention_fn(
    q: Any, k: Any, v: Any, *extra: Any, scale: float, causal: bool, mask: str, groups: int
) -> Any:
    if groups > 1:
        k = tnp.repeat(k, groups, axis=-3)
        v = tnp.repeat(v, groups, axis=-3)
    scores = tnp.multiply(tnp.matmul(q, tnp.swapaxes(k, -1, -2)), cast(np.asarray(scale), q.dtype))
    rest = list(extra)
    neg = cast(np.asarray(-np.inf), q.dtype)
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        scores = tnp.where(np.tril(np.ones((L, S), bool)), scores, neg)
    if mask == "bool":
        scores = tnp.where(rest.pop(0), scores, neg)
    elif mask == "float":
        scores = tnp.add(scores, rest.pop(0))
    w = tnn.softmax(scores, axis=-1)
    if rest:  # dropout's scaled keep mask
        w = tnp.multiply(w, rest[0])
    return tnp.matmul(w, v)


_ATTENTION = {
    name: Op(name, _attention_fn)
    for name in (
        "ScaledDotProductFlashAttentionForCpuBackward0",
        "UnsafeViewBackward0",
        "MmBackward0",
    )
}


def _attention_name(q: np.ndarray[Any, Any], k: Any, v: Any, dropout_p: float) -> str:
    """PyTorch's CPU node: its flash kernel for 4-D inputs with one head size and no
    dropout, else the math path's last operation."""
    if q.ndim == 4 and q.shape[-1] == k.shape[-1] == v.shape[-1] and dropout_p == 0:
        return "ScaledDotProductFlashAttentionForCpuBackward0"
    return "MmBackward0" if q.ndim == 2 else "UnsafeViewBackward0"


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(q @ k.T * scale + mask) @ v`` (``scale`` defaults to ``1/sqrt(E)``; a
    boolean mask keeps where True; ``is_causal`` masks the upper triangle).

    >>> import tracegrad.torch as torch
    >>> q = torch.ones(1, 2, 3)
    >>> torch.nn.functional.scaled_dot_product_attention(q, q, torch.tensor([[[1.0], [3.0]]]))
    tensor([[[2.],
             [2.]]])
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True"
        )
    qv, kv = query._value, key._value
    groups = 1
    if enable_gqa and qv.ndim >= 3 and qv.shape[-3] != kv.shape[-3]:
        groups = qv.shape[-3] // kv.shape[-3]
    s = 1 / math.sqrt(qv.shape[-1]) if scale is None else float(scale)
    args: list[Any] = [query, key, value]
    kind = "none"
    if attn_mask is not None:
        kind = "bool" if attn_mask._value.dtype == np.bool_ else "float"
        args.append(attn_mask)
    check_p(dropout_p)
    if dropout_p > 0:
        shape = (*qv.shape[:-1], kv.shape[-2])
        keep = keep_mask(query, dropout_p, shape) / np.asarray(1 - dropout_p, qv.dtype)
        args.append(keep)
    op = _ATTENTION[_attention_name(qv, kv, value._value, dropout_p)]
    return apply(op, args, scale=s, causal=bool(is_causal), mask=kind, groups=groups)
