"""``tracegrad.scipy.stats.multivariate_normal``: the multivariate normal distribution, as
``jax.scipy.stats.multivariate_normal`` (``cov`` a scalar, or ``(..., n, n)`` factored by
Cholesky)."""

from __future__ import annotations

import math
from typing import Any as _Any

import numpy as np

import tracegrad.numpy as uf
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import promote as _promote

_LOG_2PI = math.log(2 * math.pi)


def _whitened(d: _Any, cov: _Any) -> tuple[_Any, _Any]:
    """``(L^-1 d, sum(log(diag(L))))`` with ``L = cholesky(cov)``, batch axes broadcast."""
    d_shape, c_shape = _get_aval(d).shape, _get_aval(cov).shape
    batch = np.broadcast_shapes(d_shape[:-1], c_shape[:-2])
    n = d_shape[-1]
    chol = uf.broadcast_to(uf.linalg.cholesky(cov), (*batch, n, n))
    d = uf.broadcast_to(d, (*batch, n))
    y = uf.linalg.solve(chol, d[..., None])[..., 0]
    half_logdet = uf.sum(uf.log(uf.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return y, half_logdet


def logpdf(x: _Any, mean: _Any, cov: _Any, allow_singular: None = None) -> _Any:
    """The log density ``-|L^-1 (x - mean)|**2 / 2 - n log(2 pi) / 2 - sum(log(diag(L)))``,
    ``L = cholesky(cov)``; a scalar ``cov`` is ``cov * I``; batch axes broadcast.

    >>> logpdf(np.array([1.0, 0.0]), np.zeros(2), np.array([[2.0, 0.5], [0.5, 1.0]]))
    np.float64(-2.4033992460913423)
    """
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = _promote(x, mean, cov)
    m_shape, c_shape = _get_aval(mean).shape, _get_aval(cov).shape
    d = uf.subtract(x, mean)
    if not m_shape:
        return uf.multiply(-0.5, uf.add(uf.divide(uf.square(d), cov), uf.log(cov) + _LOG_2PI))
    n = m_shape[-1]
    if not c_shape:
        quad = uf.divide(uf.sum(uf.square(d), axis=-1), cov)
        return uf.multiply(-0.5, uf.add(quad, uf.multiply(n, uf.log(cov) + _LOG_2PI)))
    if len(c_shape) < 2 or c_shape[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    y, half_logdet = _whitened(d, cov)
    quad = uf.sum(uf.square(y), axis=-1)
    return uf.subtract(uf.multiply(-0.5, uf.add(quad, n * _LOG_2PI)), half_logdet)


def pdf(x: _Any, mean: _Any, cov: _Any) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]), np.array([0.0]), np.array([[1.0]]))
    np.float64(0.3989422804014327)
    """
    return uf.exp(logpdf(x, mean, cov))


__all__ = _public_names(globals())
