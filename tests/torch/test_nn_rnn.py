"""``RNN``, ``LSTM``, ``GRU`` and their cells against PyTorch: weights copied from PyTorch's
module, the same outputs, final states, ``grad_fn`` names, and gradients of the inputs,
initial states and every parameter; PyTorch's parameter names, printouts and errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tests.torch.conftest import same_error

import tracegrad.torch as tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 2, 3)).astype(np.float32)
H = np.full((2, 2, 4), 0.5, np.float32)
C = np.full((2, 2, 4), -0.3, np.float32)


def _leaves(x: Any) -> list[Any]:
    return [y for z in x for y in _leaves(z)] if isinstance(x, tuple | list) else [x]


def compare(make: Callable[[Any], Any], inputs: Callable[[Any], tuple[Any, ...]]) -> None:
    torch.manual_seed(0)
    theirs, ours = make(torch), make(tt)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    state = {k: tt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    got = []
    for T, m in ((tt, ours), (torch, theirs)):
        xs = inputs(T)
        outs = _leaves(m(*xs))
        loss = sum(
            (o * T.tensor(np.linspace(-1, 1, o.numel(), dtype=np.float32)).reshape(o.shape)).sum()
            for o in outs
        )
        loss.backward()
        leaves = [x for x in _leaves(xs) if x.requires_grad]
        got.append(
            (
                [type(o.grad_fn).__name__ for o in outs],
                [o.detach().numpy() for o in outs]
                + [x.grad.numpy() for x in leaves]
                + [p.grad.numpy() for p in m.parameters()],
            )
        )
    (names1, arrays1), (names2, arrays2) = got
    assert names1 == names2
    assert len(arrays1) == len(arrays2)
    for a, b in zip(arrays1, arrays2, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def seq(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X, requires_grad=True),)


def seq_and_state(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X, requires_grad=True), T.tensor(H, requires_grad=True))


def seq_and_lstm_state(T: Any) -> tuple[Any, ...]:
    h, c = T.tensor(H, requires_grad=True), T.tensor(C, requires_grad=True)
    return (T.tensor(X, requires_grad=True), (h, c))


def unbatched(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X[:, 0], requires_grad=True),)


def unbatched_state(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X[:, 0], requires_grad=True), T.tensor(H[:, 0], requires_grad=True))


LAYERS: list[tuple[str, Callable[[Any], Any], Callable[[Any], tuple[Any, ...]]]] = [
    ("rnn", lambda T: T.nn.RNN(3, 4), seq),
    ("rnn_relu_positional", lambda T: T.nn.RNN(3, 4, 2, "relu"), seq_and_state),
    ("rnn_deep_bidirectional", lambda T: T.nn.RNN(3, 4, num_layers=3, bidirectional=True), seq),
    ("lstm", lambda T: T.nn.LSTM(3, 4), seq),
    ("lstm_state", lambda T: T.nn.LSTM(3, 4, num_layers=2), seq_and_lstm_state),
    ("lstm_bidirectional", lambda T: T.nn.LSTM(3, 4, num_layers=2, bidirectional=True), seq),
    ("lstm_batch_first", lambda T: T.nn.LSTM(3, 4, batch_first=True), seq),
    ("lstm_proj", lambda T: T.nn.LSTM(3, 4, proj_size=2, bidirectional=True), seq),
    ("lstm_unbatched", lambda T: T.nn.LSTM(3, 4), unbatched),
    ("gru", lambda T: T.nn.GRU(3, 4), seq),
    ("gru_no_bias_batch_first", lambda T: T.nn.GRU(3, 4, bias=False, batch_first=True), seq),
    ("gru_unbatched_state", lambda T: T.nn.GRU(3, 4, num_layers=2), unbatched_state),
    ("gru_dropout_eval", lambda T: T.nn.GRU(3, 4, num_layers=2, dropout=0.5).eval(), seq),
]


@pytest.mark.parametrize(("name", "make", "inputs"), LAYERS, ids=[n for n, _, _ in LAYERS])
def test_recurrent_layers(name: str, make: Any, inputs: Any) -> None:
    compare(make, inputs)


def cell_input(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X[0], requires_grad=True),)


def cell_unbatched(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X[0, 0], requires_grad=True),)


def cell_state(T: Any) -> tuple[Any, ...]:
    return (T.tensor(X[0], requires_grad=True), T.tensor(H[0], requires_grad=True))


def lstm_cell_state(T: Any) -> tuple[Any, ...]:
    h, c = T.tensor(H[0], requires_grad=True), T.tensor(C[0])
    return (T.tensor(X[0], requires_grad=True), (h, c))


CELLS: list[tuple[str, Callable[[Any], Any], Callable[[Any], tuple[Any, ...]]]] = [
    ("rnn_cell", lambda T: T.nn.RNNCell(3, 4), cell_state),
    ("rnn_cell_relu", lambda T: T.nn.RNNCell(3, 4, nonlinearity="relu"), cell_input),
    ("rnn_cell_unbatched", lambda T: T.nn.RNNCell(3, 4), cell_unbatched),
    ("lstm_cell", lambda T: T.nn.LSTMCell(3, 4), cell_input),
    ("lstm_cell_state", lambda T: T.nn.LSTMCell(3, 4), lstm_cell_state),
    ("lstm_cell_unbatched", lambda T: T.nn.LSTMCell(3, 4), cell_unbatched),
    ("gru_cell", lambda T: T.nn.GRUCell(3, 4, bias=False), cell_state),
    ("gru_cell_unbatched", lambda T: T.nn.GRUCell(3, 4), cell_unbatched),
]


@pytest.mark.parametrize(("name", "make", "inputs"), CELLS, ids=[n for n, _, _ in CELLS])
def test_cells(name: str, make: Any, inputs: Any) -> None:
    compare(make, inputs)


def test_initialisation_bounds_and_dropout_between_layers() -> None:
    m = tt.nn.LSTM(3, 16, num_layers=2, dropout=0.5)
    for p in m.parameters():
        v = p.detach().numpy()
        assert np.abs(v).max() <= 0.25 and np.abs(v).max() > 0.2
    x = tt.tensor(X)
    train1, train2 = m(x)[0], m(x)[0]
    m.eval()
    eval1, eval2 = m(x)[0], m(x)[0]
    assert tt.equal(eval1, eval2) and not tt.equal(train1, train2)


BAD = {
    "input_size": lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 2, 4)),
    "hidden_shape": lambda T: T.nn.LSTM(3, 4, num_layers=2)(
        T.zeros(5, 2, 3), (T.zeros(2, 3, 4), T.zeros(2, 2, 4))
    ),
    "input_dims": lambda T: T.nn.LSTM(3, 4)(T.zeros(1, 5, 2, 3)),
    "gru_hidden": lambda T: T.nn.GRU(3, 4)(T.zeros(5, 2, 3), T.zeros(1, 2, 5)),
    "state_dims": lambda T: T.nn.LSTM(3, 4)(T.zeros(5, 2, 3), (T.zeros(2, 4), T.zeros(2, 4))),
    "unbatched_state_dims": lambda T: T.nn.LSTM(3, 4)(
        T.zeros(5, 3), (T.zeros(1, 1, 4), T.zeros(1, 1, 4))
    ),
    "nonlinearity": lambda T: T.nn.RNN(3, 4, nonlinearity="foo"),
    "dropout": lambda T: T.nn.GRU(3, 4, dropout=2),
    "proj_gru": lambda T: T.nn.GRU(3, 4, proj_size=2),
    "cell_input_size": lambda T: T.nn.RNNCell(3, 4)(T.zeros(2, 4)),
    "cell_batch": lambda T: T.nn.RNNCell(3, 4)(T.zeros(2, 3), T.zeros(3, 4)),
    "cell_dims": lambda T: T.nn.LSTMCell(3, 4)(T.zeros(2, 2, 3)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_errors(case: str) -> None:
    same_error(BAD[case])


def test_reprs_and_dropout_warning() -> None:
    def reprs(T: Any) -> list[str]:
        nn = T.nn
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mods = [
                nn.RNN(3, 4), nn.RNN(3, 4, nonlinearity="relu"),
                nn.LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True),
                nn.GRU(3, 4, bias=False), nn.LSTM(3, 4, proj_size=2), nn.GRU(3, 4, dropout=0.2),
                nn.RNNCell(3, 4), nn.LSTMCell(3, 4), nn.GRUCell(3, 4, bias=False),
                nn.RNNCell(3, 4, nonlinearity="relu"),
            ]  # fmt: skip
        return [repr(m) for m in mods] + [str(w.message) for w in caught]

    assert reprs(tt) == reprs(torch)


# ---- packed sequences ----------------------------------------------------------------------

SEQS = [RNG.standard_normal((n, 3)).astype(np.float32) for n in (5, 3, 2)]
PACKED: list[tuple[str, Callable[[Any], Any]]] = [
    ("gru_2_layers", lambda T: T.nn.GRU(3, 4, num_layers=2)),
    ("lstm_bidirectional", lambda T: T.nn.LSTM(3, 4, bidirectional=True)),
    (
        "rnn_batch_first_bidirectional",
        lambda T: T.nn.RNN(3, 4, bidirectional=True, batch_first=True),
    ),
    ("lstm_proj", lambda T: T.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)),
]


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1)])
@pytest.mark.parametrize(("name", "make"), PACKED, ids=[n for n, _ in PACKED])
def test_packed_sequences(name: str, make: Any, order: tuple[int, ...], with_state: bool) -> None:
    theirs, ours = make(torch), make(tt)
    ours.load_state_dict({k: tt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    seqs = [SEQS[i] for i in order]
    got = []
    for T, m in ((tt, ours), (torch, theirs)):
        xs = [T.tensor(s, requires_grad=True) for s in seqs]
        padded = T.nn.utils.rnn.pad_sequence(xs, batch_first=m.batch_first)
        lengths = [len(s) for s in seqs]
        packed = T.nn.utils.rnn.pack_padded_sequence(
            padded, lengths, batch_first=m.batch_first, enforce_sorted=order == (0, 1, 2)
        )
        n_states = m.num_layers * (2 if m.bidirectional else 1)
        size = m.proj_size or m.hidden_size
        hx = None
        if with_state:
            h0 = T.full((n_states, 3, size), 0.3, requires_grad=True)
            hx = (h0, T.full((n_states, 3, 4), -0.2)) if isinstance(m, T.nn.LSTM) else h0
        out, hidden = m(packed, hx)
        unpacked, lens = T.nn.utils.rnn.pad_packed_sequence(out, batch_first=m.batch_first)
        h = hidden[0] if isinstance(hidden, tuple) else hidden
        c = hidden[1] if isinstance(hidden, tuple) else h
        (unpacked.sum() + (h * h).sum() + c.sum() * 0.5).backward()
        arrays = [packed.batch_sizes, packed.data, unpacked, lens, h, c, *[x.grad for x in xs]]
        arrays += [p.grad for p in m.parameters()]
        got.append([type(padded.grad_fn).__name__] + [a.detach().numpy() for a in arrays])
    assert got[0][0] == got[1][0]
    for a, b in zip(got[0][1:], got[1][1:], strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_pack_utilities() -> None:
    got = []
    for T in (tt, torch):
        rnn = T.nn.utils.rnn
        p = rnn.pack_sequence([T.tensor([1.0, 2, 3]), T.tensor([4.0, 5])])
        padded, lens = rnn.pad_packed_sequence(p, total_length=4, padding_value=-1)
        left = rnn.pad_sequence([T.ones(2), T.ones(3)], padding_side="left")
        got.append([a.numpy() for a in (p.data, p.batch_sizes, padded, lens, left)])
    for a, b in zip(*got, strict=True):
        np.testing.assert_array_equal(a, b)
    same_error(lambda T: T.nn.utils.rnn.pack_padded_sequence(T.zeros(3, 2), [1, 2]))
    same_error(lambda T: T.nn.utils.rnn.pack_padded_sequence(T.zeros(3, 2), [2, 0]))
