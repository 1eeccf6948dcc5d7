"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (``num_layers``, ``bidirectional``,
``batch_first``, ``dropout``, ``proj_size``) and ``RNNCell``, ``LSTMCell``, ``GRUCell``,
with PyTorch's parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), gate order
(LSTM ``i, f, g, o``; GRU ``r, z, n``) and initialisation (uniform in ``±1/sqrt(hidden)``).

One layer in one direction is one recorded operation (the whole time loop is its function,
so its vjp is staged once per shape); layers, directions and dropout are composed with the
shim's ops. The cells are composed of the shim's ops (their nodes are PyTorch's)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch import _arith, creation, dtypes
from tracegrad.torch._shape import cat, stack
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.nn import init
from tracegrad.torch.nn._dropout import dropout
from tracegrad.torch.nn._module import Module, Parameter
from tracegrad.torch.nn.functional import linear
from tracegrad.torch.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pad_packed_sequence,
)
from tracegrad.torch.tensor import Tensor

# Typed Any: the shim's operators on their results are installed at import.
relu: Any = _arith.relu
sigmoid: Any = _arith.sigmoid
tanh: Any = _arith.tanh

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _step(mode: str, gi: Any, h: Any, c: Any, w_hh: Any, b_hh: Any, w_hr: Any) -> tuple[Any, Any]:
    """One time step on arrays: the new ``(h, c)`` from the input's gate pre-activations
    ``gi`` and the previous state."""
    gh = tnp.matmul(h, tnp.transpose(w_hh))
    if b_hh is not None:
        gh = tnp.add(gh, b_hh)
    if mode == "LSTM":
        i, f, g, o = tnp.split(tnp.add(gi, gh), 4, axis=-1)
        c = tnp.add(tnp.multiply(tnn.sigmoid(f), c), tnp.multiply(tnn.sigmoid(i), tnp.tanh(g)))
        h = tnp.multiply(tnn.sigmoid(o), tnp.tanh(c))
        if w_hr is not None:
            h = tnp.matmul(h, tnp.transpose(w_hr))
        return h, c
    if mode == "GRU":
        ir, iz, in_ = tnp.split(gi, 3, axis=-1)
        hr, hz, hn = tnp.split(gh, 3, axis=-1)
        r, z = tnn.sigmoid(tnp.add(ir, hr)), tnn.sigmoid(tnp.add(iz, hz))
        n = tnp.tanh(tnp.add(in_, tnp.multiply(r, hn)))
        return tnp.add(tnp.multiply(tnp.subtract(1.0, z), n), tnp.multiply(z, h)), c
    pre = tnp.add(gi, gh)
    return (tnp.tanh(pre) if mode == "RNN_TANH" else tnn.relu(pre)), c


def _layer_fn(
    x: Any, h: Any, *rest: Any, mode: str, reverse: bool, last: str, bias: bool, proj: bool,
    lengths: tuple[int, ...] | None,
) -> Any:  # fmt: skip
    """One layer in one direction over ``x`` (L, N, H_in): the outputs (L, N, H_out), or
    the last hidden (``last="h"``) or cell (``"c"``) state. With ``lengths`` (of a packed
    batch) a sequence's state stops changing after its last step, its outputs there are 0
    and the reverse direction starts at its last step."""
    args = list(rest)
    c = args.pop(0) if mode == "LSTM" else None
    w_ih, w_hh = args.pop(0), args.pop(0)
    b_ih, b_hh = (args.pop(0), args.pop(0)) if bias else (None, None)
    w_hr = args.pop(0) if proj else None
    gates = tnp.matmul(x, tnp.transpose(w_ih))
    if b_ih is not None:
        gates = tnp.add(gates, b_ih)
    outs = []
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        h_new, c_new = _step(mode, gates[t], h, c, w_hh, b_hh, w_hr)
        if lengths is None:
            h, c = h_new, c_new
            outs.append(h)
            continue
        running = (np.asarray(lengths) > t)[:, None]
        h = tnp.where(running, h_new, h)
        c = c if c is None else tnp.where(running, c_new, c)
        outs.append(tnp.where(running, h_new, tnp.zeros_like(h_new)))
    if last != "out":
        return h if last == "h" else c
    return tnp.stack(outs[::-1] if reverse else outs)


# PyTorch's CPU LSTM without projection runs one oneDNN node per layer; the others stack the
# steps' outputs.
_LAYER = {name: Op(name, _layer_fn) for name in ("MkldnnRnnLayerBackward0", "StackBackward0")}
# GRU and RNN with batch_first end in an in-place transpose.
_TRANSPOSE_ = Op("TransposeBackward1", lambda x: tnp.swapaxes(x, 0, 1))


def _reset(module: Module, hidden_size: int) -> None:
    """PyTorch's initialisation of recurrent weights: all uniform in ``±1/sqrt(hidden)``."""
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for w in module.parameters():
        init.uniform_(w, -stdv, stdv)


