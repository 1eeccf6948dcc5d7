"""What a generated program returns: the memory its outputs may share, and the small
wrappers that make a result of ``jit`` a value of its own.

The optimiser removes operations that only copy (``x + 0.0``, ``x * 1``, a cast to the same
dtype; ``tnp.copy`` traces to nothing at all), merges equal outputs and folds constants, so
an output of the optimised program may be an argument, a view of one, a constant, or the
same array as another output, where the eager function returned a new array. A caller who
writes into such a result would change its argument, the next call's result or its other
result. So every output that may share memory with an input, a constant or an earlier
output is copied: statically where the chain of views is known (reshapes, transposes,
slices, ...), by a run-time check where an implementation called as is may return a view.
A 0-d output becomes a NumPy scalar, what NumPy (and so eager code) returns for a 0-d
result. Internal programs (the halves of reverse mode, inner programs of control flow)
skip this: only a writable constant is copied there (the program must not hand out its
own state).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tracegrad.backend.emitters import FRESH, VIEW
from tracegrad.core import JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom


def copy_of(x: Any) -> Any:
    """A new array with the values of ``x`` (which shares memory with something else)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def scalar_of(x: Any) -> Any:
    """A 0-d array as the NumPy scalar NumPy's own operations return (a copy of the value)."""
    return x[()] if isinstance(x, np.ndarray) else x


def copy_if_shared(x: Any, *others: Any) -> Any:
    """``x``, or a copy of it if it is an array that may share memory with one of ``others``."""
    if isinstance(x, np.ndarray) and any(
        isinstance(o, np.ndarray) and np.may_share_memory(x, o) for o in others
    ):
        return x.copy()
    return x


def own(x: Any) -> Any:
    """``x``, or a copy of it if it is a writable array (an output that is a constant)."""
    if isinstance(x, np.ndarray) and x.flags.writeable:
        return x.copy()
    return x


def own_results(outs: Sequence[Any], *sources: Sequence[Any]) -> list[Any]:
    """Outputs of a program run as it was traced (by its primitives' implementations),
    made the caller's as a generated program's are: a copy of each array that may share
    memory with an array of ``sources`` (inputs, constants) or with an earlier output, and
    0-d arrays as NumPy scalars.

    >>> x = np.arange(3.0)
    >>> a, b, c = own_results([x, x[1:], np.asarray(2.0)], [x])
    >>> np.shares_memory(a, x) or np.shares_memory(b, x), type(c).__name__
    (False, 'float64')
    """
    pool = [s for group in sources for s in group if isinstance(s, np.ndarray)]
    result: list[Any] = []
    for x in outs:
        if isinstance(x, np.ndarray):
            if x.ndim == 0:
                x = x[()]
            elif any(np.may_share_memory(x, o) for o in pool):
                x = x.copy()
            pool.append(x)
        result.append(x)
    return result


@dataclass(frozen=True)
class _Origin:
    roots: frozenset[Var]  # inputs, constants and program buffers the value may share
    certain: bool  # reached through known views only (no implementation called as is)
    scalar: bool  # surely not a 0-d array (a NumPy or Python scalar when 0-d)


_NOWHERE = _Origin(frozenset(), True, True)


class OutputPlan:
    """Follows, equation by equation, which inputs, constants and buffers each value may
    share memory with, and wraps the outputs accordingly."""

    def __init__(self, invars: Sequence[Var], constvars: Sequence[Var], consts: Sequence[Any]):
        self.inputs = frozenset(invars)
        self.constvars = frozenset(constvars)
        self.origins: dict[Var, _Origin] = {v: _Origin(frozenset({v}), True, False) for v in invars}
        for v, c in zip(constvars, consts, strict=True):
            self.origins[v] = _Origin(frozenset({v}), True, not isinstance(c, np.ndarray))

    def _of(self, a: Atom) -> _Origin:
        return _NOWHERE if isinstance(a, Literal) else self.origins.get(a, _NOWHERE)

    def record(self, eqn: JaxprEqn, kind: str, scalar_result: bool) -> None:
        """Record the outputs of ``eqn``, computed by an emission of ``kind``."""
        if kind == FRESH:
            for v in eqn.outvars:
                self.origins[v] = _Origin(frozenset({v}), True, scalar_result)
            return
        ins = [self._of(a) for a in eqn.invars]
        roots = frozenset().union(*(o.roots for o in ins))
        certain = kind == VIEW and all(o.certain for o in ins)
        for v in eqn.outvars:
            own_roots = roots if kind == VIEW else roots | {v}
            self.origins[v] = _Origin(own_roots, certain, False)

    def from_consts(self, a: Atom) -> bool:
        """Whether ``a`` may share memory with a constant of the program."""
        return bool(self._of(a).roots & self.constvars)

    def wrap(
        self, outvars: Sequence[Atom], text: Callable[[Atom], str], glob: Callable[[Any, str], str]
    ) -> list[str]:
        """The source text of each output of a program whose results belong to its caller."""
        texts: list[str] = []
        earlier: list[tuple[frozenset[Var], str]] = []  # roots and text of each output so far
        for a in outvars:
            if isinstance(a, Literal) and a.aval.ndim == 0:  # its NumPy scalar, made now
                texts.append(glob(np.asarray(a.val, a.aval.dtype)[()], "lit"))
                continue
            t, origin = text(a), self._of(a)
            if a.aval.ndim == 0:
                texts.append(t if origin.scalar else f"{glob(scalar_of, 'scalar_of')}({t})")
                continue
            if isinstance(a, Literal):
                texts.append(f"{glob(copy_of, 'copy_of')}({t})")
                continue
            fixed = origin.roots & (self.inputs | self.constvars)
            outs = [u for roots, u in earlier if roots & origin.roots]
            if not fixed and not outs:
                texts.append(t)
            elif origin.certain:
                texts.append(f"{glob(copy_of, 'copy_of')}({t})")
                origin = _NOWHERE
            else:
                others = sorted(text(v) for v in fixed) + outs
                texts.append(f"{glob(copy_if_shared, 'copy_if_shared')}({', '.join([t, *others])})")
            earlier.append((origin.roots, t))
        return texts
