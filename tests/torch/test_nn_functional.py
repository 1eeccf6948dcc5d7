"""``torch.nn.functional`` activations and their modules against PyTorch: values, ``grad_fn``
names, gradients at the kinks, the in-place forms, printouts and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

# Kinks of every activation here (0, ±0.5, ±1, ±3, 6), and values where exp overflows.
X = np.array([-100, -5, -3, -1, -0.5, 0, 0.5, 1, 3, 5, 6, 100], np.float32)
G = np.linspace(-1, 2, X.size, dtype=np.float32)

ACTIVATIONS: list[tuple[str, dict[str, Any], bool]] = [  # name, kwargs, has inplace=
    ("relu", {}, True),
    ("selu", {}, True),
    ("celu", {"alpha": 0.7}, True),
    ("elu", {"alpha": 1.5}, True),
    ("leaky_relu", {"negative_slope": 0.2}, True),
    ("relu6", {}, True),
    ("hardtanh", {"min_val": -0.5, "max_val": 3.0}, True),
    ("hardsigmoid", {}, True),
    ("hardswish", {}, True),
    ("silu", {}, True),
    ("mish", {}, True),
    ("threshold", {"threshold": 0.5, "value": -2.0}, True),
    ("softshrink", {}, False),
    ("hardshrink", {"lambd": 1.0}, False),
    ("softsign", {}, False),
    ("tanhshrink", {}, False),
    ("logsigmoid", {}, False),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, False),
    ("gelu", {"approximate": "tanh"}, False),
    ("softmin", {"dim": 0}, False),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "inplace"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS]
)
def test_activation_values_gradients_and_inplace(
    name: str, kwargs: dict[str, Any], inplace: bool
) -> None:
    got = []
    for T in (tt, torch):
        f = getattr(T.nn.functional, name)
        x = T.tensor(X, requires_grad=True)
        y = f(x, **kwargs)
        y.backward(T.tensor(G))
        row = [type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy()]
        if inplace:
            base = T.tensor(X, requires_grad=True)
            xc = base.clone()
            out = f(xc, inplace=True, **kwargs)
            xc.backward(T.tensor(G))
            row += [out is xc, type(xc.grad_fn).__name__, xc.detach().numpy(), base.grad.numpy()]
        got.append(row)
    for a, b in zip(*got, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
            assert a.dtype == b.dtype
        else:
            assert a == b


def test_glu_and_prelu() -> None:
    got = []
    for T in (tt, torch):
        x = T.tensor(np.linspace(-2, 2, 24, dtype=np.float32).reshape(2, 3, 4), requires_grad=True)
        w = T.tensor([0.1, 0.2, 0.3], requires_grad=True)
        y = T.nn.functional.prelu(x, w)
        z = T.nn.functional.glu(x, 2)
        (y * y).sum().backward(retain_graph=True)
        (z * 2).sum().backward()
        got.append([type(y.grad_fn).__name__, type(z.grad_fn).__name__, y, z, x.grad, w.grad])
    for a, b in zip(*got, strict=True):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5)


def _modules(T: Any) -> list[Any]:
    nn = T.nn
    return [
        nn.GELU(), nn.GELU("tanh"), nn.Softmax(1), nn.LogSoftmax(dim=-1), nn.Softmin(0),
        nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.ELU(), nn.ELU(0.5, True), nn.SELU(),
        nn.SELU(True), nn.CELU(), nn.SiLU(), nn.SiLU(True), nn.Mish(), nn.Hardtanh(),
        nn.Hardtanh(-2, 2, True), nn.ReLU6(), nn.ReLU6(True), nn.Hardsigmoid(), nn.Hardswish(),
        nn.Softplus(), nn.Softplus(2, 10), nn.Softsign(), nn.Tanhshrink(), nn.Threshold(0.1, 20),
        nn.Threshold(0.1, 20, True), nn.PReLU(), nn.PReLU(3, 0.1), nn.GLU(), nn.LogSigmoid(),
        nn.Softshrink(), nn.Hardshrink(0.3), nn.ReLU(), nn.ReLU(True), nn.Sigmoid(), nn.Tanh(),
    ]  # fmt: skip


def test_activation_modules_print_run_and_learn() -> None:
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    for ours, theirs in zip(_modules(tt), _modules(torch), strict=True):
        assert repr(ours) == repr(theirs)
        got = []
        for T, m in ((tt, ours), (torch, theirs)):
            leaf = T.tensor(x, requires_grad=True)
            y = m(leaf.clone())
            y.sum().backward()
            got.append([y, leaf.grad, *[p.grad for p in m.parameters()]])
        for a, b in zip(*got, strict=True):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


BAD = {
    "glu_odd": lambda T: T.nn.functional.glu(T.zeros(2, 3)),
    "prelu_channels": lambda T: T.nn.functional.prelu(T.zeros(2, 3), T.ones(2)),
    "softshrink_negative": lambda T: T.nn.functional.softshrink(T.zeros(2), -1.0),
    "hardtanh_module": lambda T: T.nn.Hardtanh(1.0, 0.0),
}


@pytest.mark.parametrize("case", list(BAD))
def test_activation_errors(case: str) -> None:
    same_error(BAD[case])


R = np.random.default_rng(0)
X3 = R.standard_normal((2, 3, 4)).astype(np.float32)
Y3 = R.standard_normal((2, 3, 4)).astype(np.float32)
X4 = R.standard_normal((1, 2, 3, 4)).astype(np.float32)
Q = R.standard_normal((2, 3, 5, 4)).astype(np.float32)
K = R.standard_normal((2, 3, 6, 4)).astype(np.float32)
V = R.standard_normal((2, 3, 6, 4)).astype(np.float32)
MASK = R.standard_normal((5, 6)).astype(np.float32)
KEEP = R.random((5, 6)) > 0.3
KEEP[:, 0] = True
ZEROS = X3.copy()
ZEROS[0, :, 0] = 0  # a zero vector: the norm's derivative there must be 0, not NaN


def _fn(T: Any, name: str) -> Any:
    return getattr(T.nn.functional, name)


FUNCTIONS: dict[str, tuple[Any, np.ndarray[Any, Any]]] = {
    "pad": (lambda T, x: _fn(T, "pad")(x, (1, 2)), X3),
    "pad_crop_value": (lambda T, x: _fn(T, "pad")(x, (1, -1, 2, 0), value=3.0), X3),
    "reflect": (lambda T, x: _fn(T, "pad")(x, (1, 2), "reflect"), X3),
    "replicate": (lambda T, x: _fn(T, "pad")(x, (1, 2), "replicate"), X3),
    "circular": (lambda T, x: _fn(T, "pad")(x, (1, 2), "circular"), X3),
    "reflect_2d": (lambda T, x: _fn(T, "pad")(x, (1, 2, 1, 1), "reflect"), X4),
    "replicate_2d": (lambda T, x: _fn(T, "pad")(x, (3, 2, 0, 4), "replicate"), X4),
    "circular_2d": (lambda T, x: _fn(T, "pad")(x, (1, 2, 1, 1), "circular"), X4),
    "normalize": (lambda T, x: _fn(T, "normalize")(x), ZEROS),
    "normalize_p1": (lambda T, x: _fn(T, "normalize")(x, p=1, dim=-1), ZEROS),
    "normalize_p3": (lambda T, x: _fn(T, "normalize")(x, p=3, dim=0), X3),
    "cosine": (lambda T, x: _fn(T, "cosine_similarity")(x, T.tensor(Y3)), ZEROS),
    "cosine_broadcast": (
        lambda T, x: _fn(T, "cosine_similarity")(x, T.tensor(Y3[0, :1]), dim=-1),
        X3,
    ),
    "pairwise_distance": (lambda T, x: _fn(T, "pairwise_distance")(x, T.tensor(Y3)), X3),
    "pairwise_distance_p1": (
        lambda T, x: _fn(T, "pairwise_distance")(x, T.tensor(Y3), p=1, keepdim=True),
        X3,
    ),
    "attention": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(x, T.tensor(K), T.tensor(V)),
        Q,
    ),
    "attention_causal": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(
            x, T.tensor(K), T.tensor(V), is_causal=True, scale=0.3
        ),
        Q,
    ),
    "attention_bool_mask": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(
            x, T.tensor(K), T.tensor(V), attn_mask=T.tensor(KEEP)
        ),
        Q,
    ),
    "attention_float_mask": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(
            x, T.tensor(K), T.tensor(V), attn_mask=T.tensor(MASK)
        ),
        Q,
    ),
    "attention_gqa": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(
            x, T.tensor(K[:, :1]), T.tensor(V[:, :1]), enable_gqa=True
        ),
        Q,
    ),
    "attention_3d_other_head_size": (
        lambda T, x: _fn(T, "scaled_dot_product_attention")(
            x, T.tensor(K[0]), T.tensor(V[0, ..., :2])
        ),
        Q[0],
    ),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_functional_against_torch(name: str) -> None:
    f, x = FUNCTIONS[name]
    got = []
    for T in (tt, torch):
        leaf = T.tensor(x, requires_grad=True)
        y = f(T, leaf)
        y.backward(
            T.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32).reshape(tuple(y.shape)))
        )
        got.append((type(y.grad_fn).__name__, y.detach().numpy(), leaf.grad.numpy()))
    (n1, y1, g1), (n2, y2, g2) = got
    assert n1 == n2
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-6)


PAD_BAD = {
    "odd": lambda T: _fn(T, "pad")(T.zeros(2, 3), (1,)),
    "reflect_too_wide": lambda T: _fn(T, "pad")(T.zeros(2, 3, 4), (4, 4), "reflect"),
    "too_long": lambda T: _fn(T, "pad")(T.zeros(2, 3, 4), (1,) * 8),
    "mode": lambda T: _fn(T, "pad")(T.zeros(2, 3), (1, 1), "foo"),
    "circular_wraps": lambda T: _fn(T, "pad")(T.zeros(2, 3, 4), (5, 0), "circular"),
    "reflect_value": lambda T: _fn(T, "pad")(T.zeros(2, 3), (1, 1), "reflect", value=2.0),
    "attention_causal_and_mask": lambda T: _fn(T, "scaled_dot_product_attention")(
        T.zeros(1, 2, 2), T.zeros(1, 2, 2), T.zeros(1, 2, 2), T.zeros(2, 2), is_causal=True
    ),
}


@pytest.mark.parametrize("case", list(PAD_BAD))
def test_functional_errors(case: str) -> None:
    same_error(PAD_BAD[case])


def _pad_modules(T: Any) -> list[Any]:
    nn = T.nn
    return [
        nn.ZeroPad1d(2), nn.ZeroPad2d((1, 1, 2, 0)), nn.ZeroPad3d(1), nn.ConstantPad1d(2, 3.5),
        nn.ConstantPad2d((1, 2, 3, 4), 1.0), nn.ConstantPad3d(1, 0.0), nn.ReflectionPad1d(2),
        nn.ReflectionPad2d((1, 1, 2, 0)), nn.ReflectionPad3d(1), nn.ReplicationPad1d(1),
        nn.ReplicationPad2d(1), nn.ReplicationPad3d(1), nn.CircularPad1d(1),
        nn.CircularPad2d(1), nn.CircularPad3d(1), nn.Softmax2d(), nn.Identity(3, x=2),
    ]  # fmt: skip


def test_padding_modules_and_softmax2d() -> None:
    x = R.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    for ours, theirs in zip(_pad_modules(tt), _pad_modules(torch), strict=True):
        assert repr(ours) == repr(theirs)
        dims = getattr(ours, "_dims", 2)
        got = []
        for T, m in ((tt, ours), (torch, theirs)):
            leaf = T.tensor(x[(0,) * (3 - dims)], requires_grad=True)
            y = m(leaf)
            (y * y).sum().backward()
            got.append((type(y.grad_fn).__name__ if y.grad_fn else None, y, leaf.grad))
        assert got[0][0] == got[1][0]
        for a, b in zip(got[0][1:], got[1][1:], strict=True):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    same_error(lambda T: T.nn.ReflectionPad2d(1)(T.zeros(3)))
    same_error(lambda T: T.nn.CircularPad2d(1)(T.zeros(3)))
    same_error(lambda T: T.nn.Softmax2d()(T.zeros(3)))


@pytest.mark.parametrize(
    ("name", "args"),
    [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()), ("celu_", ()), ("leaky_relu_", (0.2,)),
     ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 9.0))],
)  # fmt: skip
def test_functional_in_place_forms(name: str, args: tuple[float, ...]) -> None:
    got = []
    for T in (tt, torch):
        leaf = T.tensor([-1.0, 0.3, 2.0], requires_grad=True)
        x = leaf.clone()
        y = getattr(T.nn.functional, name)(x, *args)
        x.sum().backward()
        got.append((y is x, type(x.grad_fn).__name__, x.detach().numpy(), leaf.grad.numpy()))
    assert got[0][:2] == got[1][:2]
    for a, b in zip(got[0][2:], got[1][2:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
