"""``nn.Transformer*`` against PyTorch: printouts, parameter names, construction warnings,
and (weights copied, dropout 0) outputs and gradients in training mode."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
SRC = R.standard_normal((5, 3, 8)).astype(np.float32)
TGT = R.standard_normal((4, 3, 8)).astype(np.float32)
PADDING = np.zeros((3, 5), bool)
PADDING[2, 4] = True


def _build(T: Any, make: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = make(T)
    return m, [str(w.message) for w in caught]


CASES: list[tuple[str, Any, Any]] = [
    (
        "encoder_layer",
        lambda T: T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
        lambda T, m: m(T.tensor(SRC, requires_grad=True)),
    ),
    (
        "encoder_layer_norm_first_gelu_masks",
        lambda T: T.nn.TransformerEncoderLayer(
            8, 2, 16, dropout=0.0, activation="gelu", norm_first=True
        ),
        lambda T, m: m(
            T.tensor(SRC, requires_grad=True),
            src_mask=T.nn.Transformer.generate_square_subsequent_mask(5),
            src_key_padding_mask=T.tensor(PADDING),
        ),
    ),
    (
        "encoder",
        lambda T: T.nn.TransformerEncoder(
            T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
            2,
            norm=T.nn.LayerNorm(8),
        ),
        lambda T, m: m(T.tensor(SRC, requires_grad=True)),
    ),
    (
        "decoder_layer_module_activation",
        lambda T: T.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation=T.nn.GELU()),
        lambda T, m: m(T.tensor(TGT, requires_grad=True), T.tensor(SRC)),
    ),
    (
        "transformer",
        lambda T: T.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0),
        lambda T, m: m(
            T.tensor(SRC, requires_grad=True),
            T.tensor(TGT),
            tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(4),
        ),
    ),
]


@pytest.mark.parametrize(("name", "make", "run"), CASES, ids=[c[0] for c in CASES])
def test_transformer_modules(name: str, make: Any, run: Any) -> None:
    theirs, their_warnings = _build(torch, make)
    ours, our_warnings = _build(tt, make)
    assert repr(ours) == repr(theirs)
    assert our_warnings == their_warnings
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: tt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    got = []
    for T, m in ((tt, ours), (torch, theirs)):
        out = run(T, m)
        (out * out).sum().backward()
        arrays = [out, *[p.grad for p in m.parameters()]]
        got.append((type(out.grad_fn).__name__, [a.detach().numpy() for a in arrays]))
    assert got[0][0] == got[1][0]
    for a, b in zip(got[0][1], got[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_square_subsequent_mask_and_activation_error() -> None:
    a = tt.nn.Transformer.generate_square_subsequent_mask(3)
    b = torch.nn.Transformer.generate_square_subsequent_mask(3)
    assert repr(a) == repr(b)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        tt.nn.TransformerEncoderLayer(8, 2, activation="tanh")
