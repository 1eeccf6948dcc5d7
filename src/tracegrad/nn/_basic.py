"""The first activations of ``tracegrad.nn`` (relu, sigmoid, softplus, silu, gelu), softmax,
log_softmax and one-hot encoding, with the names, signatures and derivative conventions of
``jax.nn``."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval, is_python_scalar
from tracegrad.core.dtypes import canonical_dtype
from tracegrad.numpy.frontend import (
    asarray_or_tracer,
    finite_max,
    normalize_axis_tuple,
    promote_dtypes,
    promote_inexact,
)
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_transcendental as ewt
from tracegrad.ops import special as sp
from tracegrad.ops.elementwise import scalar_like
from tracegrad.ops.stop_gradient import stop_gradient
from tracegrad.ops.structural import (
    broadcast_in_dim,
    canonical_axis,
    convert_element_type,
    moveaxis,
    reduce_sum,
    reshape,
)

Axis = int | Sequence[int] | None


def relu(x: Any) -> Any:
    """``max(x, 0)``; its derivative at 0 is 0, as in JAX.

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    (x,) = promote_dtypes(x)
    # A select, not an elementwise maximum: that would split the derivative at 0 as a tie.
    return ew.select_n(ew.gt(x, scalar_like(x, 0)), scalar_like(x, 0), x)


def sigmoid(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    return sp.logistic(*promote_inexact(x))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, computed without overflow; its derivative is ``sigmoid(x)``.

    >>> softplus(np.array([0.0, 1.0]))
    array([0.69314718, 1.31326169])
    """
    (x,) = promote_inexact(x)
    zero = scalar_like(x, 0)
    positive = ew.gt(x, zero)
    # x + log1p(exp(-x)) above 0, log1p(exp(x)) below; each branch is fed 0 where it is
    # not selected, so no overflowing exp (and no inf * 0 = nan in a derivative) arises.
    x_above = ew.select_n(positive, zero, x)
    x_below = ew.select_n(positive, x, zero)
    above = ew.add(x_above, ewt.log1p(ew.exp(ew.neg(x_above))))
    below = ewt.log1p(ew.exp(x_below))
    return ew.select_n(positive, below, above)


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (also called swish).

    >>> silu(np.array([0.0, 1.0]))
    array([0.        , 0.73105858])
    """
    (x,) = promote_inexact(x)
    return ew.mul(x, sp.logistic(x))


def gelu(x: Any, approximate: bool = True) -> Any:
    """The Gaussian error linear unit; by default its tanh approximation, as in JAX.

    >>> gelu(np.array([1.0])), gelu(np.array([1.0]), approximate=False)
    (array([0.84119199]), array([0.84134475]))
    """
    (x,) = promote_inexact(x)
    half, one = scalar_like(x, 0.5), scalar_like(x, 1)
    if approximate:
        cubic = ew.add(x, ew.mul(scalar_like(x, 0.044715), ew.mul(x, ew.mul(x, x))))
        inner = ew.mul(scalar_like(x, math.sqrt(2 / math.pi)), cubic)
        return ew.mul(x, ew.mul(half, ew.add(one, ewt.tanh(inner))))
    # x Phi(x) with Phi(x) = erfc(-x / sqrt(2)) / 2, as in JAX: 1 + erf(x / sqrt(2)) would
    # cancel for x < 0 (to exactly 0 below about -8.5); erfc keeps the relative accuracy,
    # but for the rounding of -x / sqrt(2), which costs up to 1.8e-16 x^2 (JAX's too).
    arg = ew.mul(ew.neg(x), scalar_like(x, math.sqrt(0.5)))
    return ew.mul(ew.mul(half, x), sp.erfc(arg))


def _shifted(x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` minus its (finite) maximum over ``axes``, the maximum a constant to the
    derivatives (as in JAX: the shift cancels in softmax and log_softmax, so its
    derivative is zero and need not be computed)."""
    aval = get_aval(x)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    top = finite_max(stop_gradient(x), axes)
    return ew.sub(x, broadcast_in_dim(top, aval.shape, kept))


def _sum_keepdims(x: Any, axes: tuple[int, ...]) -> Any:
    shape = get_aval(x).shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return broadcast_in_dim(reduce_sum(x, axes), shape, kept)


def _no_where(name: str, where: Any) -> None:
    if where is not None:
        raise NotImplementedError(f"tracegrad.nn.{name}: where= is not supported.")


def softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, computed stably.

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    _no_where("softmax", where)
    (x,) = promote_inexact(x)
    axes = normalize_axis_tuple(axis, get_aval(x).ndim)
    unnormalized = ew.exp(_shifted(x, axes))
    return ew.div(unnormalized, _sum_keepdims(unnormalized, axes))


def log_softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``x - logsumexp(x)`` over ``axis``, computed stably.

    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    _no_where("log_softmax", where)
    (x,) = promote_inexact(x)
    axes = normalize_axis_tuple(axis, get_aval(x).ndim)
    shifted = _shifted(x, axes)
    return ew.sub(shifted, ew.log(_sum_keepdims(ew.exp(shifted), axes)))


def one_hot(x: Any, num_classes: int, *, dtype: Any = np.float64, axis: int = -1) -> Any:
    """One-hot encoding: a new axis of length ``num_classes`` (at ``axis``), 1 where its
    index equals ``x`` and 0 elsewhere (all 0 for out-of-range values).

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = asarray_or_tracer(x)
    if is_python_scalar(x):
        x = np.asarray(x)
    num_classes = operator.index(num_classes)
    aval = get_aval(x)
    axis = canonical_axis(axis, aval.ndim + 1)
    hits = ew.eq(reshape(x, (*aval.shape, 1)), np.arange(num_classes, dtype=aval.dtype))
    return moveaxis(convert_element_type(hits, canonical_dtype(dtype)), -1, axis)
