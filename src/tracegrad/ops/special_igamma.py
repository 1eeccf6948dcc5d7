"""The regularized incomplete gamma functions as primitives: ``igamma`` (P(a, x), SciPy's
``gammainc``) and ``igammac`` (Q(a, x) = 1 - P, ``gammaincc``), with NumPy float64 kernels
(series below ``x = a + 1``, continued fraction above) and the derivative in ``x``; the
derivative in ``a`` is not implemented (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops.combinators import defbroadcasting, defjvp
from tracegrad.ops.elementwise import exp, mul, neg, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval
from tracegrad.ops.special import lgamma, lgamma_kernel, xlogy

__all__ = ["igamma", "igammac"]

_MAX_TERMS = 5000
_TINY = 1e-300


def _log_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log(x**a exp(-x) / Gamma(a))``."""
    out: np.ndarray = a * np.log(x) - x - lgamma_kernel(a)
    return out


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))."""
    term = np.ones_like(x)
    total = np.ones_like(x)
    denom = a.copy()
    for _ in range(_MAX_TERMS):
        denom = denom + 1.0
        term = term * x / denom
        total = total + term
        if np.all(np.abs(term) <= np.abs(total) * 1e-17):
            break
    out: np.ndarray = np.exp(_log_prefactor(a, x) + np.log(total) - np.log(a))
    return out


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by Lentz's method on the continued fraction
    ``1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))``."""
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / np.where(b == 0, _TINY, b)
    h = d.copy()
    done = np.zeros(x.shape, bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        step = d * c
        h = np.where(done, h, h * step)  # converged entries stay put (no drift by ulps)
        done |= np.abs(step - 1.0) <= 1e-16
        if np.all(done):
            break
    out: np.ndarray = np.exp(_log_prefactor(a, x)) * h
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


def _no_a_derivative(name: str) -> Any:
    def rule(t: Any, a: Any, x: Any) -> Any:
        raise NotImplementedError(
            f"{name}: the derivative with respect to the shape parameter a is not "
            "implemented (JAX's igamma_grad_a); differentiate with respect to x only, or "
            "hold a fixed (for example with stop_gradient)."
        )

    return rule


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
defjvp(igamma_p, _no_a_derivative("gammainc"), lambda t, a, x: mul(t, _density(a, x)))
defbroadcasting(igamma_p)

igammac_p = Primitive("igammac")
igammac_p.def_impl(_impl(upper=True))
igammac_p.def_abstract_eval(broadcasting_abstract_eval("igammac"))
defjvp(igammac_p, _no_a_derivative("gammaincc"), lambda t, a, x: neg(mul(t, _density(a, x))))
defbroadcasting(igammac_p)
