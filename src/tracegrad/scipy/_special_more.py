"""More of ``tracegrad.scipy.special``: Hurwitz ``zeta``, the modified Bessel functions
``i0``, ``i0e``, ``i1``, ``i1e``, the exponential integrals ``exp1`` and ``expi``, ``spence``
(on the primitives of ops/special_zeta_bessel.py and ops/special_expint.py), and
compositions: ``factorial``, ``comb``, ``poch``, ``loggamma``,
``boxcox``, ``boxcox1p`` and the concrete table ``bernoulli``."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer
from tracegrad.numpy.frontend import promote_inexact
from tracegrad.ops import special as sp
from tracegrad.ops import special_expint as ei
from tracegrad.ops import special_zeta_bessel as zb
from tracegrad.scipy._gamma import gamma, gammasgn


def zeta(x: Any, q: Any = None) -> Any:
    """The Hurwitz zeta function ``sum_k (q + k)**-x`` (Riemann's for ``q`` None, i.e. 1):
    inf at ``x = 1``, nan for ``x < 1``; differentiable in both arguments.

    >>> zeta(np.array([2.0, 4.0]))
    array([1.64493407, 1.08232323])
    """
    if q is None:
        q = 1.0
    return zb.zeta(*promote_inexact(x, q))


def i0e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``.

    >>> i0e(np.array([0.0, 1.0]))
    array([1.        , 0.46575961])
    """
    return zb.bessel_i0e(*promote_inexact(x))


def i1e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``.

    >>> i1e(np.array([0.0, 1.0]))
    array([0.        , 0.20791042])
    """
    return zb.bessel_i1e(*promote_inexact(x))


def i0(x: Any) -> Any:
    """The modified Bessel function of order 0, ``i0e(x) exp(|x|)``.

    >>> i0(np.array([0.0, 1.0]))
    array([1.        , 1.26606588])
    """
    (x,) = promote_inexact(x)
    return tnp.exp(tnp.abs(x)) * zb.bessel_i0e(x)


def i1(x: Any) -> Any:
    """The modified Bessel function of order 1, ``i1e(x) exp(|x|)``.

    >>> i1(np.array([0.0, 1.0]))
    array([0.       , 0.5651591])
    """
    (x,) = promote_inexact(x)
    return tnp.exp(tnp.abs(x)) * zb.bessel_i1e(x)


def exp1(x: Any) -> Any:
    """The exponential integral ``E1(x) = int_x^inf exp(-t) / t dt`` (nan below 0).

    >>> exp1(np.array([0.5, 1.0]))
    array([0.55977359, 0.21938393])
    """
    return ei.exp1(*promote_inexact(x))


def expi(x: Any) -> Any:
    """The exponential integral ``Ei(x)``, the principal value of ``int_-inf^x exp(t) / t dt``.

    >>> expi(np.array([-1.0, 1.0]))
    array([-0.21938393,  1.89511782])
    """
    return ei.expi(*promote_inexact(x))


def spence(x: Any) -> Any:
    """SciPy's dilogarithm ``spence(x) = int_1^x log(t) / (1 - t) dt`` for ``x >= 0``; its
    derivative is ``log(x) / (1 - x)`` (-1 at ``x = 1``, where JAX's gives 0).

    >>> spence(np.array([0.0, 1.0, 2.0]))
    array([ 1.64493407,  0.        , -0.82246703])
    """
    return ei.spence(*promote_inexact(x))


def factorial(n: Any, exact: bool = False) -> Any:
    """``gamma(n + 1)``, 0 for ``n < 0`` (as SciPy); ``exact=True`` is not supported, as in
    JAX.

    >>> factorial(np.array([0.0, 5.0, -1.0, 0.5]))
    array([  1.        , 120.        ,   0.        ,   0.88622693])
    """
    if exact:
        raise NotImplementedError("tracegrad.scipy.special.factorial: exact=True is not supported.")
    (n,) = promote_inexact(n)
    return tnp.where(n < 0, 0, gamma(tnp.where(n < 0, 0, n) + 1))


def comb(N: Any, k: Any, *, repetition: bool = False) -> Any:
    """The number of combinations of ``N`` things taken ``k`` at a time,
    ``exp(gammaln(N + 1) - gammaln(k + 1) - gammaln(N - k + 1))``; 0 unless
    ``0 <= k <= N`` (with ``repetition``: ``comb(N + k - 1, k)``).

    >>> comb(np.array([5.0, 3.0]), np.array([2.0, 4.0]))
    array([10.,  0.])
    """
    N, k = promote_inexact(N, k)
    if repetition:
        N = N + k - 1
    valid = (k >= 0) & (k <= N) & (N >= 0)
    n_safe, k_safe = tnp.where(valid, N, 1), tnp.where(valid, k, 0)
    log_value = sp.lgamma(n_safe + 1) - sp.lgamma(k_safe + 1) - sp.lgamma(n_safe - k_safe + 1)
    return tnp.where(valid, tnp.exp(log_value), 0)


def poch(z: Any, m: Any) -> Any:
    """The Pochhammer symbol (rising factorial) ``gamma(z + m) / gamma(z)``, from the log
    gamma function and the signs (nan where ``z`` or ``z + m`` is a pole, as JAX).

    >>> poch(np.array([2.0, -2.5]), np.array([3.0, 2.0]))
    array([24.  ,  3.75])
    """
    z, m = promote_inexact(z, m)
    sign = gammasgn(z + m) * gammasgn(z)
    return sign * tnp.exp(sp.lgamma(z + m) - sp.lgamma(z))


def loggamma(x: Any) -> Any:
    """The principal branch of log Gamma on the reals: ``gammaln(x)`` for ``x >= 0``, nan
    below (as SciPy for real arguments).

    >>> loggamma(np.array([0.5, 3.0, -0.5]))
    array([0.57236494, 0.69314718,        nan])
    """
    (x,) = promote_inexact(x)
    return tnp.where(x < 0, np.nan, sp.lgamma(x))


def boxcox(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda``, ``log(x)`` at ``lmbda = 0``.

    >>> boxcox(np.array([1.0, 2.0]), 0.5)
    array([0.        , 0.82842712])
    """
    x, lmbda = promote_inexact(x, lmbda)
    return boxcox1p(x - 1, lmbda)


def boxcox1p(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform of ``1 + x``: ``((1 + x)**lmbda - 1) / lmbda``, accurate for
    small ``x`` and ``lmbda`` (``log1p(x)`` at ``lmbda = 0``).

    >>> boxcox1p(np.array([0.0, 1.0]), 0.0)
    array([0.        , 0.69314718])
    """
    x, lmbda = promote_inexact(x, lmbda)
    log1p = tnp.log1p(x)
    zero = lmbda == 0
    safe = tnp.where(zero, 1, lmbda)
    return tnp.where(zero, log1p, tnp.expm1(safe * log1p) / safe)


def bernoulli(n: int) -> Any:
    """The Bernoulli numbers ``B_0, ..., B_n`` (``B_1 = -1/2``), for a concrete ``n``.

    >>> bernoulli(4)
    array([ 1.        , -0.5       ,  0.16666667,  0.        , -0.03333333])
    """
    if isinstance(n, Tracer):
        raise NotImplementedError(
            "tracegrad.scipy.special.bernoulli: n must be a concrete integer, not a traced "
            "value; mark it static (static_argnums) under jit."
        )
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n}.")
    return np.array([float(v) for v in sp.bernoulli_numbers(n)])
