"""Staged forwards (``Op(..., staged=True)``): from the second call at a signature on, a
composite operation's forward runs as compiled code staged from its function, with the
eager call's results bit for bit; what cannot be staged stays eager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.numpy as tnp
import tracegrad.torch as tt
from tracegrad.torch import graph

F = tt.nn.functional
RNG = np.random.default_rng(5)
LOGITS = RNG.standard_normal((6, 4)).astype(np.float32) * 3
TARGET = np.array([0, 3, 1, 1, -100, 2])
PROBS = RNG.dirichlet(np.ones(4), 6).astype(np.float32)
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5], np.float32)

CALLS: dict[str, Callable[[Any], Any]] = {
    "log_softmax": lambda x: F.log_softmax(x, dim=1),
    "softmax": lambda x: F.softmax(x, dim=0),
    "cross_entropy": lambda x: F.cross_entropy(x, tt.tensor(TARGET)),
    "weighted, smoothed": lambda x: F.cross_entropy(
        x, tt.tensor(TARGET), weight=tt.tensor(WEIGHT), label_smoothing=0.2, reduction="sum"
    ),
    "probabilities": lambda x: F.cross_entropy(x, tt.tensor(PROBS)),
    "nll_loss none": lambda x: F.nll_loss(x, tt.tensor(TARGET), reduction="none"),
    "logsumexp": lambda x: tt.logsumexp(x, 1),
    "erf": lambda x: tt.erf(x),
    "gelu": lambda x: F.gelu(x),
    "gelu tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": lambda x: F.silu(x),
    "softplus": lambda x: F.softplus(x, beta=2.0, threshold=3.0),
    "logsigmoid": lambda x: F.logsigmoid(x),
    "elu": lambda x: F.elu(x, alpha=0.5),
    "bce": lambda x: F.binary_cross_entropy(tt.sigmoid(x), tt.tensor(PROBS[:, [0] * 4])),
    "bce with logits": lambda x: F.binary_cross_entropy_with_logits(
        x, tt.tensor(PROBS), pos_weight=tt.tensor(WEIGHT)
    ),
    "smooth_l1": lambda x: F.smooth_l1_loss(x, tt.tensor(PROBS), beta=0.5),
    "huber": lambda x: F.huber_loss(x, tt.tensor(PROBS), reduction="sum", delta=2.0),
    "kl_div": lambda x: F.kl_div(F.log_softmax(x, 1), tt.tensor(PROBS), reduction="batchmean"),
}


@pytest.mark.parametrize("name", CALLS)
def test_compiled_forward_equals_the_eager_one(name: str) -> None:
    call = CALLS[name]
    x = tt.tensor(LOGITS, requires_grad=True)
    first = call(x)
    later = [call(x) for _ in range(3)]
    for out in later:
        np.testing.assert_array_equal(out.detach().numpy(), first.detach().numpy())
        assert out.dtype == first.dtype and out.grad_fn.name() == first.grad_fn.name()
    op = first.grad_fn.plan.op
    assert op.staged and any(k[0] is op and callable(v) for k, v in graph._FORWARDS.items())
    # the gradient through the compiled forward's node is the eager one's
    (g_first,) = tt.autograd.grad(first.sum(), x)
    (g_later,) = tt.autograd.grad(later[-1].sum(), x)
    np.testing.assert_array_equal(g_first.numpy(), g_later.numpy())


def test_second_call_compiles_and_one_off_signatures_do_not() -> None:
    op = graph.Op("ExpBackward0", lambda x: tnp.exp(tnp.sin(x)), staged=True)
    x = np.linspace(0, 1, 7, dtype=np.float32)
    key = (op, (), ((x.shape, x.dtype),))
    graph.apply(op, (tt.tensor(x),))
    assert graph._FORWARDS.get(key) is graph._SEEN  # one call: nothing staged
    eager = graph.apply(op, (tt.tensor(x),))
    assert callable(graph._FORWARDS.get(key))
    compiled = graph.apply(op, (tt.tensor(x),))
    np.testing.assert_array_equal(compiled.numpy(), eager.numpy())


def test_value_dependent_functions_stay_eager() -> None:
    def fn(x: Any) -> Any:  # Python control flow on values: cannot be staged
        return tnp.exp(x) if float(tnp.sum(x)) > 0 else tnp.negative(x)

    op = graph.Op("ExpBackward0", fn, staged=True)
    x = np.array([1.0, 2.0], np.float32)
    results = [graph.apply(op, (tt.tensor(v),)).numpy() for v in (x, -x, x, -x)]
    assert graph._FORWARDS.get((op, (), ((x.shape, x.dtype),))) is graph._EAGER
    np.testing.assert_array_equal(results[2], np.exp(x))
    np.testing.assert_array_equal(results[3], x)


def test_traced_inputs_take_the_function() -> None:
    f = lambda t: F.log_softmax(t, dim=0).sum()
    x = tt.tensor([1.0, 2.0, 3.0])
    for _ in range(3):
        g = tt.func.grad(f)(x)
    softmax = np.exp(x.numpy()) / np.exp(x.numpy()).sum()
    np.testing.assert_allclose(g.numpy(), 1 - 3 * softmax, rtol=1e-6)


def test_programs_that_return_an_input_or_a_constant_stay_eager() -> None:
    # A compiled result must be a new array: the tensor it becomes may be written in place.
    x = np.array([1.0, 2.0], np.float32)
    for fn in (lambda a: a, lambda a: tnp.zeros((2,), np.float32)):
        op = graph.Op("AliasBackward0", fn, staged=True)
        outs = [graph.apply(op, (tt.tensor(x),)) for _ in range(3)]
        assert graph._FORWARDS.get((op, (), ((x.shape, x.dtype),))) is graph._EAGER
        np.testing.assert_array_equal(outs[-1].numpy(), fn(x))
