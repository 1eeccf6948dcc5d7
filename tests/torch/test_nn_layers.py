"""``torch.nn`` layers against PyTorch: the same module (weights copied from PyTorch's via
``load_state_dict``) on the same input gives the same output, ``grad_fn`` name, input and
parameter gradients, running statistics, printout and ``state_dict`` keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X3 = RNG.standard_normal((4, 3, 5)).astype(np.float32)
X4 = RNG.standard_normal((2, 4, 3, 3)).astype(np.float32)


def copy_weights(ours: Any, theirs: Any) -> None:
    """Load PyTorch's parameters and buffers (through NumPy) into our module."""
    state = {k: tt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    assert repr(ours.load_state_dict(state)) == "<All keys matched successfully>"


def close(a: Any, b: Any, tol: float = 1e-4) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def compare_module(
    make: Callable[[Any], Any],
    inputs: Callable[[Any], tuple[Any, ...]],
    steps: int = 2,
    tol: float = 1e-4,
) -> None:
    """Build the module on both sides, copy PyTorch's weights into ours, then per step run
    forward (training, then eval at the end) and backward of a weighted sum of the output."""
    torch.manual_seed(0)
    theirs = make(torch)
    ours = make(tt)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    for step in range(steps + 1):
        if step == steps:
            ours.eval()
            theirs.eval()
        results = []
        for T, m in ((tt, ours), (torch, theirs)):
            xs = inputs(T)
            out = m(*xs)
            first = out[0] if isinstance(out, tuple) else out
            weight = T.tensor(np.linspace(-1, 1, first.numel(), dtype=np.float32))
            (first.reshape(-1) * weight).sum().backward()
            grads = [x.grad for x in xs if isinstance(x, T.Tensor) and x.requires_grad]
            results.append((m, out, first, grads))
        (m1, out1, f1, g1), (m2, out2, f2, g2) = results
        assert type(f1.grad_fn).__name__ == type(f2.grad_fn).__name__
        close(f1, f2, tol)
        if isinstance(out1, tuple):
            for a, b in zip(out1[1:], out2[1:], strict=True):
                for u, v in zip(_flat(a), _flat(b), strict=True):
                    close(u, v, tol)
        for a, b in zip(g1, g2, strict=True):
            close(a, b, tol)
        for (n1, p1), (n2, p2) in zip(m1.named_parameters(), m2.named_parameters(), strict=True):
            assert n1 == n2
            close(p1.grad, p2.grad, tol)
        for (n1, b1), (n2, b2) in zip(m1.named_buffers(), m2.named_buffers(), strict=True):
            assert n1 == n2
            close(b1, b2, tol)
        ours.zero_grad()
        theirs.zero_grad()


def _flat(x: Any) -> list[Any]:
    return [y for z in x for y in _flat(z)] if isinstance(x, tuple | list) else [x]


def x3(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X3, requires_grad=True),)


def x4(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X4, requires_grad=True),)


NORMS: list[tuple[str, Callable[[Any], Any], Callable[[Any], tuple[Any, ...]]]] = [
    ("layer_norm", lambda T: T.nn.LayerNorm(5), x3),
    ("layer_norm_2d_nobias", lambda T: T.nn.LayerNorm([3, 5], bias=False), x3),
    ("layer_norm_plain", lambda T: T.nn.LayerNorm(5, elementwise_affine=False), x3),
    ("rms_norm", lambda T: T.nn.RMSNorm(5), x3),
    ("rms_norm_eps", lambda T: T.nn.RMSNorm([3, 5], eps=1e-3), x3),
    ("group_norm", lambda T: T.nn.GroupNorm(2, 4), x4),
    ("group_norm_3", lambda T: T.nn.GroupNorm(3, 3, affine=False), x3),
    ("batch_norm_1d", lambda T: T.nn.BatchNorm1d(3), x3),
    ("batch_norm_1d_2d_input", lambda T: T.nn.BatchNorm1d(3), lambda T: (T.tensor(X3[:, :, 0]),)),
    ("batch_norm_cumulative", lambda T: T.nn.BatchNorm1d(3, momentum=None), x3),
    ("batch_norm_untracked", lambda T: T.nn.BatchNorm1d(3, track_running_stats=False), x3),
    ("batch_norm_2d", lambda T: T.nn.BatchNorm2d(4, affine=False, momentum=0.3), x4),
    ("instance_norm_1d", lambda T: T.nn.InstanceNorm1d(3), x3),
    (
        "instance_norm_2d_tracked",
        lambda T: T.nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
        x4,
    ),
]


