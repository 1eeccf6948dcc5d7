"""The regularized incomplete beta function ``I_x(a, b)`` (SciPy's ``betainc``) as a
primitive: a NumPy float64 kernel (Lentz's continued fraction, on the side of the mean where
it converges fast) and its derivatives: in ``x`` the beta density, in ``a`` and ``b`` the
primitive ``ibeta_grad`` (the continued fraction on dual numbers, docs/decisions.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops._dual import Dual, converged, value, where
from tracegrad.ops.combinators import defbroadcasting, defjvp
from tracegrad.ops.elementwise import add, exp, log, mul, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval
from tracegrad.ops.special import digamma, lgamma, lgamma_kernel, polygamma_kernel, xlogy

__all__ = ["ibeta", "ibeta_grad"]

_MAX_TERMS = 5000
_TINY = 1e-300


def _nonzero(v: Any) -> Any:
    return where(np.abs(value(v)) < _TINY, _TINY, v)


def _fraction(a: Any, b: Any, x: np.ndarray) -> Any:
    """The continued fraction of ``I_x(a, b) * a B(a, b) / (x^a (1 - x)^b)``; ``a`` or ``b``
    may be dual (ops/_dual.py)."""
    c: Any = np.ones_like(x)
    d = 1.0 / _nonzero(1.0 - (a + b) * x / (a + 1.0))
    h = d * 1.0
    done = np.zeros(x.shape, bool)
    for m in range(1, _MAX_TERMS):
        even = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        step: Any = np.ones_like(x)
        for coef in (even, odd):
            d = 1.0 / _nonzero(1.0 + coef * d)
            c = _nonzero(1.0 + coef / c)
            step = d * c
            # Converged entries stay put: steps of 1 +- 1 ulp would make them drift while
            # others converge.
            h = where(done, h, h * step)
        done |= converged(step, h)
        if np.all(done):
            break
    return h


def _lower(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    log_front = (
        a * np.log(x) + b * np.log1p(-x) - (lgamma_kernel(a) + lgamma_kernel(b))
        + lgamma_kernel(a + b)
    )  # fmt: skip
    out: np.ndarray = np.exp(log_front) * _fraction(a, b, x) / a
    return out


def _domain(a: Any, b: Any, x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, Any]:
    """``x`` in float64, the masks of the domain and of its interior, ``a, b, x`` with 0.5
    outside the interior, and where the direct fraction converges (else the mirrored)."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    inner = valid & (x > 0) & (x < 1) & np.isfinite(a) & np.isfinite(b)
    a_i, b_i, x_i = (np.where(inner, v, 0.5) for v in (a, b, x))
    direct = x_i < (a_i + 1.0) / (a_i + b_i + 2.0)
    return x, valid, inner, (a_i, b_i, x_i), direct


def ibeta_kernel(a: Any, b: Any, x: Any) -> np.ndarray:
    """``I_x(a, b)`` in float64: 0 at ``x = 0``, 1 at ``x = 1``, nan for ``x`` outside
    [0, 1] or ``a, b`` not positive."""
    x, valid, inner, (a_i, b_i, x_i), direct = _domain(a, b, x)
    with np.errstate(all="ignore"):
        low = _lower(np.where(direct, a_i, 1.0), np.where(direct, b_i, 1.0), x_i)
        mirrored = 1.0 - _lower(np.where(direct, 1.0, b_i), np.where(direct, 1.0, a_i), 1.0 - x_i)
    value = np.where(direct, low, mirrored)
    out: np.ndarray = np.where(inner, value, np.where(valid, np.where(x > 0, 1.0, 0.0), np.nan))
    return out


