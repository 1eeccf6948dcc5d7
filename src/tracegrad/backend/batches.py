"""Factors of a chain of products computed together (products.py): the backward pass of a
repeated block computes the same factor once per block (``cos(x)`` for ``sin``,
``1 - t ** 2`` for ``tanh``), each time a few NumPy calls on a few elements. When the
values those factors are computed from sit in consecutive rows of the chain's array, one
call over those rows computes them all, into consecutive rows, just before the reduction;
one ``take`` then puts the rows in the chain's order (``Chain.order``).

A batch (``find_batches``): two or more factors of one chain, each read by nothing but the
chain, each computed by the same steps (``_tail``: ufunc calls with one operand that is a
value, the others equal literals, each intermediate value read only by the next step) from
a source value. The sources are all factors of the chain (computed into their rows as they
are computed) or all values that can be (``stash``: computed by a ufunc call of the
program; no inputs, outputs, or values read by anything but ufunc calls, which make new
arrays, so that no view of a row outlives the call).

A ufunc called on consecutive rows of a C-ordered array runs its loop once over all their
elements, and NumPy's loops give an element the same result wherever it lies in an array
(the chunked kernels rely on it too, and the differential tests check it): every factor
has the bits it had when computed alone, and the reduction reads the same rows in the same
order.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tracegrad.backend.emitters import writes_into
from tracegrad.backend.rewrite import literal_key
from tracegrad.core import JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom

if TYPE_CHECKING:
    from tracegrad.backend.products import Chain


@dataclass
class Batch:
    """Factors computed together: ``steps`` (the equations computing the first of them, in
    order), and the rows of their sources and of the factors in the chain's array."""

    steps: list[JaxprEqn]
    block: int  # of the sources, in ``find_batches``'s blocks; the factors' is the next
    sources: slice = field(default_factory=lambda: slice(0))  # set by the layout
    targets: slice = field(default_factory=lambda: slice(0))


@dataclass(frozen=True)
class Uses:
    """What the search reads of a program: its equations, the equation defining each value,
    the equations reading it, and the outputs."""

    eqns: Sequence[JaxprEqn]
    defs: dict[Var, int]
    readers: dict[Var, list[JaxprEqn]]
    outs: set[Var]


def _tail(uses: Uses, start: int) -> tuple[list[int], Var] | None:
    """The steps computing a factor (indices, first to last) and their source, or None."""
    eqns, tail = uses.eqns, [start]
    while True:
        eqn = eqns[tail[0]]
        values = [a for a in eqn.invars if isinstance(a, Var)]
        if len(values) != 1 or not writes_into(eqn):
            return None if len(tail) == 1 else (tail[1:], eqn.outvars[0])
        (v,) = values
        d = uses.defs.get(v)
        if d is None or v in uses.outs or len(uses.readers[v]) != 1 or not writes_into(eqns[d]):
            return tail, v
        tail.insert(0, d)


def _recipe(eqns: Sequence[JaxprEqn], tail: list[int]) -> Hashable:
    return tuple(
        (
            eqns[k].primitive,
            tuple(literal_key(a) if isinstance(a, Literal) else None for a in eqns[k].invars),
            tuple(sorted(eqns[k].params.items())),
        )
        for k in tail
    )


def find_batches(uses: Uses, chain: Chain, taken: set[Var]) -> None:
    """Find the batches of ``chain`` and record them on it: its ``batches``, the values
    computed into extra rows (``stash``), the equations and values they replace, and the
    order of its array's rows (``layout``)."""
    eqns = uses.eqns
    in_chain = {id(eqns[k]) for k in chain.eqns}
    factors = {a: None for a in chain.rows if isinstance(a, Var)}  # in the chain's order
    groups: dict[tuple[Hashable, bool], list[tuple[list[int], Var]]] = {}
    for a in factors:
        if not all(id(e) in in_chain for e in uses.readers[a]):
            continue  # read before the reduction: it cannot wait
        found = _tail(uses, uses.defs[a])
        if found is None or any(eqns[k].outvars[0] in taken for k in found[0][:-1]):
            continue
        tail, source = found
        in_rows = source in factors
        if in_rows or _stashable(uses, source, chain, taken):
            groups.setdefault((_recipe(eqns, tail), in_rows), []).append((tail, source))
    # A factor a batch computes is read by the chain alone, so no batch reads it: the
    # batches may run in any order.
    blocks: list[list[Var]] = []
    for (_, in_rows), members in groups.items():
        sources = [m[1] for m in members]
        if len(sources) < 2 or len(set(sources)) < len(sources):
            continue
        if any(s in b for b in blocks for s in sources):
            continue  # a value has one row
        results = [eqns[tail[-1]].outvars[0] for tail, _ in members]
        chain.batches.append(Batch([eqns[k] for k in members[0][0]], len(blocks)))
        blocks += [sources, results]
        if not in_rows:
            chain.stash += sources
        for tail, _ in members:
            chain.dropped.update(tail)
            chain.deferred.update(eqns[k].outvars[0] for k in tail)
    if chain.batches:
        _lay_out(chain, blocks)
        taken.update(chain.stash, chain.deferred)


def _lay_out(chain: Chain, blocks: list[list[Var]]) -> None:
    """Rows of the chain's array: each batch's sources, then its results, consecutive; the
    other rows after them. The reduction reads them in the chain's order (``order``)."""
    layout: list[Atom] = [v for b in blocks for v in b]
    where = {v: n for n, v in enumerate(layout)}
    order = []
    for a in chain.rows:
        if isinstance(a, Var) and a in where:
            order.append(where[a])
        else:
            order.append(len(layout))
            layout.append(a)
    template = np.zeros((len(layout), *chain.template.shape[1:]), chain.template.dtype)
    template[order] = chain.template  # the literal rows
    template.flags.writeable = False
    chain.template, chain.layout = template, layout
    chain.order = np.array(order, np.intp)
    chain.order.flags.writeable = False
    for b in chain.batches:
        first, k = where[blocks[b.block][0]], len(blocks[b.block])
        b.sources, b.targets = slice(first, first + k), slice(first + k, first + 2 * k)


def _stashable(uses: Uses, v: Var, chain: Chain, taken: set[Var]) -> bool:
    """Whether ``v`` can be computed into an extra row of ``chain``'s array."""
    d = uses.defs.get(v)
    aval = chain.template.shape[1:], chain.template.dtype
    return (
        d is not None
        and v not in uses.outs
        and v not in taken
        and (v.aval.shape, v.aval.dtype) == aval
        and writes_into(uses.eqns[d])
        and all(writes_into(e) for e in uses.readers[v])
    )
