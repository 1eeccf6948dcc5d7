"""``tracegrad.scipy.stats.gamma``: the gamma distribution, as ``jax.scipy.stats.gamma``."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import keep_nan, promote, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``xlogy(a - 1, y) - y - gammaln(a) - log(scale)``, -inf below ``loc``.

    >>> logpdf(np.array([-1.0, 0.0, 2.0]), 2.0)
    array([       -inf,        -inf, -1.30685282])
    """
    x, a, loc, scale = promote(x, a, loc, scale)
    inside = uf.greater_equal(x, loc)
    y = uf.where(inside, standardize(x, loc, scale), 1.0)
    value = uf.subtract(sp.xlogy(uf.subtract(a, 1.0), y), y)
    value = uf.subtract(value, uf.add(sp.lgamma(a), uf.log(scale)))
    return keep_nan(x, uf.where(inside, value, -uf.inf))


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([1.0]), 1.0)
    array([0.36787944])
    """
    return uf.exp(logpdf(x, a, loc, scale))