def _density(a: Any, b: Any, x: Any) -> Any:
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``, the derivative of ``I_x(a, b)`` in ``x``."""
    one = scalar_like(x, 1)
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    log_kernel = add(xlogy(sub(a, one), x), xlogy(sub(b, one), sub(one, x)))
    return exp(sub(log_kernel, log_beta))


def _lower_grad(p: np.ndarray, q: np.ndarray, y: np.ndarray, y_c: np.ndarray, first: bool) -> Any:
    """The derivative of ``I_y(p, q)`` (by the direct continued fraction; ``y_c = 1 - y``
    exactly) in ``p`` if ``first``, else in ``q``."""
    seed = (Dual(p, 1.0), q) if first else (p, Dual(q, 1.0))
    h = _fraction(seed[0], seed[1], y)
    psi_pq = polygamma_kernel(0, p + q)
    log_value = (
        p * np.log(y) + q * np.log(y_c) - (lgamma_kernel(p) + lgamma_kernel(q))
        + lgamma_kernel(p + q) - np.log(p) + np.log(h.v)
    )  # fmt: skip
    if first:
        slope = np.log(y) - polygamma_kernel(0, p) + psi_pq - 1.0 / p
    else:
        slope = np.log(y_c) - polygamma_kernel(0, q) + psi_pq
    return np.exp(log_value) * (slope + h.d / h.v)


def ibeta_grad_kernel(a: Any, b: Any, x: Any, wrt: int) -> np.ndarray:
    """The derivative of ``I_x(a, b)`` in ``a`` (``wrt = 0``) or ``b`` (1), in float64; 0 at
    ``x = 0`` and ``x = 1``, nan outside the domain."""
    _, valid, inner, (a_i, b_i, x_i), direct = _domain(a, b, x)
    with np.errstate(all="ignore"):
        a_d, b_d, x_d = (np.where(direct, v, 0.5) for v in (a_i, b_i, x_i))
        low = _lower_grad(a_d, b_d, x_d, 1.0 - x_d, first=wrt == 0)
        # I_x(a, b) = 1 - I_(1-x)(b, a): a is the mirrored function's second parameter.
        a_m, b_m, x_m = (np.where(direct, 0.5, v) for v in (a_i, b_i, x_i))
        mirrored = -_lower_grad(b_m, a_m, 1.0 - x_m, x_m, first=wrt == 1)
    out: np.ndarray = np.where(inner, np.where(direct, low, mirrored), np.where(valid, 0.0, np.nan))
    return out


def ibeta_grad(a: Any, b: Any, x: Any, wrt: int) -> Any:
    """The derivative of ``ibeta(a, b, x)`` in ``a`` (``wrt=0``) or ``b`` (``wrt=1``),
    elementwise; differentiable in ``x`` (not again in ``a`` or ``b``).

    >>> ibeta_grad(np.array([2.0]), np.array([3.0]), np.array([0.4]), wrt=0)
    array([-0.24086938])
    """
    return ibeta_grad_p.bind(a, b, x, wrt=wrt)


def _no_second_shape_derivative(t: Any, a: Any, b: Any, x: Any, *, wrt: int) -> Any:
    raise NotImplementedError(
        "ibeta_grad: second derivatives of betainc with respect to the shape parameters a "
        "and b are not implemented; differentiate once in a or b, or hold them fixed (for "
        "example with stop_gradient)."
    )


def _grad_x_slope(t: Any, a: Any, b: Any, x: Any, *, wrt: int) -> Any:
    # d/dx dI/da = d/da (beta density) = density (log x - digamma(a) + digamma(a + b)), and
    # likewise in b with log(1 - x).
    one = scalar_like(x, 1)
    log_part = log(x) if wrt == 0 else log(sub(one, x))
    slope = add(sub(log_part, digamma(a if wrt == 0 else b)), digamma(add(a, b)))
    return mul(t, mul(_density(a, b, x), slope))


def ibeta(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)``, elementwise.

    >>> ibeta(np.array([2.0]), np.array([3.0]), np.array([0.4]))
    array([0.5248])
    """
    return ibeta_p.bind(a, b, x)


def _impl(a: Any, b: Any, x: Any) -> Any:
    dtype = np.result_type(*(np.asarray(v).dtype for v in (a, b, x)))
    return ibeta_kernel(a, b, x).astype(dtype)[()]


ibeta_p = Primitive("ibeta")
ibeta_p.def_impl(_impl)
ibeta_p.def_abstract_eval(broadcasting_abstract_eval("ibeta"))
defjvp(
    ibeta_p,
    lambda t, a, b, x: mul(t, ibeta_grad(a, b, x, 0)),
    lambda t, a, b, x: mul(t, ibeta_grad(a, b, x, 1)),
    lambda t, a, b, x: mul(t, _density(a, b, x)),
)
defbroadcasting(ibeta_p)

ibeta_grad_p = Primitive("ibeta_grad")
ibeta_grad_p.def_impl(
    lambda a, b, x, *, wrt: ibeta_grad_kernel(a, b, x, wrt).astype(np.result_type(a, b, x))[()]
)
ibeta_grad_p.def_abstract_eval(broadcasting_abstract_eval("ibeta_grad"))
defjvp(ibeta_grad_p, _no_second_shape_derivative, _no_second_shape_derivative, _grad_x_slope)
defbroadcasting(ibeta_grad_p)
