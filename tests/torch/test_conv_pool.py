"""Convolution and pooling in the Tensor shim against PyTorch: values, grad_fn names, .grad of
every input, returned indices, errors, module reprs and the default initialisation's order."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt


def _program(fn: Callable[..., Any], *shapes: tuple[int, ...], seed: int = 0) -> Any:
    """Run ``fn(F, *tensors)`` on float64 tensors; record its output(s), then backward a
    random cotangent and record every input's gradient."""

    def program(T: Any, rec: Any) -> None:
        rng = np.random.default_rng(seed)
        xs = [T.tensor(rng.normal(size=s), dtype=T.float64, requires_grad=True) for s in shapes]
        out = fn(T.nn.functional, *xs)
        rec(out)
        y = out[0] if isinstance(out, tuple) else out
        y.backward(T.tensor(rng.normal(size=tuple(y.shape)), dtype=T.float64))
        for x in xs:
            rec(x.grad)

    return program


FUNCTIONAL = {
    "conv1d_groups_bias": (lambda F, x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2),
                           (2, 4, 9), (6, 2, 3), (6,)),
    "conv1d_same_dilated": (lambda F, x, w: F.conv1d(x, w, None, 1, "same", 2, groups=2),
                            (2, 4, 9), (6, 2, 3)),
    "conv2d": (lambda F, x, w, b: F.conv2d(x, w, b, (2, 1), (1, 2), (1, 2)),
               (2, 3, 9, 8), (4, 3, 3, 2), (4,)),
    "conv2d_unbatched_valid": (lambda F, x, w: F.conv2d(x, w, padding="valid"),
                               (3, 9, 8), (4, 3, 3, 2)),
    "conv2d_depthwise": (lambda F, x, w: F.conv2d(x, w, padding=1, groups=3),
                         (2, 3, 6, 6), (6, 1, 3, 3)),
    "conv3d": (lambda F, x, w: F.conv3d(x, w, stride=2, padding=1),
               (1, 2, 5, 6, 5), (3, 2, 2, 3, 2)),
    "conv_transpose1d": (lambda F, x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 2, 2),
                         (2, 4, 7), (4, 3, 3), (6,)),
    "conv_transpose2d": (
        lambda F, x, w: F.conv_transpose2d(x, w, None, (2, 3), (1, 0), (1, 2), 1, (1, 2)),
        (2, 3, 5, 4), (3, 2, 3, 2)),
    "max_pool2d": (lambda F, x: F.max_pool2d(x, 3, 2, 1, 2, True, True), (2, 3, 9, 10)),
    "max_pool2d_unbatched": (lambda F, x: F.max_pool2d(x, (2, 3), None, 1, 1, False, True),
                             (3, 9, 10)),
    "max_pool1d": (lambda F, x: F.max_pool1d(x, 3, 2, 1, 1, True, True), (2, 3, 10)),
    "avg_pool1d": (lambda F, x: F.avg_pool1d(x, 3, 2, 1, True, False), (2, 3, 10)),
    "adaptive_avg_pool2d": (lambda F, x: F.adaptive_avg_pool2d(x, (3, None)), (2, 3, 7, 10)),
    "adaptive_avg_pool2d_1": (lambda F, x: F.adaptive_avg_pool2d(x, 1), (2, 3, 7, 10)),
    "adaptive_avg_pool1d": (lambda F, x: F.adaptive_avg_pool1d(x, 4), (2, 3, 10)),
    "adaptive_max_pool2d": (lambda F, x: F.adaptive_max_pool2d(x, (2, 4), True), (2, 3, 7, 10)),
    "adaptive_max_pool1d": (lambda F, x: F.adaptive_max_pool1d(x, 3, True), (2, 3, 10)),
}  # fmt: skip
for _cm in (False, True):
    for _cip in (False, True):
        for _div in (None, 5):
            FUNCTIONAL[f"avg_pool2d_{_cm}_{_cip}_{_div}"] = (
                lambda F, x, c=_cm, i=_cip, d=_div: F.avg_pool2d(x, 3, 2, 1, c, i, d),
                (2, 3, 8, 10),
            )


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_against_torch(name: str, conform: Any) -> None:
    fn, *shapes = FUNCTIONAL[name]
    conform(_program(fn, *shapes))


