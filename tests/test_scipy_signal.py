"""tg.scipy.signal: N-d convolve/correlate and the 2-d forms against SciPy in every mode
(complex included), gradients against JAX, and the errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from tracegrad.scipy import signal
from tracegrad.test_util import check_grads

SHAPES = [((4, 5), (2, 3)), ((2, 3), (4, 5)), ((3, 3), (3, 3)), ((5, 2), (2, 2)),
          ((3, 4, 5), (2, 2, 3)), ((7,), (3,)), ((2,), (5,))]  # fmt: skip


def _draw(shape: tuple[int, ...], complex_: bool, rng: Any) -> Any:
    x = rng.normal(size=shape)
    return x + 1j * rng.normal(size=shape) if complex_ else x


@pytest.mark.parametrize(("s1", "s2"), SHAPES)
def test_values_against_scipy(s1: tuple[int, ...], s2: tuple[int, ...]) -> None:
    ss = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(len(s1) + s1[0])
    names = ["convolve", "correlate", "fftconvolve"]
    names += ["convolve2d", "correlate2d"] if len(s1) == 2 else []
    for complex_, mode, name in itertools.product([False, True], ["full", "same", "valid"], names):
        a, b = _draw(s1, complex_, rng), _draw(s2, complex_, rng)
        ours = tg.jit(lambda a, b, f=getattr(signal, name): f(a, b, mode))(a, b)
        np.testing.assert_allclose(
            ours,
            getattr(ss, name)(a, b, mode),
            atol=1e-10,
            err_msg=f"{name} {mode} complex={complex_}",
        )


def test_gradients_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 6)), rng.normal(size=(2, 3))
    for mode, name in itertools.product(["full", "same", "valid"], ["convolve", "correlate"]):
        ours, theirs = getattr(signal, name), getattr(jax.scipy.signal, name)
        w = rng.normal(size=ours(a, b, mode).shape)
        g = tg.grad(lambda a, b: (ours(a, b, mode) * w).sum() ** 2, (0, 1))(a, b)
        gj = jax.grad(lambda a, b: (theirs(a, b, mode) * w).sum() ** 2, (0, 1))(a, b)
        for x, y in zip(g, gj):
            np.testing.assert_allclose(x, y, rtol=1e-10)


def test_second_order() -> None:
    rng = np.random.default_rng(2)
    check_grads(
        lambda a, b: signal.correlate2d(a, b, "same"),
        (rng.normal(size=(3, 4)), rng.normal(size=(2, 2))),
        order=2,
    )


def test_errors() -> None:
    with pytest.raises(ValueError, match="acceptable mode flags"):
        signal.convolve(np.ones(3), np.ones(2), "bad")
    with pytest.raises(ValueError, match="same dimensionality"):
        signal.correlate(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large as the other in every dimension"):
        signal.convolve(np.ones((3, 2)), np.ones((2, 3)), "valid")
    with pytest.raises(NotImplementedError, match="boundary='fill'"):
        signal.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
    with pytest.raises(ValueError, match="2-D"):
        signal.correlate2d(np.ones(3), np.ones(2))
