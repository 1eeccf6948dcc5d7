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


class BCELoss(_Loss):
    """``F.binary_cross_entropy`` as a module.

    >>> import tracegrad.torch as torch
    >>> torch.nn.BCELoss(reduction="sum")(torch.tensor([0.5]), torch.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

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
