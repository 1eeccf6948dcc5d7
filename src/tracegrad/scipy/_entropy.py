"""The information-theory functions of ``tracegrad.scipy.special`` (``xlog1py``, ``entr``,
``rel_entr``, ``kl_div``), composed from log/log1p/xlogy with stand-ins where a branch is not
taken, so derivatives stay finite (and 0) where a branch's value is a convention."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.numpy.frontend import promote_inexact


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0`` (unless ``y`` is nan); derivatives ``log1p(y)``
    and ``x / (1 + y)`` (0 for ``x`` at ``x == 0`` where ``y`` is -1 or below or inf).

    >>> xlog1py(np.array([0.0, 2.0, 0.0]), np.array([-1.0, 1e-20, 3.0]))
    array([0.e+00, 2.e-20, 0.e+00])
    """
    x, y = promote_inexact(x, y)
    # Only where x == 0 and log1p(y) is not finite does the product need the convention.
    regular = uf.logical_and(uf.greater(y, -1.0), uf.less(y, uf.inf))
    convention = uf.logical_and(uf.equal(x, 0), uf.logical_not(regular | uf.isnan(y)))
    return uf.multiply(x, uf.log1p(uf.where(convention, 0.0, y)))


def entr(x: Any) -> Any:
    """``-x * log(x)`` for ``x > 0``, 0 at 0, -inf below; derivative ``-log(x) - 1`` (0 at
    and below 0).

    >>> entr(np.array([0.5, 0.0, -1.0]))
    array([0.34657359, 0.        ,       -inf])
    """
    (x,) = promote_inexact(x)
    x_pos = uf.where(uf.less_equal(x, 0), 1.0, x)  # nan stays
    value = uf.negative(uf.multiply(x_pos, uf.log(x_pos)))
    return uf.where(uf.less(x, 0), -uf.inf, uf.where(uf.equal(x, 0), 0.0, value))


def _rel_entr_parts(p: Any, q: Any) -> tuple[Any, Any, Any]:
    """``(p log(p / q) with stand-ins, both positive, p == 0 and q >= 0)``."""
    both = uf.logical_and(uf.greater(p, 0), uf.greater(q, 0))
    zero_p = uf.logical_and(uf.equal(p, 0), uf.greater_equal(q, 0))
    p_s, q_s = uf.where(both, p, 1.0), uf.where(both, q, 1.0)
    return uf.multiply(p_s, uf.log(uf.divide(p_s, q_s))), both, zero_p


def rel_entr(p: Any, q: Any) -> Any:
    """``p * log(p / q)`` for ``p, q > 0``, 0 where ``p == 0 <= q``, inf elsewhere (nan for
    nan), as SciPy.

    >>> rel_entr(np.array([0.5, 0.0, 1.0]), np.array([0.25, 2.0, 0.0]))
    array([0.34657359, 0.        ,        inf])
    """
    p, q = promote_inexact(p, q)
    value, both, zero_p = _rel_entr_parts(p, q)
    other = uf.where(uf.isnan(p) | uf.isnan(q), uf.nan, uf.inf)
    return uf.where(both, value, uf.where(zero_p, 0.0, other))


def kl_div(p: Any, q: Any) -> Any:
    """``p * log(p / q) - p + q`` for ``p, q > 0``, ``q`` where ``p == 0 <= q``, inf
    elsewhere (nan for nan), as SciPy.

    >>> kl_div(np.array([0.5, 0.0, 1.0]), np.array([0.25, 2.0, -1.0]))
    array([0.09657359, 2.        ,        inf])
    """
    p, q = promote_inexact(p, q)
    value, both, zero_p = _rel_entr_parts(p, q)
    other = uf.where(uf.isnan(p) | uf.isnan(q), uf.nan, uf.inf)
    return uf.where(both, value - p + q, uf.where(zero_p, q, other))
