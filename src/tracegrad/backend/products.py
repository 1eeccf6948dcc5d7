"""Chains of products on small arrays as one reduction: the backward pass of a chain of
elementwise operations multiplies the cotangent by one factor per operation, each a NumPy
call that, on a few elements, costs its overhead and nothing else. When the factors are
computed by the program itself (or are literals), code generation writes each into a row of
one array as it is computed, and the chain becomes one ``np.multiply.reduce`` over the rows.

``np.multiply.reduce(rows, 0)`` multiplies the rows one after the other, elementwise, in
their order, so the chain ``((a * b) * c) * ...`` gives the same bits (a product of two
numbers does not depend on their order).

A chain (``chains``): products of one shape of 2 to ``MAX_SIZE`` elements and one dtype,
each (after the first) taking the previous product, read nowhere else, as an operand; at
least ``MIN_LENGTH`` of them. Every other operand must be a 0-d literal (a row of a
constant template) or a value of the chain's shape and dtype computed by a ufunc call of
the program that can write into a row (no input, constant, view or output), used once in
the chain and in no other chain, and read elsewhere only by elementwise ufunc calls (whose
results are new arrays: no view of a row outlives the call).

The rows of a chain are one array per running call, taken from the compiled program's
``RowPool`` and given back before it returns: a call then pays neither the allocation of
the rows nor the views of each (~80 ns a row), and the literal rows are written once.
Factors computed by the same steps from different values are computed together
(batches.py); the array's rows are then in another order, and put in the chain's order
(one ``take``) for the reduction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tracegrad.backend.batches import Batch, Uses, find_batches
from tracegrad.backend.emitters import plain_ufunc, uses_of, writes_into
from tracegrad.backend.rewrite import last_uses
from tracegrad.core import JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom

MIN_LENGTH = 6  # products replaced by one reduction (each saves a NumPy call of ~250 ns)
MAX_SIZE = 4096  # elements: beyond, a call's overhead is small next to its work


@dataclass
class Chain:
    """One chain: the indices of its equations (the last computes the product), its factors
    in order (the rows), and the template of its array, holding the literal rows."""

    eqns: list[int]
    rows: list[Atom]
    template: np.ndarray
    products: set[Var] = field(default_factory=set)  # never computed
    stash: list[Var] = field(default_factory=list)  # sources of batches (batches.py)
    batches: list[Batch] = field(default_factory=list)
    dropped: set[int] = field(default_factory=set)  # equations the batches compute
    deferred: set[Var] = field(default_factory=set)  # values the batches compute
    layout: list[Atom] | None = None  # the array's rows, when not the chain's order
    order: np.ndarray | None = None  # then the rows the reduction reads, in order

    def own_rows(self) -> dict[Var, int]:
        """The values computed into a row by their own equations, and their rows."""
        rows = self.rows if self.layout is None else self.layout
        return {a: r for r, a in enumerate(rows) if isinstance(a, Var) and a not in self.deferred}

    def views(self) -> list[int | slice]:
        """The views of the array a call takes (``RowPool``): the rows computed one by one,
        the rows of the batches' sources and results."""
        sides = [s for b in self.batches for s in (b.sources, b.targets)]
        return [*self.own_rows().values(), *sides]


def _is_product(eqn: JaxprEqn) -> bool:
    if plain_ufunc(eqn) is not np.multiply:
        return False
    aval = eqn.outvars[0].aval
    return 2 <= math.prod(aval.shape) <= MAX_SIZE and aval.dtype.kind in "fc"


def chains(eqns: Sequence[JaxprEqn], outvars: Sequence[Atom]) -> list[Chain]:
    """The chains of products in ``eqns`` that can run as one reduction.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> f = lambda x: tnp.exp(x) * tnp.sin(x) * 2.0 * tnp.cos(x) * tnp.tan(x) * tnp.sinh(x) * 3.0
    >>> closed = tg.make_jaxpr(f)(np.ones(3))
    >>> [len(c.rows) for c in chains(closed.eqns, closed.jaxpr.outvars)]
    [7]
    """
    last = last_uses(eqns, outvars)
    readers = uses_of(eqns)
    defs: dict[Var, int] = {v: i for i, e in enumerate(eqns) for v in e.outvars}
    outs = {a for a in outvars if isinstance(a, Var)}
    found: list[Chain] = []
    taken: set[Var] = set()
    used: set[int] = set()
    for i, eqn in enumerate(eqns):
        if i in used or not _is_product(eqn):
            continue
        chain = _grow(eqns, i, last)
        if len(chain) < MIN_LENGTH or used.intersection(chain):
            continue
        made = _rows(eqns, chain, defs, outs, taken, readers)
        if made is not None:
            found.append(made)
            taken.update(a for a in made.rows if isinstance(a, Var))
            used.update(chain)
            find_batches(Uses(eqns, defs, readers, outs), made, taken)
    return found


