"""The recorded graph: ``Op`` (a torch-level operation as a function on arrays),
``GradFnPlan`` (its vjp at one signature, staged once by the staged-vjp service of
``transforms/staged_vjp.py`` and cached there), ``GradFn`` (a ``grad_fn``), and ``apply``,
which runs an operation on tensors and records it.

No derivative is written here: a plan stages the vjp of the operation's function, written
with ``tracegrad.numpy``, so every derivative comes from the primitives' rules.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.backend import compile_jaxpr
from tracegrad.core import (
    ClosedJaxpr,
    ConcretizationTypeError,
    Literal,
    ShapedArray,
    Tracer,
    Var,
    eval_jaxpr,
)
from tracegrad.core import trace_to_jaxpr as _trace_to_jaxpr
from tracegrad.core.cache import PlanCache
from tracegrad.core.dtypes import is_inexact
from tracegrad.torch._saved_result import read_result
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.tensor import VIEW_HOOKS, Tensor, wrap
from tracegrad.transforms.staged_vjp import PLANS, VjpPlan, dce_jaxpr
from tracegrad.transforms.transpose import match_dtype


class Op:
    """A torch-level operation: the ``grad_fn`` name it records and its function on arrays.

    ``fn(*arrays, **params)`` is written with ``tracegrad.numpy`` (or the ops), so it runs
    on NumPy arrays in the forward pass and on tracers when its vjp is staged.
    """

    __slots__ = (
        "direct", "fn", "meta_from", "name", "saves_result", "staged", "transpose", "undefined",
        "view",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        undefined: str | None = None,
        meta_from: int | None = None,
        view: bool = False,
        saves_result: bool = False,
        staged: bool = False,
        transpose: Callable[..., Any] | None = None,
        direct: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        # The NumPy function ``fn`` calls on NumPy arrays that have the operation's dtype
        # already (its one param), for ``apply_numpy``.
        self.direct = direct
        # PyTorch's name of an operation that has no derivative (backward raises).
        self.undefined = undefined
        # Inputs from this position on are metadata (integer indices PyTorch keeps as
        # numbers, not saved tensors): freeing the graph keeps them.
        self.meta_from = meta_from
        # The result is a view of input 0 (fn returns a NumPy view of it; the other inputs
        # are integer metadata).
        self.view = view
        # PyTorch's backward reads the result (exp, tanh, ...): changing it in place before
        # backward raises, as in PyTorch; the vjp reads it where the derivative rule uses
        # the result (``_saved_result``), else the inputs.
        self.saves_result = saves_result
        # fn composes several primitives and checks no input values (its wrapper does): from
        # the second call at a signature on, the forward runs as staged, compiled code.
        self.staged = staged
        # For a view that is linear in input 0 (the others metadata) and selects each element
        # at most once: ``transpose(shape, dtype, **params)`` (input 0's) gives the function
        # ``(*metadata, ct) -> [input 0's cotangent]`` (zeros, the view's region set to
        # ``ct``), run without staging a vjp.
        self.transpose = transpose

    def __repr__(self) -> str:
        return f"Op({self.name})"


def _undefined_error(op: Op) -> Exception:
    """PyTorch's error for backward through ``op``, which has no derivative: a
    ``NotImplemented`` node's RuntimeError (floor_divide), else the NotImplementedError of
    a named node whose formula is ``not_implemented`` (``Unique2Backward0``)."""
    if op.name == "NotImplemented":
        return RuntimeError(f"derivative for aten::{op.undefined} is not implemented")
    return NotImplementedError(f"the derivative for '{op.undefined}' is not implemented.")


class GradFn:
    """A ``grad_fn``: one recorded operation, its inputs' edges and its saved arrays.

    ``next`` holds, per input, the input's node, the input itself if it is a leaf that
    requires grad, or None. ``saved`` holds the inputs the vjp reads (None once freed).
    Each PyTorch name gets its own subclass, so ``type(grad_fn).__name__`` is that name.
    """

    __slots__ = (
        "__weakref__", "freed", "hooks", "next", "plan", "result", "retained", "saved", "seq",
        "versions",
    )  # fmt: skip

    plan: GradFnPlan
    next: tuple[GradFn | Tensor | None, ...]
    saved: tuple[Any, ...]
    hooks: dict[int, Callable[..., Any]] | None
    retained: Any
    freed: bool
    # The saved input tensors with their versions when saved (checked before the vjp
    # runs), and (version counter, version) of the result when PyTorch saves it.
    versions: list[tuple[Tensor, int]]
    result: tuple[list[int], int] | None
    # When the node was made: its inputs' nodes were made before it, so backward runs the
    # nodes in decreasing ``seq`` (a topological order, as PyTorch's sequence numbers).
    seq: int

    def __init__(
        self,
        plan: GradFnPlan,
        next_: tuple[GradFn | Tensor | None, ...],
        saved: tuple[np.ndarray[Any, Any], ...],
    ) -> None:
        self.plan = plan
        self.next = next_
        self.saved = saved
        self.hooks = None
        self.retained = None
        self.freed = False
        self.versions = _NO_VERSIONS
        self.result = None
        self.seq = _next_seq()

    def free(self) -> None:
        """Drop the saved tensors (metadata stays), as backward without retain_graph does."""
        self.freed = True
        plan = self.plan
        if plan.saves_tensors:
            self.versions = _NO_VERSIONS
            if plan.cleared is not None:
                self.saved = plan.cleared
                return
            keep = plan.saved_meta
            self.saved = tuple([v if m else None for v, m in zip(self.saved, keep, strict=True)])

    def name(self) -> str:
        name = type(self).__name__
        return "torch::autograd::CopySlices" if name == "CopySlices" else name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return tuple((e.accumulator() if isinstance(e, Tensor) else e, 0) for e in self.next)

    def register_hook(self, fn: Callable[..., Any]) -> None:
        raise NotImplementedError(
            "tracegrad.torch: hooks on grad_fn nodes are not supported; register the hook on "
            "the tensor instead (tensor.register_hook(fn))."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"


_NO_VERSIONS: list[tuple[Tensor, int]] = []  # shared, never appended to
_next_seq = itertools.count().__next__
_GRAD_FN_CLASSES: dict[str, type[GradFn]] = {}


def grad_fn_class(name: str) -> type[GradFn]:
    """The GradFn subclass named ``name`` (``MulBackward0``), made once."""
    cls = _GRAD_FN_CLASSES.get(name)
    if cls is None:
        cls = type(name, (GradFn,), {"__slots__": ()})
        _GRAD_FN_CLASSES[name] = cls
    return cls


# ---- plans: the staged vjp of an operation at one signature -----------------------------------


def _stage_vjp(
    op: Op,
    params: dict[str, Any],
    in_avals: list[ShapedArray],
    out_aval: ShapedArray,
    diff_idx: tuple[int, ...],
) -> tuple[ClosedJaxpr, tuple[int, ...]]:
    """The jaxpr of ``(*read inputs, ct) -> cotangents of the inputs diff_idx``, PyTorch's
    convention: for complex values that is ``conj(vjp(conj(ct)))`` of the JAX-convention vjp;
    and the indices of the inputs it reads. An operation that saves its result may read it
    as one more input, after the others (index ``len(in_avals)``; ``_saved_result``)."""
    complex_out = out_aval.dtype.kind == "c"

    def fn(*arrays: Any) -> list[Any]:
        return [op.fn(*arrays, **params)]

    def finish(k: int, ct: Any) -> Any:
        aval = in_avals[diff_idx[k]]
        ct = match_dtype(ct, aval)
        return tnp.conj(ct) if aval.dtype.kind == "c" else ct

    plan = VjpPlan(fn, in_avals, diff_idx)
    if op.saves_result:
        read_result(plan)
    closed, used = plan.fused(tnp.conj if complex_out else _same, finish)
    return closed, tuple(i for i, u in enumerate(used) if u)


def _same(x: Any) -> Any:
    return x


def _none_picked(arrays: Sequence[Any]) -> tuple[Any, ...]:
    return ()


class GradFnPlan:
    """How the grad_fn nodes of ``op`` at one signature (params, input shapes and dtypes,
    which inputs require grad) are made and run: their class, the staged vjp (a fused
    ``VjpPlan``), the inputs it reads and its compiled runner."""

    __slots__ = (
        "alias",
        "cleared",
        "ct_dtypes",
        "diff_idx",
        "error",
        "fuse",
        "lazy",
        "node_cls",
        "op",
        "out_aval",
        "pick",
        "reads_result",
        "run",
        "saved_idx",
        "saved_meta",
        "saves_tensors",
        "vjp_jaxpr",
        "vjp_ops",
    )

    def __init__(
        self,
        op: Op,
        params: dict[str, Any],
        arrays: Sequence[np.ndarray[Any, Any]],
        out: np.ndarray[Any, Any],
        needs: tuple[bool, ...],
    ) -> None:
        self.op = op
        self.node_cls = grad_fn_class(op.name)
        self.diff_idx = tuple(i for i, n in enumerate(needs) if n)
        self.out_aval = ShapedArray(out.shape, out.dtype)
        self.vjp_ops: dict[int, Op | int] = {}
        self.error: Exception | None = None
        in_avals = [ShapedArray(a.shape, a.dtype) for a in arrays]
        self.saved_idx: tuple[int, ...] = ()
        self.saved_meta: tuple[bool, ...] = ()
        self.saves_tensors = False
        self.pick: Callable[[list[Any]], tuple[Any, ...]] = tuple
        self.cleared: tuple[None, ...] | None = None
        self.run: Callable[..., list[Any]] | None = None
        self.alias: tuple[bool, ...] = ()
        # The cotangents' dtypes; empty when the runner returns fresh arrays only.
        self.ct_dtypes: tuple[np.dtype[Any], ...] = ()
        self.lazy: tuple[dict[str, Any], list[ShapedArray]] | None = None
        # Whether a backward chain (torch/_fused.py) may take the node: 0 no, 1 as its last
        # node, 2 anywhere (a staged vjp with one differentiable input).
        self.fuse = 0
        # The vjp reads the result, saved after the inputs saved_idx[:-1] (``_saved_result``).
        self.reads_result = False
        if op.undefined is not None:
            self.error = _undefined_error(op)
            return
        if op.transpose is not None and self.diff_idx == (0,):
            self.lazy = (params, in_avals)
            self._transposed(op.transpose, params, arrays[0], len(arrays))
            return
        try:
            staged = _stage_vjp(op, params, in_avals, self.out_aval, self.diff_idx)
        except NotImplementedError as e:  # no derivative rule: raised at backward, as PyTorch
            self.error = RuntimeError(
                f"the derivative for {op.name} could not be formed from tracegrad's rules: "
                f"{type(e).__name__}: {e}"
            )
            self.error.__cause__ = e
            return
        self.vjp_jaxpr, self.saved_idx = staged
        self.reads_result = len(arrays) in self.saved_idx
        self.run, self.alias, self.ct_dtypes = runner(self.vjp_jaxpr)
        meta = len(arrays) if op.meta_from is None else op.meta_from
        self.saved_meta = tuple(meta <= i < len(arrays) for i in self.saved_idx)
        self.saves_tensors = not all(self.saved_meta)
        self._set_pick()
        self.fuse = 2 if len(self.diff_idx) == 1 else 1

    def _transposed(
        self,
        transpose: Callable[..., Any],
        params: dict[str, Any],
        x: np.ndarray[Any, Any],
        n_in: int,
    ) -> None:
        """A plan that runs its op's ``transpose``: it saves the metadata inputs and stages
        the vjp only when a backward pass is recorded (``vjp_op``)."""
        self.run = transpose(x.shape, x.dtype, **params)
        self.saved_idx = tuple(range(1, n_in))
        self.saved_meta = (True,) * (n_in - 1)
        self._set_pick()
        self.alias = (False,)  # ct_dtypes stays empty: the cotangent is a fresh array

    def _set_pick(self) -> None:
        """``pick(arrays)``, the saved inputs as a tuple, and ``cleared``, what a freed node
        keeps of them (None for each saved tensor, the metadata as it is)."""
        idx = self.saved_idx[:-1] if self.reads_result else self.saved_idx
        if not idx:
            self.pick = _none_picked
        elif len(idx) == 1:
            i = idx[0]
            self.pick = lambda arrays: (arrays[i],)
        else:
            self.pick = operator.itemgetter(*idx)
        if not any(self.saved_meta):
            self.cleared = (None,) * len(self.saved_idx)

    def vjp_op(self, k: int) -> Op | int:
        """The vjp for input ``diff_idx[k]`` as an operation on (saved..., ct), to run on
        tensors under create_graph; an int ``i`` means "the i-th argument itself"."""
        spec = self.vjp_ops.get(k)
        if spec is None:
            if self.lazy is not None:
                spec = self._staged_vjp_op()
            else:
                keep = [i == k for i in range(len(self.diff_idx))]
                one, _ = dce_jaxpr(self.vjp_jaxpr, keep)
                out = one.jaxpr.outvars[0]
                if type(out) is Var and out in one.jaxpr.invars:
                    spec = one.jaxpr.invars.index(out)
                else:
                    name = _backward_name(one)
                    spec = Op(name, lambda *args, _j=one: eval_jaxpr(_j, *args)[0])
            self.vjp_ops[k] = spec
        return spec

    def _staged_vjp_op(self) -> Op:
        """The staged vjp of a plan that runs its op's transpose, on its saved inputs."""
        assert self.lazy is not None
        params, in_avals = self.lazy
        staged, used = _stage_vjp(self.op, params, in_avals, self.out_aval, self.diff_idx)
        pick = [self.saved_idx.index(i) for i in used]

        def fn(*args: Any) -> Any:  # (*saved, ct)
            return eval_jaxpr(staged, *[args[i] for i in pick], args[-1])[0]

        return Op(_backward_name(staged), fn)


