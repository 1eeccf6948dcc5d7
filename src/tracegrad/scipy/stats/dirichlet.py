"""``tracegrad.scipy.stats.dirichlet``: the Dirichlet distribution, as
``jax.scipy.stats.dirichlet`` (the categories on axis 0 of ``x``)."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import promote as _promote


def logpdf(x: _Any, alpha: _Any) -> _Any:
    """The log density ``sum(xlogy(alpha - 1, x)) - sum(gammaln(alpha)) +
    gammaln(sum(alpha))`` on the simplex (all ``x > 0``, sum within 1e-6 of 1), -inf off it.
    ``x`` may leave out the last category (it is ``1 - sum(x)``); axis 0 holds the categories,
    later axes are a batch.

    >>> logpdf(np.array([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0]))
    array(1.5040774)
    """
    x, alpha = _promote(x, alpha)
    x_shape, a_shape = _get_aval(x).shape, _get_aval(alpha).shape
    if len(a_shape) != 1:
        raise ValueError(f"`alpha` must be one-dimensional; got alpha.shape={a_shape}")
    if not x_shape or x_shape[0] not in (a_shape[0], a_shape[0] - 1):
        raise ValueError(
            "`x` must have either the same number of entries as `alpha` "
            f"or one entry fewer; got x.shape={x_shape}, alpha.shape={a_shape}"
        )
    if x_shape[0] != a_shape[0]:
        last = uf.subtract(1.0, uf.sum(x, axis=0, keepdims=True))
        x = uf.concatenate([x, last], axis=0)
    norm = uf.subtract(uf.sum(sp.lgamma(alpha)), sp.lgamma(uf.sum(alpha)))
    a = uf.reshape(alpha, a_shape + (1,) * (len(x_shape) - 1))
    value = uf.subtract(uf.sum(sp.xlogy(uf.subtract(a, 1.0), x), axis=0), norm)
    total = uf.sum(x, axis=0)
    simplex = uf.logical_and(uf.all(uf.greater(x, 0), axis=0), uf.abs(total - 1.0) < 1e-6)
    return uf.where(simplex, value, -uf.inf)


def pdf(x: _Any, alpha: _Any) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> round(float(pdf(np.array([0.5, 0.5]), np.array([2.0, 2.0]))), 12)
    1.5
    """
    return uf.exp(logpdf(x, alpha))


__all__ = _public_names(globals())
