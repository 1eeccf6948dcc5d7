"""``tracegrad.scipy.stats.t``: Student's t distribution, as ``jax.scipy.stats.t``."""

from __future__ import annotations

import math
from typing import Any as _Any

import tracegrad.numpy as uf
from tracegrad.core.exports import public_names as _public_names
from tracegrad.ops import special as sp
from tracegrad.scipy.stats._common import promote as _promote
from tracegrad.scipy.stats._common import standardize as _standardize


def logpdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The log density ``gammaln((df + 1) / 2) - gammaln(df / 2) - log(df pi) / 2 -
    log(scale) - (df + 1) / 2 * log1p(y**2 / df)``, ``y = (x - loc) / scale``.

    >>> logpdf(np.array([0.0, 3.0]), 4.0)
    array([-0.98082925, -3.92746674])
    """
    x, df, loc, scale = _promote(x, df, loc, scale)
    y = _standardize(x, loc, scale)
    half_df = uf.multiply(0.5, df)
    half_df1 = uf.add(half_df, 0.5)
    norm = uf.add(
        uf.subtract(sp.lgamma(half_df), sp.lgamma(half_df1)),
        uf.add(uf.multiply(0.5, uf.log(uf.multiply(math.pi, df))), uf.log(scale)),
    )
    tail = uf.multiply(half_df1, uf.log1p(uf.divide(uf.square(y), df)))
    return uf.negative(uf.add(norm, tail))


def pdf(x: _Any, df: _Any, loc: _Any = 0, scale: _Any = 1) -> _Any:
    """The density, ``exp(logpdf)``.

    >>> pdf(np.array([0.0]), 1.0)
    array([0.31830989])
    """
    return uf.exp(logpdf(x, df, loc, scale))


__all__ = _public_names(globals())
