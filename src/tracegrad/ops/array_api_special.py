"""The array-API implementations of the special functions that have one as accurate as
NumPy's: ``erf`` and ``erfc``, by the NumPy implementation's own algorithm (``ops/special.py``:
the same Chebyshev tables and continued fraction, evaluated in the same order, so the same
float64 bits on every library whose elementwise functions are correctly rounded as NumPy's).

The other special functions (``lgamma``, ``digamma``, the incomplete gamma and beta
functions, ``erfinv``, Bessel, zeta, ...) stay NumPy-only: their NumPy implementations loop
until each element converges (boolean-mask assignment in place, a data-dependent number of
turns), which the standard cannot express without computing the data at each turn, and a
short rational or series form would not be accurate to NumPy's values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.backend.namespace import NamespaceRule
from tracegrad.core import Primitive
from tracegrad.ops import elementwise_transcendental as et
from tracegrad.ops import special


def clenshaw(xp: Any, rows: Sequence[Any], t: Any) -> Any:
    """The Chebyshev series with coefficients ``rows`` (highest degree first: numbers, or
    arrays of one coefficient per element) at ``t``, in the order of NumPy's ``chebval``
    (so its bits).

    >>> import numpy as np
    >>> c = [0.5, -1.0, 2.0]
    >>> bool(clenshaw(np, c, np.float64(0.3)) == np.polynomial.chebyshev.chebval(0.3, c[::-1]))
    True
    """
    t2 = 2 * t
    c1, c0 = rows[0], rows[1]
    for row in rows[2:]:
        c0, c1 = row - c1, c0 + c1 * t2
    return c0 + c1 * t


def chebyshev(xp: Any, series: Any, x: Any) -> Any:
    """A ``numpy.polynomial.Chebyshev`` at ``x``, as its ``__call__`` computes it (the domain
    mapped by ``off + scl * x``, then ``chebval``).

    >>> import numpy as np
    >>> c = np.polynomial.Chebyshev([1.0, 2.0, 3.0], domain=[1, 3])
    >>> bool(chebyshev(np, c, np.float64(2.5)) == c(2.5))
    True
    """
    off, scl = map(float, series.mapparms())
    return clenshaw(xp, [float(c) for c in series.coef[::-1]], off + scl * x)


def _erf64(xp: Any, x: Any) -> Any:
    """``special.erf_kernel`` with ``xp``: x * (erf(x) / x) below 1, a piece of erf on each
    interval between the edges, 1 from the last edge on."""
    ax = xp.abs(x)
    table, offset, scale = special._erf_table()
    edges = special._ERF_EDGES
    which = xp.zeros(x.shape, dtype=xp.int64)
    for e in edges[:-1]:  # searchsorted(edges[:-1], ax, side="right") where it matters
        which = which + xp.astype(ax >= e, xp.int64)
    inside = ax < edges[-1]
    which = xp.reshape(xp.where(inside, which, xp.zeros_like(which)), (-1,))

    def column(values: Any) -> Any:
        return xp.reshape(xp.take(xp.asarray(values, dtype=xp.float64), which), x.shape)

    t = column(offset) + column(scale) * xp.where(inside, ax, xp.zeros_like(ax))
    values = clenshaw(xp, [column(row) for row in table], t)
    out = xp.where(xp.reshape(which == 0, x.shape), x * values, xp.copysign(values, x))
    out = xp.where(inside, out, xp.copysign(xp.ones_like(x), x))
    return xp.where(xp.isnan(x), xp.full_like(x, float("nan")), out)


def _erfcx64(xp: Any, a: Any) -> Any:
    """``special._erfcx_nonneg`` with ``xp`` (finite ``a >= 0``): each interval's series
    and the continued fraction, each on the elements it covers."""
    out = xp.zeros_like(a)
    for k, piece in enumerate(special._erfcx_pieces()):
        inside = (a >= k) & (a < k + 1)
        out = xp.where(inside, chebyshev(xp, piece, a), out)
    far = a >= special._ERFCX_CF_FROM
    z = xp.where(far, a, xp.full_like(a, special._ERFCX_CF_FROM))
    t = z
    for n in range(special._ERFCX_CF_DEPTH, 0, -1):
        t = z + (0.5 * n) / t
    return xp.where(far, 1.0 / (special._SQRT_PI * t), out)


def _erfc64(xp: Any, x: Any) -> Any:
    """``special.erfc_kernel`` with ``xp``: exp(-a^2) erfcx(a), without rounding a^2."""
    a = xp.abs(x)
    live = a < special._ERFC_ZERO_FROM
    al = xp.where(live, a, xp.zeros_like(a))
    h = xp.round(al * 1024) / 1024
    scaled = _erfcx64(xp, al)
    scaled = scaled + scaled * xp.expm1(-(al - h) * (al + h))
    tail = scaled * xp.exp(-h * h)
    far = xp.where(x < 0, xp.full_like(x, 2.0), xp.zeros_like(x))
    out = xp.where(live, xp.where(x < 0, 2.0 - tail, tail), far)
    return xp.where(xp.isnan(x), xp.full_like(x, float("nan")), out)


def _erf_solve(xp: Any, a: Any, c: Any) -> Any:
    """``special._erf_solve`` with ``xp``: Winitzki's approximation, then five Newton steps
    on erf (on log erfc in the tail), with the erf and erfc above."""
    log_term = xp.log(c * (1.0 + a))
    k = 0.147
    b = 2.0 / (math.pi * k) + log_term / 2.0
    y = xp.sqrt(xp.sqrt(b * b - log_term / k) - b)
    tail = a >= 0.5
    log_c = xp.log(xp.where(tail, c, xp.ones_like(c)))
    for _ in range(5):
        slope = (2.0 / special._SQRT_PI) * xp.exp(-y * y)
        y_tail = xp.minimum(y, xp.full_like(y, 27.0))
        tail_c = _erfc64(xp, y_tail)
        step_tail = (
            (xp.log(tail_c) - log_c) * tail_c / (2.0 / special._SQRT_PI) / xp.exp(-y_tail * y_tail)
        )
        y = xp.where(tail, y_tail + step_tail, y - (_erf64(xp, y) - a) / slope)
    return xp.where(a == 0.0, xp.zeros_like(y), y)


def _at_the_ends(xp: Any, inside: Any, y: Any, ends: Any) -> Any:
    """``y`` inside the domain, inf at its ends, nan beyond."""
    edge = xp.where(ends, xp.full_like(y, math.inf), xp.full_like(y, math.nan))
    return xp.where(inside, y, edge)


def _erfinv64(xp: Any, x: Any) -> Any:
    a = xp.abs(x)
    inside = a < 1.0
    y = _erf_solve(
        xp, xp.where(inside, a, xp.zeros_like(a)), xp.where(inside, 1.0 - a, xp.ones_like(a))
    )
    return xp.copysign(_at_the_ends(xp, inside, y, a == 1.0), x)


def _erfcinv64(xp: Any, x: Any) -> Any:
    upper = x <= 1.0
    a = xp.where(upper, 1.0 - x, x - 1.0)
    c = xp.where(upper, x, 2.0 - x)
    inside = (x > 0.0) & (x < 2.0)
    y = _erf_solve(xp, xp.where(inside, a, xp.zeros_like(a)), xp.where(inside, c, xp.ones_like(c)))
    out = _at_the_ends(xp, inside, y, (x == 0.0) | (x == 2.0))
    return xp.where(upper, out, -out)


def in_float64(kernel: Callable[[Any, Any], Any]) -> NamespaceRule:
    """The rule that runs a float64 kernel and gives its result the dtype of the argument,
    as the NumPy implementation does.

    >>> import numpy as np
    >>> in_float64(lambda xp, x: x / 3.0)(np, np.ones(1, np.float32))
    array([0.33333334], dtype=float32)
    """

    def rule(xp: Any, x: Any) -> Any:
        return xp.astype(kernel(xp, xp.astype(x, xp.float64)), x.dtype)

    return rule


def _sinc_taylor(xp: Any, x: Any, *, k: int) -> Any:
    return xp.full(x.shape, et._sinc_taylor_value(k), dtype=x.dtype)


SPECIAL_RULES: dict[Primitive, NamespaceRule] = {
    special.erf_p: in_float64(_erf64),
    special.erfc_p: in_float64(_erfc64),
    special.erfinv_p: in_float64(_erfinv64),
    special.erfcinv_p: in_float64(_erfcinv64),
    et.sinc_taylor_p: _sinc_taylor,
}
