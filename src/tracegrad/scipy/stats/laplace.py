"""``tracegrad.scipy.stats.laplace``: the Laplace distribution, as ``jax.scipy.stats.laplace``."""

from __future__ import annotations

from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``-|y| - log(2 scale)``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, -2.0]))
    array([-0.69314718, -2.69314718])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    return uf.negative(uf.add(uf.abs(y), uf.log(uf.multiply(2.0, scale))))


def pdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]))
    array([0.5])
    """
    return uf.exp(logpdf(x, loc, scale))


def cdf(x: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The distribution function: ``exp(y) / 2`` for ``y <= 0``, ``1 - exp(-y) / 2`` above.

    >>> cdf(np.array([-1.0, 0.0, 1.0]))
    array([0.18393972, 0.5       , 0.81606028])
    """
    x, loc, scale = _promote(x, loc, scale)
    y = _standardize(x, loc, scale)
    lower = uf.less_equal(y, 0)
    # Each branch on its own side (not on -|y|, whose slope at 0 is 0), so the slope at 0 is 1/2.
    below = uf.multiply(0.5, uf.exp(uf.where(lower, y, 0.0)))
    above = uf.subtract(1.0, uf.multiply(0.5, uf.exp(uf.negative(uf.where(lower, 0.0, y)))))
    return uf.where(lower, below, above)


__all__ = _public_names(globals())
