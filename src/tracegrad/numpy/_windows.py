"""Window functions (``bartlett``, ``blackman``, ``hamming``, ``hanning``, ``kaiser``) and
the modified Bessel function ``i0``.

The windows depend on their length only, so they are NumPy's arrays (constants in a traced
program); ``kaiser`` with a traced ``beta`` is composed from ``i0``. ``i0`` is composed: its
power series below 30 and its asymptotic expansion above (both to float64 rounding), so it
has derivatives of every order (the first is ``i1``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete_int, operand
from tracegrad.numpy._ufuncs import absolute, where
from tracegrad.numpy._ufuncs_math import exp, sqrt
from tracegrad.numpy.frontend import numpy_when_eager, promote_inexact

_SERIES_TERMS = 80  # (x/2)**(2k) / (k!)**2 is below 1e-40 of the sum for |x| < 30, k = 80
_ASYMPTOTIC_TERMS = 20  # the expansion's terms fall below 1e-17 for x >= 30 by then
_SWITCH = 30.0

# Coefficients of the power series in y = x**2 / 4: 1 / (k!)**2.
_SERIES = [1.0]
for _k in range(1, _SERIES_TERMS):
    _SERIES.append(_SERIES[-1] / (_k * _k))
# Of the asymptotic expansion in t = 1 / x: ((2k-1)!!)**2 / (k! 8**k).
_ASYMPTOTIC = [1.0]
for _k in range(1, _ASYMPTOTIC_TERMS):
    _ASYMPTOTIC.append(_ASYMPTOTIC[-1] * (2 * _k - 1) ** 2 / (_k * 8))


def _horner(coefficients: list[float], t: Any) -> Any:
    acc: Any = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        acc = acc * t + c
    return acc


@numpy_when_eager(np.i0)
def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 0, elementwise.

    >>> i0(np.array([0.0, 1.0])).round(6)
    array([1.      , 1.266066])
    """
    (v,) = promote_inexact(operand(x))
    if get_aval(v).dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    a = absolute(v)
    small = a < _SWITCH
    # Each branch sees a harmless stand-in where the other is taken, so no inf or nan
    # reaches the derivative of the branch not taken.
    xs = where(small, v, 0.0)
    xl = where(small, _SWITCH, a)
    series = _horner(_SERIES, xs * xs / 4)
    asymptotic = exp(xl) / sqrt(2 * np.pi * xl) * _horner(_ASYMPTOTIC, 1 / xl)
    return where(small, series, asymptotic)


def _length(M: Any) -> int:
    return concrete_int(M, "the window length M")


def bartlett(M: Any) -> np.ndarray:
    """The Bartlett (triangular) window of ``M`` points.

    >>> bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    return np.bartlett(_length(M))


def blackman(M: Any) -> np.ndarray:
    """The Blackman window of ``M`` points.

    >>> blackman(3).round(6)
    array([-0.,  1., -0.])
    """
    return np.blackman(_length(M))


def hamming(M: Any) -> np.ndarray:
    """The Hamming window of ``M`` points.

    >>> hamming(3)
    array([0.08, 1.  , 0.08])
    """
    return np.hamming(_length(M))


def hanning(M: Any) -> np.ndarray:
    """The Hann window of ``M`` points.

    >>> hanning(3)
    array([0., 1., 0.])
    """
    return np.hanning(_length(M))


def kaiser(M: Any, beta: Any) -> Any:
    """The Kaiser window of ``M`` points with shape parameter ``beta`` (differentiable in
    ``beta``).

    >>> kaiser(3, 0.0)
    array([1., 1., 1.])
    """
    m = _length(M)
    if not isinstance(beta, Tracer):
        return np.kaiser(m, beta)
    if m < 1:
        return np.array([])
    if m == 1:
        return np.ones(1)
    n = np.arange(m)
    alpha = (m - 1) / 2.0
    b = operand(beta).astype(np.float64)
    return i0(b * np.sqrt(1 - ((n - alpha) / alpha) ** 2)) / i0(b)