@pytest.mark.parametrize(("name", "make", "inputs"), NORMS, ids=[n for n, _, _ in NORMS])
def test_normalization_layers(name: str, make: Any, inputs: Any) -> None:
    compare_module(make, inputs)


BAD = {
    "layer_norm_shape": lambda T: T.nn.functional.layer_norm(T.zeros(2, 3), (4,)),
    "layer_norm_weight": lambda T: T.nn.functional.layer_norm(T.zeros(2, 3), (3,), T.ones(4)),
    "rms_norm_shape": lambda T: T.nn.functional.rms_norm(T.zeros(2, 3), (4,)),
    "group_norm_groups": lambda T: T.nn.functional.group_norm(T.zeros(2, 3, 4), 2),
    "group_norm_module": lambda T: T.nn.GroupNorm(2, 3),
    "batch_norm_one_value": lambda T: T.nn.BatchNorm1d(3)(T.zeros(1, 3)),
    "batch_norm_dims": lambda T: T.nn.BatchNorm1d(3)(T.zeros(1, 3, 2, 2)),
    "batch_norm_2d_dims": lambda T: T.nn.BatchNorm2d(3)(T.zeros(2, 3, 2)),
    "batch_norm_stats_size": lambda T: T.nn.BatchNorm1d(4)(T.zeros(2, 3, 2)),
    "instance_norm_one": lambda T: T.nn.InstanceNorm1d(3)(T.zeros(2, 3, 1)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_normalization_errors(case: str) -> None:
    same_error(BAD[case])


def test_functional_batch_norm_updates_running_stats_in_place() -> None:
    results = []
    for T in (tt, torch):
        rm, rv = T.zeros(3), T.ones(3)
        x = T.tensor(X3, requires_grad=True)
        w = T.ones(3, requires_grad=True)
        y = T.nn.functional.batch_norm(x, rm, rv, w, None, training=True, momentum=0.2)
        y.sum().backward()
        results.append((y, rm, rv, rm._version, w.grad))
    for a, b in zip(*results, strict=True):
        if isinstance(a, int):
            assert a == b
        else:
            close(a, b)


IDX = np.array([[1, 2, 1], [0, 5, 1]])


def idx(T: Any) -> tuple[Any, ...]:
    return (T.tensor(IDX),)


OTHERS: list[tuple[str, Callable[[Any], Any], Callable[[Any], tuple[Any, ...]]]] = [
    ("embedding", lambda T: T.nn.Embedding(6, 3), idx),
    ("embedding_padding", lambda T: T.nn.Embedding(6, 3, padding_idx=1), idx),
    ("embedding_negative_padding", lambda T: T.nn.Embedding(6, 3, padding_idx=-1), idx),
    ("embedding_freq", lambda T: T.nn.Embedding(6, 3, scale_grad_by_freq=True), idx),
    ("embedding_max_norm", lambda T: T.nn.Embedding(6, 3, max_norm=0.5, norm_type=1.0), idx),
    (
        "bilinear",
        lambda T: T.nn.Bilinear(5, 5, 2),
        lambda T: (T.tensor(X3, requires_grad=True), T.tensor(X3[::-1].copy())),
    ),
    (
        "bilinear_nobias",
        lambda T: T.nn.Bilinear(5, 5, 2, bias=False),
        lambda T: (T.tensor(X3[0], requires_grad=True), T.tensor(X3[1], requires_grad=True)),
    ),
    ("unflatten", lambda T: T.nn.Unflatten(-1, (1, -1)), x3),
    ("dropout_eval_is_identity", lambda T: T.nn.Sequential(T.nn.Dropout(0.0), T.nn.Tanh()), x3),
]


@pytest.mark.parametrize(("name", "make", "inputs"), OTHERS, ids=[n for n, _, _ in OTHERS])
def test_other_layers(name: str, make: Any, inputs: Any) -> None:
    compare_module(make, inputs)


def test_embedding_from_pretrained_and_max_norm_in_place() -> None:
    got = []
    for T in (tt, torch):
        table = T.ones(4, 2) * 3
        e = T.nn.Embedding.from_pretrained(table, freeze=False, max_norm=1.0, padding_idx=1)
        y = e(T.tensor([0, 1, 0]))
        y.sum().backward()
        frozen = T.nn.Embedding.from_pretrained(T.ones(4, 2))
        got.append([repr(e), y, e.weight, e.weight.grad, frozen.weight.requires_grad])
    for a, b in zip(*got, strict=True):
        if isinstance(a, str | bool):
            assert a == b
        else:
            close(a, b)


def test_dropout_masks_scale_and_shape() -> None:
    """After one seed, every dropout draws PyTorch's mask (``bernoulli_(1 - p)`` from the
    same generator): values, nodes and gradients equal PyTorch's."""
    import warnings

    x = tt.ones(8, 6, 5, 5, requires_grad=True)
    names = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout")
    for name in (*names, "feature_alpha_dropout"):
        for shape in ((8, 6, 5, 5), (3, 4, 5), (6,)):
            if (name != "dropout" and len(shape) == 1) or (name == "dropout1d" and len(shape) == 4):
                continue
            tt.manual_seed(0)
            torch.manual_seed(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                xs = tt.ones(*shape, requires_grad=True)
                y = getattr(tt.nn.functional, name)(xs, 0.3, training=True)
                rs = torch.ones(*shape, requires_grad=True)
                ref = getattr(torch.nn.functional, name)(rs, 0.3, training=True)
            assert type(y.grad_fn).__name__ == type(ref.grad_fn).__name__
            np.testing.assert_array_equal(y.detach().numpy(), ref.detach().numpy())
            (g,) = tt.autograd.grad(y.sum(), xs)
            (rg,) = torch.autograd.grad(ref.sum(), rs)
            np.testing.assert_allclose(g.numpy(), rg.numpy(), rtol=1e-6)
    assert tt.nn.functional.alpha_dropout(x, 0.3) is x  # training=False by default
    xc = tt.ones(3, 4, requires_grad=True).clone()
    assert tt.nn.functional.dropout(xc, 0.5, inplace=True) is xc
    assert type(xc.grad_fn).__name__ == "MulBackward0"


def _dropout_reprs(T: Any) -> list[str]:
    nn = T.nn
    mods = [nn.Dropout(), nn.Dropout(0.2, True), nn.Dropout1d(), nn.Dropout2d(0.3),
            nn.Dropout3d(), nn.AlphaDropout(0.2), nn.FeatureAlphaDropout()]  # fmt: skip
    return [repr(m) for m in mods]


def test_dropout_modules_print_and_check_p() -> None:
    assert _dropout_reprs(tt) == _dropout_reprs(torch)


MORE_BAD = {
    "dropout_p": lambda T: T.nn.Dropout(1.5),
    "dropout1d_dims": lambda T: T.nn.functional.dropout1d(T.ones(2, 2, 2, 2)),
    "embedding_float_index": lambda T: T.nn.functional.embedding(T.tensor([1.0]), T.ones(3, 2)),
    "embedding_out_of_range": lambda T: T.nn.functional.embedding(T.tensor([7]), T.ones(3, 2)),
    "embedding_padding": lambda T: T.nn.Embedding(5, 3, padding_idx=5),
    "embedding_pretrained_1d": lambda T: T.nn.Embedding.from_pretrained(T.zeros(3)),
    "one_hot_range": lambda T: T.nn.functional.one_hot(T.tensor([1, 5]), 3),
    "one_hot_float": lambda T: T.nn.functional.one_hot(T.tensor([1.0])),
    "unflatten_sizes": lambda T: T.nn.Unflatten(1, (2, 2))(T.zeros(2, 3)),
    "unflatten_type": lambda T: T.nn.Unflatten(1, ((2, 2),)),
}


@pytest.mark.parametrize("case", list(MORE_BAD))
def test_layer_errors(case: str) -> None:
    same_error(MORE_BAD[case])


def test_one_hot() -> None:
    for args in ((np.array([0, 2]),), (np.array([[0], [2]]), 4), (np.zeros((0,), np.int64), 3)):
        a = tt.nn.functional.one_hot(tt.tensor(args[0]), *args[1:])
        b = torch.nn.functional.one_hot(torch.tensor(args[0]), *args[1:])
        assert a.dtype == tt.int64 and np.array_equal(a.numpy(), b.numpy())
