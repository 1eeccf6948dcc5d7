"""``tracegrad.scipy.stats.bernoulli``: the Bernoulli distribution, as
``jax.scipy.stats.bernoulli``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy._entropy import xlog1py as _xlog1py
from tracegrad.scipy.stats._common import off_integers as _off_integers
from tracegrad.scipy.stats._common import promote as _promote


def logpmf(k: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The log mass ``xlogy(k, p) + xlog1py(1 - k, -p)`` at ``k - loc`` in [0, 1], -inf
    elsewhere (and at non-integers, as SciPy).

    >>> logpmf(np.array([0.0, 1.0, 2.0]), 0.25)
    array([-0.28768207, -1.38629436,        -inf])
    """
    k, p, loc = _promote(k, p, loc)
    x = uf.subtract(k, loc)
    value = uf.add(sp.xlogy(x, p), _xlog1py(uf.subtract(1.0, x), uf.negative(p)))
    off = uf.logical_or(uf.logical_or(uf.less(x, 0), uf.greater(x, 1)), _off_integers(k))
    return uf.where(off, -uf.inf, value)


def pmf(k: _Any, p: _Any, loc: _Any = 0) -> _Any:
    """The mass, ``exp(logpmf)``.

    >>> pmf(np.array([0.0, 1.0]), 0.25)
    array([0.75, 0.25])
    """
    return uf.exp(logpmf(k, p, loc))


def _p_valid(p: _Any) -> _Any:
    return uf.logical_and(uf.greater_equal(p, 0), uf.less_equal(p, 1))


def cdf(k: _Any, p: _Any) -> _Any:
    """The distribution function: 0 below 0, ``1 - p`` on [0, 1), 1 from 1 (nan where ``p``
    is outside [0, 1]).

    >>> cdf(np.array([-1.0, 0.0, 0.5, 1.0]), 0.25)
    array([0.  , 0.75, 0.75, 1.  ])
    """
    k, p = _promote(k, p)
    value = uf.where(uf.less(k, 0), 0.0, uf.where(uf.less(k, 1), uf.subtract(1.0, p), 1.0))
    return uf.where(_p_valid(p), value, uf.nan)


def ppf(q: _Any, p: _Any) -> _Any:
    """The quantile function: 0 for ``q <= 1 - p``, 1 above (nan outside [0, 1]).

    >>> ppf(np.array([0.5, 0.9]), 0.25)
    array([0., 1.])
    """
    q, p = _promote(q, p)
    value = uf.where(uf.less_equal(q, uf.subtract(1.0, p)), 0.0, 1.0)
    valid = uf.logical_and(_p_valid(p), uf.logical_and(uf.greater_equal(q, 0), q <= 1))
    return uf.where(valid, value, uf.nan)


__all__ = _public_names(globals())
