"""The remaining ``torch.nn.functional`` losses: ``cosine_embedding_loss``,
``margin_ranking_loss``, ``hinge_embedding_loss``, ``triplet_margin_loss``,
``poisson_nll_loss``, ``gaussian_nll_loss``, ``soft_margin_loss`` and
``multilabel_soft_margin_loss``. Each is one node; PyTorch composes them, so the node is
named after PyTorch's last operation (``MeanBackward0`` for ``reduction="mean"``, ...)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.lax as lax
import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn._losses import _reduced, check_reduction
from tracegrad.torch.nn._similarity import _norm
from tracegrad.torch.tensor import Tensor, wrap


def _c(v: float, like: Any) -> Any:
    return cast(np.asarray(v), like.dtype)


def _clamp_min0(x: Any) -> Any:
    """``max(x, 0)`` with PyTorch's ``clamp_min`` derivative (1 at 0)."""
    return tnp.where(x >= 0, x, _c(0, x))


def _ops(none_name: str, fn: Callable[..., Any]) -> dict[str, Op]:
    def reduced(*args: Any, reduction: str, **params: Any) -> Any:
        return _reduced(fn(*args, **params), reduction)

    names = {"mean": "MeanBackward0", "sum": "SumBackward0", "none": none_name}
    return {r: Op(n, reduced) for r, n in names.items()}


def _run(ops: dict[str, Op], args: tuple[Any, ...], reduction: str, legacy: tuple[Any, Any],
         **params: Any) -> Tensor:  # fmt: skip
    reduction = check_reduction(reduction, *legacy)
    return apply(ops[reduction], args, reduction=reduction, **params)


def _cosine_embedding_fn(x1: Any, x2: Any, y: Any, margin: float) -> Any:
    eps = _c(1e-12, x1)
    prod = tnp.sum(tnp.multiply(x1, x2), axis=-1)
    m1 = tnp.add(tnp.sum(tnp.multiply(x1, x1), axis=-1), eps)
    m2 = tnp.add(tnp.sum(tnp.multiply(x2, x2), axis=-1), eps)
    cos = tnp.true_divide(prod, tnp.sqrt(tnp.multiply(m1, m2)))
    zero = _c(0, cos)
    pos = tnp.where(y == 1, tnp.subtract(_c(1, cos), cos), zero)
    neg = tnp.where(y == -1, _clamp_min0(tnp.subtract(cos, _c(margin, cos))), zero)
    return tnp.add(pos, neg)


COSINE_EMBEDDING = _ops("AddBackward0", _cosine_embedding_fn)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it
    is -1.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([[1.0, 0.0]])
    >>> torch.nn.functional.cosine_embedding_loss(x, x, torch.tensor([1.0]))
    tensor(0.)
    """
    return _run(COSINE_EMBEDDING, (input1, input2, target), reduction, (size_average, reduce),
                margin=float(margin))  # fmt: skip


MARGIN_RANKING = _ops(
    "ClampMinBackward0",
    lambda x1, x2, y, margin: _clamp_min0(
        tnp.add(tnp.multiply(tnp.negative(y), tnp.subtract(x1, x2)), _c(margin, x1))
    ),
)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(0, -target * (x1 - x2) + margin)``.

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.margin_ranking_loss(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0]))
    tensor(1.)
    """
    return _run(MARGIN_RANKING, (input1, input2, target), reduction, (size_average, reduce),
                margin=float(margin))  # fmt: skip


def _hinge_fn(x: Any, y: Any, margin: float) -> Any:
    zero = _c(0, x)
    clamped = tnp.where(y != 1, _clamp_min0(tnp.subtract(_c(margin, x), x)), zero)
    return tnp.add(clamped, tnp.where(y != -1, x, zero))


HINGE_EMBEDDING = _ops("AddBackward0", _hinge_fn)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``x`` where ``target`` is 1, ``max(0, margin - x)`` where it is -1.

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.hinge_embedding_loss(torch.tensor([0.3, 2.0]), torch.tensor([-1.0, 1.0]))
    tensor(1.3500)
    """
    return _run(HINGE_EMBEDDING, (input, target), reduction, (size_average, reduce),
                margin=float(margin))  # fmt: skip


def _triplet_fn(a: Any, pos: Any, neg: Any, margin: float, p: float, eps: float, swap: bool) -> Any:
    def dist(u: Any, v: Any) -> Any:
        return _norm(tnp.add(tnp.subtract(u, v), _c(eps, u)), p, -1, False)

    d_pos, d_neg = dist(a, pos), dist(a, neg)
    if swap:
        d_neg = tnp.minimum(d_neg, dist(pos, neg))
    return _clamp_min0(tnp.subtract(tnp.add(d_pos, _c(margin, d_pos)), d_neg))


TRIPLET = _ops("ClampMinBackward0", _triplet_fn)


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
    eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(0, d(a, pos) - d(a, neg) + margin)`` with ``d`` the pairwise distance.

    >>> import tracegrad.torch as torch
    >>> a = torch.zeros(1, 2)
    >>> torch.nn.functional.triplet_margin_loss(a, a, torch.ones(1, 2))
    tensor(0.)
    """
    if margin <= 0:
        raise ValueError(
            f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
        )
    return _run(TRIPLET, (anchor, positive, negative), reduction, (size_average, reduce),
                margin=float(margin), p=float(p), eps=float(eps), swap=bool(swap))  # fmt: skip


