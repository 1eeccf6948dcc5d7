"""Conformance cases: ``tracegrad.nn`` against ``jax.nn`` and ``tracegrad.scipy.special``
against ``jax.scipy.special`` (SPEC 4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.case import POS, Case
from conformance.peers import api


def fn(dotted: str, **kw: Any) -> Callable[..., Any]:
    return lambda xp, *a: api(xp, dotted)(*a, **kw)


def nn(
    dotted: str, label: str = "", shapes: Any = ((2, 3),), domain: Any = (-2.0, 2.0), **kw: Any
) -> Callable[..., Case]:
    def make(**case_kw: Any) -> Case:
        name = f"{dotted}[{label}]" if label else dotted
        return Case(name, fn(dotted, **kw), shapes, domain, uses=(f"tg.{dotted}",), **case_kw)

    return make


LABELS = np.array([2, 0, 1])
NN = [
    nn("nn.relu")(scalar=True),
    nn("nn.sigmoid")(scalar=True),
    nn("nn.softplus")(scalar=True),
    nn("nn.silu")(scalar=True),
    nn("nn.gelu")(scalar=True),
    nn("nn.gelu", "approximate=False", approximate=False)(scalar=True),
    nn("nn.softmax")(),
    nn("nn.softmax", "axis=0", axis=0)(),
    nn("nn.log_softmax")(),
    nn("nn.log_softmax", "axis=(0,1)", axis=(0, 1))(),
    nn("nn.logsumexp")(),
    nn("nn.logsumexp", "axis=1,keepdims", axis=1, keepdims=True)(),
    Case(
        "nn.one_hot",
        lambda xp: api(xp, "nn.one_hot")(LABELS, 3),
        (),
        uses=("tg.nn.one_hot",),
        order=0,
    ),
    Case(
        "nn.one_hot[float32]",
        lambda xp: api(xp, "nn.one_hot")(LABELS, 4, dtype=np.float32),
        (),
        uses=("tg.nn.one_hot",),
        order=0,
    ),
    nn("scipy.special.logsumexp")(),
    nn("scipy.special.logsumexp", "axis=0", axis=0)(),
    Case(
        "scipy.special.logsumexp[b]",
        lambda xp, a, b: api(xp, "scipy.special.logsumexp")(a, axis=-1, b=b),
        ((2, 3), (3,)),
        [(-2.0, 2.0), POS],
        uses=("tg.scipy.special.logsumexp",),
    ),
    nn("scipy.special.erf")(scalar=True),
    nn("scipy.special.expit")(scalar=True),
    nn("scipy.special.logit", domain=(0.1, 0.9))(scalar=True),
    nn("scipy.special.gammaln", domain=(0.5, 3.0))(scalar=True),
    nn("scipy.special.xlogy", shapes=((2, 3), (3,)), domain=[(0.1, 2.0), POS])(scalar=True),
    Case(
        "scipy.special.xlogy[x=0]",
        lambda xp, y: api(xp, "scipy.special.xlogy")(0.0, y),
        ((3,),),
        POS,
        uses=("tg.scipy.special.xlogy",),
    ),
]
