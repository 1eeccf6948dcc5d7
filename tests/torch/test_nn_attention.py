"""``nn.MultiheadAttention`` against PyTorch: weights copied from PyTorch's module, the same
outputs, attention weights, ``grad_fn`` names and gradients of the query and of every
parameter, with masks, separate key/value sizes, ``batch_first`` and unbatched inputs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
Q = R.standard_normal((5, 3, 8)).astype(np.float32)
K = R.standard_normal((4, 3, 8)).astype(np.float32)
K4 = R.standard_normal((4, 3, 4)).astype(np.float32)
V6 = R.standard_normal((4, 3, 6)).astype(np.float32)
BOOL_MASK = R.random((5, 4)) > 0.7
BOOL_MASK[:, 0] = False
PADDING = np.zeros((3, 4), bool)
PADDING[1, 3] = True
FLOAT_MASK = R.standard_normal((5, 4)).astype(np.float32)


def _kwargs(T: Any, kw: dict[str, Any]) -> dict[str, Any]:
    named = {"bool": BOOL_MASK, "padding": PADDING, "float": FLOAT_MASK}
    out = {k: T.tensor(named[v]) if isinstance(v, str) else v for k, v in kw.items()}
    if kw.get("is_causal"):
        out["attn_mask"] = T.ones(5, 5, dtype=T.bool).triu(1)
    return out


CASES: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("self", lambda T: T.nn.MultiheadAttention(8, 2), lambda T, q: (q, q, q), {}),
    (
        "cross",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q, T.tensor(K), T.tensor(K)),
        {},
    ),
    (
        "per_head_weights",
        lambda T: T.nn.MultiheadAttention(8, 4),
        lambda T, q: (q, q, q),
        {"average_attn_weights": False},
    ),
    (
        "no_weights",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q, T.tensor(K), T.tensor(K)),
        {"need_weights": False},
    ),
    (
        "masks",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q, T.tensor(K), T.tensor(K)),
        {"attn_mask": "bool", "key_padding_mask": "padding"},
    ),
    (
        "masks_no_weights",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q, T.tensor(K), T.tensor(K)),
        {"attn_mask": "float", "key_padding_mask": "padding", "need_weights": False},
    ),
    (
        "kdim_vdim_no_bias",
        lambda T: T.nn.MultiheadAttention(8, 2, kdim=4, vdim=6, bias=False),
        lambda T, q: (q, T.tensor(K4), T.tensor(V6)),
        {},
    ),
    (
        "batch_first",
        lambda T: T.nn.MultiheadAttention(8, 2, batch_first=True),
        lambda T, q: (q, q, q),
        {},
    ),
    (
        "unbatched",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q[:, 0], q[:, 0], q[:, 0]),
        {},
    ),
    (
        "causal",
        lambda T: T.nn.MultiheadAttention(8, 2),
        lambda T, q: (q, q, q),
        {"is_causal": True},
    ),
]


@pytest.mark.parametrize(("name", "make", "args", "kw"), CASES, ids=[c[0] for c in CASES])
def test_multihead_attention(name: str, make: Any, args: Any, kw: dict[str, Any]) -> None:
    theirs, ours = make(torch), make(tt)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: tt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    got = []
    for T, m in ((tt, ours), (torch, theirs)):
        q = T.tensor(Q, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, w = m(*args(T, q), **_kwargs(T, kw))
        loss = (out * out).sum() + (0 if w is None else (w * w).sum())
        loss.backward()
        arrays = [out, q.grad, *[p.grad for p in m.parameters()]] + ([] if w is None else [w])
        names = [type(out.grad_fn).__name__, None if w is None else type(w.grad_fn).__name__]
        got.append((names, [a.detach().numpy() for a in arrays]))
    assert got[0][0] == got[1][0]
    assert len(got[0][1]) == len(got[1][1])
    for a, b in zip(got[0][1], got[1][1], strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_initialisation() -> None:
    m = tt.nn.MultiheadAttention(8, 2)
    bound = (6 / (8 + 24)) ** 0.5  # xavier_uniform_ of the (24, 8) in_proj_weight
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
