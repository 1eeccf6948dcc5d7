"""Plain NumPy code differentiates unchanged: NumPy calls on tracers dispatch to
tracegrad.numpy; what is not supported says so by name."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp


def loss_numpy(w, x):
    h = np.tanh(np.dot(x, w))
    return np.sum(h * h) / np.float64(x.shape[0]) + np.mean(np.exp(-w) ** 2)


def loss_tnp(w, x):
    h = tnp.tanh(tnp.dot(x, w))
    return tnp.sum(h * h) / np.float64(x.shape[0]) + tnp.mean(tnp.exp(-w) ** 2)


def test_plain_numpy_function_differentiates_like_tnp() -> None:
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(3,)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(loss_numpy(w, x), loss_tnp(w, x))
    np.testing.assert_allclose(tg.grad(loss_numpy)(w, x), tg.grad(loss_tnp)(w, x))
    np.testing.assert_allclose(tg.hessian(loss_numpy)(w, x), tg.hessian(loss_tnp)(w, x), rtol=1e-10)


def test_ndarray_operators_with_tracers() -> None:
    a = np.array([1.0, 2.0, 3.0])
    g = tg.grad(lambda x: np.sum(a * x + a / x - (a - x) + x @ a))(np.ones(3))
    np.testing.assert_allclose(g, a - a + 1.0 + 3 * a)  # x @ a is broadcast over 3 entries


def test_ufunc_methods() -> None:
    x = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(tg.grad(lambda v: np.add.reduce(v * v))(x), 2 * x)
    np.testing.assert_allclose(
        tg.grad(lambda v: np.sum(np.multiply.accumulate(v)))(x),
        tg.grad(lambda v: tnp.sum(tnp.cumprod(v)))(x),
    )


def test_unsupported_numpy_function_is_named() -> None:
    with pytest.raises(NotImplementedError, match=r"numpy\.linalg\.eig\b"):
        tg.grad(lambda x: np.sum(np.linalg.eig(x)[0]))(np.eye(2))
    with pytest.raises(NotImplementedError, match=r"numpy\.isnat"):
        tg.grad(lambda x: np.sum(np.isnat(x)))(np.ones(4))
    # NumPy's own function, re-exported by tracegrad.numpy, does not dispatch to itself.
    with pytest.raises(NotImplementedError, match=r"numpy\.array_str"):
        tg.grad(lambda x: len(np.array_str(x)) * x)(1.0)
    with pytest.raises(NotImplementedError, match="out="):
        tg.grad(lambda x: np.sum(np.sin(x, out=np.empty(4))))(np.ones(4))


def test_asarray_of_tracer_is_an_error() -> None:
    with pytest.raises(tg.TracerArrayConversionError):
        tg.grad(lambda x: np.sum(np.asarray(x)))(np.ones(2))


def test_eager_calls_return_plain_numpy() -> None:
    out = tnp.sin(np.ones(3, np.float32)) * 2.0
    assert type(out) is np.ndarray and out.dtype == np.float32
