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

import functools
import itertools
import keyword
import linecache
import types
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracegrad.backend import chunking, emitters, products, scalar
from tracegrad.backend.broadcasts import fuse_broadcasts
from tracegrad.backend.emitters import FRESH, OUT, Emission
from tracegrad.backend.outputs import OutputPlan, own
from tracegrad.backend.passes import optimize
from tracegrad.backend.rewrite import last_uses, literal_key, paused_gc
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
        c = np_multiply(b, lit0, b)
        del b
        return [c]
    >>> program(np.zeros(3))
    [array([0., 0., 0.])]
    """
    return generate(optimize(closed, execution=True), own_outputs=own_outputs, chunks=True)


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
    def __init__(
        self, closed: ClosedJaxpr, reuse_buffers: bool, own_outputs: bool, chunks: bool = False
    ) -> None:
        self.jaxpr = closed.jaxpr
        self.ns_closed = closed
        self.ns = _Namespace()
        self.reuse = reuse_buffers
        self.chunks = chunks
        self.kernels: list[str] = []  # the legend of the chunked kernels' code
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

    def operands(self, eqn: JaxprEqn) -> list[str]:
        """The source text of the operands of ``eqn``. A literal operand of a ufunc called on
        arrays is a read-only 0-d array of the operands' dtype: NumPy converts a scalar
        operand (Python or NumPy) at every call, which costs as much again as the call on
        a small array, and gives the same result as with the 0-d array."""
        if not isinstance(eqn.primitive.impl, np.ufunc) or not any(
            isinstance(a, Var) and a.aval.ndim for a in eqn.invars
        ):
            return [self.atom(a) for a in eqn.invars]
        dtypes = {a.aval.dtype for a in eqn.invars}
        return [
            self.array_literal(a) if isinstance(a, Literal) and len(dtypes) == 1 else self.atom(a)
            for a in eqn.invars
        ]

    def array_literal(self, lit: Literal) -> str:
        key = ("array", literal_key(lit))
        text = self.literals.get(key)
        if text is None:
            try:
                with np.errstate(all="ignore"):
                    value = np.array(lit.val, lit.aval.dtype)
                    finite = np.isfinite(value) == np.isfinite(lit.val)
            except (OverflowError, ValueError, TypeError):  # not a value of its dtype
                return self.atom(lit)
            if value.shape != () or not finite:
                return self.atom(lit)  # it overflows: leave the conversion (and warning) to NumPy
            value.flags.writeable = False
            text = self.literals[key] = self.ns.glob(value, "lit")
        return text

    def generate(self, name: str) -> str:
        j = self.jaxpr
        eqns = fuse_broadcasts(list(j.eqns), j.outvars)
        if self.chunks:
            eqns = chunking.regions(eqns, j.outvars)
        last_use = last_uses(eqns, j.outvars)
        inputs = set(j.invars) | set(j.constvars)
        lines: list[str] = []
        dels: list[list[str]] = []
        freed: list[_Freed] = []
        chains = products.chains(eqns, j.outvars) if self.reuse else []
        rows = products.row_of(chains)
        ends = {c.eqns[-1]: n for n, c in enumerate(chains)}
        dropped = {k for c in chains for k in [*c.eqns[:-1], *c.dropped]}
        # Neither the products a reduction replaces, the values its batches compute, nor the
        # rows (pooled) are ever deleted.
        never = {v for c in chains for v in c.products | c.deferred} | set(rows)
        row_arrays, row_names, prologue, epilogue = self._pooled_rows(chains)
        before: dict[int, list[str]] = {}  # the batches' lines, before their reduction
        for i, eqn in enumerate(eqns):
            dying = [
                v
                for v in dict.fromkeys(a for a in eqn.invars if isinstance(a, Var))
                if last_use.get(v) == i and v not in inputs and v not in never
            ]
            if i in dropped:  # computed by its chain's reduction or a batch
                lines.append("")
                dels.append(self._release(dying, freed, i))
                continue
            args = self.operands(eqn)
            if eqn.primitive is chunking.Kernel.primitive:
                emission = self._chunked(eqn, args)
            elif i in ends:
                emission = self._reduction(row_arrays[ends[i]])
                before[i] = self._batched(chains[ends[i]], ends[i], row_names, row_arrays)
            else:
                emission = emitters.emit(self, eqn, args) or emitters.fallback(self, eqn, args)
            row = rows.get(eqn.outvars[0]) if len(eqn.outvars) == 1 else None
            if row is not None:
                lines.append(self._into_row(eqn, emission, row_names[row[0], row[1]]))
                self.plan.record(eqn, emission.kind, emission.scalar_result)
                dels.append(self._release(dying, freed, i))
                continue
            buffer = self._pick_buffer(eqn, emission, dying, freed, i)
            expr = emission.expr
            names: list[str] = []
            if buffer is not None:
                assert emission.out_template is not None
                expr = self._positional_out(emission.out_template).replace(OUT, buffer.handle)
                names.append(buffer.handle)  # the output's name takes over the array
            lines.append(self._assign(eqn, expr))
            self._track(eqn, emission, buffer)
            self.plan.record(eqn, emission.kind, emission.scalar_result)
            unused = [v for v in eqn.outvars if v not in last_use]
            names += self._release([*dying, *unused], freed, i)
            dels.append(names)
        for f in freed:
            if not f.reused:  # never reused: free it where it died
                dels[f.at].append(f.storage.handle)
        body: list[str] = list(prologue)
        for i, (line, names) in enumerate(zip(lines, dels, strict=True)):
            body += before.get(i, [])
            if line:
                body.append(line)
            if names:
                body.append("del " + ", ".join(dict.fromkeys(names)))
        body += epilogue
        params = ", ".join(self.ns.var(v) for v in j.invars)
        text = "".join(f"    {ln}\n" for ln in body)
        outs_text = ", ".join(self._outputs())
        return self._legend() + f"def {name}({params}):\n{text}    return [{outs_text}]"

    def generate_scalar(self, name: str) -> str:
        """The program on Python floats (scalar.py)."""
        body = scalar.scalar_body(self.ns_closed, self.ns.var, self.ns.glob)
        params = ", ".join(self.ns.var(v) for v in self.jaxpr.invars)
        return f"def {name}({params}):\n" + "".join(f"    {ln}\n" for ln in body)

    def _chunked(self, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
        """A call of a chunked kernel (chunking.py): its code is generated as a program of
        its own, over whole arrays, and run on chunks."""
        kernel = generate(eqn.params["body"], name="kernel")
        dtypes = tuple(v.aval.dtype for v in eqn.outvars)
        calls = len(eqn.params["body"].eqns)
        runner = functools.partial(
            chunking.run_chunked, kernel.run, calls, eqn.outvars[0].aval.shape, dtypes
        )
        name = self.ns.glob(runner, "chunked")
        self.kernels.append(f"{name}: chunk by chunk,\n" + kernel.source)
        return Emission(f"{name}({', '.join(args)})", FRESH)

    def _pooled_rows(
        self, chains: Sequence[products.Chain]
    ) -> tuple[list[str], dict[tuple[int, Any], str], list[str], list[str]]:
        """For each chain (products.py): the name of the rows its reduction reads, the names
        of its views (by chain and row or slice), and the lines that take them from the
        chain's pool and give them back."""
        arrays: list[str] = []
        names: dict[tuple[int, Any], str] = {}
        prologue: list[str] = []
        epilogue: list[str] = []
        for n, c in enumerate(chains):
            views = c.views()
            pool = products.RowPool(c.template, views, c.order)
            pooled = self.ns.glob(object(), "pooled")  # locals: names reserved
            array = self.ns.glob(object(), "rows")
            own = [self.ns.glob(object(), "row") for _ in views]
            names.update({(n, _view_key(v)): m for v, m in zip(views, own, strict=True)})
            arrays.append(self.ns.glob(object(), "factors"))  # what the reduction reads
            names[n, "rows"] = array
            targets = ", ".join([array, arrays[-1], *own])
            prologue.append(f"{targets} = {pooled} = {self.ns.glob(pool.take, 'take')}()")
            epilogue.append(f"{self.ns.glob(pool.give, 'give')}({pooled})")
        return arrays, names, prologue, epilogue

    def _batched(
        self, chain: products.Chain, n: int, names: dict[tuple[int, Any], str], read: list[str]
    ) -> list[str]:
        """The lines computing the batches of factors of ``chain`` (batches.py), each step
        a call over the rows of all its sources, then putting the rows in the chain's order
        for the reduction."""
        lines = []
        for b in chain.batches:
            current = names[n, _view_key(b.sources)]
            for k, eqn in enumerate(b.steps):
                args = [
                    current if isinstance(a, Var) else text
                    for a, text in zip(eqn.invars, self.operands(eqn), strict=True)
                ]
                emission = emitters.emit(self, eqn, args)
                assert emission is not None and emission.out_template is not None
                if k == len(b.steps) - 1:
                    out = names[n, _view_key(b.targets)]
                    lines.append(self._positional_out(emission.out_template).replace(OUT, out))
                else:
                    current = self.ns.glob(object(), "batch")
                    lines.append(f"{current} = {emission.expr}")
        if chain.order is not None:
            # (the method: np.take costs four times more on a few rows)
            order = self.ns.glob(chain.order, "order")
            lines.append(f"{names[n, 'rows']}.take({order}, 0, {read[n]}, 'clip')")
        return lines

    def _reduction(self, rows: str) -> Emission:
        """The product of a chain's rows (products.py)."""
        reduce = self.ns.glob(np.multiply.reduce, "np_multiply_reduce")
        template = f"{reduce}({rows}, 0, None, {OUT})"
        return Emission(f"{reduce}({rows}, 0)", FRESH, template, scalar_result=True)

    def _into_row(self, eqn: JaxprEqn, emission: Emission, row: str) -> str:
        """The line computing a factor of a chain into its row (which nothing else may then
        write into: the value holds no storage of the buffer plan)."""
        (v,) = eqn.outvars
        self.refs[v] = []
        self.with_methods.add(v)
        if emission.out_template is None:  # computed, then copied
            return f"{self._assign(eqn, emission.expr)}; {row}[...] = {self.ns.var(v)}"
        return self._assign(eqn, self._positional_out(emission.out_template).replace(OUT, row))

    def _positional_out(self, template: str) -> str:
        """A ufunc's ``out=`` passed by position: NumPy parses it faster (about 40 ns of a
        300 ns call on a small array)."""
        keyword = f", out={OUT})"
        callee = self.ns.globals.get(template.partition("(")[0])
        # (np.maximum and np.minimum deprecate it: a third operand may be meant as an input)
        if (
            isinstance(callee, np.ufunc)
            and callee not in (np.maximum, np.minimum)
            and template.endswith(keyword)
        ):
            args = template[: -len(keyword)]
            if args.count(",") + 1 == callee.nin:  # all the inputs, nothing else, before out
                return f"{args}, {OUT})"
        return template

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
        for text in self.kernels:
            notes += [f"# {line}".rstrip() for line in text.splitlines()]
        return "".join(f"{n}\n" for n in notes)

    def _assign(self, eqn: JaxprEqn, expr: str) -> str:
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


