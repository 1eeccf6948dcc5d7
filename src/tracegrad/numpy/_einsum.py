"""``einsum`` as primitives: subscripts parsed as NumPy parses them, then repeated labels
taken as diagonals, lone labels summed, and the operands contracted pairwise by
``dot_general``."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import ShapeError, get_aval
from tracegrad.ops import linalg as la
from tracegrad.ops.structural import reduce_sum, reshape, transpose

_LETTERS = string.ascii_letters
# Broadcast (``...``) dimensions get labels outside the letters, numbered from the left of
# the broadcast shape, so that they sort before nothing and never clash with user labels.
_ELLIPSIS_BASE = 0x100

Labels = list[str]


def parse_einsum_args(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """The subscripts string and the operands of either calling form of ``einsum``:
    ``einsum("ij,jk->ik", a, b)`` or ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if not args:
        raise TypeError("einsum: no subscripts given; call it as einsum('ij,jk->ik', a, b).")
    if isinstance(args[0], str):
        return args[0], list(args[1:])
    # With an odd number of arguments the last one is the output sublist.
    out = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    arrays, sublists = list(pairs[0::2]), list(pairs[1::2])
    inputs = ",".join(_sublist_to_str(s) for s in sublists)
    return inputs + ("" if out is None else "->" + _sublist_to_str(out)), arrays


def _sublist_to_str(sublist: Sequence[Any]) -> str:
    parts = []
    for s in sublist:
        if s is Ellipsis:
            parts.append("...")
        elif isinstance(s, int | np.integer) and 0 <= int(s) < len(_LETTERS):
            parts.append(_LETTERS[int(s)])
        else:
            raise ValueError(
                f"einsum: subscript {s!r} in a sublist is not an integer in "
                f"[0, {len(_LETTERS)}) or Ellipsis."
            )
    return "".join(parts)


def _split_labels(term: str, ndim: int, i: int, n_ellipsis: int | None) -> Labels:
    """Labels of operand ``i``'s dimensions; ``...`` stands for its leading broadcast
    dimensions, labelled by their position in a broadcast shape of ``n_ellipsis`` dims."""
    for ch in term.replace("...", ""):
        if ch not in _LETTERS:
            raise ValueError(
                f"invalid subscript {ch!r} in einstein sum subscripts string, "
                "subscripts must be letters"
            )
    if term.count("...") > 1 or term.replace("...", "").count(".") > 0:
        raise ValueError(
            f"einstein sum subscripts string {term!r} contains a '.' that is not "
            "part of one '...' ellipsis"
        )
    if "..." not in term:
        if len(term) > ndim:
            raise ValueError(
                f"einstein sum subscripts string contains too many subscripts "
                f"for operand {i}: {term!r} for {ndim} dimensions"
            )
        if len(term) < ndim:
            raise ValueError(
                f"operand has more dimensions than subscripts given in einstein "
                f"sum, but no '...' ellipsis provided to broadcast the extra "
                f"dimensions: {term!r} for operand {i} with {ndim} dimensions"
            )
        return list(term)
    before, after = term.split("...")
    n_broadcast = ndim - len(before) - len(after)
    if n_broadcast < 0:
        raise ValueError(
            f"einstein sum subscripts string contains too many subscripts for "
            f"operand {i}: {term!r} for {ndim} dimensions"
        )
    total = n_broadcast if n_ellipsis is None else n_ellipsis
    ell = [chr(_ELLIPSIS_BASE + p) for p in range(total - n_broadcast, total)]
    return [*before, *ell, *after]


