"""``torch.nn.utils.rnn``: ``PackedSequence``, ``pad_sequence``, ``pack_padded_sequence``,
``pad_packed_sequence`` and ``pack_sequence``. A packed sequence holds the valid steps of a
batch of sequences sorted by decreasing length, time-major: ``batch_sizes[t]`` rows for
step ``t``. The recurrent layers accept it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import creation
from tracegrad.torch._common import cast
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap


class PackedSequence(NamedTuple):
    """The packed rows (``data``), the number of sequences still running at each step
    (``batch_sizes``) and the permutation that sorted the batch (and its inverse)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _pack_fn(x: Any, sizes: tuple[int, ...]) -> Any:
    return tnp.concatenate([x[t, :b] for t, b in enumerate(sizes)], axis=0)


def _unpack_fn(data: Any, sizes: tuple[int, ...], total: int, value: float) -> Any:
    rows, start = [], 0
    fill = cast(np.asarray(value), data.dtype)
    for b in sizes:
        step = data[start : start + b]
        start += b
        if b < sizes[0]:
            pad = tnp.broadcast_to(fill, (sizes[0] - b, *data.shape[1:]))
            step = tnp.concatenate([step, pad], axis=0)
        rows.append(step)
    rows += [tnp.broadcast_to(fill, (sizes[0], *data.shape[1:]))] * (total - len(sizes))
    return tnp.stack(rows)


PACK = Op("PackPaddedSequenceBackward0", _pack_fn)
UNPACK = Op("PadPackedSequenceBackward0", _unpack_fn)


def _sizes(lengths: np.ndarray[Any, Any]) -> tuple[int, ...]:
    """``batch_sizes`` of lengths sorted in decreasing order."""
    return tuple(int((lengths > t).sum()) for t in range(int(lengths[0]) if lengths.size else 0))


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths (dim 0) into one tensor, padded with
    ``padding_value`` (``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``).

    >>> import tracegrad.torch as torch
    >>> pad_sequence([torch.ones(2), torch.ones(1) * 2], batch_first=True)
    tensor([[1., 1.],
            [2., 0.]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    longest = max(s._value.shape[0] for s in sequences)
    trailing = sequences[0]._value.shape[1:]
    shape = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out: Any = creation.full((*shape, *trailing), padding_value, dtype=sequences[0].dtype)
    for i, s in enumerate(sequences):
        n = s._value.shape[0]
        steps = slice(0, n) if padding_side == "right" else slice(longest - n, longest)
        out[(i, steps) if batch_first else (steps, i)] = s
    result: Tensor = out
    return result


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch whose sequences have the given ``lengths`` (sorted in decreasing
    order unless ``enforce_sorted=False``, which sorts them and remembers the order).

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    >>> pack_padded_sequence(x, [3, 2], batch_first=True).data
    tensor([1., 4., 2., 5., 3.])
    """
    lens = np.asarray(lengths._value if isinstance(lengths, Tensor) else lengths, np.int64)
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices, unsorted_indices = wrap(order), wrap(np.argsort(order))
        input = input.index_select(0 if batch_first else 1, sorted_indices)  # type: ignore[attr-defined]
        lens = lens[order]
    if lens.size and lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    x: Any = input.transpose(0, 1) if batch_first else input  # type: ignore[attr-defined]
    sizes = _sizes(lens)
    data = apply(PACK, (x,), sizes=sizes)
    return PackedSequence(data, wrap(np.array(sizes, np.int64)), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded batch and the lengths of a packed sequence, in the original order.

    >>> import tracegrad.torch as torch
    >>> packed = pack_sequence([torch.tensor([1.0, 2.0]), torch.tensor([3.0])])
    >>> pad_packed_sequence(packed, batch_first=True)
    (tensor([[1., 2.],
            [3., 0.]]), tensor([2, 1]))
    """
    sizes = tuple(int(b) for b in sequence.batch_sizes._value)
    total = len(sizes) if total_length is None else int(total_length)
    if total < len(sizes):
        raise ValueError(
            "Expected total_length to be at least the length of the longest sequence in input, "
            f"but got total_length={total_length} and max sequence length being {len(sizes)}"
        )
    padded: Any = apply(UNPACK, (sequence.data,), sizes=sizes, total=total,
                        value=float(padding_value))  # fmt: skip
    lens = np.array([sum(b > i for b in sizes) for i in range(sizes[0] if sizes else 0)], np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lens = lens[sequence.unsorted_indices._value]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, wrap(lens)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence`` of ``pad_sequence(sequences)``."""
    lengths = [s._value.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
