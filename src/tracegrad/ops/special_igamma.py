"""The regularized incomplete gamma functions as primitives: ``igamma`` (P(a, x), SciPy's
``gammainc``) and ``igammac`` (Q(a, x) = 1 - P, ``gammaincc``), with NumPy float64 kernels
(series below ``x = a + 1``, continued fraction above) and their derivatives: in ``x`` the
density, in ``a`` the primitive ``igamma_grad_a`` (the same series and continued fraction
on dual numbers, docs/decisions.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops._dual import Dual, converged, negligible, value, where
from tracegrad.ops.combinators import defbroadcasting, defjvp
from tracegrad.ops.elementwise import exp, log, mul, neg, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval
from tracegrad.ops.special import digamma, lgamma, lgamma_kernel, polygamma_kernel, xlogy

__all__ = ["igamma", "igamma_grad_a", "igammac"]

_MAX_TERMS = 5000
_TINY = 1e-300


def _log_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log(x**a exp(-x) / Gamma(a))``."""
    out: np.ndarray = a * np.log(x) - x - lgamma_kernel(a)
    return out


def _lower_sum(a: Any, x: np.ndarray) -> Any:
    """``sum_n x^n / ((a + 1) ... (a + n))``, with ``P(a, x) = x^a e^-x / Gamma(a + 1)`` times
    it; ``a`` may be dual (ops/_dual.py)."""
    term: Any = np.ones_like(x)
    total: Any = np.ones_like(x)
    denom = a * 1.0
    for _ in range(_MAX_TERMS):
        denom = denom + 1.0
        term = term * x / denom
        total = total + term
        if negligible(term, total, 1e-17):
            break
    return total


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.exp(_log_prefactor(a, x) + np.log(_lower_sum(a, x)) - np.log(a))
    return out


