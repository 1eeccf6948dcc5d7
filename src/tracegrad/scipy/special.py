"""``tracegrad.scipy.special``: special functions with the names, signatures and derivative
conventions of ``jax.scipy.special``; NumPy-only kernels (SciPy is not needed)."""

from __future__ import annotations

import operator
from collections.abc import Sequence as _Sequence
from typing import Any as _Any

import numpy as np

from tracegrad.core import Tracer as _Tracer
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.dtypes import is_complex as _is_complex
from tracegrad.core.exports import public_names as _public_names
from tracegrad.numpy.frontend import finite_max as _finite_max
from tracegrad.numpy.frontend import normalize_axis_tuple as _normalize_axis_tuple
from tracegrad.numpy.frontend import promote_inexact as _promote_inexact
from tracegrad.ops import elementwise as ew
from tracegrad.ops import special as sp
from tracegrad.ops.elementwise import scalar_like as _scalar_like
from tracegrad.ops.special_ibeta import ibeta as _ibeta
from tracegrad.ops.special_igamma import igamma as _igamma
from tracegrad.ops.special_igamma import igammac as _igammac
from tracegrad.ops.structural import broadcast_in_dim as _broadcast_in_dim
from tracegrad.ops.structural import broadcast_to as _broadcast_to
from tracegrad.ops.structural import reduce_sum as _reduce_sum
from tracegrad.ops.structural import reshape as _reshape
from tracegrad.scipy._entropy import entr as entr
from tracegrad.scipy._entropy import kl_div as kl_div
from tracegrad.scipy._entropy import rel_entr as rel_entr
from tracegrad.scipy._entropy import xlog1py as xlog1py
from tracegrad.scipy._gamma import beta as beta
from tracegrad.scipy._gamma import betaln as betaln
from tracegrad.scipy._gamma import gamma as gamma
from tracegrad.scipy._gamma import gammasgn as gammasgn
from tracegrad.scipy._gamma import multigammaln as multigammaln
from tracegrad.scipy._gamma import psi as psi
from tracegrad.scipy._gamma import rgamma as rgamma
from tracegrad.scipy._ndtr import log_ndtr as log_ndtr
from tracegrad.scipy._ndtr import ndtr as ndtr
from tracegrad.scipy._ndtr import ndtri as ndtri
from tracegrad.scipy._special_more import bernoulli as bernoulli
from tracegrad.scipy._special_more import boxcox as boxcox
from tracegrad.scipy._special_more import boxcox1p as boxcox1p
from tracegrad.scipy._special_more import comb as comb
from tracegrad.scipy._special_more import exp1 as exp1
from tracegrad.scipy._special_more import expi as expi
from tracegrad.scipy._special_more import factorial as factorial
from tracegrad.scipy._special_more import i0 as i0
from tracegrad.scipy._special_more import i0e as i0e
from tracegrad.scipy._special_more import i1 as i1
from tracegrad.scipy._special_more import i1e as i1e
from tracegrad.scipy._special_more import loggamma as loggamma
from tracegrad.scipy._special_more import poch as poch
from tracegrad.scipy._special_more import spence as spence
from tracegrad.scipy._special_more import zeta as zeta


def erf(x: _Any) -> _Any:
    """The error function.

    >>> erf(np.array([0.0, 0.5]))
    array([0.        , 0.52049988])
    """
    return sp.erf(*_promote_inexact(x))


def erfc(x: _Any) -> _Any:
    """The complementary error function ``1 - erf(x)``, accurate in relative terms where it
    is tiny (large ``x``); its derivative is ``-2 / sqrt(pi) * exp(-x**2)``.

    >>> erfc(np.array([-1.0, 0.0, 5.0]))
    array([1.84270079e+00, 1.00000000e+00, 1.53745979e-12])
    """
    return sp.erfc(*_promote_inexact(x))


def erfinv(x: _Any) -> _Any:
    """The inverse error function on [-1, 1] (+-inf at +-1, nan outside); its derivative is
    ``sqrt(pi) / 2 * exp(erfinv(x)**2)``.

    >>> erfinv(np.array([0.0, 0.5, -1.0]))
    array([0.        , 0.47693628,       -inf])
    """
    return sp.erfinv(*_promote_inexact(x))


def erfcinv(x: _Any) -> _Any:
    """The inverse of erfc on [0, 2], accurate in relative terms for tiny ``x`` (the far
    tail); its derivative is ``-sqrt(pi) / 2 * exp(erfcinv(x)**2)``.

    >>> erfcinv(np.array([1.0, 1e-300]))
    array([ 0.        , 26.20946996])
    """
    return sp.erfcinv(*_promote_inexact(x))


def betainc(a: _Any, b: _Any, x: _Any) -> _Any:
    """The regularized incomplete beta function ``I_x(a, b)`` (0 at ``x = 0``, 1 at 1, nan
    outside [0, 1]); its derivative in ``x`` is the beta density, in ``a`` and ``b`` the
    continued fraction differentiated (once: docs/decisions.md).

    >>> betainc(np.array([2.0, 0.5]), np.array([3.0, 0.5]), np.array([0.4, 0.5]))
    array([0.5248, 0.5   ])
    """
    return _ibeta(*_promote_inexact(a, b, x))


