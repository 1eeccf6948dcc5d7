"""Operations added with the "Adding an op" checklist (docs/torch_shim.md) against PyTorch:
values, dtypes, ``grad_fn`` names, gradients (first and second order) and errors of
``diff`` and of the unary functions (``floor`` ... ``rsqrt``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

UNARY = [
    "floor", "ceil", "round", "sign", "log1p", "expm1", "exp2", "log2", "log10", "tan",
    "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "erf", "erfinv", "reciprocal",
    "rsqrt",
]  # fmt: skip
VALUES = np.array([0.3, -0.45, 0.8, 0.05], np.float32)


@pytest.mark.parametrize("name", UNARY)
def test_unary_as_pytorch(name: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        positive = name in ("log2", "log10", "rsqrt")
        x = T.tensor(np.abs(VALUES) if positive else VALUES, requires_grad=True)
        y = getattr(T, name)(x)
        rec(y)
        rec(getattr(x, name)())
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        rec(g.detach())
        if g.requires_grad:  # second order, where the first derivative is not constant
            rec(T.autograd.grad(g.sum(), x)[0])
        z = T.tensor(VALUES if name not in ("log2", "log10", "rsqrt") else np.abs(VALUES))
        w = z * 1
        same = getattr(w, name + "_")()
        rec((same is w, w._version, w))
        ints = T.tensor([1, 2, 4])
        rec(getattr(T, name)(ints))  # integer input: kept (floor, sign, ...) or made float

    conform(program)


def test_round_decimals_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor([1.234, 2.5, -0.05, 1.25], requires_grad=True)
        rec(T.round(x, decimals=1))
        rec(x.round(decimals=2))
        rec(T.autograd.grad(T.round(x, decimals=1).sum(), x)[0])

    conform(program)


DIFFS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], dict[str, Any]]]] = {
    "1-D": (lambda T: T.tensor([1.0, 4.0, 9.0, 16.0]), lambda T: {}),
    "n=2 dim=0": (lambda T: T.arange(12.0).reshape(3, 4) ** 2, lambda T: {"n": 2, "dim": 0}),
    "n larger than the size": (lambda T: T.tensor([1.0, 2.0]), lambda T: {"n": 3}),
    "n=0": (lambda T: T.tensor([1.0, 2.0]), lambda T: {"n": 0}),
    "prepend and append": (
        lambda T: T.tensor([[1.0, 2.0], [3.0, 5.0]]),
        lambda T: {"dim": 1, "prepend": T.zeros(2, 1), "append": T.tensor([[7], [8]])},
    ),
    "integers": (lambda T: T.tensor([1, 5, 2, 2]), lambda T: {}),
    "bools": (lambda T: T.tensor([True, False, False, True]), lambda T: {}),
    "0-d": (lambda T: T.tensor(1.0), lambda T: {}),
    "negative n": (lambda T: T.ones(3), lambda T: {"n": -1}),
    "prepend of other rank": (lambda T: T.ones(3), lambda T: {"prepend": T.zeros(1, 1)}),
    "prepend of other size": (
        lambda T: T.ones(2, 3),
        lambda T: {"dim": 0, "prepend": T.zeros(1, 2)},
    ),
    "dim out of range": (lambda T: T.ones(3), lambda T: {"dim": 1}),
}


@pytest.mark.parametrize("name", DIFFS)
def test_diff_as_pytorch(name: str, conform: Any) -> None:
    make, kwargs = DIFFS[name]

    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = make(T)
        if x.is_floating_point():
            x.requires_grad_()
        y = T.diff(x, **kwargs(T))
        rec(y)
        rec(x.diff(**kwargs(T)))
        if y.requires_grad:
            w = T.arange(float(y.numel())).reshape(y.shape)
            rec(T.autograd.grad((y * w).sum(), x, allow_unused=True)[0])

    conform(program)


X23 = np.arange(6.0, dtype=np.float32).reshape(2, 3)
MORE: dict[str, Callable[[Any, Any], Any]] = {
    "repeat_interleave int": lambda T, x: T.repeat_interleave(x, 2),
    "repeat_interleave dim": lambda T, x: T.repeat_interleave(x, 3, dim=1),
    "repeat_interleave counts": lambda T, x: x.repeat_interleave(T.tensor([1, 2]), dim=0),
    "repeat_interleave one count": lambda T, x: T.repeat_interleave(x, T.tensor([2]), dim=1),
    "repeat_interleave zero": lambda T, x: T.repeat_interleave(x, T.tensor([0, 2]), dim=0),
    "repeat_interleave counts only": lambda T, x: T.repeat_interleave(T.tensor([2, 0, 1])),
    "repeat_interleave bools": lambda T, x: T.repeat_interleave(T.tensor([True, False]), 2),
    "repeat_interleave wrong size": lambda T, x: T.repeat_interleave(x, T.tensor([1, 2, 3]), 0),
    "repeat_interleave negative": lambda T, x: T.repeat_interleave(x, -1),
    "repeat_interleave 2-D counts": lambda T, x: T.repeat_interleave(x, T.tensor([[1]]), dim=0),
    "cross": lambda T, x: T.cross(x, T.tensor([[1.0, 0.0, 2.0]]), dim=1),
    "cross default dim": lambda T, x: T.cross(x.t(), T.ones(3, 2)),
    "cross method": lambda T, x: x.cross(x * x, dim=-1),
    "cross wrong length": lambda T, x: T.cross(T.ones(2, 2), T.ones(2, 2), dim=1),
    "cross float64": lambda T, x: T.cross(x, T.ones(2, 3, dtype=T.float64), dim=1),
    "kron": lambda T, x: T.kron(x, T.tensor([[1.0, -1.0], [2.0, 0.5]])),
    "kron 1-D": lambda T, x: T.kron(x[0], T.tensor([1.0, 2.0])),
    "kron method": lambda T, x: x.kron(T.eye(2)),
    "kron mixed dtypes": lambda T, x: T.kron(x, T.ones(2, dtype=T.float64)),
    "kron integers": lambda T, x: T.kron(T.tensor([1, 2]), T.tensor([[3], [4]])),
}


@pytest.mark.parametrize("name", MORE)
def test_more_ops_as_pytorch(name: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        x = T.tensor(X23, requires_grad=True)
        y = MORE[name](T, x)
        rec(y)
        if y.requires_grad:
            w = T.arange(float(y.numel())).reshape(y.shape)
            (g,) = T.autograd.grad((y * w).sum(), x, create_graph=True)
            rec(g)

    conform(program)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rsqrt_is_the_rsqrt_primitive(dtype: Any) -> None:
    """``torch.rsqrt`` binds ``rsqrt_p`` (not ``1 / sqrt``): its gradient is the
    primitive's, bit for bit; values equal PyTorch's bit for bit, the gradient within
    an ulp (PyTorch computes ``-0.5 * grad * result**3``), the node ``RsqrtBackward0``."""
    import tracegrad as tg
    import tracegrad.torch as T

    values = np.abs(np.random.default_rng(0).standard_normal(200)).astype(dtype) * 10 + 1e-3
    x = T.tensor(values, requires_grad=True)
    y = T.rsqrt(x)
    y.sum().backward()
    primitive_grad = tg.grad(lambda v: tg.numpy.sum(tg.lax.rsqrt(v)))(values)
    np.testing.assert_array_equal(x.grad.numpy(), primitive_grad)
    assert y.grad_fn.name() == "RsqrtBackward0"

    torch = pytest.importorskip("torch")
    xt = torch.tensor(values, requires_grad=True)
    yt = torch.rsqrt(xt)
    yt.sum().backward()
    assert yt.grad_fn.name() == y.grad_fn.name()
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=2 * eps, atol=0)
