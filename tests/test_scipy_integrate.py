"""tracegrad.scipy.integrate: trapezoid and cumulative_trapezoid, known values, SciPy, grads."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.scipy.integrate as tsi
from tracegrad.test_util import check_grads

RNG = np.random.default_rng(3)
Y = RNG.standard_normal((3, 5))
X = np.sort(RNG.standard_normal(5))
X2 = np.sort(RNG.standard_normal((3, 5)), axis=1)


def test_known_values() -> None:
    assert tsi.trapezoid(np.array([1.0, 2.0, 3.0])) == 4.0
    assert tsi.trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5) == 2.0
    assert tsi.trapezoid(np.array([1.0, 1.0]), x=np.array([2.0, 5.0])) == 3.0
    np.testing.assert_array_equal(tsi.cumulative_trapezoid(np.ones(4), initial=0), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="initial"):
        tsi.cumulative_trapezoid(np.ones(4), initial=1)


def test_against_scipy() -> None:
    si = pytest.importorskip("scipy.integrate")
    for axis in (0, 1, -1):
        np.testing.assert_allclose(
            tsi.trapezoid(Y, dx=0.3, axis=axis), si.trapezoid(Y, dx=0.3, axis=axis)
        )
        np.testing.assert_allclose(
            tsi.cumulative_trapezoid(Y, dx=0.3, axis=axis, initial=0),
            si.cumulative_trapezoid(Y, dx=0.3, axis=axis, initial=0),
        )
    np.testing.assert_allclose(tsi.trapezoid(Y, X), si.trapezoid(Y, X))
    np.testing.assert_allclose(tsi.trapezoid(Y, X2), si.trapezoid(Y, X2))
    np.testing.assert_allclose(tsi.trapezoid(Y.T, X2.T, axis=0), si.trapezoid(Y.T, X2.T, axis=0))
    np.testing.assert_allclose(tsi.cumulative_trapezoid(Y, X2), si.cumulative_trapezoid(Y, X2))


def test_derivatives_jit_vmap() -> None:
    check_grads(lambda y, x: tsi.trapezoid(y, x), (Y, X), order=2)
    check_grads(lambda y, x: tsi.cumulative_trapezoid(y, x, axis=0), (Y, X2), order=2)
    np.testing.assert_allclose(tg.jit(tsi.trapezoid)(Y), tsi.trapezoid(Y))
    np.testing.assert_allclose(tg.vmap(tsi.trapezoid)(Y), tsi.trapezoid(Y))