def _view_key(view: int | slice) -> Hashable:
    """A view of a chain's rows as a dictionary key (slices are hashable only from 3.12)."""
    return (view.start, view.stop, view.step) if isinstance(view, slice) else view


def _describe(value: np.ndarray | np.generic) -> str:
    """``1.0 (float64)`` for a numeric scalar, ``float64[3]`` for an array."""
    dtype = emitters.identifier(value.dtype.name)
    if value.shape == () and value.dtype.kind in "biufc":
        item = value.item()
        if type(item) in (bool, int, float, complex):
            return f"{item!r} ({dtype})"
    return f"{dtype}[{','.join(str(int(d)) for d in value.shape)}]"


def generate(
    closed: ClosedJaxpr,
    *,
    reuse_buffers: bool = True,
    own_outputs: bool = False,
    chunks: bool = False,
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
        gen = _Generator(closed, reuse_buffers, own_outputs, chunks)
        name = emitters.identifier(name)
        source = gen.generate_scalar(name) if scalar.qualifies(closed) else gen.generate(name)
        filename = f"<tracegrad-jit-{next(_FILE_NUMBERS)}>"
        # Registered with linecache so that tracebacks show the generated lines.
        _forget_dead_sources()
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec")
    namespace = dict(gen.ns.globals)
    namespace["__name__"] = "tracegrad.backend.generated"  # its warnings are tracegrad's
    exec(code, namespace)
    run = namespace[name]
    weakref.finalize(run, _DEAD_SOURCES.append, filename)  # the lines go with the code
    return Program(run, source, closed)


# The linecache entries of collected programs, removed at the next compilation rather than
# by the finalizer itself: a finalizer runs inside any allocation (the garbage collector),
# and linecache.checkcache (pdb, doctest, traceback) fails with a KeyError when an entry
# disappears while it walks the cache.
_DEAD_SOURCES: list[str] = []


def _forget_dead_sources() -> None:
    while _DEAD_SOURCES:
        linecache.cache.pop(_DEAD_SOURCES.pop(), None)