Runner = tuple[Callable[..., list[Any]], tuple[bool, ...], tuple[np.dtype[Any], ...]]


def runner(closed: ClosedJaxpr) -> Runner:
    """A staged vjp compiled, with what the engine needs to know of its outputs: which are
    inputs or constants of the vjp (arrays that others may hold too), and their dtypes."""
    j = closed.jaxpr
    passthrough = set(j.invars) | set(j.constvars)
    alias = tuple(type(v) is Literal or v in passthrough for v in j.outvars)
    return compile_jaxpr(closed), alias, tuple(v.aval.dtype for v in j.outvars)


def _backward_name(closed: ClosedJaxpr) -> str:
    """A PyTorch-like node name for a vjp run under create_graph: its last primitive's."""
    eqns = closed.jaxpr.eqns
    if not eqns:
        return "AliasBackward0"
    prim = eqns[-1].primitive
    return prim.grad_fn_name or "".join(p.capitalize() for p in prim.name.split("_")) + (
        "Backward0"
    )


# ---- forwards: a composite operation's forward, staged and compiled at one signature ----------

_SEEN, _EAGER = object(), object()  # called once at this signature; cannot be staged
_FORWARDS = PlanCache(8192)


def staged_forward(op: Op, arrays: list[Any], params: dict[str, Any]) -> Any:
    """``op.fn(*arrays, **params)``; from the second call at a signature on, by the function
    staged from it and compiled (as ``jit`` does: a one-off signature costs no staging).

    Staging that fails (value-dependent Python code), or gives another result type than the
    eager call, leaves the signature eager."""
    for a in arrays:
        if type(a) is not np.ndarray:  # tracers (torch.func), Python values
            return op.fn(*arrays, **params)
    key = (op, tuple(params.items()), tuple([(a.shape, a.dtype) for a in arrays]))
    try:
        run = _FORWARDS.get(key)
    except TypeError:  # unhashable params
        return op.fn(*arrays, **params)
    if run is None or run is _EAGER:
        if run is None:
            _FORWARDS.put(key, _SEEN)
        return op.fn(*arrays, **params)
    if run is _SEEN:
        out = op.fn(*arrays, **params)
        _FORWARDS.put(key, _compile_forward(op, params, arrays, out))
        return out
    return run(*arrays)[0]


