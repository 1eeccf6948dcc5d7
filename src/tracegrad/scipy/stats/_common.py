"""Helpers shared by the ``tracegrad.scipy.stats`` distributions."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as uf
from tracegrad.numpy.frontend import promote_inexact

_LOG2 = math.log(2)


def promote(*args: Any) -> list[Any]:
    """The arguments as arrays of one inexact dtype (integers become the default float)."""
    return list(promote_inexact(*args))


def standardize(x: Any, loc: Any, scale: Any) -> Any:
    """``(x - loc) / scale``."""
    return uf.divide(uf.subtract(x, loc), scale)


def log_diff_exp(big: Any, small: Any) -> Any:
    """``log(exp(big) - exp(small))`` for ``big >= small``, without cancelling."""
    return uf.add(big, uf.log(uf.negative(uf.expm1(uf.subtract(small, big)))))


def log1mexp(t: Any) -> Any:
    """``log(1 - exp(t))`` for ``t <= 0``: ``log1p(-exp(t))`` below ``-log(2)`` and
    ``log(-expm1(t))`` above, each exact where the other cancels."""
    far = uf.less(t, -_LOG2)
    t_far, t_near = uf.where(far, t, -1.0), uf.where(far, -1.0, t)
    near = uf.log(uf.negative(uf.expm1(t_near)))
    return uf.where(far, uf.log1p(uf.negative(uf.exp(t_far))), near)


def keep_nan(x: Any, value: Any) -> Any:
    """``value``, but nan where ``x`` is nan (the support tests would turn it into -inf)."""
    return uf.where(uf.isnan(x), x, value)


def off_integers(k: Any) -> Any:
    """Where ``k`` is not an integer: the mass functions are 0 there (as SciPy)."""
    return uf.not_equal(uf.round(k), k)


def log_of(p: Any, q: Any) -> Any:
    """``log(p)`` given also ``q = 1 - p``: ``log1p(-q)`` where ``p`` is near 1."""
    near_one = uf.less(q, 0.5)
    # Stand-ins keep the branch not taken away from log(0) and its infinite slope.
    return uf.where(
        near_one,
        uf.log1p(uf.negative(uf.where(near_one, q, 0.25))),
        uf.log(uf.where(near_one, 0.75, p)),
    )