def _poisson_fn(x: Any, t: Any, log_input: bool, full: bool, eps: float) -> Any:
    if log_input:
        loss = tnp.subtract(tnp.exp(x), tnp.multiply(t, x))
    else:
        loss = tnp.subtract(x, tnp.multiply(t, tnp.log(tnp.add(x, _c(eps, x)))))
    if full:
        safe = tnp.where(t > 1, t, _c(2, t))
        stirling = tnp.add(
            tnp.subtract(tnp.multiply(safe, tnp.log(safe)), safe),
            tnp.multiply(_c(0.5, safe), tnp.log(tnp.multiply(_c(2 * math.pi, safe), safe))),
        )
        loss = tnp.add(loss, tnp.where(t > 1, stirling, _c(0, stirling)))
    return loss


POISSON = {False: _ops("SubBackward0", _poisson_fn), True: _ops("AddBackward0", _poisson_fn)}


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
    size_average: Any = None, eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """The negative log-likelihood of ``target`` under a Poisson distribution of rate
    ``exp(input)`` (or ``input`` when not ``log_input``); ``full`` adds Stirling's term.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.poisson_nll_loss(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(1.)
    """
    return _run(POISSON[bool(full)], (input, target), reduction, (size_average, reduce),
                log_input=bool(log_input), full=bool(full), eps=float(eps))  # fmt: skip


def _gaussian_fn(x: Any, t: Any, var: Any, full: bool, eps: float) -> Any:
    # PyTorch clamps var in place under no_grad: the value is clamped, the derivative is not.
    var = tnp.add(var, lax.stop_gradient(tnp.subtract(tnp.maximum(var, _c(eps, var)), var)))
    d = tnp.subtract(x, t)
    loss = tnp.multiply(_c(0.5, x), tnp.add(tnp.log(var), tnp.true_divide(tnp.multiply(d, d), var)))
    return tnp.add(loss, _c(0.5 * math.log(2 * math.pi), loss)) if full else loss


GAUSSIAN = {False: _ops("MulBackward0", _gaussian_fn), True: _ops("AddBackward0", _gaussian_fn)}


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """The negative log-likelihood of ``target`` under ``N(input, var)`` (``var`` clamped
    at ``eps``; one fewer dim than ``input`` or a last dim of 1 broadcasts).

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.gaussian_nll_loss(torch.tensor([0.0]), torch.tensor([1.0]), torch.tensor([1.0]))
    tensor(0.5000)
    """
    v: Any = (
        var
        if isinstance(var, Tensor)
        else wrap(np.full(input._value.shape, var, input._value.dtype))
    )
    vs, xs = v._value.shape, input._value.shape
    if vs != xs:
        if xs[:-1] == vs:
            v = v.unsqueeze(-1)
        elif not (xs[:-1] == vs[:-1] and vs[-1:] == (1,)):
            raise ValueError("var is of incorrect size")
    if float(np.min(v._value, initial=0.0)) < 0:
        raise ValueError("var has negative entry/entries")
    return _run(GAUSSIAN[bool(full)], (input, target, v), reduction, (None, None),
                full=bool(full), eps=float(eps))  # fmt: skip


SOFT_MARGIN = {
    r: Op(
        "SoftMarginLossBackward0",
        lambda x, y, reduction: _reduced(tnn.softplus(tnp.negative(tnp.multiply(y, x))), reduction),
    )
    for r in ("mean", "sum", "none")
}


def soft_margin_loss(
    input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``log(1 + exp(-target * input))``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.soft_margin_loss(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)
    """
    return _run(SOFT_MARGIN, (input, target), reduction, (size_average, reduce))


def _multilabel_fn(x: Any, y: Any, *weight: Any) -> Any:
    one = _c(1, x)
    loss = tnp.negative(
        tnp.add(
            tnp.multiply(y, tnn.log_sigmoid(x)),
            tnp.multiply(tnp.subtract(one, y), tnn.log_sigmoid(tnp.negative(x))),
        )
    )
    if weight:
        loss = tnp.multiply(loss, weight[0])
    return tnp.true_divide(tnp.sum(loss, axis=-1), _c(x.shape[-1], x))


MULTILABEL = _ops("DivBackward0", _multilabel_fn)


def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
    reduce: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """The binary cross-entropy of ``sigmoid(input)`` against each label, averaged over the
    classes (the last dim).

    >>> import tracegrad.torch as torch
    >>> F = torch.nn.functional
    >>> F.multilabel_soft_margin_loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    args = (input, target) if weight is None else (input, target, weight)
    return _run(MULTILABEL, args, reduction, (size_average, reduce))
