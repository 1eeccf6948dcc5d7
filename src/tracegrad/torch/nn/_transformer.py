"""``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer``, composed of ``MultiheadAttention``, ``Linear``,
``LayerNorm`` and ``Dropout`` with PyTorch's submodule names, order and defaults (post- or
pre-norm, ``relu``/``gelu`` or any callable activation)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

from tracegrad.torch import creation
from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn import init
from tracegrad.torch.nn._activation_modules import GELU, ReLU
from tracegrad.torch.nn._attention import MultiheadAttention
from tracegrad.torch.nn._containers import ModuleList
from tracegrad.torch.nn._dropout import Dropout
from tracegrad.torch.nn._module import Module
from tracegrad.torch.nn._normalization import LayerNorm
from tracegrad.torch.nn.modules import Linear
from tracegrad.torch.tensor import Tensor

_ACTIVATIONS: dict[str, Callable[..., Any]] = {"relu": F.relu, "gelu": F.gelu}


def _activation(activation: str | Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(activation, str):
        return activation
    if activation not in _ACTIVATIONS:
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return _ACTIVATIONS[activation]


class _Block(Module):
    """What encoder and decoder layers share: the attention, feed-forward part, norms and
    dropouts (the decoder has a second attention, over ``memory``: ``_cross``)."""

    _cross = False

    def __init__(
        self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
        activation: str | Callable[..., Any] = "relu", layer_norm_eps: float = 1e-5,
        batch_first: bool = False, norm_first: bool = False, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        cross = self._cross
        attn: dict[str, Any] = {"dropout": dropout, "bias": bias, "batch_first": batch_first}
        self.self_attn = MultiheadAttention(d_model, nhead, **attn)
        if cross:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **attn)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        for k in range(1, 4 if cross else 3):
            setattr(self, f"norm{k}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        for k in range(1, 4 if cross else 3):
            setattr(self, f"dropout{k}", Dropout(dropout))
        act = _activation(activation)
        self.activation_relu_or_gelu = (
            1 if act is F.relu or isinstance(act, ReLU) else
            2 if act is F.gelu or isinstance(act, GELU) else 0
        )  # fmt: skip
        self.activation = act

    def _sa_block(self, x: Any, mask: Any, key_padding_mask: Any, is_causal: bool) -> Any:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask,
                             need_weights=False, is_causal=is_causal)[0]  # fmt: skip
        return self.dropout1(out)

    def _ff_block(self, x: Any, last: Module) -> Any:
        return last(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_Block):
    """Self-attention then a feed-forward network, each with a residual connection and a
    ``LayerNorm`` (after, or before with ``norm_first``).

    >>> import tracegrad.torch as torch
    >>> layer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(torch.ones(3, 5, 8)).shape
    torch.Size([3, 5, 8])
    """

    def forward(
        self, src: Tensor, src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None, is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        x: Any = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)  # type: ignore[no-any-return]
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))  # type: ignore[no-any-return]


class TransformerDecoderLayer(_Block):
    """Self-attention over the target, attention over ``memory``, then a feed-forward
    network, each with a residual connection and a ``LayerNorm``."""

    _cross = True

    def _mha_block(self, x: Any, mem: Any, mask: Any, key_padding_mask: Any, causal: bool) -> Any:
        out = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=key_padding_mask,
                                  is_causal=causal, need_weights=False)[0]  # fmt: skip
        return self.dropout2(out)

    def forward(
        self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        x: Any = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)  # fmt: skip
            return x + self._ff_block(self.norm3(x), self.dropout3)  # type: ignore[no-any-return]
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))  # fmt: skip
        return self.norm3(x + self._ff_block(x, self.dropout3))  # type: ignore[no-any-return]


def _why_no_fast_path(layer: Any) -> str:
    """PyTorch's reason (warned at construction) why an encoder cannot use nested tensors."""
    name = "encoder_layer"
    checks = [
        (not isinstance(layer, TransformerEncoderLayer), f"{name} was not TransformerEncoderLayer"),
        (lambda: layer.norm_first, f"{name}.norm_first was True"),
        (lambda: not layer.self_attn.batch_first, f"{name}.self_attn.batch_first was not True"
         "(use batch_first for better inference performance)"),
        (lambda: not layer.self_attn._qkv_same_embed_dim,
         f"{name}.self_attn._qkv_same_embed_dim was not True"),
        (lambda: layer.self_attn.in_proj_bias is None, f"{name}.self_attn was passed bias=False"),
        (lambda: not layer.activation_relu_or_gelu, f"{name}.activation_relu_or_gelu was not True"),
        (lambda: layer.norm1.eps != layer.norm2.eps,
         f"{name}.norm1.eps was not equal to {name}.norm2.eps"),
        (lambda: layer.self_attn.num_heads % 2 == 1, f"{name}.self_attn.num_heads is odd"),
    ]  # fmt: skip
    for cond, why in checks:
        if cond() if callable(cond) else cond:
            return why
    return ""


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm``."""

    def __init__(
        self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
        enable_nested_tensor: bool = True, mask_check: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        why = _why_no_fast_path(encoder_layer)
        if enable_nested_tensor and why:
            warnings.warn(
                f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why}",
                stacklevel=2,
            )
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor and not why
        self.mask_check = mask_check

    def forward(
        self, src: Tensor, mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None, is_causal: bool | None = None,
    ) -> Tensor:  # fmt: skip
        out: Any = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, is_causal=bool(is_causal),
                        src_key_padding_mask=src_key_padding_mask)  # fmt: skip
        return out if self.norm is None else self.norm(out)  # type: ignore[no-any-return]


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, then ``norm``."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        out: Any = tgt
        for layer in self.layers:
            out = layer(
                out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal,
            )  # fmt: skip
        return out if self.norm is None else self.norm(out)  # type: ignore[no-any-return]


class Transformer(Module):
    """An encoder and a decoder of ``TransformerEncoderLayer``/``TransformerDecoderLayer``
    with final ``LayerNorm``s; weights of 2 or more dims re-drawn with ``xavier_uniform_``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Transformer.generate_square_subsequent_mask(3)
    tensor([[0., -inf, -inf],
            [0., 0., -inf],
            [0., 0., 0.]])
    """

    def __init__(
        self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
        num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
        activation: str | Callable[..., Any] = "relu", custom_encoder: Module | None = None,
        custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
        batch_first: bool = False, norm_first: bool = False, bias: bool = True,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)  # fmt: skip
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            enc = TransformerEncoderLayer(*layer_args)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.encoder = TransformerEncoder(enc, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dec = TransformerDecoderLayer(*layer_args)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.decoder = TransformerDecoder(dec, num_decoder_layers, norm)
        for p in self.parameters():
            if p._value.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(
        self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None, src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None, memory_is_causal: bool = False,
    ) -> Tensor:  # fmt: skip
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)  # fmt: skip
        out: Tensor = self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )  # fmt: skip
        return out

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The additive causal mask: 0 on and below the diagonal, -inf above."""
        full: Any = creation.full((sz, sz), float("-inf"), dtype=dtype)
        return full.triu(1)  # type: ignore[no-any-return]
