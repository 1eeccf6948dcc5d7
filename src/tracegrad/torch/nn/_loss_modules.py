"""Loss modules over ``nn.functional``: ``NLLLoss``, ``BCELoss``, ``BCEWithLogitsLoss``,
``L1Loss``, ``SmoothL1Loss``, ``HuberLoss`` and ``KLDivLoss`` (class weights are buffers,
as in PyTorch)."""

from __future__ import annotations

from typing import Any

from tracegrad.torch.nn import functional as F
from tracegrad.torch.nn._losses import check_reduction
from tracegrad.torch.nn.modules import Module
from tracegrad.torch.tensor import Tensor


class _Loss(Module):
    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__()
        # As PyTorch: legacy arguments are turned into a reduction now, a bad reduction
        # raises on the first call.
        if size_average is not None or reduce is not None:
            reduction = check_reduction(reduction, size_average, reduce)
        self.reduction = reduction


class NLLLoss(_Loss):
    """``F.nll_loss`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.NLLLoss()(torch.tensor([[-1.0, -2.0]]), torch.tensor([1]))
    tensor(2.)
    """

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
        reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)  # fmt: skip


class _WeightedLoss(_Loss):
    """A loss with per-class weights (a buffer, as in PyTorch)."""

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class BCELoss(_WeightedLoss):
    """``F.binary_cross_entropy`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.BCELoss(reduction="sum")(torch.tensor([0.5]), torch.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``F.binary_cross_entropy_with_logits`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.BCEWithLogitsLoss()(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean", pos_weight: Tensor | None = None,
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class L1Loss(_Loss):
    """``F.l1_loss`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.L1Loss()(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(2.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``F.smooth_l1_loss`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.SmoothL1Loss(beta=2.0)(torch.tensor([1.0]), torch.tensor([0.0]))
    tensor(0.2500)
    """

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``F.huber_loss`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.HuberLoss(delta=0.5)(torch.tensor([2.0]), torch.tensor([0.0]))
    tensor(0.8750)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(None, None, reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """``F.kl_div`` as a module (``reduction="batchmean"`` allowed).

    >>> import tracegrad.torch as torch
    >>> kl = torch.nn.KLDivLoss(reduction="batchmean", log_target=True)
    >>> kl(torch.tensor([[0.0]]), torch.tensor([[0.0]]))
    tensor(0.)
    """

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
        log_target: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_Loss):
    _fn: Any = None
    _default_margin = 0.0

    def __init__(
        self, margin: float | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = self._default_margin if margin is None else margin

    def forward(self, *inputs: Tensor) -> Tensor:
        out: Tensor = type(self)._fn(*inputs, margin=self.margin, reduction=self.reduction)
        return out


class CosineEmbeddingLoss(_MarginLoss):
    """``F.cosine_embedding_loss`` as a module."""

    _fn = staticmethod(F.cosine_embedding_loss)


class MarginRankingLoss(_MarginLoss):
    """``F.margin_ranking_loss`` as a module."""

    _fn = staticmethod(F.margin_ranking_loss)


class HingeEmbeddingLoss(_MarginLoss):
    """``F.hinge_embedding_loss`` as a module."""

    _fn = staticmethod(F.hinge_embedding_loss)
    _default_margin = 1.0


class TripletMarginLoss(_Loss):
    """``F.triplet_margin_loss`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.TripletMarginLoss()
    TripletMarginLoss()
    """

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(
            anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
            swap=self.swap, reduction=self.reduction,
        )  # fmt: skip


class PoissonNLLLoss(_Loss):
    """``F.poisson_nll_loss`` as a module."""

    def __init__(
        self, log_input: bool = True, full: bool = False, size_average: Any = None,
        eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)  # fmt: skip


class GaussianNLLLoss(_Loss):
    """``F.gaussian_nll_loss`` as a module."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)  # fmt: skip


class SoftMarginLoss(_Loss):
    """``F.soft_margin_loss`` as a module."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """``F.multilabel_soft_margin_loss`` as a module (``weight`` is a buffer)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)  # fmt: skip