def _compile_forward(
    op: Op, params: dict[str, Any], arrays: list[np.ndarray[Any, Any]], out: Any
) -> Any:
    try:
        closed = _trace_to_jaxpr(
            lambda *xs: [op.fn(*xs, **params)], [ShapedArray(a.shape, a.dtype) for a in arrays]
        )
    except ConcretizationTypeError:  # value-dependent Python code
        return _EAGER
    j = closed.jaxpr
    ref = np.asarray(out)
    if len(j.outvars) != 1 or (j.outvars[0].aval.shape, j.outvars[0].aval.dtype) != (
        ref.shape,
        ref.dtype,
    ):
        return _EAGER
    result = j.outvars[0]
    if type(result) is Literal or result in set(j.invars) | set(j.constvars):
        return _EAGER  # the program would hand out an input or a shared constant
    return compile_jaxpr(closed)


# ---- apply -------------------------------------------------------------------------------------


def apply(op: Op, args: Sequence[Any], **params: Any) -> Tensor:
    """Run ``op`` on tensors (and arrays, which never require grad); record a node when grad
    mode is on, some input requires grad and the output can carry a gradient."""
    arrays = []
    for a in args:  # a loop: cheaper than a comprehension for one or two inputs
        arrays.append(a._value if isinstance(a, Tensor) else a)
    out = staged_forward(op, arrays, params) if op.staged else op.fn(*arrays, **params)
    if type(out) is not np.ndarray:
        if isinstance(out, Tracer):  # under a tracegrad transformation (torch.func)
            return wrap(out)  # type: ignore[arg-type]
        out = np.asarray(out)
    return record(op, args, arrays, out, params)


