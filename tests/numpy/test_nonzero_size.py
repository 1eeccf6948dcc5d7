"""``nonzero`` / ``flatnonzero`` / ``argwhere`` / one-argument ``where`` with JAX's
``size=`` and ``fill_value=``: the same indices eagerly and under ``jit``, NumPy's where
the size is enough, the fill where it is not, JAX's where JAX is installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

X = np.array([[0.0, 1.5], [2.0, 0.0], [3.0, 4.0]])


def _both(f: Any, *args: Any) -> list[Any]:
    """The eager result and the jitted one (first and second call)."""
    jitted = tg.jit(f)
    return [f(*args), jitted(*args), jitted(*args)]


@pytest.mark.parametrize("size", [0, 2, 4, 6])
def test_nonzero_size_against_numpy(size: int) -> None:
    want = np.nonzero(X)
    for got in _both(lambda x: tnp.nonzero(x, size=size, fill_value=-1), X):
        for g, w in zip(got, want, strict=True):
            k = min(size, len(w))
            np.testing.assert_array_equal(np.asarray(g)[:k], w[:k])
            np.testing.assert_array_equal(np.asarray(g)[k:], -1)
            assert np.asarray(g).shape == (size,)


def test_fills_per_dimension_and_default_zero() -> None:
    for got in _both(lambda x: tnp.nonzero(x, size=6, fill_value=(7, 8)), X):
        np.testing.assert_array_equal(got[0], [0, 1, 2, 2, 7, 7])
        np.testing.assert_array_equal(got[1], [1, 0, 0, 1, 8, 8])
    for got in _both(lambda x: tnp.flatnonzero(x, size=5), X):
        np.testing.assert_array_equal(got, [1, 2, 4, 5, 0])
    for got in _both(lambda x: tnp.argwhere(x, size=5, fill_value=-1), X):
        np.testing.assert_array_equal(got, [[0, 1], [1, 0], [2, 0], [2, 1], [-1, -1]])
    for got in _both(lambda x: tnp.where(x > 1.0, size=3), X):
        np.testing.assert_array_equal(got[0], [0, 1, 2])
        np.testing.assert_array_equal(got[1], [1, 0, 0])


def test_eager_without_size_is_numpy_and_errors() -> None:
    np.testing.assert_array_equal(tnp.argwhere(X), np.argwhere(X))
    assert tnp.argwhere(np.float64(5.0)).shape == np.argwhere(np.float64(5.0)).shape
    assert tnp.argwhere(np.float64(5.0), size=2).shape == (2, 0)
    with pytest.raises(ValueError, match="0d arrays"):
        tnp.nonzero(np.float64(1.0), size=2)
    with pytest.raises(ValueError, match="length 2"):
        tnp.nonzero(X, size=2, fill_value=(1, 2, 3))
    with pytest.raises(tg.errors.ConcretizationTypeError, match="size"):
        tg.jit(tnp.nonzero)(X)
    with pytest.raises(tg.errors.ConcretizationTypeError, match="size"):
        tg.make_jaxpr(lambda x: tnp.where(x > 0))(X)
    # under grad alone a comparison is concrete: where(x > 0) gives NumPy's indices
    np.testing.assert_array_equal(
        tg.grad(lambda x: tnp.sum(x[tnp.where(x > 1.0)]))(X), (X > 1.0).astype(float)
    )


def test_gradient_through_gathered_indices() -> None:
    def f(x: Any) -> Any:
        (i,) = tnp.nonzero(x > 0.5, size=2)
        return tnp.sum(x[i] ** 2)

    x = np.array([0.1, 0.7, 0.2, 0.9, 0.8])
    np.testing.assert_allclose(tg.grad(f)(x), [0.0, 1.4, 0.0, 1.8, 0.0])
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), [0.0, 1.4, 0.0, 1.8, 0.0])


def test_against_jax() -> None:
    jnp = pytest.importorskip("jax.numpy")
    for size, fill in [(2, None), (5, None), (6, -1), (6, (3, 4))]:
        want = jnp.nonzero(X, size=size, fill_value=fill)
        got = tg.jit(lambda x, s=size, f=fill: tnp.nonzero(x, size=s, fill_value=f))(X)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, np.asarray(w))
        np.testing.assert_array_equal(
            tnp.argwhere(X, size=size, fill_value=fill if fill != (3, 4) else -1),
            np.asarray(jnp.argwhere(X, size=size, fill_value=fill if fill != (3, 4) else -1)),
        )
