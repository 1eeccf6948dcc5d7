"""``tracegrad.scipy.special``: special functions with the names, signatures and derivative
conventions of ``jax.scipy.special``; NumPy-only kernels (SciPy is not needed)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.core.dtypes import is_complex
from tracegrad.numpy.frontend import normalize_axis_tuple, promote_inexact
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_discrete as ewd
from tracegrad.ops import reductions as red
from tracegrad.ops import special as sp
from tracegrad.ops.elementwise import scalar_like
from tracegrad.ops.special_ibeta import ibeta
from tracegrad.ops.special_igamma import igamma, igammac
from tracegrad.ops.structural import broadcast_in_dim, broadcast_to, reduce_sum, reshape
from tracegrad.scipy._entropy import entr, kl_div, rel_entr, xlog1py
from tracegrad.scipy._gamma import beta, betaln, gamma, gammasgn, multigammaln, psi, rgamma
from tracegrad.scipy._ndtr import log_ndtr, ndtr, ndtri
from tracegrad.scipy._special_more import (
    bernoulli,
    boxcox,
    boxcox1p,
    comb,
    exp1,
    expi,
    factorial,
    i0,
    i0e,
    i1,
    i1e,
    loggamma,
    poch,
    spence,
    zeta,
)  # fmt: skip

__all__ = [
    "bernoulli", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "digamma", "entr",
    "erf", "erfc", "erfcinv", "erfinv", "exp1", "expi", "expit", "factorial", "gamma", "gammainc",
    "gammaincc", "gammaln", "gammasgn", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr",
    "log_softmax", "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "poch",
    "polygamma", "psi", "rel_entr", "rgamma", "softmax", "spence", "xlog1py", "xlogy", "zeta",
]  # fmt: skip


def erf(x: Any) -> Any:
    """The error function.

    >>> erf(np.array([0.0, 0.5]))
    array([0.        , 0.52049988])
    """
    return sp.erf(*promote_inexact(x))


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate in relative terms where it
    is tiny (large ``x``); its derivative is ``-2 / sqrt(pi) * exp(-x**2)``.

    >>> erfc(np.array([-1.0, 0.0, 5.0]))
    array([1.84270079e+00, 1.00000000e+00, 1.53745979e-12])
    """
    return sp.erfc(*promote_inexact(x))


def erfinv(x: Any) -> Any:
    """The inverse error function on [-1, 1] (+-inf at +-1, nan outside); its derivative is
    ``sqrt(pi) / 2 * exp(erfinv(x)**2)``.

    >>> erfinv(np.array([0.0, 0.5, -1.0]))
    array([0.        , 0.47693628,       -inf])
    """
    return sp.erfinv(*promote_inexact(x))


def erfcinv(x: Any) -> Any:
    """The inverse of erfc on [0, 2], accurate in relative terms for tiny ``x`` (the far
    tail); its derivative is ``-sqrt(pi) / 2 * exp(erfcinv(x)**2)``.

    >>> erfcinv(np.array([1.0, 1e-300]))
    array([ 0.        , 26.20946996])
    """
    return sp.erfcinv(*promote_inexact(x))


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)`` (0 at ``x = 0``, 1 at 1, nan
    outside [0, 1]); its derivative in ``x`` is the beta density, in ``a`` and ``b`` the
    continued fraction differentiated (once: docs/decisions.md).

    >>> betainc(np.array([2.0, 0.5]), np.array([3.0, 0.5]), np.array([0.4, 0.5]))
    array([0.5248, 0.5   ])
    """
    return ibeta(*promote_inexact(a, b, x))


def gammainc(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function ``P(a, x)``; its derivative in ``x``
    is ``x**(a - 1) exp(-x) / Gamma(a)``, in ``a`` JAX's ``igamma_grad_a`` (once:
    docs/decisions.md).

    >>> gammainc(np.array([1.0, 3.0]), np.array([2.0, 0.5]))
    array([0.86466472, 0.01438768])
    """
    return igamma(*promote_inexact(a, x))


