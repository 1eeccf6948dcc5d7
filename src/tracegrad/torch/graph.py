"""The recorded graph: ``Op`` (a torch-level operation as a function on arrays), ``Plan`` (its
vjp at one signature, staged once from the functional core and cached), ``Node`` (a
``grad_fn``), and ``apply``, which runs an operation on tensors and records it.

No derivative is written here: a plan stages ``vjp`` of the operation's function, written
with ``tracegrad.numpy``, so every derivative comes from the primitives' rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.backend import compile_jaxpr
from tracegrad.core import ClosedJaxpr, Jaxpr, Literal, ShapedArray, Tracer, Var, eval_jaxpr
from tracegrad.core import trace_to_jaxpr as _trace_to_jaxpr
from tracegrad.core.dtypes import is_inexact
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.tensor import Tensor, wrap
from tracegrad.transforms.vjp import vjp


class Op:
    """A torch-level operation: the ``grad_fn`` name it records and its function on arrays.

    ``fn(*arrays, **params)`` is written with ``tracegrad.numpy`` (or the ops), so it runs
    on NumPy arrays in the forward pass and on tracers when its vjp is staged.
    """

    __slots__ = ("fn", "meta_from", "name", "undefined")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        undefined: str | None = None,
        meta_from: int | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        # PyTorch's name of an operation that has no derivative (backward raises).
        self.undefined = undefined
        # Inputs from this position on are metadata (integer indices PyTorch keeps as
        # numbers, not saved tensors): freeing the graph keeps them.
        self.meta_from = meta_from

    def __repr__(self) -> str:
        return f"Op({self.name})"


class Node:
    """A ``grad_fn``: one recorded operation, its inputs' edges and its saved arrays.

    ``next`` holds, per input, the input's node, the input itself if it is a leaf that
    requires grad, or None. ``saved`` holds the inputs the vjp reads (None once freed).
    Each PyTorch name gets its own subclass, so ``type(grad_fn).__name__`` is that name.
    """

    __slots__ = ("__weakref__", "freed", "hooks", "next", "plan", "retained", "saved")

    plan: Plan
    next: tuple[Node | Tensor | None, ...]
    saved: tuple[Any, ...]
    hooks: dict[int, Callable[..., Any]] | None
    retained: Any
    freed: bool

    def __init__(
        self,
        plan: Plan,
        next_: tuple[Node | Tensor | None, ...],
        saved: tuple[np.ndarray[Any, Any], ...],
    ) -> None:
        self.plan = plan
        self.next = next_
        self.saved = saved
        self.hooks = None
        self.retained = None
        self.freed = False

    def free(self) -> None:
        """Drop the saved tensors (metadata stays), as backward without retain_graph does."""
        self.freed = True
        keep = self.plan.saved_meta
        self.saved = tuple([v if m else None for v, m in zip(self.saved, keep, strict=True)])

    def name(self) -> str:
        return type(self).__name__

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


_NODE_CLASSES: dict[str, type[Node]] = {}


def node_class(name: str) -> type[Node]:
    """The Node subclass named ``name`` (``MulBackward0``), made once."""
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = _NODE_CLASSES[name] = cast(type[Node], type(name, (Node,), {"__slots__": ()}))
    return cls


# ---- plans: the staged vjp of an operation at one signature -----------------------------------


def compile_vjp(closed: ClosedJaxpr) -> Callable[..., list[Any]]:
    """Make a staged vjp callable on arrays: the one place a faster backend plugs in."""
    return compile_jaxpr(closed)


def prune(
    closed: ClosedJaxpr, keep: Sequence[int], *, drop_inputs: bool
) -> tuple[ClosedJaxpr, tuple[int, ...]]:
    """Keep the outputs ``keep`` and the equations they need (all primitives are pure).

    The last input (the cotangent) always stays. With ``drop_inputs`` the other inputs that
    nothing reads are dropped too; returns the jaxpr and the indices of the inputs kept.
    """
    j = closed.jaxpr
    outvars = tuple(j.outvars[i] for i in keep)
    live = {a for a in outvars if type(a) is Var}
    eqns = []
    for eqn in reversed(j.eqns):
        if any(v in live for v in eqn.outvars):
            eqns.append(eqn)
            live.update(a for a in eqn.invars if type(a) is Var)
    eqns.reverse()
    n = len(j.invars) - 1
    used = tuple(i for i in range(n) if j.invars[i] in live) if drop_inputs else tuple(range(n))
    invars = (*(j.invars[i] for i in used), j.invars[-1])
    kept = [(v, c) for v, c in zip(j.constvars, closed.consts, strict=True) if v in live]
    jaxpr = Jaxpr(tuple(v for v, _ in kept), invars, outvars, tuple(eqns))
    return ClosedJaxpr(jaxpr, tuple(c for _, c in kept)), used


def _stage_vjp(
    op: Op,
    params: dict[str, Any],
    in_avals: list[ShapedArray],
    out_aval: ShapedArray,
    diff_idx: tuple[int, ...],
) -> ClosedJaxpr:
    """The jaxpr of ``(*primals, ct) -> cotangents of the inputs diff_idx``, PyTorch's
    convention: for complex values that is ``conj(vjp(conj(ct)))`` of the JAX-convention vjp."""
    complex_out = out_aval.dtype.kind == "c"

    def vjp_flat(*args: Any) -> list[Any]:
        primals, ct = list(args[:-1]), args[-1]

        def f(*diff: Any) -> Any:
            full = list(primals)
            for i, v in zip(diff_idx, diff, strict=True):
                full[i] = v
            return op.fn(*full, **params)

        _, pullback = vjp(f, *(primals[i] for i in diff_idx))
        cts = pullback(tnp.conj(ct) if complex_out else ct)
        return [
            tnp.conj(c) if in_avals[i].dtype.kind == "c" else c
            for i, c in zip(diff_idx, cts, strict=True)
        ]

    return _trace_to_jaxpr(vjp_flat, [*in_avals, out_aval])


class Plan:
    """How to differentiate ``op`` at one signature (params, input shapes and dtypes, which
    inputs require grad): the staged vjp, the inputs it reads, and the compiled runner."""

    __slots__ = (
        "alias",
        "diff_idx",
        "error",
        "node_cls",
        "op",
        "out_aval",
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
        self.node_cls = node_class(op.name)
        self.diff_idx = tuple(i for i, n in enumerate(needs) if n)
        self.out_aval = ShapedArray(out.shape, out.dtype)
        self.vjp_ops: dict[int, Op | int] = {}
        self.error: Exception | None = None
        in_avals = [ShapedArray(a.shape, a.dtype) for a in arrays]
        self.saved_idx: tuple[int, ...] = ()
        self.saved_meta: tuple[bool, ...] = ()
        self.saves_tensors = False
        self.run: Callable[..., list[Any]] | None = None
        self.alias: tuple[bool, ...] = ()
        if op.undefined is not None:
            self.error = RuntimeError(f"derivative for aten::{op.undefined} is not implemented")
            return
        try:
            full = _stage_vjp(op, params, in_avals, self.out_aval, self.diff_idx)
        except Exception as e:  # e.g. no derivative rule: raise it at backward, as PyTorch
            self.error = RuntimeError(
                f"the derivative for {op.name} could not be formed from tracegrad's rules: "
                f"{type(e).__name__}: {e}"
            )
            self.error.__cause__ = e
            return
        outputs = list(range(len(self.diff_idx)))
        self.vjp_jaxpr, self.saved_idx = prune(full, outputs, drop_inputs=True)
        self.run = compile_vjp(self.vjp_jaxpr)
        meta = len(arrays) if op.meta_from is None else op.meta_from
        self.saved_meta = tuple(i >= meta for i in self.saved_idx)
        self.saves_tensors = not all(self.saved_meta)
        j = self.vjp_jaxpr.jaxpr
        passthrough = set(j.invars) | set(j.constvars)
        # Outputs that are inputs or constants of the vjp: arrays that others may hold too.
        self.alias = tuple(type(v) is Literal or v in passthrough for v in j.outvars)

    def vjp_op(self, k: int) -> Op | int:
        """The vjp for input ``diff_idx[k]`` as an operation on (saved..., ct), to run on
        tensors under create_graph; an int ``i`` means "the i-th argument itself"."""
        spec = self.vjp_ops.get(k)
        if spec is None:
            one, _ = prune(self.vjp_jaxpr, [k], drop_inputs=False)
            out = one.jaxpr.outvars[0]
            if type(out) is Var and out in one.jaxpr.invars:
                spec = one.jaxpr.invars.index(out)
            else:
                name = _backward_name(one)
                spec = Op(name, lambda *args, _j=one: eval_jaxpr(_j, *args)[0])
            self.vjp_ops[k] = spec
        return spec


_PRIMITIVE_NAMES = {
    "add": "AddBackward0", "add_any": "AddBackward0", "sub": "SubBackward0",
    "mul": "MulBackward0", "div": "DivBackward0", "neg": "NegBackward0",
    "integer_pow": "PowBackward0", "pow": "PowBackward1", "exp": "ExpBackward0",
    "log": "LogBackward0", "sin": "SinBackward0", "cos": "CosBackward0",
    "tanh": "TanhBackward0", "sqrt": "SqrtBackward0", "reduce_sum": "SumBackward1",
    "broadcast_in_dim": "ExpandBackward0", "reshape": "ViewBackward0",
    "transpose": "PermuteBackward0", "dot_general": "MmBackward0", "matmul": "MmBackward0",
    "convert_element_type": "ToCopyBackward0", "select_n": "WhereBackward0",
    "conj": "ConjBackward0", "concatenate": "CatBackward0", "pad": "ConstantPadNdBackward0",
}  # fmt: skip


def _backward_name(closed: ClosedJaxpr) -> str:
    """A PyTorch-like node name for a vjp run under create_graph: its last primitive's."""
    eqns = closed.jaxpr.eqns
    if not eqns:
        return "AliasBackward0"
    prim = eqns[-1].primitive.name
    return _PRIMITIVE_NAMES.get(prim) or "".join(p.capitalize() for p in prim.split("_")) + (
        "Backward0"
    )