def apply_numpy(op: Op, args: Sequence[Any], arrays: list[Any], dtype: Any) -> Tensor:
    """``apply(op, args, dtype=dtype)`` where ``arrays`` (the args' values) are NumPy arrays
    of ``dtype`` already: ``op.direct``, the NumPy function ``op.fn`` calls on them, called
    without ``apply``'s generic steps (the staged forward, the casts)."""
    direct = op.direct
    assert direct is not None
    out = direct(*arrays)
    if type(out) is not np.ndarray:  # NumPy gives scalars for 0-d operands
        out = np.asarray(out)
    return record(op, args, arrays, out, {"dtype": dtype})


_SHAPE_DTYPE = operator.attrgetter("shape", "dtype")


def record(
    op: Op,
    args: Sequence[Any],
    arrays: list[Any],
    out: np.ndarray[Any, Any],
    params: dict[str, Any],
) -> Tensor:
    """The tensor holding ``out``, the result of ``op`` on ``args`` (whose arrays are
    ``arrays``), with its node recorded if grad mode is on and an input requires grad."""
    t = wrap(out)
    enabled = STATE.enabled
    if op.view:
        src = args[0]
        t._vc = src._vc
        t._base = src if src._base is None else src._base
        meta: Any = None if enabled else "no_grad"
        if src._view is not None and meta is None and src._view[V_META] is not None:
            meta = "no_grad" if src._view[V_META] == "no_grad" else (0, None)  # inherited
        t._view = (src, op, arrays, params, src._vc[0], meta)
    if not enabled:
        return t
    edges: list[Any] = []
    needs: list[bool] = []
    for a in args:
        if isinstance(a, Tensor):
            base = a._base
            if a._requires_grad or (base is not None and base._requires_grad):
                view = a._view
                node = a._grad_fn if view is None or view[V_SEEN] == a._vc[0] else grad_fn_of(a)
                edges.append(node or a)
                needs.append(True)
                continue
        edges.append(None)
        needs.append(False)
    if True not in needs or (out.dtype.kind not in "fc" and not is_inexact(out.dtype)):
        return t
    # The plan of this signature, in the one cache of staged vjps (a flat key: params are
    # (name, value) pairs, then the shape and dtype of each input (one to three inputs, the
    # usual arities, written out) or a (shape, dtype) pair per input, then which inputs
    # need grad: a shape is a tuple of ints, a dtype no tuple, a pair starts with a shape).
    n = len(arrays)
    if n == 2:
        a, b = arrays
        key = (op, *params.items(), a.shape, a.dtype, b.shape, b.dtype, *needs)
    elif n == 1:
        a = arrays[0]
        key = (op, *params.items(), a.shape, a.dtype, *needs)
    elif n == 3:  # x[i, j]
        a, b, c = arrays
        key = (op, *params.items(), a.shape, a.dtype, b.shape, b.dtype, c.shape, c.dtype, *needs)
    else:
        key = (op, *params.items(), *map(_SHAPE_DTYPE, arrays), *needs)
    plan = PLANS.get(key)
    if plan is None:
        plan = GradFnPlan(op, params, arrays, out, tuple(needs))
        PLANS.put(key, plan)
    idx = plan.saved_idx
    saved: tuple[Any, ...] = plan.pick(arrays) if idx else ()
    if plan.reads_result:
        saved, idx = (*saved, out), idx[:-1]
    node = t._grad_fn = plan.node_cls(plan, tuple(edges), saved)
    t._requires_grad = True
    if plan.saves_tensors:
        target = STATE.writing
        if target is not None and args[0] is target and idx and idx[0] == 0:
            # The input an in-place operation overwrites: saved as a copy, as PyTorch's
            # original_self (other inputs sharing its storage are version-checked).
            node.saved = (saved[0].copy(), *saved[1:])
            idx = idx[1:]
        versions = node.versions = []
        for i in idx:  # a plain loop: the cheapest form, on every node that saves tensors
            a = args[i]
            if isinstance(a, Tensor):
                versions.append((a, a._vc[0]))
    if op.saves_result:
        node.result = (t._vc, t._vc[0])
    return t