def _dtype(dtype: Any) -> dtypes.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def _dims(t: Tensor) -> str:
    return f"{t._value.ndim}-D"


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and
    direction, the checks of the inputs, and the loop over layers."""

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
        bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
        bidirectional: bool = False, proj_size: int = 0, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if not isinstance(dropout, int | float) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                UserWarning,
                stacklevel=3,
            )
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        d = _dtype(dtype)
        gate = _GATES[mode] * hidden_size
        out = proj_size or hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse") if bidirectional else ("",):
                width = input_size if layer == 0 else out * (2 if bidirectional else 1)
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate, width)),
                    ("weight_hh", (gate, out)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    p = Parameter(creation.empty(*shape, dtype=d))
                    self.register_parameter(f"{name}_l{layer}{suffix}", p)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """A no-op (there is no cuDNN weight buffer to compact)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = len(self._parameters) // (self.num_layers * (2 if self.bidirectional else 1))
        ps = list(self._parameters.values())
        return [ps[i : i + per] for i in range(0, len(ps), per)]  # type: ignore[misc]

    def _weights(self, layer: int, suffix: str) -> list[Tensor]:
        names = ["weight_ih", "weight_hh"]
        if self.bias:
            names += ["bias_ih", "bias_hh"]
        if self.proj_size:
            names.append("weight_hr")
        return [self._parameters[f"{n}_l{layer}{suffix}"] for n in names]  # type: ignore[misc]

    def _state_shape(self, batch: int, size: int) -> tuple[int, ...]:
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _check(self, x: Tensor, hx: Any, batched: bool) -> None:
        name = "LSTM" if self.mode == "LSTM" else self.mode.split("_")[0]
        if x._value.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x._value.ndim}D instead")
        if x._value.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x._value.shape[-1]}"
            )
        if hx is None:
            return
        states = list(hx) if isinstance(hx, tuple | list) else [hx]
        want = 3 if batched else 2
        if any(s._value.ndim != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            which = "hx and cx" if self.mode == "LSTM" else "hx"
            got = ", ".join(_dims(s) for s in states)
            got = f"({got})" if self.mode == "LSTM" else got
            raise RuntimeError(
                f"For {kind} input, {which} should also be {want}-D but got {got} tensors"
            )

    def forward(self, input: Any, hx: Any = None) -> Any:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        batched = input._value.ndim == 3
        self._check(input, hx, batched)
        x: Any = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        h0, c0 = self._initial(hx, x._value.shape[1], batched, x)
        output, hidden, cell = self._layers(x, h0, c0, None)
        lstm = self.mode == "LSTM"
        if batched and self.batch_first:
            output = output.transpose(0, 1) if lstm else apply(_TRANSPOSE_, (output,))
        if not batched:
            output, hidden = output.squeeze(1), hidden.squeeze(1)
            cell = None if cell is None else cell.squeeze(1)
        return (output, (hidden, cell)) if lstm else (output, hidden)

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> Any:
        """The layers over a packed batch (sorted by decreasing length): the output packed
        the same way, the final states in the batch's original order."""
        x, lengths = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
        self._check(x, hx, True)
        if hx is not None and packed.sorted_indices is not None:
            order = packed.sorted_indices
            hx = (
                tuple(s.index_select(1, order) for s in hx)
                if isinstance(hx, tuple)
                else hx.index_select(1, order)
            )
        h0, c0 = self._initial(hx, x._value.shape[1], True, x)
        lens = tuple(int(n) for n in lengths._value)
        output, hidden, cell = self._layers(x, h0, c0, lens)
        data = pack_padded_sequence(output, lens).data
        out = PackedSequence(
            data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices
        )
        if packed.unsorted_indices is not None:
            hidden = hidden.index_select(1, packed.unsorted_indices)
            cell = None if cell is None else cell.index_select(1, packed.unsorted_indices)
        return (out, (hidden, cell)) if self.mode == "LSTM" else (out, hidden)

    def _layers(
        self, x: Any, h0: Any, c0: Any, lengths: tuple[int, ...] | None
    ) -> tuple[Any, Any, Any]:
        """Every layer and direction over the time-major batch ``x``: the last layer's
        output and the stacked final hidden (and cell) states."""
        lstm = self.mode == "LSTM"
        dirs = ("", "_reverse") if self.bidirectional else ("",)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for k, suffix in enumerate(dirs):
                i = layer * len(dirs) + k
                state = [h0[i], c0[i]] if lstm else [h0[i]]
                args = (x, *state, *self._weights(layer, suffix))
                params = {"mode": self.mode, "reverse": bool(suffix), "bias": self.bias,
                          "proj": bool(self.proj_size), "lengths": lengths}  # fmt: skip
                name = (
                    "MkldnnRnnLayerBackward0" if lstm and not self.proj_size else "StackBackward0"
                )
                out: Any = apply(_LAYER[name], args, last="out", **params)
                outs.append(out)
                if lengths is None:
                    h_n.append(out[0] if suffix else out[-1])
                else:
                    h_n.append(apply(_LAYER["StackBackward0"], args, last="h", **params))
                if lstm:
                    c_n.append(apply(_LAYER["StackBackward0"], args, last="c", **params))
            x = outs[0] if len(outs) == 1 else cat(outs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        return x, stack(h_n), (stack(c_n) if lstm else None)

    def _initial(self, hx: Any, n: int, batched: bool, x: Tensor) -> tuple[Any, Any]:
        out = self.proj_size or self.hidden_size
        h_shape, c_shape = self._state_shape(n, out), self._state_shape(n, self.hidden_size)
        d = x.dtype
        if hx is None:
            h0 = creation.zeros(*h_shape, dtype=d)
            return h0, (creation.zeros(*c_shape, dtype=d) if self.mode == "LSTM" else None)
        states = list(hx) if isinstance(hx, tuple | list) else [hx]
        if not batched:
            states = [s.unsqueeze(1) for s in states]
        for k, (s, want) in enumerate(zip(states, (h_shape, c_shape), strict=False)):
            if tuple(s._value.shape) != want:
                which = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"Expected {which} size {want}, got {list(s._value.shape)}")
        return states[0], (states[1] if self.mode == "LSTM" else None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """An Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU).

    >>> import tracegrad.torch as torch
    >>> rnn = torch.nn.RNN(3, 4, num_layers=2)
    >>> out, h = rnn(torch.zeros(5, 2, 3))
    >>> out.shape, h.shape
    (torch.Size([5, 2, 4]), torch.Size([2, 2, 4]))
    """

    def __init__(self, *args: Any, nonlinearity: str = "tanh", **kwargs: Any) -> None:
        if len(args) > 3:  # PyTorch's positional order: (input, hidden, layers, nonlinearity)
            nonlinearity, args = args[3], args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(f"RNN_{nonlinearity.upper()}", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, gates ``i, f, g, o`` (PyTorch's order), an optional
    projection ``proj_size``; returns ``output, (h_n, c_n)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    LSTM(3, 4, batch_first=True, bidirectional=True)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates ``r, z, n`` (PyTorch's order and formula for ``n``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("GRU", *args, **kwargs)


# ---- cells ---------------------------------------------------------------------------------


class RNNCellBase(Module):
    """The parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` of a cell."""

    _name = ""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        d = _dtype(dtype)
        gate = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(gate, input_size, dtype=d))
        self.weight_hh = Parameter(creation.empty(gate, hidden_size, dtype=d))
        if bias:
            self.bias_ih = Parameter(creation.empty(gate, dtype=d))
            self.bias_hh = Parameter(creation.empty(gate, dtype=d))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Any, list[Any], bool]:
        """The batched input and states (zeros if absent), and whether it was batched."""
        n = input._value.ndim
        if n not in (1, 2):
            raise ValueError(f"{self._name}: Expected input to be 1D or 2D, got {n}D instead")
        if input._value.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input._value.shape[-1]} expected "
                f"{self.input_size}"
            )
        batched = n == 2
        x: Any = input if batched else input.unsqueeze(0)  # type: ignore[attr-defined]
        count = 2 if isinstance(self, LSTMCell) else 1
        if hx is None:
            zeros = creation.zeros(x._value.shape[0], self.hidden_size, dtype=input.dtype)
            return x, [zeros] * count, batched
        states = list(hx) if isinstance(hx, tuple | list) else [hx]
        if not batched:
            states = [s.unsqueeze(0) for s in states]
        for k, s in enumerate(states):
            if s._value.shape[0] != x._value.shape[0]:
                raise RuntimeError(
                    f"Input batch size {x._value.shape[0]} doesn't match hidden{k} batch size "
                    f"{s._value.shape[0]}"
                )
        return x, states, batched

    def _gates(self, x: Any, h: Any) -> tuple[Any, Any]:  # Any: the shim's operators
        return linear(x, self.weight_ih, self.bias_ih), linear(h, self.weight_hh, self.bias_hh)


def _unbatch(t: Any, batched: bool) -> Any:
    return t if batched else t.squeeze(0)


class RNNCell(RNNCellBase):
    """One step of ``RNN``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.RNNCell(3, 4, nonlinearity="relu")
    RNNCell(3, 4, nonlinearity=relu)
    """

    _name = "RNNCell"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True,
        nonlinearity: str = "tanh", device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        x, (h,), batched = self._prepare(input, hx)
        gi, gh = self._gates(x, h)
        act = tanh if self.nonlinearity == "tanh" else relu
        return _unbatch(act(gi + gh), batched)


class LSTMCell(RNNCellBase):
    """One step of ``LSTM``; returns ``(h', c')``."""

    _name = "LSTMCell"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        x, (h, c), batched = self._prepare(input, hx)
        gi, gh = self._gates(x, h)
        i, f, g, o = (gi + gh).chunk(4, 1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h = sigmoid(o) * tanh(c)
        return _unbatch(h, batched), _unbatch(c, batched)


class GRUCell(RNNCellBase):
    """One step of ``GRU``."""

    _name = "GRUCell"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        x, (h,), batched = self._prepare(input, hx)
        gi, gh = self._gates(x, h)
        ir, iz, in_ = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        n = tanh(in_ + r * hn)
        return _unbatch((1 - z) * n + z * h, batched)
