"""``tracegrad.scipy.stats.t``: Student's t distribution, as ``jax.scipy.stats.t``."""

from __future__ import annotations

import math
from typing import Any

import tracegrad.numpy as uf
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import promote, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log density ``gammaln((df + 1) / 2) - gammaln(df / 2) - log(df pi) / 2 -
    log(scale) - (df + 1) / 2 * log1p(y**2 / df)``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, 3.0]), 4.0)
    array([-0.98082925, -3.92746674])
    """
    x, df, loc, scale = promote(x, df, loc, scale)
    y = standardize(x, loc, scale)
    half_df = uf.multiply(0.5, df)
    half_df1 = uf.add(half_df, 0.5)
    norm = uf.add(
        uf.subtract(sp.lgamma(half_df), sp.lgamma(half_df1)),
        uf.add(uf.multiply(0.5, uf.log(uf.multiply(math.pi, df))), uf.log(scale)),
    )
    tail = uf.multiply(half_df1, uf.log1p(uf.divide(uf.square(y), df)))
    return uf.negative(uf.add(norm, tail))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]), 1.0)
    array([0.31830989])
    """
    return uf.exp(logpdf(x, df, loc, scale))
