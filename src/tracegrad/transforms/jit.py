"""``jit``: trace once per signature, run the staged program; ``jit_p`` carries it through
every other transformation."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tracegrad.backend import Program, compile_program, optimize, own_results
from tracegrad.backend.namespace import foreign_aval, foreign_namespace, is_native
from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    StagingTrace,
    eval_jaxpr,
    get_aval,
    is_eager,
    pytree,
    trace_to_jaxpr,
)
from tracegrad.core.flags import jit_disabled
from tracegrad.core.staging import arg_origins, hoist_tracer_consts
from tracegrad.transforms.arguments import FlatFun, as_value, without_static
from tracegrad.transforms.call import def_call_rules
from tracegrad.transforms.partial_eval import merge_outputs, partial_eval_jaxpr

# ---- the primitive ------------------------------------------------------------------------

jit_p = Primitive("jit", multiple_results=True, inline_param="jaxpr", transparent=True)


def _compiled(closed: ClosedJaxpr, for_caller: bool = False) -> Program:
    # Optimised for execution and generated once per jaxpr object (the backend's cache).
    # What the caller of jit gets owns its memory; what other transformations get (residuals
    # and outputs of jit_p's implementation) may share it.
    return compile_program(closed, own_outputs=for_caller)


def _jit_impl(*args: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
    return _compiled(jaxpr).run(*args)


def _jit_abstract_eval(*avals: ShapedArray, jaxpr: ClosedJaxpr, name: str) -> list[ShapedArray]:
    expected = jaxpr.in_avals
    if [(a.shape, a.dtype) for a in avals] != [(a.shape, a.dtype) for a in expected]:
        raise TypeError(
            f"jit-compiled function {name!r} called with arguments of types {list(avals)}, "
            f"but it was traced for {expected}."
        )
    return jaxpr.out_avals


def _jit_partial_eval(
    trace: StagingTrace, args: Sequence[Any], *, jaxpr: ClosedJaxpr, name: str
) -> list[Any]:
    unknowns = tuple(trace.is_own(x) for x in args)
    known, unknown, out_unknowns, _ = partial_eval_jaxpr(jaxpr, unknowns)
    assert trace.parent is not None
    known_args = tuple(x for x, u in zip(args, unknowns, strict=True) if not u)
    known_res = trace.parent.process_primitive(jit_p, known_args, {"jaxpr": known, "name": name})
    n_known = len(out_unknowns) - sum(out_unknowns)
    known_outs, residuals = known_res[:n_known], known_res[n_known:]
    unknown_args = [x for x, u in zip(args, unknowns, strict=True) if u]
    unknown_outs = trace.stage(jit_p, (*residuals, *unknown_args), {"jaxpr": unknown, "name": name})
    return merge_outputs(out_unknowns, known_outs, unknown_outs)


jit_p.def_impl(_jit_impl)
jit_p.def_abstract_eval(_jit_abstract_eval)
def_call_rules(jit_p, tag_names=True)
jit_p.def_partial_eval(_jit_partial_eval)


# ---- the user-facing wrapper --------------------------------------------------------------


@dataclass(frozen=True)
class Lowered:
    """What ``jit(f).lower(*args)`` returns: the staged IR and the code that runs it."""

    jaxpr: ClosedJaxpr  # the optimised IR that jit_p carries

    def as_text(self) -> str:
        """The Python source of the program that runs for these arguments."""
        return _compiled(self.jaxpr, for_caller=True).source


def _array_signature(tree: Any, leaves: list[Any]) -> Hashable | None:
    """The signature of a pytree of NumPy arrays, NumPy scalars and Python floats in plain
    tuples, lists and dicts (appending its leaves in pytree order, a float as the 0-d array
    the general path makes of it), or None for anything else (other Python scalars, tracers,
    other nodes): those take the general path."""
    t = type(tree)
    if t is np.ndarray:
        leaves.append(tree)
        return (tree.shape, tree.dtype)
    if t is float:  # weakly typed float64 (SPEC 3)
        leaves.append(np.asarray(tree, np.float64))
        return "float"
    if isinstance(tree, np.generic):  # its type is its dtype
        leaves.append(tree)
        return (t,)
    if t is tuple or t is list:
        parts = []
        for x in tree:
            part = _array_signature(x, leaves)
            if part is None:
                return None
            parts.append(part)
        return (t, tuple(parts))
    if t is dict:
        try:
            keys = tuple(sorted(tree))  # the order of tracegrad's pytree flattening
        except TypeError:
            return None
        parts = []
        for k in keys:
            part = _array_signature(tree[k], leaves)
            if part is None:
                return None
            parts.append(part)
        return (dict, keys, tuple(parts))
    return None


def _foreign_leaves(xp: Any, raw: Sequence[Any]) -> tuple[list[Any], tuple[ShapedArray, ...]]:
    """The leaves and abstract values of a call with arrays of another library ``xp``
    (NumPy values and Python numbers may be mixed in; they become arrays of ``xp``)."""
    leaves = [x if not is_native(x) else as_value(x) for x in raw]
    avals = tuple(
        _leaf_aval(x, v) if is_native(x) else foreign_aval(xp, x)
        for x, v in zip(raw, leaves, strict=True)
    )
    return leaves, avals


def _run_in_namespace(closed: ClosedJaxpr, leaves: list[Any], xp: Any) -> list[Any]:
    # The array-API rules (and the linalg and special modules they cover) load only when
    # another library's arrays arrive.
    from tracegrad.ops.array_api import run_in_namespace

    return run_in_namespace(closed, leaves, xp)


def _leaf_aval(raw: Any, value: Any) -> ShapedArray:
    """The abstract value of an argument leaf: a Python scalar keeps its weak type (SPEC 3),
    although it runs as the 0-d array ``value``."""
    return get_aval(raw if isinstance(raw, bool | int | float | complex) else value)


def _check_static_args(
    signature: inspect.Signature, nums: tuple[int, ...], names: tuple[str, ...], fname: str
) -> None:
    """JAX's errors for static_argnums beyond the positional parameters and static_argnames
    that name no parameter (unless the function takes ``*args`` / ``**kwargs``)."""
    kinds = [p.kind for p in signature.parameters.values()]
    fix = f"The function {fname!r} has the signature {signature}"
    if inspect.Parameter.VAR_POSITIONAL not in kinds:
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        n = sum(k in positional for k in kinds)
        if any(not -n <= i < n for i in nums):
            raise ValueError(
                f"Jitted function has static_argnums={nums}, but only accepts {n} positional "
                f"arguments. {fix}: give positions from 0 to {n - 1} (or from -{n} to -1)."
            )
    if inspect.Parameter.VAR_KEYWORD not in kinds:
        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        valid = {p.name for p in signature.parameters.values() if p.kind in named}
        invalid = {n for n in names if n not in valid}
        if invalid:
            raise ValueError(
                f"Jitted function has invalid argnames {invalid} in static_argnames. Function "
                f"does not take these args. {fix}: name some of its parameters."
            )


# The traces one jitted function keeps: at most this many, holding at most this many bytes of
# constants (the arrays they closed over or folded); the oldest go first.
MAX_TRACES = 1024
MAX_CONST_BYTES = 1 << 28


class _Traced:
    """One signature's traced program. Its first call runs the program as traced, through
    the primitives' implementations (the NumPy calls eager code makes); optimising and
    generating code wait for a second call, so a program called once costs about its
    tracing, and large ones no longer pay seconds of compiling up front."""

    __slots__ = ("_optimized", "out_tree", "ran_once", "raw")

    def __init__(self, raw: ClosedJaxpr, out_tree: pytree.PyTreeDef) -> None:
        self.raw: ClosedJaxpr | None = raw
        self.out_tree = out_tree
        self._optimized: ClosedJaxpr | None = None
        self.ran_once = False

    def optimized(self) -> ClosedJaxpr:
        """The optimised program (made once; the traced one is then let go)."""
        if self._optimized is None:
            assert self.raw is not None
            self._optimized, self.raw = optimize(self.raw), None
        return self._optimized

    def consts(self) -> tuple[Any, ...]:
        closed = self.raw if self._optimized is None else self._optimized
        assert closed is not None
        return closed.consts


class _TraceCache(dict[Hashable, _Traced]):
    """The traced programs of one jitted function by signature, and ``fast``: the compiled
    programs by the signature of an all-array call (emptied whenever a trace is dropped)."""

    def __init__(self) -> None:
        super().__init__()
        self.fast: dict[Hashable, tuple[Callable[..., list[Any]], pytree.PyTreeDef]] = {}
        self.nbytes: dict[Hashable, int] = {}

    def put(self, key: Hashable, entry: _Traced) -> None:
        self[key] = entry
        self.nbytes[key] = sum(int(getattr(c, "nbytes", 0)) for c in entry.consts())
        while len(self) > 1 and (
            len(self) > MAX_TRACES or sum(self.nbytes.values()) > MAX_CONST_BYTES
        ):
            oldest = next(iter(self))
            del self[oldest], self.nbytes[oldest]
            self.fast.clear()


def _static_key(value: Any, name: str, fname: str) -> Hashable:
    try:
        hash(value)
    except TypeError as e:
        raise ValueError(
            f"Non-hashable static arguments are not supported. An error occurred during a "
            f"call to {fname!r} while trying to hash an object of type {type(value)}, "
            f"{value!r} (the argument {name}). The error was:\nTypeError: {e}"
        ) from None
    return (type(value), value)


def jit(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    donate_argnums: int | Sequence[int] = (),
) -> Any:
    """Stage ``fun`` once per abstract signature and run the staged program afterwards.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> f = tg.jit(lambda x: tnp.sum(tnp.sin(x) * x))
    >>> f(np.zeros(3))
    np.float64(0.0)
    >>> tg.grad(f)(np.zeros(2))
    array([0., 0.])
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    del donate_argnums  # accepted for compatibility; NumPy buffers are not donated
    fname = getattr(fun, "__name__", "fun")
    try:
        signature: inspect.Signature | None = inspect.signature(fun)
    except (TypeError, ValueError):  # a callable without a signature: nothing to check
        signature = None
    if signature is not None:
        _check_static_args(signature, nums, names, fname)
        if names and not nums:
            params = list(signature.parameters)
            nums = tuple(params.index(n) for n in names if n in params)
    cache = _TraceCache()

    def split(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        n = len(args)
        static_pos = {i % n for i in nums if -n <= i < n}
        static = tuple(_static_key(args[i], f"#{i}", fname) for i in sorted(static_pos))
        static_kw = tuple(
            sorted((k, _static_key(v, repr(k), fname)) for k, v in kwargs.items() if k in names)
        )
        dyn_args = [a for i, a in enumerate(args) if i not in static_pos]
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in names}
        return static_pos, static, static_kw, dyn_args, dyn_kwargs

    def trace(
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        static_pos: set[int],
        in_tree: pytree.PyTreeDef,
        avals: Sequence[ShapedArray],
    ) -> tuple[ClosedJaxpr, Any]:
        static_kw = {k: v for k, v in kwargs.items() if k in names}
        _, dyn_fun = without_static(fun, args, static_pos, static_kw)
        flat_fun = FlatFun(dyn_fun, in_tree, False, "jit", kwargs=True)

        try:
            origins: list[str | None] = list(arg_origins(fun, args, kwargs))
            if len(origins) != len(avals):
                origins = [None] * len(avals)
        except Exception:
            origins = [None] * len(avals)
        closed = trace_to_jaxpr(flat_fun, list(avals), origins=origins)
        return closed, flat_fun.out_tree

    def prepare(
        args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[_Traced, list[Any], list[Any], Any]:
        static_pos, static, static_kw, dyn_args, dyn_kwargs = split(args, kwargs)
        raw, in_tree = pytree.tree_flatten((dyn_args, dyn_kwargs))
        xp = foreign_namespace(raw)  # None: NumPy (and Python numbers) only
        if xp is None:
            leaves = [as_value(x) for x in raw]
            avals = tuple(_leaf_aval(x, v) for x, v in zip(raw, leaves, strict=True))
        else:
            leaves, avals = _foreign_leaves(xp, raw)
        key = (in_tree, avals, static, static_kw)
        entry = cache.get(key)
        hoisted: list[Any] = []
        if entry is None:
            closed, out_tree = trace(args, kwargs, static_pos, in_tree, avals)
            closed, hoisted = hoist_tracer_consts(closed)
            entry = _Traced(closed, out_tree)
            if not hoisted:  # a program closed over tracers is only valid for this call
                cache.put(key, entry)
        return entry, hoisted, leaves, xp

    # The common call: positional NumPy arrays only, outside every transformation. Its
    # signature is just the shapes and dtypes, and the compiled program runs directly.
    fast = cache.fast
    fast_ok = not nums and not names

    @functools.wraps(fun)
    def jitted(*args: Any, **kwargs: Any) -> Any:
        if jit_disabled():
            return fun(*args, **kwargs)
        key = None
        if fast_ok and not kwargs and is_eager():
            flat: Sequence[Any] = args
            parts = []
            for x in args:  # the commonest call, arrays only, with its own cheaper key
                if type(x) is not np.ndarray:
                    flat = []
                    key = _array_signature(args, flat)
                    break
                parts.append((x.shape, x.dtype))
            else:
                key = tuple(parts)
            entry = fast.get(key) if key is not None else None
            if entry is not None:
                run, out_tree = entry
                outs = run(*flat)
                return outs[0] if out_tree.node_type is None else out_tree.unflatten(outs)
        traced, hoisted, leaves, xp = prepare(args, kwargs)
        if xp is not None and is_eager():  # another library's arrays: its namespace runs it
            outs = _run_in_namespace(traced.optimized(), [*hoisted, *leaves], xp)
            return pytree.tree_unflatten(traced.out_tree, outs)
        if hoisted or not is_eager():
            outs = jit_p.bind(*hoisted, *leaves, jaxpr=traced.optimized(), name=fname)
            return pytree.tree_unflatten(traced.out_tree, outs)
        if not traced.ran_once and traced.raw is not None:
            traced.ran_once = True
            outs = own_results(eval_jaxpr(traced.raw, *leaves), leaves, traced.raw.consts)
            return pytree.tree_unflatten(traced.out_tree, outs)
        run = _compiled(traced.optimized(), for_caller=True).run
        if key is not None:
            fast[key] = (run, traced.out_tree)
        return pytree.tree_unflatten(traced.out_tree, run(*leaves))

    def lower(*args: Any, **kwargs: Any) -> Lowered:
        return Lowered(prepare(args, kwargs)[0].optimized())

    jitted.lower = lower  # type: ignore[attr-defined]
    jitted._cache_size = lambda: len(cache)  # type: ignore[attr-defined]
    return jitted
