"""The rest of ``jax.nn``'s activations, built from ``tracegrad.numpy`` so every derivative
comes from the primitives' rules.

At a kink (where the left and right derivatives differ) the derivative is the
minimum-norm subgradient (SPEC 7): ``leaky_relu`` at 0 gives ``negative_slope``, ``selu``
at 0 gives ``scale``, ``hard_tanh`` at -1 and 1 gives 0, where JAX gives 1,
``scale * alpha`` and 1 (docs/decisions.md). Each branch not taken is fed a harmless
value, so no ``inf * 0`` reaches a derivative.
"""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as tnp
from tracegrad.nn._basic import Axis, relu, sigmoid, silu, softplus
from tracegrad.numpy.frontend import promote_inexact
from tracegrad.scipy.special import logsumexp

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _kinked(x: Any, slope_at_right: float, slope_at_left: float) -> Any:
    """The mask of points that take the right branch: ``x > 0``, or ``x >= 0`` when the
    right branch's slope is the smaller in magnitude (the minimum-norm subgradient at 0)."""
    return x >= 0 if abs(slope_at_right) < abs(slope_at_left) else x > 0


def identity(x: Any) -> Any:
    """``x`` itself (as an inexact array).

    >>> identity(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    (x,) = promote_inexact(x)
    return x


def tanh(x: Any) -> Any:
    """The hyperbolic tangent.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return tnp.tanh(*promote_inexact(x))


def elu(x: Any, alpha: Any = 1.0) -> Any:
    """``x`` above 0, ``alpha * (exp(x) - 1)`` below.

    >>> elu(np.array([-1.0, 2.0]))
    array([-0.63212056,  2.        ])
    """
    (x,) = promote_inexact(x)
    right = _kinked(x, 1.0, alpha) if isinstance(alpha, int | float) else x > 0
    return tnp.where(right, x, alpha * tnp.expm1(tnp.where(right, 0.0, x)))


def leaky_relu(x: Any, negative_slope: Any = 0.01) -> Any:
    """``x`` above 0, ``negative_slope * x`` below; at 0 the derivative is the smaller slope.

    >>> leaky_relu(np.array([-2.0, 3.0]))
    array([-0.02,  3.  ])
    """
    (x,) = promote_inexact(x)
    slope = negative_slope if isinstance(negative_slope, int | float) else 0.0
    return tnp.where(_kinked(x, 1.0, slope), x, negative_slope * x)


