"""The remaining ``torch.nn.functional`` losses and their modules against PyTorch: values,
``grad_fn`` names and gradients for each reduction."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
X = R.standard_normal((4, 3)).astype(np.float32)
Y = R.standard_normal((4, 3)).astype(np.float32)
SIGNS = np.array([1.0, -1, 1, -1], np.float32)

CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("cosine_embedding_loss", lambda T, x: (x, T.tensor(Y), T.tensor(SIGNS)), {"margin": 0.2}),
    (
        "margin_ranking_loss",
        lambda T, x: (x[:, 0], T.tensor(Y[:, 0]), T.tensor(SIGNS)),
        {"margin": 0.1},
    ),
    ("hinge_embedding_loss", lambda T, x: (x, T.tensor(np.sign(Y))), {}),
    ("triplet_margin_loss", lambda T, x: (x, T.tensor(Y), T.tensor(Y * 2)), {}),
    ("triplet_margin_loss", lambda T, x: (x, T.tensor(Y), T.tensor(Y * 2)), {"swap": True, "p": 1}),
    ("poisson_nll_loss", lambda T, x: (x, T.tensor(np.abs(Y) * 3)), {}),
    (
        "poisson_nll_loss",
        lambda T, x: (x.abs(), T.tensor(np.abs(Y) * 3)),
        {"log_input": False, "full": True},
    ),
    (
        "gaussian_nll_loss",
        lambda T, x: (x, T.tensor(Y), T.tensor(np.abs(Y) + 1e-7, requires_grad=True)),
        {},
    ),
    (
        "gaussian_nll_loss",
        lambda T, x: (x, T.tensor(Y), T.tensor(np.abs(Y[:, 0]) + 0.1)),
        {"full": True},
    ),
    ("soft_margin_loss", lambda T, x: (x, T.tensor(np.sign(Y))), {}),
    ("multilabel_soft_margin_loss", lambda T, x: (x, T.tensor((Y > 0).astype(np.float32))), {}),
    (
        "multilabel_soft_margin_loss",
        lambda T, x: (x, T.tensor((Y > 0).astype(np.float32)), T.tensor([1.0, 2, 3])),
        {},
    ),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_losses(name: str, args: Any, kwargs: dict[str, Any], reduction: str) -> None:
    got = []
    for T in (tt, torch):
        x = T.tensor(X, requires_grad=True)
        inputs = args(T, x)
        y = getattr(T.nn.functional, name)(*inputs, reduction=reduction, **kwargs)
        y.sum().backward()
        grads = [a.grad.numpy() for a in inputs if a.requires_grad and a.is_leaf]
        got.append((type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy(), grads))
    (n1, y1, g1, o1), (n2, y2, g2, o2) = got
    assert n1 == n2
    assert y1.shape == y2.shape
    for a, b in zip([y1, g1, *o1], [y2, g2, *o2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _modules(T: Any) -> list[Any]:
    nn = T.nn
    return [nn.CosineEmbeddingLoss(0.2), nn.MarginRankingLoss(), nn.HingeEmbeddingLoss(),
            nn.TripletMarginLoss(swap=True), nn.PoissonNLLLoss(full=True), nn.GaussianNLLLoss(),
            nn.SoftMarginLoss(reduction="sum"), nn.MultiLabelSoftMarginLoss()]  # fmt: skip


def test_loss_modules() -> None:
    ins = {
        "CosineEmbeddingLoss": lambda T: (T.tensor(X), T.tensor(Y), T.tensor(SIGNS)),
        "MarginRankingLoss": lambda T: (T.tensor(X[:, 0]), T.tensor(Y[:, 0]), T.tensor(SIGNS)),
        "HingeEmbeddingLoss": lambda T: (T.tensor(X), T.tensor(np.sign(Y))),
        "TripletMarginLoss": lambda T: (T.tensor(X), T.tensor(Y), T.tensor(-Y)),
        "PoissonNLLLoss": lambda T: (T.tensor(X), T.tensor(np.abs(Y) * 3)),
        "GaussianNLLLoss": lambda T: (T.tensor(X), T.tensor(Y), T.tensor(np.abs(Y))),
        "SoftMarginLoss": lambda T: (T.tensor(X), T.tensor(np.sign(Y))),
        "MultiLabelSoftMarginLoss": lambda T: (T.tensor(X), T.tensor((Y > 0) * 1.0)),
    }
    for ours, theirs in zip(_modules(tt), _modules(torch), strict=True):
        assert repr(ours) == repr(theirs)
        make = ins[type(ours).__name__]
        np.testing.assert_allclose(
            ours(*make(tt)).numpy(), theirs(*make(torch)).numpy(), rtol=1e-5, atol=1e-6
        )
