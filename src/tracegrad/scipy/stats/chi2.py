"""``tracegrad.scipy.stats.chi2``: the chi-squared distribution, as ``jax.scipy.stats.chi2``
(the gamma distribution with shape ``df / 2`` and scale ``2 scale``)."""

from __future__ import annotations

from typing import Any

import tracegrad.numpy as uf
from tracegrad.scipy.stats import gamma
from tracegrad.scipy.stats._common import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density, ``gamma.logpdf(x, df / 2, loc, 2 scale)``; -inf below ``loc``.

    >>> logpdf(np.array([-1.0, 0.0, 1.0]), 2.0)
    array([       -inf, -0.69314718, -1.19314718])
    """
    x, df, loc, scale = promote(x, df, loc, scale)
    return gamma.logpdf(x, uf.multiply(0.5, df), loc, uf.multiply(2.0, scale))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([1.0]), 3.0)
    array([0.24197072])
    """
    return uf.exp(logpdf(x, df, loc, scale))
