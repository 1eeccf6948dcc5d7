"""Code generation: a closed jaxpr becomes the source of a straight-line Python function with
one line per equation calling NumPy functions bound as globals, values deleted after
their last use and dead buffers reused through ``out=``; compiled once and cached.

Buffer reuse is planned statically and conservatively. A buffer is an array the program
itself allocated (the result of a ufunc, a reduction, a product, a cast, ...): never an
input, a constant, or anything an unknown implementation returned. A buffer becomes free
when every variable that may alias it (itself, and the views taken of it: reshapes,
transposes, broadcasts, slices) is dead; one aliased by an output never is. A free buffer
of the right shape and dtype then receives the result of a later ufunc call (``out=``);
an elementwise ufunc may also write into an input that dies at that call, when the input
is the buffer itself rather than a view of it.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import types
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracegrad.backend import emitters
from tracegrad.backend.emitters import FRESH, OUT, Emission
from tracegrad.backend.outputs import OutputPlan, own
from tracegrad.backend.passes import optimize
from tracegrad.backend.rewrite import literal_key, paused_gc
from tracegrad.core import ClosedJaxpr, JaxprEqn, Literal, Var, per_jaxpr
from tracegrad.core.ir import Atom, _var_name

_FILE_NUMBERS = itertools.count()
REUSE_WINDOW = 8  # a free buffer is held for reuse over at most this many equations


@dataclass(frozen=True)
class Program:
    """A compiled jaxpr: ``run(*args) -> list`` of outputs, its Python ``source``, and the
    (optimised) ``jaxpr`` it was generated from."""

    run: Callable[..., list[Any]]
    source: str
    jaxpr: ClosedJaxpr

    def __call__(self, *args: Any) -> list[Any]:
        return self.run(*args)


@per_jaxpr
def compile_program(closed: ClosedJaxpr, own_outputs: bool = False) -> Program:
    """Optimise ``closed`` for execution (calls of every kind inlined) and generate its code,
    once per jaxpr object. With ``own_outputs``, what ``jit`` returns to its caller: outputs
    that share no memory with the inputs, constants or each other, 0-d ones as NumPy scalars
    (outputs.py).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> program = compile_program(tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(np.zeros(3)))
    >>> print(program.source)
    # lit0 = 2.0 (float64)
    def program(a):
        b = np_sin(a)
        c = np_multiply(b, lit0, out=b)
        del b
        return [c]
    >>> program(np.zeros(3))
    [array([0., 0., 0.])]
    """
    return generate(optimize(closed, execution=True), own_outputs=own_outputs)


def compile_jaxpr(closed: ClosedJaxpr) -> Callable[..., list[Any]]:
    """A function of the jaxpr's inputs that returns the list of its outputs (inputs must be
    concrete values): the optimised, generated, cached program.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> run = compile_jaxpr(tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(0.0))
    >>> run(0.0)
    [np.float64(0.0)]
    """
    return compile_program(closed).run


_UNBOUND = object()
_NUMBERED = frozenset({"lit", "params"})  # stems always given a number


# ---- naming ------------------------------------------------------------------------------


class _Namespace:
    """Names of variables (as the IR printer gives them: a, b, ..., z, ba, ...) and of the
    globals the code uses (NumPy functions, constants, parameters).

    Every name is generated: a variable's is letters only (a keyword gets a trailing ``_``),
    a global's always holds a digit or an inner ``_`` (``np_sin``, ``lit0``, ``mode0``), so
    the two never meet whatever the program's size. Stems derived from names a user chose
    (a primitive's, a parameter's) are reduced to ASCII letters and digits first.
    """

    def __init__(self) -> None:
        self.names: dict[Var, str] = {}
        self.globals: dict[str, Any] = {}
        self._by_id: dict[tuple[int, str], str] = {}
        self._counter = itertools.count()

    def var(self, v: Var) -> str:
        name = self.names.get(v)
        if name is None:
            name = _var_name(len(self.names))
            if keyword.iskeyword(name) or keyword.issoftkeyword(name):
                name += "_"
            self.names[v] = name
        return name

    def glob(self, value: Any, stem: str) -> str:
        key = (id(value), stem)
        name = self._by_id.get(key)
        if name is not None:
            return name
        stem = emitters.identifier(stem, limit=100)
        bound = self.globals.get(stem, _UNBOUND)
        if bound is _UNBOUND and stem not in _NUMBERED and _global_like(stem):
            name = stem
        elif isinstance(value, _NUMPY_NAMED) and type(bound) is type(value) and bound == value:
            # NumPy functions and dtypes: one name each (np.add.reduce is a new bound method
            # at each access, equal to the others but not the same object).
            return stem
        else:
            name = f"{stem}{next(self._counter)}"
        self.globals[name] = value
        self._by_id[key] = name
        return name


_NUMPY_NAMED = (np.dtype, np.ufunc, types.BuiltinMethodType)


def _global_like(name: str) -> bool:
    """A name no variable has: with a digit, or a ``_`` before its end."""
    return any(c.isdigit() for c in name) or "_" in name[:-1]


# ---- generation --------------------------------------------------------------------------


@dataclass(eq=False)
class _Storage:
    """An array the program allocated, and the live variables that may refer to it."""

    key: tuple[tuple[int, ...], np.dtype[Any]]
    handle: str  # a name bound to the array itself (kept bound while the array may be reused)
    holders: set[Var] = field(default_factory=set)
    exact: set[Var] = field(default_factory=set)  # holders that are the array, not a view


@dataclass
class _Freed:
    storage: _Storage
    at: int  # the equation after which it became free
    reused: bool = False


class _Generator:
    def __init__(self, closed: ClosedJaxpr, reuse_buffers: bool, own_outputs: bool) -> None:
        self.jaxpr = closed.jaxpr
        self.ns = _Namespace()
        self.reuse = reuse_buffers
        self.own_outputs = own_outputs
        self.plan = OutputPlan(closed.jaxpr.invars, closed.jaxpr.constvars, closed.consts)
        self.with_methods: set[Var] = set()
        self.literals: dict[Hashable, str] = {}
        self.refs: dict[Var, list[_Storage]] = {}  # live variable -> storages it may alias
        j = self.jaxpr
        for v, c in zip(j.constvars, closed.consts, strict=True):
            self.ns.globals[self.ns.var(v)] = c
            if isinstance(c, np.ndarray):
                self.with_methods.add(v)
        for v in j.invars:
            self.ns.var(v)
            if v.aval.ndim:  # arrays; a 0-d input may be a Python scalar
                self.with_methods.add(v)

    # The Context protocol of the emitters.
    def glob(self, value: Any, stem: str) -> str:
        return self.ns.glob(value, stem)

    def has_methods(self, a: Atom) -> bool:
        return isinstance(a, Var) and a in self.with_methods

    def atom(self, a: Atom) -> str:
        if not isinstance(a, Literal):
            return self.ns.var(a)
        key = literal_key(a)  # one name per value: a program may hold thousands of 0.5s
        text = self.literals.get(key)
        if text is None:
            text = self.literals[key] = emitters.literal_text(self, a)
        return text

    def generate(self, name: str) -> str:
        j = self.jaxpr
        eqns = _fuse_broadcasts(list(j.eqns), j.outvars)
        last_use = _last_uses(eqns, j.outvars)
        inputs = set(j.invars) | set(j.constvars)
        lines: list[str] = []
        dels: list[list[str]] = []
        freed: list[_Freed] = []
        for i, eqn in enumerate(eqns):
            args = [self.atom(a) for a in eqn.invars]
            emission = emitters.emit(self, eqn, args) or emitters.fallback(self, eqn, args)
            dying = [
                v
                for v in dict.fromkeys(a for a in eqn.invars if isinstance(a, Var))
                if last_use.get(v) == i and v not in inputs
            ]
            buffer = self._pick_buffer(eqn, emission, dying, freed, i)
            expr = emission.expr
            names: list[str] = []
            if buffer is not None:
                assert emission.out_template is not None
                expr = emission.out_template.replace(OUT, buffer.handle)
                names.append(buffer.handle)  # the output's name takes over the array
            lines.append(self._assign(eqn, expr, last_use))
            self._track(eqn, emission, buffer)
            self.plan.record(eqn, emission.kind, emission.scalar_result)
            unused = [v for v in eqn.outvars if v not in last_use]
            names += self._release([*dying, *unused], freed, i)
            dels.append(names)
        for f in freed:
            if not f.reused:  # never reused: free it where it died
                dels[f.at].append(f.storage.handle)
        body: list[str] = []
        for line, names in zip(lines, dels, strict=True):
            body.append(line)
            if names:
                body.append("del " + ", ".join(dict.fromkeys(names)))
        params = ", ".join(self.ns.var(v) for v in j.invars)
        text = "".join(f"    {ln}\n" for ln in body)
        outs_text = ", ".join(self._outputs())
        return self._legend() + f"def {name}({params}):\n{text}    return [{outs_text}]"

    def _outputs(self) -> list[str]:
        """The text of each output (outputs.py: what may be returned as it is)."""
        j = self.jaxpr
        if self.own_outputs:
            return self.plan.wrap(j.outvars, self.atom, self.ns.glob)
        # A constant (folded at compile time, or closed over) returned as it is would be the
        # same array at every call: a caller writing into it would change the program.
        return [
            f"{self.ns.glob(own, 'own_copy')}({self.atom(a)})"
            if self.plan.from_consts(a)
            or (isinstance(a, Literal) and isinstance(a.val, np.ndarray))
            else self.atom(a)
            for a in j.outvars
        ]

    def _legend(self) -> str:
        """Comments giving the types of the literals the code names, and the values of the
        numeric scalars among them (never a ``repr`` of anything else)."""
        notes = []
        for key, value in self.ns.globals.items():
            if key.startswith("lit") and isinstance(value, np.ndarray | np.generic):
                notes.append(f"# {key} = {_describe(value)}")
        return "".join(f"{n}\n" for n in notes)

    def _assign(self, eqn: JaxprEqn, expr: str, last_use: dict[Var, int]) -> str:
        if not eqn.primitive.multiple_results:
            return f"{self.ns.var(eqn.outvars[0])} = {expr}"
        if not eqn.outvars:
            return expr
        targets = [self.ns.var(v) for v in eqn.outvars]
        return ", ".join(targets) + ("," if len(targets) == 1 else "") + f" = {expr}"

    def _pick_buffer(
        self, eqn: JaxprEqn, emission: Emission, dying: list[Var], freed: list[_Freed], i: int
    ) -> _Storage | None:
        if not self.reuse or emission.out_template is None or len(eqn.outvars) != 1:
            return None
        aval = eqn.outvars[0].aval
        if not aval.shape:
            return None  # 0-d results are NumPy scalars, not arrays
        key = (aval.shape, aval.dtype)
        if emission.elementwise:
            # In place: an input that dies here and is the whole array, not a view of it.
            dying_set = set(dying)
            for v in dying:
                for s in self.refs.get(v, []):
                    if s.key == key and s.holders <= dying_set and s.holders == s.exact:
                        return s
        for f in reversed(freed):  # the most recently freed first: the shortest hold
            if i - f.at > REUSE_WINDOW:
                break
            if not f.reused and f.storage.key == key:
                f.reused = True
                return f.storage
        return None

    def _track(self, eqn: JaxprEqn, emission: Emission, buffer: _Storage | None) -> None:
        """Record which storages the new values may refer to."""
        if emission.kind != emitters.OPAQUE:
            self.with_methods.update(eqn.outvars)
        if buffer is not None:
            for v in buffer.holders:  # all dying here (in place): they let go of it
                self.refs[v] = [s for s in self.refs[v] if s is not buffer]
            (v,) = eqn.outvars
            buffer.holders, buffer.exact = {v}, {v}
            buffer.handle = self.ns.var(v)
            self.refs[v] = [buffer]
            return
        if emission.kind == FRESH:
            for v in eqn.outvars:
                if v.aval.shape:
                    s = _Storage((v.aval.shape, v.aval.dtype), self.ns.var(v), {v}, {v})
                    self.refs[v] = [s]
            return
        # A view, or the result of an implementation called as is: it may share memory with
        # any storage its inputs refer to.
        shared: dict[int, _Storage] = {}
        for a in eqn.invars:
            if isinstance(a, Var):
                for s in self.refs.get(a, []):
                    shared[id(s)] = s
        for v in eqn.outvars:
            self.refs[v] = list(shared.values())
            for s in shared.values():
                s.holders.add(v)

    def _release(self, dead: list[Var], freed: list[_Freed], i: int) -> list[str]:
        """Forget dead variables; a storage that no variable refers to any more is free.
        Returns the names to delete now (not a storage's handle: that one goes when the
        storage does, or is taken over by the output that reuses it)."""
        names: list[str] = []
        for v in dead:
            is_handle = False
            for s in self.refs.pop(v, []):
                s.holders.discard(v)
                s.exact.discard(v)
                is_handle = is_handle or s.handle == self.ns.var(v)
                if not s.holders:
                    freed.append(_Freed(s, i))
            if not is_handle:
                names.append(self.ns.var(v))
        return names


def _describe(value: np.ndarray | np.generic) -> str:
    """``1.0 (float64)`` for a numeric scalar, ``float64[3]`` for an array."""
    dtype = emitters.identifier(value.dtype.name)
    if value.shape == () and value.dtype.kind in "biufc":
        item = value.item()
        if type(item) in (bool, int, float, complex):
            return f"{item!r} ({dtype})"
    return f"{dtype}[{','.join(str(int(d)) for d in value.shape)}]"


def _last_uses(eqns: Sequence[JaxprEqn], outvars: Sequence[Atom]) -> dict[Var, int]:
    """The index of the last equation reading each variable; outputs are read at the end."""
    last: dict[Var, int] = {}
    for i, eqn in enumerate(eqns):
        for a in eqn.invars:
            if isinstance(a, Var):
                last[a] = i
    for a in outvars:
        if isinstance(a, Var):
            last[a] = len(eqns)
    return last


# ---- broadcasts left to NumPy -------------------------------------------------------------


def _fuse_broadcasts(eqns: list[JaxprEqn], outvars: Sequence[Atom]) -> list[JaxprEqn]:
    """A broadcast_in_dim read only by elementwise ufunc calls that broadcast it anyway needs
    no call of its own: its operand goes in its place."""
    uses = emitters.uses_of(eqns)
    outs = {a for a in outvars if isinstance(a, Var)}
    kept: list[JaxprEqn] = []
    replaced: dict[Var, Atom] = {}
    for eqn in eqns:
        if replaced:
            invars = tuple(replaced.get(a, a) if isinstance(a, Var) else a for a in eqn.invars)
            if any(x is not y for x, y in zip(invars, eqn.invars, strict=True)):
                eqn = JaxprEqn(eqn.primitive, invars, eqn.outvars, eqn.params)
        x = _broadcast_operand(eqn)
        if x is not None and eqn.outvars[0] not in outs:
            b = eqn.outvars[0]
            shape = tuple(eqn.params["shape"])
            dims = tuple(eqn.params["broadcast_dimensions"])
            expanded = emitters.expanded_shape(x.aval.shape, shape, dims)
            trailing = dims == tuple(range(len(shape) - x.aval.ndim, len(shape)))
            # NumPy aligns shapes on the right: a trailing operand broadcasts as it is, any
            # other once reshaped with ones in the new dimensions (a view).
            reshaped = Var(b.aval.update(shape=expanded))
            stand_in: Atom = x if trailing else reshaped
            if all(_absorbs(use, b, stand_in, replaced) for use in uses.get(b, [])):
                replaced[b] = stand_in
                if not trailing:
                    params = {**eqn.params, "shape": expanded}
                    kept.append(JaxprEqn(eqn.primitive, eqn.invars, (reshaped,), params))
                continue
        kept.append(eqn)
    return kept


def _broadcast_operand(eqn: JaxprEqn) -> Atom | None:
    """The operand of a broadcast_in_dim equation."""
    if eqn.primitive.emit is not emitters.broadcast_in_dim:
        return None
    return eqn.invars[0]


def _absorbs(use: JaxprEqn, b: Var, x: Atom, replaced: dict[Var, Atom]) -> bool:
    """Whether the ufunc call ``use`` gives the same result with ``x`` in place of ``b`` (and
    the broadcasts already left to NumPy in place of theirs)."""
    if not isinstance(use.primitive.impl, np.ufunc) or use.params:
        return False
    shapes = [
        x.aval.shape if a is b else (replaced.get(a, a) if isinstance(a, Var) else a).aval.shape
        for a in use.invars
    ]
    try:
        return tuple(np.broadcast_shapes(*shapes)) == use.outvars[0].aval.shape
    except ValueError:
        return False


def generate(
    closed: ClosedJaxpr,
    *,
    reuse_buffers: bool = True,
    own_outputs: bool = False,
    name: str = "program",
) -> Program:
    """Generate and compile the code of ``closed`` as it is (no optimisation).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> print(generate(tg.make_jaxpr(lambda x: tnp.sum(x * x))(np.ones(3))).source)
    def program(a):
        b = np_multiply(a, a)
        c = np_add_reduce(b, (0,), dt_float64)
        del b
        return [c]
    """
    with paused_gc():
        gen = _Generator(closed, reuse_buffers, own_outputs)
        name = emitters.identifier(name)
        source = gen.generate(name)
        filename = f"<tracegrad-jit-{next(_FILE_NUMBERS)}>"
        # Registered with linecache so that tracebacks show the generated lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec")
    namespace = dict(gen.ns.globals)
    exec(code, namespace)
    run = namespace[name]
    weakref.finalize(run, linecache.cache.pop, filename, None)  # the lines go with the code
    return Program(run, source, closed)
