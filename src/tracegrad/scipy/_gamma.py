"""The gamma-function family of ``tracegrad.scipy.special`` built on ``gammaln``: ``gamma``,
``gammasgn``, ``rgamma``, ``beta``, ``betaln``, ``multigammaln`` and the alias ``psi``."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

import tracegrad.numpy as uf
from tracegrad.core import Tracer, get_aval
from tracegrad.numpy.frontend import promote_inexact
from tracegrad.ops import special as sp


def psi(x: Any) -> Any:
    """SciPy's other name of ``digamma``.

    >>> psi(np.array([1.0]))
    array([-0.57721566])
    """
    return sp.digamma(*promote_inexact(x))


def gammasgn(x: Any) -> Any:
    """The sign of Gamma(x): 1 for ``x > 0`` (and +0), -1 for -0, alternating between the
    negative poles, nan at the poles -1, -2, ..., at -inf and at nan (as SciPy); derivative 0.

    >>> gammasgn(np.array([0.5, -0.5, -1.5, -1.0]))
    array([ 1., -1.,  1., nan])
    """
    (x,) = promote_inexact(x)
    one = np.asarray(1, get_aval(x).dtype)
    # Between the poles -n-1 and -n the sign is (-1) ** (n + 1), n = floor(-x).
    # (Infinities and nan take the other branches; a finite stand-in avoids warnings here.)
    finite = uf.where(uf.isfinite(x), x, 0)
    alternating = one - 2 * uf.remainder(uf.ceil(uf.negative(finite)), 2)
    pole_or_nan = uf.logical_or(uf.equal(uf.floor(x), x), uf.isnan(x))
    negative = uf.where(pole_or_nan, np.nan, alternating)
    at_zero = uf.where(uf.signbit(x), -one, one)
    return uf.where(uf.greater(x, 0), one, uf.where(uf.equal(x, 0), at_zero, negative))


def gamma(x: Any) -> Any:
    """The gamma function, ``gammasgn(x) * exp(gammaln(x))``; its derivative is
    ``gamma(x) * digamma(x)``. inf at 0, nan at the negative poles (as SciPy).

    >>> gamma(np.array([0.5, 5.0, -0.5]))
    array([ 1.77245385, 24.        , -3.5449077 ])
    """
    (x,) = promote_inexact(x)
    return uf.multiply(gammasgn(x), uf.exp(sp.lgamma(x)))


def rgamma(x: Any) -> Any:
    """``1 / gamma(x)``, 0 at the poles 0, -1, -2, ... (where its derivative is nan here).

    >>> rgamma(np.array([1.0, 0.5, -1.0]))
    array([1.        , 0.56418958, 0.        ])
    """
    (x,) = promote_inexact(x)
    sign = gammasgn(x)
    # At the poles 1/gamma is 0 whatever the sign, and exp(-gammaln) is already 0 there.
    sign = uf.where(uf.logical_and(uf.isnan(sign), uf.logical_not(uf.isnan(x))), 1, sign)
    return uf.multiply(sign, uf.exp(uf.negative(sp.lgamma(x))))


def betaln(a: Any, b: Any) -> Any:
    """``log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)``.

    >>> betaln(np.array([2.0]), np.array([3.0]))
    array([-2.48490665])
    """
    a, b = promote_inexact(a, b)
    return uf.subtract(uf.add(sp.lgamma(a), sp.lgamma(b)), sp.lgamma(uf.add(a, b)))


def beta(a: Any, b: Any) -> Any:
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``, from ``betaln`` and the signs
    (nan where ``a`` or ``b`` is a pole, 0, -1, ..., where SciPy may give inf).

    >>> beta(np.array([2.0, -0.5]), np.array([3.0, 1.5]))
    array([ 0.08333333, -3.14159265])
    """
    a, b = promote_inexact(a, b)
    sign = uf.multiply(uf.multiply(gammasgn(a), gammasgn(b)), gammasgn(uf.add(a, b)))
    return uf.multiply(sign, uf.exp(betaln(a, b)))


def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d`` (a concrete integer):
    ``d (d - 1) / 4 log(pi) + sum_j gammaln(a - j / 2)``, for ``a > (d - 1) / 2``.

    >>> multigammaln(np.array([4.5]), 3)
    array([7.16356447])
    """
    if isinstance(d, Tracer) or np.ndim(d) != 0:
        raise NotImplementedError(
            f"tracegrad.scipy.special.multigammaln: d must be one concrete integer, got {d!r}."
        )
    d = operator.index(d)
    (a,) = promote_inexact(a)
    value = a.to_concrete_value() if isinstance(a, Tracer) else a
    if value is not None and np.any(np.asarray(value) <= 0.5 * (d - 1)):
        raise ValueError(f"condition a ({value}) > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")
    out: Any = np.asarray(d * (d - 1) / 4 * math.log(math.pi), get_aval(a).dtype)
    for j in range(d):
        out = uf.add(out, sp.lgamma(uf.subtract(a, j / 2)))
    return out
