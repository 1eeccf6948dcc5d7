"""The activations of ``tracegrad.nn._activations``: values and derivatives against jax.nn
away from kinks, derivatives to order 2 against finite differences, jit and vmap against
eager, dtypes, and the minimum-norm subgradient at each kink."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
from harness import value_grad_hvp_against_jax
from tracegrad import nn
from tracegrad.test_util import check_grads

# name, kwargs, kink points (where a derivative is a choice), domain of the random points
FUNCTIONS: list[tuple[str, dict[str, Any], tuple[float, ...], tuple[float, float]]] = [
    ("elu", {}, (), (-3, 3)),
    ("elu", {"alpha": 0.5}, (0.0,), (-3, 3)),
    ("elu", {"alpha": 2.0}, (0.0,), (-3, 3)),
    ("leaky_relu", {}, (0.0,), (-3, 3)),
    ("leaky_relu", {"negative_slope": 0.2}, (0.0,), (-3, 3)),
    ("selu", {}, (0.0,), (-3, 3)),
    ("celu", {}, (), (-3, 3)),
    ("celu", {"alpha": 2.0}, (), (-3, 3)),
    ("relu6", {}, (0.0, 6.0), (-2, 8)),
    ("hard_tanh", {}, (-1.0, 1.0), (-2, 2)),
    ("hard_sigmoid", {}, (-3.0, 3.0), (-5, 5)),
    ("hard_silu", {}, (-3.0, 3.0), (-5, 5)),
    ("hard_swish", {}, (-3.0, 3.0), (-5, 5)),
    ("log_sigmoid", {}, (), (-5, 5)),
    ("soft_sign", {}, (0.0,), (-3, 3)),
    ("mish", {}, (), (-3, 3)),
    ("swish", {}, (), (-3, 3)),
    ("sparse_plus", {}, (), (-2, 2)),
    ("sparse_sigmoid", {}, (-1.0, 1.0), (-2, 2)),
    ("squareplus", {}, (), (-3, 3)),
    ("squareplus", {"b": 1.0}, (), (-3, 3)),
    ("log1mexp", {}, (), (0.05, 4)),
    ("identity", {}, (), (-3, 3)),
    ("tanh", {}, (), (-3, 3)),
    ("glu", {}, (), (-3, 3)),
    ("glu", {"axis": 0}, (), (-3, 3)),
    ("standardize", {}, (), (-3, 3)),
    ("standardize", {"axis": 0, "epsilon": 0.1}, (), (-3, 3)),
    ("logmeanexp", {"axis": 1}, (), (-3, 3)),
    ("logmeanexp", {}, (), (-3, 3)),
]
IDS = [f"{n}{k}" for n, k, _, _ in FUNCTIONS]


def points(kinks: tuple[float, ...], domain: tuple[float, float], seed: int) -> np.ndarray:
    """A 4x6 array of points in ``domain`` at least 0.05 from every kink."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(*domain, (4, 6))
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] = k + 0.1
    return x


@pytest.mark.parametrize(("name", "kwargs", "kinks", "domain"), FUNCTIONS, ids=IDS)
def test_against_jax_away_from_kinks(
    name: str, kwargs: dict[str, Any], kinks: tuple[float, ...], domain: tuple[float, float]
) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.nn as jnn

    x = points(kinks, domain, seed=len(name))
    f_tg = lambda v: getattr(nn, name)(v, **kwargs)
    f_jax = lambda v: getattr(jnn, name)(v, **kwargs)
    got, want = value_grad_hvp_against_jax(jax, f_tg, f_jax, x, seed=1)
    for g, wnt in zip(got, want, strict=True):
        np.testing.assert_allclose(g, wnt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kwargs", "kinks", "domain"), FUNCTIONS, ids=IDS)
def test_derivatives_jit_vmap_and_dtypes(
    name: str, kwargs: dict[str, Any], kinks: tuple[float, ...], domain: tuple[float, float]
) -> None:
    f = lambda v: getattr(nn, name)(v, **kwargs)
    x = points(kinks, domain, seed=7)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    eager = f(x)
    np.testing.assert_allclose(tg.jit(f)(x), eager, rtol=1e-13, atol=1e-15)
    if "axis" not in kwargs:  # an explicit axis means another thing on each row
        rows = tg.vmap(f)(x)
        np.testing.assert_allclose(rows, np.stack([f(r) for r in x]), rtol=1e-13, atol=1e-15)
    assert f(x.astype(np.float32)).dtype == np.float32


# The derivative at each kink: the minimum-norm subgradient (SPEC 7).
KINK_DERIVATIVES = [
    ("leaky_relu", {}, 0.0, 0.01),
    ("leaky_relu", {"negative_slope": 0.2}, 0.0, 0.2),
    ("leaky_relu", {"negative_slope": -2.0}, 0.0, 1.0),
    ("elu", {}, 0.0, 1.0),
    ("elu", {"alpha": 0.5}, 0.0, 0.5),
    ("elu", {"alpha": 2.0}, 0.0, 1.0),
    ("selu", {}, 0.0, 1.0507009873554805),
    ("relu6", {}, 0.0, 0.0),
    ("relu6", {}, 6.0, 0.0),
    ("hard_tanh", {}, -1.0, 0.0),
    ("hard_tanh", {}, 1.0, 0.0),
    ("hard_sigmoid", {}, -3.0, 0.0),
    ("hard_sigmoid", {}, 3.0, 0.0),
    ("hard_silu", {}, -3.0, 0.0),
    ("hard_silu", {}, 3.0, 1.0),
    ("sparse_plus", {}, -1.0, 0.0),
    ("sparse_plus", {}, 1.0, 1.0),
    ("sparse_sigmoid", {}, -1.0, 0.0),
    ("sparse_sigmoid", {}, 1.0, 0.0),
    ("soft_sign", {}, 0.0, 1.0),
    ("celu", {"alpha": 2.0}, 0.0, 1.0),
]


@pytest.mark.parametrize(("name", "kwargs", "x", "expected"), KINK_DERIVATIVES)
def test_minimum_norm_subgradient_at_kinks(
    name: str, kwargs: dict[str, Any], x: float, expected: float
) -> None:
    f = lambda v: getattr(nn, name)(v, **kwargs)
    assert tg.grad(f)(x) == pytest.approx(expected, rel=1e-15)
    assert tg.jvp(f, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-15)


def test_far_tails_stay_finite() -> None:
    x = np.array([-800.0, 800.0])
    for name in ("elu", "selu", "celu", "log_sigmoid", "mish", "softplus"):
        f = getattr(nn, name)
        assert np.all(np.isfinite(f(x))), name
        assert np.all(np.isfinite(tg.vmap(tg.grad(f))(x))), name
    assert np.isfinite(nn.log1mexp(np.array([1e-300, 800.0]))).all()


def test_glu_odd_axis_and_where_raise() -> None:
    with pytest.raises(ValueError, match="odd size 3"):
        nn.glu(np.ones(3))
    with pytest.raises(NotImplementedError, match="where"):
        nn.standardize(np.ones(3), where=np.ones(3, bool))


def test_every_jax_nn_activation_exists() -> None:
    jnn = pytest.importorskip("jax.nn")
    missing = [
        n
        for n in dir(jnn)
        if not n.startswith("_") and callable(getattr(jnn, n)) and not hasattr(nn, n)
    ]
    # Not activations: attention and scaled matmuls (XLA kernels), and the initializers
    # submodule (drawn from tg.random).
    assert set(missing) <= {
        "dot_product_attention",
        "get_scaled_dot_general_config",
        "scaled_dot_general",
        "scaled_matmul",
        "initializers",
    }, missing