def grad_fn_of(t: Tensor) -> Any:
    """``t.grad_fn``, brought up to date if ``t`` is a view whose storage changed."""
    if t._view is not None:
        VIEW_HOOKS.refresh(t)
    return t._grad_fn


# How a view was taken, a tuple (made on every view, so cheap): the tensor it was taken
# from (itself maybe a view), the view operation, its input arrays (the parent's, then
# the metadata inputs), its params, the storage version when the view's grad_fn was last
# made, and PyTorch's creation meta: None, "no_grad" (made in no_grad mode) or (index,
# name) (one of several views; name None for a view of such a view, which PyTorch names
# after its own grad_fn).
V_PARENT, V_OP, V_ARRAYS, V_PARAMS, V_SEEN, V_META = range(6)


def saved_tensor(node: GradFn, i: int, value: np.ndarray[Any, Any]) -> Tensor:
    """Input ``i`` of ``node`` as a tensor connected to the graph (for create_graph)."""
    if i == len(node.next):  # the result (``_saved_result``): this node's output
        edge: Any = node
    else:
        edge = node.next[i]
    if edge is None:
        return wrap(value)
    if isinstance(edge, Tensor):
        return edge
    t = wrap(value)
    t._grad_fn = edge
    t._requires_grad = True
    return t
