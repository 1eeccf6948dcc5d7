"""The regularized incomplete beta function ``I_x(a, b)`` (SciPy's ``betainc``) as a
primitive: a NumPy float64 kernel (Lentz's continued fraction, on the side of the mean where
it converges fast) and the derivative in ``x``; the derivatives in ``a`` and ``b`` are not
implemented (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Primitive
from tracegrad.ops.combinators import defbroadcasting, defjvp
from tracegrad.ops.elementwise import add, exp, mul, scalar_like, sub
from tracegrad.ops.rules import broadcasting_abstract_eval
from tracegrad.ops.special import lgamma, lgamma_kernel, xlogy

__all__ = ["ibeta"]

_MAX_TERMS = 5000
_TINY = 1e-300


def _nonzero(v: np.ndarray) -> np.ndarray:
    return np.where(np.abs(v) < _TINY, _TINY, v)


def _fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction of ``I_x(a, b) * a B(a, b) / (x^a (1 - x)^b)``."""
    c = np.ones_like(x)
    d: np.ndarray = 1.0 / _nonzero(1.0 - (a + b) * x / (a + 1.0))
    h: np.ndarray = d.copy()
    done = np.zeros(x.shape, bool)
    for m in range(1, _MAX_TERMS):
        even = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        step = np.ones_like(x)
        for coef in (even, odd):
            d = 1.0 / _nonzero(1.0 + coef * d)
            c = _nonzero(1.0 + coef / c)
            step = d * c
            # Converged entries stay put: steps of 1 +- 1 ulp would make them drift while
            # others converge.
            h = np.where(done, h, h * step)
        done |= np.abs(step - 1.0) <= 1e-16
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


def ibeta_kernel(a: Any, b: Any, x: Any) -> np.ndarray:
    """``I_x(a, b)`` in float64: 0 at ``x = 0``, 1 at ``x = 1``, nan for ``x`` outside
    [0, 1] or ``a, b`` not positive."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    inner = valid & (x > 0) & (x < 1) & np.isfinite(a) & np.isfinite(b)
    a_i, b_i, x_i = (np.where(inner, v, 0.5) for v in (a, b, x))
    direct = x_i < (a_i + 1.0) / (a_i + b_i + 2.0)
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


def _not_in_shape(t: Any, a: Any, b: Any, x: Any) -> Any:
    raise NotImplementedError(
        "betainc: the derivatives with respect to the shape parameters a and b are not "
        "implemented; differentiate with respect to x only, or hold a and b fixed (for "
        "example with stop_gradient)."
    )


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
defjvp(ibeta_p, _not_in_shape, _not_in_shape, lambda t, a, b, x: mul(t, _density(a, b, x)))
defbroadcasting(ibeta_p)
