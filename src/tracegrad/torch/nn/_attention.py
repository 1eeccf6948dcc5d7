"""``MultiheadAttention``: PyTorch's parameters (``in_proj_weight`` or ``q/k/v_proj_weight``,
``in_proj_bias``, ``out_proj``), initialisation and forward pass (its slow path, the one
PyTorch takes whenever gradients are recorded), composed of the shim's ops."""

from __future__ import annotations

import math
from typing import Any

from tracegrad.torch import creation, dtypes
from tracegrad.torch._math_ops import baddbmm
from tracegrad.torch._reduce import bmm
from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn import init
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.nn.modules import Linear
from tracegrad.torch.tensor import Tensor


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj``."""


def _float_mask(mask: Any, like: Any) -> Any:
    """A boolean mask (True: masked out) as an additive float mask of ``like``'s dtype."""
    if mask._value.dtype.kind != "b":
        return mask
    zeros: Any = creation.zeros(*mask.shape, dtype=like.dtype)
    return zeros.masked_fill(mask, float("-inf"))


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``; returns the
    output and (``need_weights``) the attention weights, averaged over the heads unless
    ``average_attn_weights=False``.

    >>> import tracegrad.torch as torch
    >>> mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> out, w = mha(torch.ones(3, 5, 8), torch.ones(3, 4, 8), torch.ones(3, 4, 8))
    >>> out.shape, w.shape
    (torch.Size([3, 5, 8]), torch.Size([3, 5, 4]))
    """

    def __init__(
        self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
        add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
        vdim: int | None = None, batch_first: bool = False, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(
                "tracegrad.torch: MultiheadAttention(add_bias_kv=True / add_zero_attn=True)"
            )
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, dtype=d))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, dtype=d))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, dtype=d))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, dtype=d))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, dtype=d))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=d)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)  # type: ignore[arg-type]

    def _projections(self, q: Any, k: Any, v: Any) -> tuple[Any, Any, Any]:
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            ws = self.in_proj_weight.chunk(3)  # type: ignore[attr-defined]
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        bs = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])  # type: ignore[index]
        return F.linear(q, ws[0], bs[0]), F.linear(k, ws[1], bs[1]), F.linear(v, ws[2], bs[2])

    def _mask(self, attn_mask: Any, key_padding_mask: Any, q: Any, n: int, s: int) -> Any:
        """The additive mask over (N * H, L, S) or (L, S), or None."""
        mask = None if attn_mask is None else _float_mask(attn_mask, q)
        if key_padding_mask is not None:
            kpm = _float_mask(key_padding_mask, q).view(n, 1, 1, s)
            kpm = kpm.expand(-1, self.num_heads, -1, -1).reshape(n * self.num_heads, 1, s)
            mask = kpm if mask is None else mask + kpm
        return mask

    def forward(
        self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
        need_weights: bool = True, attn_mask: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:  # fmt: skip
        batched = query._value.ndim == 3
        q: Any
        k: Any
        v: Any
        q, k, v = query, key, value
        kpm: Any = key_padding_mask
        if batched and self.batch_first:
            q, k, v = (x.transpose(1, 0) for x in (q, k, v))
        if not batched:
            q, k, v = (x.unsqueeze(1) for x in (q, k, v))
            kpm = None if kpm is None else kpm.unsqueeze(0)
        tgt, n, e = q._value.shape
        src, h, hd = k._value.shape[0], self.num_heads, self.head_dim
        if is_causal and attn_mask is None:
            attn_mask = creation.ones(tgt, src, dtype=dtypes.bool).triu(1)  # type: ignore[attr-defined]
        mask = self._mask(attn_mask, kpm, q, n, src)
        qp: Any
        kp: Any
        vp: Any
        qp, kp, vp = self._projections(q, k, v)
        qh = qp.view(tgt, n * h, hd).transpose(0, 1)
        kh = kp.view(src, n * h, hd).transpose(0, 1)
        vh = vp.view(src, n * h, hd).transpose(0, 1)
        p = self.dropout if self.training else 0.0
        if need_weights:
            scaled = qh * math.sqrt(1.0 / float(hd))
            kt = kh.transpose(-2, -1)
            w: Any = bmm(scaled, kt) if mask is None else baddbmm(mask, scaled, kt)
            w = F.softmax(w, dim=-1)
            if p > 0:
                w = F.dropout(w, p)
            heads: Any = bmm(w, vh)
            out: Any = heads.transpose(0, 1).contiguous().view(tgt * n, e)
            weights: Any = w.view(n, h, tgt, src)
            if average_attn_weights:
                weights = weights.mean(dim=1)
        else:
            if mask is not None:
                mask = mask.unsqueeze(0) if mask.dim() == 2 else mask.view(n, h, -1, src)
            qv, kv, vv = (x.view(n, h, -1, hd) for x in (qh, kh, vh))
            att: Any = F.scaled_dot_product_attention(qv, kv, vv, mask, p)
            out, weights = att.permute(2, 0, 1, 3).contiguous().view(n * tgt, e), None
        projected: Any = F.linear(out, self.out_proj.weight, self.out_proj.bias)
        out = projected.view(tgt, n, e)
        if not batched:
            out = out.squeeze(1)
            weights = None if weights is None else weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(1, 0)
        return out, weights