def _fraction(a: Any, x: np.ndarray) -> Any:
    """The continued fraction ``1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))``
    by Lentz's method, with ``Q(a, x) = x^a e^-x / Gamma(a)`` times it; ``a`` may be dual."""
    b = x + 1.0 - a
    c: Any = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / where(value(b) == 0, _TINY, b)
    h = d * 1.0
    done = np.zeros(x.shape, bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / where(np.abs(value(d)) < _TINY, _TINY, d)
        c = b + an / c
        c = where(np.abs(value(c)) < _TINY, _TINY, c)
        step = d * c
        h = where(done, h, h * step)  # converged entries stay put (no drift by ulps)
        done |= converged(step, h)
        if np.all(done):
            break
    return h


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.exp(_log_prefactor(a, x)) * _fraction(a, x)
    return out


def _regularized(a: Any, x: Any, upper: bool) -> np.ndarray:
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    valid = (a >= 0) & (x >= 0)  # False for nan
    regular = valid & (a > 0) & (x > 0) & np.isfinite(x)
    a_r, x_r = np.where(regular, a, 1.0), np.where(regular, x, 1.0)
    by_series = x_r < a_r + 1.0
    with np.errstate(all="ignore"):
        lower = _lower_series(np.where(by_series, a_r, 1.0), np.where(by_series, x_r, 0.5))
        upper_q = _upper_fraction(np.where(by_series, 1.0, a_r), np.where(by_series, 3.0, x_r))
    p = np.where(by_series, lower, 1.0 - upper_q)
    q = np.where(by_series, 1.0 - lower, upper_q)
    value = q if upper else p
    # x = 0: P = 0; x = inf or a = 0 < x: P = 1 (SciPy's conventions; a = x = 0 is nan).
    at_edge = np.where((x == 0) & (a > 0), 0.0, np.where(x > 0, 1.0, np.nan))
    edge_value = 1.0 - at_edge if upper else at_edge
    out: np.ndarray = np.where(regular, value, np.where(valid, edge_value, np.nan))
    return out


def _impl(upper: bool) -> Any:
    def impl(a: Any, x: Any) -> Any:
        dtype = np.result_type(np.asarray(a).dtype, np.asarray(x).dtype)
        return _regularized(a, x, upper).astype(dtype)[()]

    return impl


def _density(a: Any, x: Any) -> Any:
    """``x**(a - 1) exp(-x) / Gamma(a)``, the derivative of P in ``x`` (1 at ``x = 0`` when
    ``a = 1``, through xlogy)."""
    return exp(sub(sub(xlogy(sub(a, scalar_like(a, 1)), x), x), lgamma(a)))


def igamma_grad_a_kernel(a: Any, x: Any) -> np.ndarray:
    """``dP(a, x) / da`` in float64: the series and the continued fraction differentiated
    in ``a`` (dual numbers); 0 at ``x = 0`` and ``x = inf``, nan outside the domain."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    valid = (a > 0) & (x >= 0)
    regular = valid & (x > 0) & np.isfinite(x) & np.isfinite(a)
    a_r, x_r = np.where(regular, a, 1.0), np.where(regular, x, 1.0)
    by_series = x_r < a_r + 1.0
    a_s, x_s = np.where(by_series, a_r, 1.0), np.where(by_series, x_r, 0.5)
    a_f, x_f = np.where(by_series, 1.0, a_r), np.where(by_series, 3.0, x_r)
    with np.errstate(all="ignore"):
        total = _lower_sum(Dual(a_s, 1.0), x_s)
        p = np.exp(_log_prefactor(a_s, x_s) + np.log(total.v) - np.log(a_s))
        dp = p * (np.log(x_s) - polygamma_kernel(0, a_s + 1.0) + total.d / total.v)
        h = _fraction(Dual(a_f, 1.0), x_f)
        front = np.exp(_log_prefactor(a_f, x_f))
        dq = front * (h.v * (np.log(x_f) - polygamma_kernel(0, a_f)) + h.d)
    out: np.ndarray = np.where(regular, np.where(by_series, dp, -dq), np.where(valid, 0.0, np.nan))
    return out


def igamma_grad_a(a: Any, x: Any) -> Any:
    """The derivative of ``igamma(a, x)`` in ``a``, elementwise (JAX's ``igamma_grad_a``);
    differentiable in ``x`` (not again in ``a``).

    >>> igamma_grad_a(np.array([1.0]), np.array([1.0]))
    array([-0.43172971])
    """
    return igamma_grad_a_p.bind(a, x)


def _no_second_a_derivative(t: Any, a: Any, x: Any) -> Any:
    raise NotImplementedError(
        "igamma_grad_a: the second derivative of gammainc with respect to the shape "
        "parameter a is not implemented; differentiate once in a, or hold a fixed (for "
        "example with stop_gradient)."
    )


def igamma(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function P(a, x), elementwise.

    >>> igamma(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    array([0.63212056, 0.80085173])
    """
    return igamma_p.bind(a, x)


def igammac(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise,
    accurate in relative terms where it is tiny.

    >>> igammac(np.array([1.0, 2.0]), np.array([1.0, 50.0]))
    array([3.67879441e-01, 9.83662422e-21])
    """
    return igammac_p.bind(a, x)


igamma_p = Primitive("igamma")
igamma_p.def_impl(_impl(upper=False))
igamma_p.def_abstract_eval(broadcasting_abstract_eval("igamma"))
defjvp(
    igamma_p, lambda t, a, x: mul(t, igamma_grad_a(a, x)), lambda t, a, x: mul(t, _density(a, x))
)
defbroadcasting(igamma_p)

igammac_p = Primitive("igammac")
igammac_p.def_impl(_impl(upper=True))
igammac_p.def_abstract_eval(broadcasting_abstract_eval("igammac"))
defjvp(
    igammac_p,
    lambda t, a, x: neg(mul(t, igamma_grad_a(a, x))),
    lambda t, a, x: neg(mul(t, _density(a, x))),
)
defbroadcasting(igammac_p)

igamma_grad_a_p = Primitive("igamma_grad_a")
igamma_grad_a_p.def_impl(lambda a, x: igamma_grad_a_kernel(a, x).astype(np.result_type(a, x))[()])
igamma_grad_a_p.def_abstract_eval(broadcasting_abstract_eval("igamma_grad_a"))
# d/dx dP/da = d/da (x^(a-1) e^-x / Gamma(a)) = that density times (log x - digamma(a)).
defjvp(
    igamma_grad_a_p,
    _no_second_a_derivative,
    lambda t, a, x: mul(t, mul(_density(a, x), sub(log(x), digamma(a)))),
)
defbroadcasting(igamma_grad_a_p)