def _grow(eqns: Sequence[JaxprEqn], start: int, last: dict[Var, int]) -> list[int]:
    """The equations of the chain that starts at ``start``, following each product to the
    one product that reads it last."""
    chain = [start]
    aval = eqns[start].outvars[0].aval
    while True:
        (v,) = eqns[chain[-1]].outvars
        j = last.get(v)
        if j is None or j >= len(eqns) or not _is_product(eqns[j]):
            return chain
        nxt = eqns[j]
        if nxt.outvars[0].aval != aval or list(nxt.invars).count(v) != 1:
            return chain
        if sum(v in e.invars for e in eqns[chain[-1] + 1 : j + 1]) != 1:
            return chain  # read by something else on the way
        chain.append(j)


def _rows(
    eqns: Sequence[JaxprEqn],
    chain: list[int],
    defs: dict[Var, int],
    outs: set[Var],
    taken: set[Var],
    readers: dict[Var, list[JaxprEqn]],
) -> Chain | None:
    first = eqns[chain[0]]
    rows: list[Atom] = list(first.invars)
    products = {eqns[k].outvars[0] for k in chain[:-1]}
    for prev, k in itertools.pairwise(chain):
        (p,) = eqns[prev].outvars
        rows += [a for a in eqns[k].invars if a is not p]
    aval = first.outvars[0].aval
    in_chain = {id(eqns[k]) for k in chain}
    seen: set[Var] = set()
    template = np.zeros((len(rows), *aval.shape), aval.dtype)
    for n, a in enumerate(rows):
        if isinstance(a, Literal):
            if a.aval.shape != () or a.aval.dtype != aval.dtype:
                return None
            template[n] = a.val
            continue
        d = defs.get(a)
        if (
            d is None
            or a in seen
            or a in taken
            or a in outs
            or a in products
            or a.aval != aval
            or not writes_into(eqns[d])
            or not all(id(e) in in_chain or writes_into(e) for e in readers[a])
        ):
            return None
        seen.add(a)
    template.flags.writeable = False
    return Chain(list(chain), rows, template, products)


def row_of(chains_: Sequence[Chain]) -> dict[Var, tuple[int, int]]:
    """Each value computed into a row by its own equation: (the chain's number, the row)."""
    return {a: (n, r) for n, c in enumerate(chains_) for a, r in c.own_rows().items()}


class RowPool:
    """The rows of one chain, one array per running call: ``take()`` returns an array (the
    template's literal rows written, the others to be written by the call), the array the
    reduction reads (the same one, or a buffer for its rows put in the chain's order),
    and the array's ``views``; ``give(taken)`` returns them. Threads and nested calls each
    take their own (``list.pop`` and ``append`` are atomic).

    >>> pool = RowPool(np.array([[2.0, 2.0], [0.0, 0.0]]), [1], None)
    >>> rows, same, second = pool.take()
    >>> second[:] = 3.0
    >>> np.multiply.reduce(same, 0)
    array([6., 6.])
    >>> pool.give((rows, same, second)); pool.take()[0] is rows
    True
    """

    def __init__(
        self, template: np.ndarray, views: Sequence[int | slice], order: np.ndarray | None
    ) -> None:
        self.template = template
        self.views = list(views)
        self.shape = None if order is None else (len(order), *template.shape[1:])
        self.free: list[tuple[np.ndarray, ...]] = []
        self.give = self.free.append

    def take(self) -> tuple[np.ndarray, ...]:
        try:
            return self.free.pop()
        except IndexError:
            rows = self.template.copy()
            read = rows if self.shape is None else np.empty(self.shape, rows.dtype)
            return (rows, read, *(rows[v] for v in self.views))