def gammaincc(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate
    in relative terms where it is tiny.

    >>> gammaincc(np.array([1.0, 3.0]), np.array([2.0, 60.0]))
    array([1.35335283e-01, 1.62958665e-23])
    """
    return igammac(*promote_inexact(a, x))


def gammaln(x: Any) -> Any:
    """log|Gamma(x)|; its derivative is digamma (inf at the poles 0, -1, -2, ...).

    >>> gammaln(np.array([0.5, 4.0]))
    array([0.57236494, 1.79175947])
    """
    return sp.lgamma(*promote_inexact(x))


def digamma(x: Any) -> Any:
    """The derivative of gammaln (nan at the poles 0, -1, -2, ..., as in JAX).

    >>> digamma(np.array([1.0, 2.0]))
    array([-0.57721566,  0.42278434])
    """
    return sp.digamma(*promote_inexact(x))


def polygamma(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of digamma; ``n`` is a concrete non-negative integer.

    >>> polygamma(1, np.array([1.0]))
    array([1.64493407])
    """
    if isinstance(n, Tracer) or np.ndim(n) != 0:
        raise NotImplementedError(
            f"tracegrad.scipy.special.polygamma: the order n must be one concrete integer, "
            f"got {n!r}. Call polygamma once per order."
        )
    return sp.polygamma(operator.index(n), *promote_inexact(x))


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for large ``|x|``.

    >>> expit(np.array([0.0, 800.0, -800.0]))
    array([0.5, 1. , 0. ])
    """
    return sp.logistic(*promote_inexact(x))


def logit(x: Any) -> Any:
    """The inverse of expit, ``log(x / (1 - x))``.

    >>> logit(np.array([0.5, 0.75]))
    array([0.        , 1.09861229])
    """
    (x,) = promote_inexact(x)
    return ew.log(ew.div(x, ew.sub(scalar_like(x, 1), x)))


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is nan); the derivatives are
    ``log(y)`` and ``x / y`` everywhere, as in JAX (so -inf and nan at ``(0, 0)``).

    >>> xlogy(np.array([0.0, 1.0]), np.array([0.0, np.e]))
    array([0., 1.])
    """
    return sp.xlogy(*promote_inexact(x, y))


def finite_max(x: Any, axes: Sequence[int]) -> Any:
    """The maximum of ``x`` over ``axes``, replaced by 0 where it is not finite or where the
    axes are empty: the shift that keeps ``exp`` in range in logsumexp and softmax.

    The shift cancels exactly in those functions, so derivatives flow through it without
    ``stop_gradient`` and come out right (its own derivative cancels too).
    """
    aval = get_aval(x)
    out_shape = tuple(s for i, s in enumerate(aval.shape) if i not in axes)
    zero = scalar_like(x, 0)
    if any(aval.shape[a] == 0 for a in axes):
        return broadcast_in_dim(zero, out_shape, ())
    m = red.reduce_max(x, axes)
    return ew.select_n(ewd.isfinite(m), zero, m)


def logsumexp(
    a: Any,
    axis: int | Sequence[int] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: Any = None,
) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (shifted by the maximum).

    With ``return_sign``, returns ``(log|sum|, sign(sum))``; otherwise a negative sum gives
    nan, as in JAX.

    >>> logsumexp(np.array([1000.0, 1000.0]))
    np.float64(1000.6931471805599)
    """
    if where is not None:
        raise NotImplementedError("tracegrad.scipy.special.logsumexp: where= is not supported.")
    if b is None:
        (a,) = promote_inexact(a)
    else:
        a, b = promote_inexact(a, b)
        # Terms with b == 0 do not count, even where a is inf (as in JAX).
        a = ew.select_n(ew.ne(b, scalar_like(b, 0)), scalar_like(a, -np.inf), a)
    aval = get_aval(a)
    if is_complex(aval.dtype):
        raise NotImplementedError(
            "tracegrad.scipy.special.logsumexp: complex inputs are not "
            f"supported (got dtype {aval.dtype.name})."
        )
    axes = normalize_axis_tuple(axis, aval.ndim)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    shift = finite_max(a, axes)
    terms = ew.exp(ew.sub(a, broadcast_in_dim(shift, aval.shape, kept)))
    if b is not None:
        terms = ew.mul(terms, b)
    total = reduce_sum(terms, axes)
    sign = None
    if return_sign:
        sign, total = ew.sign(total), ew.abs(total)
    # log(0) = -inf (no terms) and log(negative) = nan (without return_sign) are answers.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ew.add(ew.log(total), shift)
    if keepdims:
        kept_shape = tuple(1 if i in axes else s for i, s in enumerate(aval.shape))
        out = reshape(out, kept_shape)
        sign = None if sign is None else reshape(sign, kept_shape)
    return (out, sign) if return_sign else out


def log_softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``x - logsumexp(x)`` over ``axis`` (all axes by default, as SciPy).

    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    (x,) = promote_inexact(x)
    return ew.sub(x, broadcast_to(logsumexp(x, axis, keepdims=True), get_aval(x).shape))


def softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default, as SciPy).

    >>> softmax(np.zeros((2, 2)))
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return ew.exp(log_softmax(x, axis=axis))