def selu(x: Any) -> Any:
    """The scaled exponential linear unit, ``scale * elu(x, alpha)`` with the constants of
    Klambauer et al. (2017).

    >>> selu(np.array([1.0]))
    array([1.05070099])
    """
    (x,) = promote_inexact(x)
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def celu(x: Any, alpha: Any = 1.0) -> Any:
    """``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)`` (continuously differentiable).

    >>> celu(np.array([-1.0, 1.0]), alpha=2.0)
    array([-0.78693868,  1.        ])
    """
    (x,) = promote_inexact(x)
    right = x > 0
    return tnp.where(right, x, alpha * tnp.expm1(tnp.where(right, 0.0, x) / alpha))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``; derivative 0 at 0 and at 6.

    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    array([0., 3., 6.])
    """
    (x,) = promote_inexact(x)
    return tnp.where(x >= 6, 6.0, relu(x))


def hard_tanh(x: Any) -> Any:
    """``x`` clipped to [-1, 1]; derivative 1 inside, 0 at -1, 1 and outside.

    >>> hard_tanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    """
    (x,) = promote_inexact(x)
    inside = (x > -1) & (x < 1)
    return tnp.where(inside, x, tnp.sign(x))


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid.

    >>> hard_sigmoid(np.array([-4.0, 0.0, 4.0]))
    array([0. , 0.5, 1. ])
    """
    (x,) = promote_inexact(x)
    return relu6(x + 3.0) / 6.0


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` (also called hard_swish).

    >>> hard_silu(np.array([-4.0, 1.0, 4.0]))
    array([-0.        ,  0.66666667,  4.        ])
    """
    (x,) = promote_inexact(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu
swish = silu


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow.

    >>> log_sigmoid(np.array([0.0]))
    array([-0.69314718])
    """
    (x,) = promote_inexact(x)
    return -softplus(-x)


def soft_sign(x: Any) -> Any:
    """``x / (|x| + 1)``.

    >>> soft_sign(np.array([-1.0, 3.0]))
    array([-0.5 ,  0.75])
    """
    (x,) = promote_inexact(x)
    return x / (tnp.abs(x) + 1.0)


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))``.

    >>> mish(np.array([1.0]))
    array([0.86509839])
    """
    (x,) = promote_inexact(x)
    return x * tnp.tanh(softplus(x))


def glu(x: Any, axis: int = -1) -> Any:
    """The gated linear unit: ``x`` split in two halves ``a, b`` along ``axis``,
    ``a * sigmoid(b)``.

    >>> glu(np.array([0.0, 1.0, 2.0, 3.0]))
    array([0.        , 0.95257413])
    """
    (x,) = promote_inexact(x)
    size = tnp.shape(x)[axis]
    if size % 2:
        raise ValueError(f"glu: axis {axis} of x has odd size {size}; it must split in two.")
    a, b = tnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def sparse_plus(x: Any) -> Any:
    """0 below -1, ``(x + 1)**2 / 4`` between -1 and 1, ``x`` above 1 (a smooth relu).

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    (x,) = promote_inexact(x)
    inside = tnp.where((x > -1) & (x < 1), x, 0.0)
    return tnp.where(x <= -1, 0.0, tnp.where(x >= 1, x, (inside + 1.0) ** 2 / 4.0))


def sparse_sigmoid(x: Any) -> Any:
    """The derivative of ``sparse_plus``: 0 below -1, ``(x + 1) / 2`` between, 1 above;
    its own derivative is 0 at the kinks -1 and 1.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0. , 0.5, 1. ])
    """
    (x,) = promote_inexact(x)
    inside = (x > -1) & (x < 1)
    return tnp.where(inside, (x + 1.0) / 2.0, tnp.astype(x >= 1, tnp.result_type(x)))


def squareplus(x: Any, b: Any = 4) -> Any:
    """``(x + sqrt(x**2 + b)) / 2``, a smooth relu.

    >>> squareplus(np.array([0.0]))
    array([1.])
    """
    (x,) = promote_inexact(x)
    return (x + tnp.sqrt(x * x + b)) / 2.0


def log1mexp(x: Any) -> Any:
    """``log(1 - exp(-x))`` for ``x > 0``, accurate for small and large ``x`` (Maechler).

    >>> log1mexp(np.array([1e-10, 50.0]))
    array([-2.30258509e+01, -1.92874985e-22])
    """
    (x,) = promote_inexact(x)
    small = x < math.log(2.0)
    x_small = tnp.where(small, x, 1.0)
    x_large = tnp.where(small, 1.0, x)
    return tnp.where(small, tnp.log(-tnp.expm1(-x_small)), tnp.log1p(-tnp.exp(-x_large)))


def logmeanexp(x: Any, axis: Axis = None, where: Any = None, keepdims: bool = False) -> Any:
    """``log(mean(exp(x)))`` over ``axis``, computed stably.

    >>> logmeanexp(np.array([0.0, np.log(3.0)]))
    np.float64(0.6931471805599453)
    """
    if where is not None:
        raise NotImplementedError("tracegrad.nn.logmeanexp: where= is not supported.")
    (x,) = promote_inexact(x)
    shape = tnp.shape(x)
    axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
    count = math.prod(shape[a] for a in axes)
    return logsumexp(x, axis=axis, keepdims=keepdims) - math.log(count)


def standardize(
    x: Any,
    axis: Axis = -1,
    mean: Any = None,
    variance: Any = None,
    epsilon: Any = 1e-5,
    where: Any = None,
) -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` with the mean and variance over ``axis``
    (or the ones given).

    >>> standardize(np.array([0.0, 2.0]))
    array([-0.999995,  0.999995])
    """
    if where is not None:
        raise NotImplementedError("tracegrad.nn.standardize: where= is not supported.")
    (x,) = promote_inexact(x)
    if mean is None:
        mean = tnp.mean(x, axis=axis, keepdims=True)
    if variance is None:
        # As JAX: E[x^2] - E[x]^2, so that the derivative matches too.
        variance = tnp.mean(x * x, axis=axis, keepdims=True) - mean * mean
    return (x - mean) / tnp.sqrt(variance + epsilon)