def gammainc(a: _Any, x: _Any) -> _Any:
    """The regularized lower incomplete gamma function ``P(a, x)``; its derivative in ``x``
    is ``x**(a - 1) exp(-x) / Gamma(a)``, in ``a`` JAX's ``igamma_grad_a`` (once:
    docs/decisions.md).

    >>> gammainc(np.array([1.0, 3.0]), np.array([2.0, 0.5]))
    array([0.86466472, 0.01438768])
    """
    return _igamma(*_promote_inexact(a, x))


def gammaincc(a: _Any, x: _Any) -> _Any:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate
    in relative terms where it is tiny.

    >>> gammaincc(np.array([1.0, 3.0]), np.array([2.0, 60.0]))
    array([1.35335283e-01, 1.62958665e-23])
    """
    return _igammac(*_promote_inexact(a, x))


def gammaln(x: _Any) -> _Any:
    """log|Gamma(x)|; its derivative is digamma (inf at the poles 0, -1, -2, ...).

    >>> gammaln(np.array([0.5, 4.0]))
    array([0.57236494, 1.79175947])
    """
    return sp.lgamma(*_promote_inexact(x))


def digamma(x: _Any) -> _Any:
    """The derivative of gammaln (nan at the poles 0, -1, -2, ..., as in JAX).

    >>> digamma(np.array([1.0, 2.0]))
    array([-0.57721566,  0.42278434])
    """
    return sp.digamma(*_promote_inexact(x))


def polygamma(n: _Any, x: _Any) -> _Any:
    """The ``n``-th derivative of digamma; ``n`` is a concrete non-negative integer.

    >>> polygamma(1, np.array([1.0]))
    array([1.64493407])
    """
    if isinstance(n, _Tracer) or np.ndim(n) != 0:
        raise NotImplementedError(
            f"tracegrad.scipy.special.polygamma: the order n must be one concrete integer, "
            f"got {n!r}. Call polygamma once per order."
        )
    return sp.polygamma(operator.index(n), *_promote_inexact(x))


def expit(x: _Any) -> _Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for large ``|x|``.

    >>> expit(np.array([0.0, 800.0, -800.0]))
    array([0.5, 1. , 0. ])
    """
    return sp.logistic(*_promote_inexact(x))


def logit(x: _Any) -> _Any:
    """The inverse of expit, ``log(x / (1 - x))``.

    >>> logit(np.array([0.5, 0.75]))
    array([0.        , 1.09861229])
    """
    (x,) = _promote_inexact(x)
    return ew.log(ew.div(x, ew.sub(_scalar_like(x, 1), x)))


def xlogy(x: _Any, y: _Any) -> _Any:
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is nan); the derivatives are
    ``log(y)`` and ``x / y`` everywhere, as in JAX (so -inf and nan at ``(0, 0)``).

    >>> xlogy(np.array([0.0, 1.0]), np.array([0.0, np.e]))
    array([0., 1.])
    """
    return sp.xlogy(*_promote_inexact(x, y))


def logsumexp(
    a: _Any,
    axis: int | _Sequence[int] | None = None,
    b: _Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: _Any = None,
) -> _Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (shifted by the maximum).

    With ``return_sign``, returns ``(log|sum|, sign(sum))``; otherwise a negative sum gives
    nan, as in JAX.

    >>> logsumexp(np.array([1000.0, 1000.0]))
    np.float64(1000.6931471805599)
    """
    if where is not None:
        raise NotImplementedError("tracegrad.scipy.special.logsumexp: where= is not supported.")
    if b is None:
        (a,) = _promote_inexact(a)
    else:
        a, b = _promote_inexact(a, b)
        # Terms with b == 0 do not count, even where a is inf (as in JAX).
        a = ew.select_n(ew.ne(b, _scalar_like(b, 0)), _scalar_like(a, -np.inf), a)
    aval = _get_aval(a)
    if _is_complex(aval.dtype):
        raise NotImplementedError(
            "tracegrad.scipy.special.logsumexp: complex inputs are not "
            f"supported (got dtype {aval.dtype.name})."
        )
    axes = _normalize_axis_tuple(axis, aval.ndim)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    shift = _finite_max(a, axes)
    terms = ew.exp(ew.sub(a, _broadcast_in_dim(shift, aval.shape, kept)))
    if b is not None:
        terms = ew.mul(terms, b)
    total = _reduce_sum(terms, axes)
    sign = None
    if return_sign:
        sign, total = ew.sign(total), ew.abs(total)
    # log(0) = -inf (no terms) and log(negative) = nan (without return_sign) are answers.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ew.add(ew.log(total), shift)
    if keepdims:
        kept_shape = tuple(1 if i in axes else s for i, s in enumerate(aval.shape))
        out = _reshape(out, kept_shape)
        sign = None if sign is None else _reshape(sign, kept_shape)
    return (out, sign) if return_sign else out


def log_softmax(x: _Any, /, *, axis: int | tuple[int, ...] | None = None) -> _Any:
    """``x - logsumexp(x)`` over ``axis`` (all axes by default, as SciPy).

    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    (x,) = _promote_inexact(x)
    return ew.sub(x, _broadcast_to(logsumexp(x, axis, keepdims=True), _get_aval(x).shape))


def softmax(x: _Any, /, *, axis: int | tuple[int, ...] | None = None) -> _Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default, as SciPy).

    >>> softmax(np.zeros((2, 2)))
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return ew.exp(log_softmax(x, axis=axis))


__all__ = _public_names(globals())