def test_max_pool_ties_go_to_the_first_maximum(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([[[1.0, 3.0, 3.0, 2.0, 3.0, 3.0]]], requires_grad=True)
        y, idx = T.nn.functional.max_pool1d(x, 3, 1, return_indices=True)
        y.sum().backward()
        rec((y, idx, x.grad))
        z = T.tensor([[[2.0, 2.0], [2.0, 1.0], [2.0, 2.0]]], requires_grad=True)
        T.nn.functional.adaptive_max_pool2d(z, (2, 1)).sum().backward()
        rec(z.grad)

    conform(program)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_modules_with_padding_modes(mode: str, conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        rng = np.random.default_rng(1)
        net = T.nn.Sequential(
            T.nn.Conv2d(2, 4, 3, padding=1, padding_mode=mode),
            T.nn.MaxPool2d(2),
            T.nn.AvgPool2d(2, ceil_mode=True),
            T.nn.AdaptiveAvgPool2d((2, 3)),
            T.nn.Flatten(),
        )
        with T.no_grad():
            for p in net.parameters():
                p.copy_(T.tensor(rng.normal(size=tuple(p.shape)), dtype=T.float32))
        x = T.tensor(rng.normal(size=(2, 2, 9, 11)), dtype=T.float32, requires_grad=True)
        out = net(x)
        out.pow(2).sum().backward()
        rec((out, x.grad, net[0].weight.grad, net[0].bias.grad))

    conform(program)


REPRS = [
    lambda nn: nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
    lambda nn: nn.Conv1d(3, 8, (3,), padding="same", padding_mode="reflect"),
    lambda nn: nn.Conv2d(4, 4, 3, groups=2, dilation=2),
    lambda nn: nn.Conv3d(2, 2, 3),
    lambda nn: nn.ConvTranspose2d(3, 8, 3, stride=2, padding=1, output_padding=1),
    lambda nn: nn.ConvTranspose1d(3, 6, 2, groups=3, bias=False, dilation=2),
    lambda nn: nn.MaxPool2d(3, 2, 1, dilation=2, return_indices=True, ceil_mode=True),
    lambda nn: nn.MaxPool1d(2),
    lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=2),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AdaptiveAvgPool2d((3, None)),
    lambda nn: nn.AdaptiveAvgPool1d(4),
    lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True),
]


@pytest.mark.parametrize("k", range(len(REPRS)))
def test_module_reprs_and_parameter_shapes(k: int, conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        m = REPRS[k](T.nn)
        rec(repr(m))
        rec([tuple(p.shape) for p in m.parameters()])

    conform(program)


ERRORS = [
    lambda F, T, x: F.conv2d(x, T.ones(4, 2, 3, 3)),
    lambda F, T, x: F.conv2d(x[:, :, :2, :2], T.ones(4, 3, 3, 3)),
    lambda F, T, x: F.conv2d(x[0, 0], T.ones(4, 3, 3, 3)),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), stride=2, padding="same"),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), padding="foo"),
    lambda F, T, x: F.conv2d(x, T.ones(3, 1, 3, 3), groups=2),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), T.ones(3)),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3, dtype=T.float64)),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), stride=0),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), padding=-1),
    lambda F, T, x: F.conv2d(x, T.ones(4, 3, 3, 3), dilation=0),
    lambda F, T, x: F.max_pool2d(x, 3, padding=2),
    lambda F, T, x: F.max_pool2d(x, 9),
    lambda F, T, x: F.avg_pool2d(x, 3, padding=2),
    lambda F, T, x: F.adaptive_avg_pool2d(x, (3, 3, 3)),
    lambda F, T, x: T.nn.Conv2d(3, 4, 3, groups=2),
    lambda F, T, x: T.nn.Conv2d(3, 4, 3, stride=2, padding="same"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_as_torch(k: int, conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        rec(ERRORS[k](T.nn.functional, T, T.ones(2, 3, 8, 8)))

    record = conform(program)
    assert record[-1][0] == "raised"


def test_conv_transpose_output_size(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        m = T.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
        with T.no_grad():
            m.weight.copy_(T.arange(54.0).reshape(2, 3, 3, 3) / 50)
            m.bias.copy_(T.tensor([0.1, 0.2, 0.3]))
        x = T.ones(1, 2, 4, 5, dtype=T.float64, requires_grad=True)
        y = m(x, output_size=(8, 10))
        y.sum().backward()
        rec((y, x.grad, m(x, output_size=[1, 3, 7, 9])))
        rec(m(x, output_size=(9, 9)))

    record = conform(program)
    assert record[-1][0] == "raised"


def test_padding_mode_error() -> None:
    # PyTorch prints the valid modes as a set, in hash order: compare the rest.
    with pytest.raises(
        ValueError,
        match=r"padding_mode must be one of \{.*'reflect'.*\}, but "
        r"got padding_mode='foo'",
    ):
        tt.nn.Conv2d(3, 4, 3, padding_mode="foo")


def test_default_init_draws_weight_then_bias() -> None:
    """kaiming_uniform_(a=sqrt(5)) on the weight, then the bias, in PyTorch's order and
    bounds, drawn by Tensor.uniform_ (so the numbers are PyTorch's when the generator is)."""
    tt.manual_seed(3)
    conv = tt.nn.Conv2d(4, 6, (3, 2), groups=2)
    tt.manual_seed(3)
    fan_in = 2 * 3 * 2
    bound = math.sqrt(3.0) * (math.sqrt(2.0 / 6.0) / math.sqrt(fan_in))  # kaiming, a=sqrt(5)
    w = tt.empty(6, 2, 3, 2).uniform_(-bound, bound)
    b = tt.empty(6).uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    np.testing.assert_array_equal(conv.weight.detach().numpy(), w.numpy())
    np.testing.assert_array_equal(conv.bias.detach().numpy(), b.numpy())
    assert conv.weight.dtype == tt.float32 and conv.weight.requires_grad
    torch = pytest.importorskip("torch")
    t = torch.nn.Conv2d(4, 6, (3, 2), groups=2)
    assert float(t.weight.detach().abs().max()) <= bound
    assert bound == pytest.approx(1 / math.sqrt(fan_in), rel=1e-15)
