"""The array-API implementations of ``lgamma``, ``digamma`` and ``polygamma``: the NumPy
implementation's algorithm (``ops/special.py``) with the namespace's functions, element for
element the same operations in the same order.

The NumPy kernels shift each argument up by one until it reaches the asymptotic range
(``_ASYMPTOTIC_FROM``, 12) with masked assignment, as many turns as the smallest argument
needs. After reflection every argument is at least 0.5, so twelve turns always suffice:
here the twelve turns run on every element, each adding its term only where the element
is still below 12, which is what the masked turns do to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tracegrad.backend.namespace import NamespaceRule
from tracegrad.core import Primitive
from tracegrad.ops import special
from tracegrad.ops.array_api_special import chebyshev, in_float64

_TURNS = math.ceil(special._ASYMPTOTIC_FROM - 0.5)


def _shift_up(xp: Any, z: Any, term: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``special._shift_up`` for ``z >= 0.5``: the shifted arguments and the sum of the
    terms of the shifts."""
    acc = xp.zeros_like(z)
    for _ in range(_TURNS):
        low = z < special._ASYMPTOTIC_FROM
        acc = xp.where(low, acc + term(z), acc)
        z = xp.where(low, z + 1.0, z)
    return z, acc


def _reflection_split(xp: Any, x: Any) -> tuple[Any, Any, Any]:
    finite = xp.isfinite(x)
    zero = xp.zeros_like(x)
    r = xp.where(finite, x - xp.round(xp.where(finite, x, zero)), zero)
    pole = finite & (x <= 0) & (r == 0)
    return finite & (x < 0.5) & ~pole, pole, r


def _regular_arguments(xp: Any, x: Any) -> tuple[Any, Any, Any, Any, Any]:
    """The reflection masks and ``x - round(x)`` (where reflected), the finite non-pole
    elements, and the argument each is computed at (1 - x where reflected; 1 where not
    regular). What is not read holds harmless values: no division by zero to warn of."""
    reflect, pole, r = _reflection_split(xp, x)
    regular = xp.isfinite(x) & ~pole
    z = xp.where(regular, xp.where(reflect, 1.0 - x, x), xp.ones_like(x))
    r = xp.where(reflect, r, xp.full_like(r, 0.25))  # only reflected elements read it
    return reflect, pole, r, regular, z


def _lgamma_positive(xp: Any, z: Any) -> Any:
    below3 = z < 3.0
    small = z < 1.0
    base = xp.where(small, z + 1.0, z)
    vals = (base - 1) * (base - 2) * chebyshev(xp, special._lgamma_h(), base)
    near = xp.where(small, vals - xp.log(z), vals)
    zb, shifts = _shift_up(xp, xp.where(below3, xp.full_like(z, 3.0), z), xp.log)
    inv = 1.0 / zb
    series = sum(
        b / ((2 * k + 2) * (2 * k + 1)) * inv ** (2 * k + 1) for k, b in enumerate(special._b2k())
    )
    far = (zb - 0.5) * xp.log(zb) - zb + 0.5 * math.log(2 * math.pi) + series - shifts
    return xp.where(below3, near, far)


def _lgamma64(xp: Any, x: Any) -> Any:
    reflect, _, r, regular, z = _regular_arguments(xp, x)
    vals = _lgamma_positive(xp, z)
    reflected = special._LOG_PI - xp.log(xp.abs(xp.sin(math.pi * r))) - vals
    vals = xp.where(reflect, reflected, vals)
    edge = xp.where(xp.isnan(x), xp.full_like(x, math.nan), xp.full_like(x, math.inf))
    return xp.where(regular, vals, edge)


def _asymptotic(xp: Any, n: int, x: Any) -> Any:
    """``special._polygamma_asymptotic`` with ``xp``."""
    inv = 1.0 / x
    b2k = special._b2k()
    if n == 0:
        return (
            xp.log(x)
            - 0.5 * inv
            - sum(b / (2 * k + 2) * inv ** (2 * k + 2) for k, b in enumerate(b2k))
        )
    sign = (-1.0) ** (n + 1)
    total = math.factorial(n - 1) * inv**n + 0.5 * math.factorial(n) * inv ** (n + 1)
    for k, b in enumerate(b2k, start=1):
        coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        total = total + coef * inv ** (2 * k + n)
    return sign * total


def _polyval(xp: Any, coef: Any, x: Any) -> Any:
    """``numpy.polynomial.polynomial.polyval`` (Horner, in its order)."""
    c0 = float(coef[-1]) + x * 0
    for c in coef[-2::-1]:
        c0 = float(c) + c0 * x
    return c0


def _polygamma64(xp: Any, n: int, x: Any) -> Any:
    reflect, pole, r, regular, z = _regular_arguments(xp, x)
    sign = (-1.0) ** (n + 1)
    zs, acc = _shift_up(xp, z, (lambda t: -1.0 / t) if n == 0 else (lambda t: t ** -(n + 1.0)))
    vals = _asymptotic(xp, n, zs) + (acc if n == 0 else sign * math.factorial(n) * acc)
    cot = 1.0 / xp.tan(math.pi * r)
    q = special._cot_derivative_poly(n)
    reflected = (-1.0) ** n * vals - math.pi ** (n + 1) * _polyval(xp, q.coef, 0.0 + 1.0 * cot)
    vals = xp.where(reflect, reflected, vals)
    out = xp.where(regular, vals, xp.full_like(x, math.nan))
    out = xp.where(x == math.inf, xp.full_like(x, math.inf if n == 0 else 0.0), out)
    return xp.where(pole, xp.full_like(x, math.nan if n == 0 else sign * math.inf), out)


GAMMA_RULES: dict[Primitive, NamespaceRule] = {
    special.lgamma_p: in_float64(_lgamma64),
    special.digamma_p: in_float64(lambda xp, x: _polygamma64(xp, 0, x)),
    special.polygamma_p: lambda xp, x, *, n: in_float64(lambda xp, v: _polygamma64(xp, n, v))(
        xp, x
    ),
}