_PLANS: dict[tuple[Any, ...], Plan] = {}
_MAX_PLANS = 8192
_PLANS_LOCK = threading.Lock()


def _plan(
    op: Op,
    params: dict[str, Any],
    arrays: Sequence[np.ndarray[Any, Any]],
    out: np.ndarray[Any, Any],
    needs: tuple[bool, ...],
) -> Plan:
    key = (op, tuple(params.items()), tuple([(a.shape, a.dtype) for a in arrays]), needs)
    plan = _PLANS.get(key)
    if plan is None:
        plan = Plan(op, params, arrays, out, needs)
        with _PLANS_LOCK:  # threads may stage the same plan twice, but never corrupt the cache
            if len(_PLANS) >= _MAX_PLANS:  # forget the oldest signature
                del _PLANS[next(iter(_PLANS))]
            _PLANS[key] = plan
    return plan


# ---- apply -------------------------------------------------------------------------------------


def apply(op: Op, args: Sequence[Any], **params: Any) -> Tensor:
    """Run ``op`` on tensors (and arrays, which never require grad); record a node when grad
    mode is on, some input requires grad and the output can carry a gradient."""
    arrays = [a._value if isinstance(a, Tensor) else a for a in args]
    out = op.fn(*arrays, **params)
    if type(out) is not np.ndarray:
        if isinstance(out, Tracer):  # under a tracegrad transformation (torch.func)
            return wrap(out)  # type: ignore[arg-type]
        out = np.asarray(out)
    t = wrap(out)
    if STATE.enabled:
        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        if True in needs and is_inexact(out.dtype):
            plan = _plan(op, params, arrays, out, needs)
            edges = tuple(
                [(a._grad_fn or a) if n else None for a, n in zip(args, needs, strict=True)]
            )
            t._grad_fn = plan.node_cls(plan, edges, tuple([arrays[i] for i in plan.saved_idx]))
            t._requires_grad = True
    return t


def saved_tensor(node: Node, i: int, value: np.ndarray[Any, Any]) -> Tensor:
    """Input ``i`` of ``node`` as a tensor connected to the graph (for create_graph)."""
    edge = node.next[i]
    if edge is None:
        return wrap(value)
    if isinstance(edge, Tensor):
        return edge
    t = wrap(value)
    t._grad_fn = edge
    t._requires_grad = True
    return t