def _parse(subscripts: str, ndims: Sequence[int]) -> tuple[list[Labels], Labels]:
    """Labels of every operand's dimensions and of the output's."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    if "->" in rhs or ("-" in lhs) or (">" in lhs):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} must have at most one '->' "
            "between the inputs and the output."
        )
    terms = lhs.split(",")
    if len(terms) > len(ndims):
        raise ValueError(
            f"fewer operands provided to einstein sum function than specified "
            f"in the subscripts string {subscripts!r}: {len(ndims)} operands"
        )
    if len(terms) < len(ndims):
        raise ValueError(
            f"more operands provided to einstein sum function than specified in "
            f"the subscripts string {subscripts!r}: {len(ndims)} operands"
        )
    n_ellipsis = max(
        (nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims, strict=True) if "..." in t),
        default=0,
    )
    inputs = [
        _split_labels(t, nd, i, max(n_ellipsis, 0))
        for i, (t, nd) in enumerate(zip(terms, ndims, strict=True))
    ]
    ell = [chr(_ELLIPSIS_BASE + p) for p in range(max(n_ellipsis, 0))]
    if arrow:
        if "..." not in rhs and ell:
            raise ValueError(
                "output has more dimensions than subscripts given in einstein "
                "sum, but no '...' ellipsis provided to broadcast the extra "
                f"dimensions: output {rhs!r}"
            )
        output = _split_labels(rhs, len(rhs.replace("...", "")) + len(ell), -1, len(ell))
        for label, count in Counter(output).items():
            if count > 1:
                raise ValueError(
                    f"einstein sum subscripts string includes output subscript "
                    f"{label!r} multiple times"
                )
        known = {x for labels in inputs for x in labels}
        for label in output:
            if label not in known:
                raise ValueError(
                    f"einstein sum subscripts string included output subscript "
                    f"{label!r} which never appeared in an input"
                )
    else:
        counts = Counter(x for labels in inputs for x in labels if x not in ell)
        output = ell + sorted(x for x, c in counts.items() if c == 1)
    return inputs, output


def _label_sizes(inputs: list[Labels], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """The size of each label; sizes 1 broadcast, anything else must agree."""
    sizes: dict[str, int] = {}
    for i, (labels, shape) in enumerate(zip(inputs, shapes, strict=True)):
        own: dict[str, int] = {}
        for label, n in zip(labels, shape, strict=True):
            if label in own and own[label] != n:
                raise ShapeError(
                    f"dimensions in operand {i} for collapsing index {label!r} "
                    f"don't match ({own[label]} != {n}): operand shape {shape}"
                )
            own[label] = n
            if sizes.get(label, 1) == 1:
                sizes[label] = n
            elif n not in (1, sizes[label]):
                raise ShapeError(
                    "operands could not be broadcast together with remapped shapes: "
                    f"einsum label {_show(label)} has size {sizes[label]} in one operand and "
                    f"{n} in operand {i}; the shapes are {[tuple(s) for s in shapes]}."
                )
    return sizes


def _show(label: str) -> str:
    return repr(label) if label in _LETTERS else f"... dimension {ord(label) - _ELLIPSIS_BASE}"


def _squeeze_broadcast(x: Any, labels: Labels, sizes: dict[str, int]) -> tuple[Any, Labels]:
    """Drop size-1 dimensions that broadcast against a larger size elsewhere: the operand
    does not depend on that label."""
    shape = get_aval(x).shape
    keep = [
        i
        for i, (lab, n) in enumerate(zip(labels, shape, strict=True))
        if not (n == 1 and sizes[lab] != 1)
    ]
    if len(keep) == len(labels):
        return x, labels
    return reshape(x, tuple(shape[i] for i in keep)), [labels[i] for i in keep]


def _take_diagonals(x: Any, labels: Labels) -> tuple[Any, Labels]:
    """Replace each label repeated within one operand ('ii') by its diagonal."""
    while True:
        repeated = next((lab for lab, c in Counter(labels).items() if c > 1), None)
        if repeated is None:
            return x, labels
        first = labels.index(repeated)
        second = labels.index(repeated, first + 1)
        x = la.diagonal(x, 0, first, second)
        labels = [lab for i, lab in enumerate(labels) if i not in (first, second)] + [repeated]


def _sum_labels(x: Any, labels: Labels, keep: set[str]) -> tuple[Any, Labels]:
    axes = [i for i, lab in enumerate(labels) if lab not in keep]
    if not axes:
        return x, labels
    return reduce_sum(x, axes), [lab for lab in labels if lab in keep]


def _contract(
    a: Any, a_labels: Labels, b: Any, b_labels: Labels, keep: set[str]
) -> tuple[Any, Labels]:
    """One pairwise step: labels in both operands are batch dimensions if still needed,
    contracted otherwise."""
    a, a_labels = _sum_labels(a, a_labels, keep | set(b_labels))
    b, b_labels = _sum_labels(b, b_labels, keep | set(a_labels))
    common = [lab for lab in a_labels if lab in b_labels]
    batch = [lab for lab in common if lab in keep]
    contract = [lab for lab in common if lab not in keep]
    dims = (
        (
            tuple(a_labels.index(lab) for lab in contract),
            tuple(b_labels.index(lab) for lab in contract),
        ),
        (tuple(a_labels.index(lab) for lab in batch), tuple(b_labels.index(lab) for lab in batch)),
    )
    out = la.dot_general(a, b, dims)
    out_labels = (
        batch
        + [lab for lab in a_labels if lab not in common]
        + [lab for lab in b_labels if lab not in common]
    )
    return out, out_labels


def _path(
    operands: list[tuple[Any, Labels]], output: Labels, optimize: Any
) -> list[tuple[int, ...]]:
    """The contraction order: NumPy's einsum_path on shape-only stand-ins when asked,
    left to right otherwise. Each step names positions in the current operand list; the
    result of a step goes to its end, as in einsum_path."""
    if optimize is False or optimize is None or len(operands) <= 2:
        return [(0, 1)] * (len(operands) - 1)
    if isinstance(optimize, list | tuple) and optimize and optimize[0] == "einsum_path":
        return [tuple(step) for step in optimize[1:]]
    letters: dict[str, str] = {}
    for _, labels in operands:
        for lab in labels:
            letters.setdefault(lab, _LETTERS[len(letters)])
    spec = ",".join("".join(letters[lab] for lab in labels) for _, labels in operands)
    spec += "->" + "".join(letters[lab] for lab in output)
    stand_ins = [np.broadcast_to(np.empty((), np.float64), get_aval(x).shape) for x, _ in operands]
    path = np.einsum_path(spec, *stand_ins, optimize="greedy" if optimize is True else optimize)
    return [tuple(step) for step in path[0][1:]]


def einsum_traced(subscripts: str, arrays: Sequence[Any], optimize: Any = False) -> Any:
    """``einsum`` of operands already converted to one dtype."""
    shapes = [get_aval(x).shape for x in arrays]
    inputs, output = _parse(subscripts, [len(s) for s in shapes])
    sizes = _label_sizes(inputs, shapes)
    operands: list[tuple[Any, Labels]] = []
    for x, labels in zip(arrays, inputs, strict=True):
        x, labels = _squeeze_broadcast(x, labels, sizes)
        operands.append(_take_diagonals(x, labels))
    # Sum each operand's labels that no other operand and not the output needs.
    for i, (x, labels) in enumerate(operands):
        others = {lab for j, (_, ls) in enumerate(operands) if j != i for lab in ls}
        operands[i] = _sum_labels(x, labels, others | set(output))
    for step in _path(operands, output, optimize):
        picked = [operands[i] for i in step]
        for i in sorted(step, reverse=True):
            del operands[i]
        x, labels = picked[0]
        rest = {lab for _, ls in operands for lab in ls} | set(output)
        for k, (y, y_labels) in enumerate(picked[1:], start=2):
            still = rest | {lab for _, ls in picked[k:] for lab in ls}
            x, labels = _contract(x, labels, y, y_labels, still)
        operands.append((x, labels))
    ((x, labels),) = operands
    x, labels = _sum_labels(x, labels, set(output))
    return transpose(x, [labels.index(lab) for lab in output])
