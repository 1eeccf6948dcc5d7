"""``torch.nn.init`` and ``torch.nn.utils`` against PyTorch: gains, fans, bounds and
errors of the initialisers; clipping and flattening of gradients and parameters."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

import tracegrad.torch as tt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("name", "param"),
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)],
)  # fmt: skip
def test_calculate_gain(name: str, param: Any) -> None:
    assert tt.nn.init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (6, 2, 3, 3)])
def test_fans(shape: tuple[int, ...]) -> None:
    ours = tt.nn.init._calculate_fan_in_and_fan_out(tt.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def _bound_and_std(
    name: str, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> tuple[float, float]:
    """The largest magnitude and the standard deviation of a big draw, per library."""
    out = []
    for T in (tt, torch):
        T.manual_seed(0)
        w = getattr(T.nn.init, name)(T.empty(*shape), **kwargs)
        v = w.detach().numpy()
        out.append((float(np.abs(v).max()), float(v.std())))
    return out[0], out[1]


INITS: list[tuple[str, tuple[int, ...], dict[str, Any]]] = [
    ("uniform_", (200, 100), {"a": -0.5, "b": 0.5}),
    ("normal_", (200, 100), {"mean": 0.0, "std": 0.3}),
    ("xavier_uniform_", (200, 100), {"gain": 2.0}),
    ("xavier_normal_", (200, 100), {}),
    ("kaiming_uniform_", (200, 100), {"a": math.sqrt(5)}),
    ("kaiming_normal_", (200, 10, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("trunc_normal_", (200, 100), {"std": 2.0, "a": -1.0, "b": 3.0}),
    ("orthogonal_", (100, 300), {"gain": 0.5}),
]


@pytest.mark.parametrize(("name", "shape", "kwargs"), INITS, ids=[i[0] for i in INITS])
def test_random_initialisers_have_pytorchs_distribution(
    name: str, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    (m1, s1), (m2, s2) = _bound_and_std(name, shape, kwargs)
    assert s1 == pytest.approx(s2, rel=0.03)
    assert m1 <= max(m2 * 1.35, m2 + 0.2)  # bounded draws stay within PyTorch's bounds
    if name in ("uniform_", "xavier_uniform_", "kaiming_uniform_"):
        assert m1 == pytest.approx(m2, rel=0.01)


def test_orthogonal_is_orthogonal_and_trunc_normal_is_truncated() -> None:
    q = tt.nn.init.orthogonal_(tt.empty(3, 5), gain=2.0).numpy()
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-5)
    w = tt.nn.init.trunc_normal_(tt.empty(10000), mean=1.0, std=1.0, a=0.5, b=1.2).numpy()
    assert w.min() >= 0.5 and w.max() <= 1.2 and w.dtype == np.float32


def test_deterministic_initialisers() -> None:
    for name, shape, args in [
        ("constant_", (2, 3), (0.5,)), ("ones_", (2, 3), ()), ("zeros_", (2, 3), ()),
        ("eye_", (2, 3), ()), ("dirac_", (4, 2, 3), ()), ("dirac_", (4, 2, 3, 3), (2,)),
    ]:  # fmt: skip
        a = getattr(tt.nn.init, name)(tt.empty(*shape), *args)
        b = getattr(torch.nn.init, name)(torch.empty(*shape), *args)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_initialisers_run_under_no_grad_on_parameters() -> None:
    p = tt.nn.Parameter(tt.zeros(3, 2))
    before = p._version
    tt.nn.init.kaiming_uniform_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None and p._version > before


INIT_BAD = {
    "fan_1d": lambda T: T.nn.init.kaiming_uniform_(T.zeros(3)),
    "gain": lambda T: T.nn.init.calculate_gain("foo"),
    "slope": lambda T: T.nn.init.calculate_gain("leaky_relu", "x"),
    "eye_3d": lambda T: T.nn.init.eye_(T.zeros(2, 2, 2)),
    "orthogonal_1d": lambda T: T.nn.init.orthogonal_(T.zeros(3)),
    "mode": lambda T: T.nn.init.kaiming_normal_(T.zeros(3, 3), mode="fan"),
    "dirac_2d": lambda T: T.nn.init.dirac_(T.zeros(3, 3)),
}


@pytest.mark.parametrize("case", list(INIT_BAD))
def test_init_errors(case: str) -> None:
    same_error(INIT_BAD[case])


def test_zero_element_tensor_warns() -> None:
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        tt.nn.init.kaiming_uniform_(tt.empty(0, 3))


def test_linear_default_initialisation_bounds() -> None:
    m = tt.nn.Linear(16, 200)
    bound = 1 / math.sqrt(16)
    for p in (m.weight, m.bias):
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound


def test_linear_initialisation_matches_pytorch_when_the_generators_do() -> None:
    tt.manual_seed(0)
    torch.manual_seed(0)
    if not np.array_equal(tt.rand(5).numpy(), torch.rand(5).numpy()):
        pytest.skip("the shim's generator does not draw PyTorch's numbers")
    tt.manual_seed(1)
    torch.manual_seed(1)
    a, b = tt.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


# ---- utils ---------------------------------------------------------------------------------


def _params(T: Any) -> list[Any]:
    ps = [T.nn.Parameter(T.ones(3)), T.nn.Parameter(T.ones(2, 2)), T.nn.Parameter(T.ones(1))]
    ps[0].grad = T.tensor([3.0, -4.0, 0.5])
    ps[1].grad = T.full((2, 2), -2.0)
    return ps  # the third has no gradient


@pytest.mark.parametrize(
    "kwargs",
    [{"max_norm": 1.0}, {"max_norm": 100.0}, {"max_norm": 0.5, "norm_type": 1.0},
     {"max_norm": 1.0, "norm_type": "inf"}, {"max_norm": 1.0, "norm_type": 3, "foreach": True}],
)  # fmt: skip
def test_clip_grad_norm(kwargs: dict[str, Any]) -> None:
    got = []
    for T in (tt, torch):
        ps = _params(T)
        total = T.nn.utils.clip_grad_norm_(ps, **kwargs)
        got.append([total, *[p.grad for p in ps[:2]], ps[0].grad._version])
    (t1, *r1, v1), (t2, *r2, v2) = got
    assert t1.dtype == tt.float32 and t1.shape == ()
    np.testing.assert_allclose(t1.numpy(), t2.numpy(), rtol=1e-6)
    for a, b in zip(r1, r2, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert v1 == v2


def test_clip_grad_norm_nonfinite_and_empty() -> None:
    got = []
    for T in (tt, torch):
        ps = _params(T)
        ps[1].grad[0, 0] = float("nan")
        with pytest.raises(RuntimeError) as info:
            T.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
        got.append((str(info.value), T.nn.utils.clip_grad_norm_([], 1.0).item()))
    assert got[0] == got[1]


def test_clip_grad_value_and_single_tensor() -> None:
    got = []
    for T in (tt, torch):
        ps = _params(T)
        assert T.nn.utils.clip_grad_value_(ps, 1.5) is None
        T.nn.utils.clip_grad_value_(ps[1], 0.5)
        got.append([p.grad.numpy() for p in ps[:2]])
    for a, b in zip(*got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_parameters_to_vector_and_back() -> None:
    got = []
    for T in (tt, torch):
        ps = _params(T)
        v = T.nn.utils.parameters_to_vector(ps)
        (v * T.arange(8.0)).sum().backward()
        T.nn.utils.vector_to_parameters(T.arange(8.0) * 2, ps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got.append(
                [type(v.grad_fn).__name__, v.detach().numpy(), [p.detach().numpy() for p in ps],
                 [p.grad.numpy() for p in ps], all(p.is_leaf and p.requires_grad for p in ps)]
            )  # fmt: skip
        with pytest.raises(TypeError, match=r"expected torch\.Tensor, but got: list"):
            T.nn.utils.vector_to_parameters([1.0], ps)
    a, b = got
    assert a[0] == b[0] and a[4] == b[4]
    np.testing.assert_array_equal(a[1], b[1])
    for u, w in zip(a[2] + a[3], b[2] + b[3], strict=True):
        np.testing.assert_array_equal(u, w)
