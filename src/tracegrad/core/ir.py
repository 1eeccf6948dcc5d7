"""The IR: variables, equations, jaxprs (frozen dataclasses), their checker and printer."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np

from tracegrad.core.aval import ShapedArray
from tracegrad.core.primitive import Primitive

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True, eq=False)
class Var:
    """A variable of the IR; compared and hashed by identity."""

    aval: ShapedArray


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A scalar constant written inline in the IR."""

    val: Any
    aval: ShapedArray


Atom = Var | Literal


@dataclass(frozen=True, slots=True, eq=False)
class JaxprEqn:
    """One primitive application: ``outvars = primitive[params] invars``."""

    primitive: Primitive
    invars: tuple[Atom, ...]
    outvars: tuple[Var, ...]
    params: dict[str, Any] = field(default_factory=dict)
    # The ``named_scope`` / ``named_call`` names it was staged under ("a/b"), or "".
    name_stack: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Jaxpr:
    """A closed-form program: constvars and invars in, a list of equations, outvars out."""

    constvars: tuple[Var, ...]
    invars: tuple[Var, ...]
    outvars: tuple[Atom, ...]
    eqns: tuple[JaxprEqn, ...]

    def __str__(self) -> str:
        return pp_jaxpr(self)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]


@dataclass(frozen=True, slots=True, eq=False)
class ClosedJaxpr:
    """A jaxpr together with the values of its constvars, as JAX's ClosedJaxpr."""

    jaxpr: Jaxpr
    consts: tuple[Any, ...]
    # What has been derived from this jaxpr (its compiled program, its jvp, ...): see
    # ``per_jaxpr``. Kept here, it lives exactly as long as the jaxpr and its constants.
    derived: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.jaxpr.out_avals

    @property
    def eqns(self) -> tuple[JaxprEqn, ...]:
        return self.jaxpr.eqns

    @property
    def invars(self) -> tuple[Var, ...]:
        return self.jaxpr.invars

    @property
    def outvars(self) -> tuple[Atom, ...]:
        return self.jaxpr.outvars

    @property
    def literals(self) -> list[Any]:
        """The values of the constvars, as JAX names them on a ClosedJaxpr."""
        return list(self.consts)

    @property
    def effects(self) -> frozenset[str]:
        """The side effects of the program: the names of its effectful primitives (printing,
        callbacks), in inner programs too; empty for a pure program.

        >>> import tracegrad as tg
        >>> def f(x):
        ...     tg.debug.print("x={}", x)
        ...     return x
        >>> tg.make_jaxpr(f)(1.0).effects
        frozenset({'debug_print'})
        """
        return closed_effects(self)

    def __str__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    def __repr__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    def pretty_print(self, *, name_stack: bool = False, **_: Any) -> str:
        """The text of the program; with ``name_stack``, each equation staged under a
        ``named_scope`` or ``named_call`` ends with ``# [name]``, as JAX prints it."""
        return pp_jaxpr(self.jaxpr, name_stack=name_stack)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def per_jaxpr(
    fn: Callable[Concatenate[ClosedJaxpr, P], R],
) -> Callable[Concatenate[ClosedJaxpr, P], R]:
    """Cache ``fn(closed, *args)`` on ``closed`` itself (not in a module-level table), so the
    result, and the user's arrays it holds, go when the jaxpr goes: with the jitted
    function whose cache holds the jaxpr (docs/decisions.md, "Caches").

    >>> calls = []
    >>> @per_jaxpr
    ... def size(closed, extra):
    ...     calls.append(1)
    ...     return len(closed.eqns) + extra
    >>> closed = ClosedJaxpr(Jaxpr((), (), (), ()), ())
    >>> size(closed, 1), size(closed, 1), len(calls)
    (1, 1, 1)
    """

    @functools.wraps(fn)
    def cached(closed: ClosedJaxpr, /, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (fn, args, tuple(sorted(kwargs.items())))
        try:
            return closed.derived[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        # Two threads may both compute it; the first result stored wins (as lru_cache).
        return closed.derived.setdefault(key, fn(closed, *args, **kwargs))  # type: ignore[no-any-return]

    return cached


# ---- effects ----------------------------------------------------------------


def closed_effects(closed: ClosedJaxpr) -> frozenset[str]:
    """The effects of ``closed`` (computed once per jaxpr)."""
    try:
        return closed.derived[_EFFECTS]  # type: ignore[no-any-return]
    except KeyError:
        return closed.derived.setdefault(_EFFECTS, jaxpr_effects(closed.jaxpr))  # type: ignore[no-any-return]


def jaxpr_effects(jaxpr: Jaxpr) -> frozenset[str]:
    """The names of the effectful primitives that ``jaxpr`` applies, directly or inside."""
    found: set[str] = set()
    for eqn in jaxpr.eqns:
        found |= eqn_effects(eqn)
    return frozenset(found)


def eqn_effects(eqn: JaxprEqn) -> frozenset[str]:
    """The effects of one equation: its primitive's, and those of the programs it carries
    (a ``jit`` call, a branch, a loop body). The backend keeps an equation with effects."""
    own = frozenset((eqn.primitive.name,)) if eqn.primitive.effectful else _NONE
    if not eqn.params:
        return own
    for value in eqn.params.values():
        inner = _inner_effects(value)
        if inner:
            own = own | inner
    return own


def _inner_effects(value: Any) -> frozenset[str]:
    if isinstance(value, ClosedJaxpr):
        return closed_effects(value)
    if isinstance(value, Jaxpr):
        return jaxpr_effects(value)
    if isinstance(value, tuple | list) and value and isinstance(value[0], ClosedJaxpr | Jaxpr):
        return frozenset().union(*(_inner_effects(v) for v in value))
    return _NONE


_NONE: frozenset[str] = frozenset()
_EFFECTS = "effects"  # the key of a jaxpr's effects in its ``derived`` cache


# ---- printing ---------------------------------------------------------------


def _var_name(n: int) -> str:
    s = ""
    while True:
        s = chr(ord("a") + n % 26) + s
        n //= 26
        if n == 0:
            return s


class _Names:
    def __init__(self) -> None:
        self.names: dict[Var, str] = {}

    def __getitem__(self, v: Var) -> str:
        name = self.names.get(v)
        if name is None:
            name = self.names[v] = _var_name(len(self.names))
        return name


def _pp_literal(lit: Literal) -> str:
    val = lit.val
    if isinstance(val, np.ndarray | np.generic):
        val = val.item()
    return f"{val!r}:{lit.aval.str_short()}"


def _pp_atom(a: Atom, names: _Names) -> str:
    return _pp_literal(a) if isinstance(a, Literal) else names[a]


def _pp_binder(v: Var, names: _Names) -> str:
    return f"{names[v]}:{v.aval.str_short()}"


def _pp_param(value: Any, names: _Names, indent: int) -> str:
    if isinstance(value, ClosedJaxpr | Jaxpr):
        inner = value.jaxpr if isinstance(value, ClosedJaxpr) else value
        return _pp_jaxpr_lines(inner, names, indent + 4).lstrip()
    if isinstance(value, np.dtype):
        return str(value.name)
    if isinstance(value, tuple | list):
        items = ", ".join(_pp_param(x, names, indent) for x in value)
        return f"({items},)" if isinstance(value, tuple) and len(value) == 1 else f"({items})"
    return str(value)


def _pp_eqn(eqn: JaxprEqn, names: _Names, indent: int, name_stack: bool = False) -> str:
    lhs = " ".join(_pp_binder(v, names) for v in eqn.outvars) or "_"
    params = ""
    if eqn.params:
        items = [f"{k}={_pp_param(v, names, indent)}" for k, v in sorted(eqn.params.items())]
        params = (
            "[" + " ".join(items) + "]"
            if sum(map(len, items)) < 60
            else (
                "[\n" + "".join(" " * (indent + 2) + it + "\n" for it in items) + " " * indent + "]"
            )
        )
    args = " ".join(_pp_atom(a, names) for a in eqn.invars)
    line = f"{' ' * indent}{lhs} = {eqn.primitive.name}{params} {args}".rstrip()
    return f"{line}  # [{eqn.name_stack}]" if name_stack and eqn.name_stack else line


def _pp_jaxpr_lines(jaxpr: Jaxpr, names: _Names, indent: int, name_stack: bool = False) -> str:
    consts = " ".join(_pp_binder(v, names) for v in jaxpr.constvars)
    ins = " ".join(_pp_binder(v, names) for v in jaxpr.invars)
    lines = [f"{' ' * indent}{{ lambda {consts}; {ins}. let"]
    lines += [_pp_eqn(e, names, indent + 4, name_stack) for e in jaxpr.eqns]
    outs = ", ".join(_pp_atom(a, names) for a in jaxpr.outvars)
    lines.append(f"{' ' * indent}  in ({outs}{',' if len(jaxpr.outvars) == 1 else ''}) }}")
    return "\n".join(lines)


def pp_jaxpr(jaxpr: Jaxpr, *, name_stack: bool = False) -> str:
    """The JAX-style text of a jaxpr."""
    return _pp_jaxpr_lines(jaxpr, _Names(), 0, name_stack)


# ---- checking ---------------------------------------------------------------


class JaxprTypeError(TypeError):
    """The IR is malformed: a variable used before definition, or a type that disagrees."""


def check_jaxpr(jaxpr: Jaxpr, *, check_types: bool = True) -> None:
    """Check that every variable is defined before use, once, with the type its rule gives."""
    defined: set[Var] = set()

    def bind_var(v: Var, where: str) -> None:
        if v in defined:
            raise JaxprTypeError(f"Variable {v.aval} is defined twice ({where}).")
        defined.add(v)

    def read(a: Atom, where: str) -> None:
        if isinstance(a, Var) and a not in defined:
            raise JaxprTypeError(f"Variable of type {a.aval} used before definition in {where}.")

    for v in (*jaxpr.constvars, *jaxpr.invars):
        bind_var(v, "the jaxpr's inputs")
    for eqn in jaxpr.eqns:
        where = f"equation {eqn.primitive.name}"
        for a in eqn.invars:
            read(a, where)
        if check_types and eqn.primitive.abstract_eval is not None:
            _check_eqn_types(eqn)
        for v in eqn.outvars:
            bind_var(v, where)
    for a in jaxpr.outvars:
        read(a, "the jaxpr's outputs")


def _check_eqn_types(eqn: JaxprEqn) -> None:
    rule = eqn.primitive.abstract_eval
    assert rule is not None
    out: Any = rule(*(a.aval for a in eqn.invars), **eqn.params)
    out_avals: list[ShapedArray] = list(out) if eqn.primitive.multiple_results else [out]
    got = [(a.shape, a.dtype) for a in out_avals]
    want = [(v.aval.shape, v.aval.dtype) for v in eqn.outvars]
    if got != want:
        raise JaxprTypeError(
            f"Equation {eqn.primitive.name} has outputs {want} but its abstract "
            f"evaluation rule gives {got}."
        )


def eqn_atoms(jaxpr: Jaxpr) -> Iterator[Atom]:
    for eqn in jaxpr.eqns:
        yield from eqn.invars


def jaxpr_avals(atoms: Sequence[Atom]) -> list[ShapedArray]:
    return [a.aval for a in atoms]
