"""The backward pass: ``Tensor.backward``, ``torch.autograd.backward`` and
``torch.autograd.grad``, with PyTorch's semantics and error messages.

The traversal is iterative: the reachable nodes are collected and run in decreasing order of
creation (each node is made after its inputs' nodes: a topological order), so graphs of any
depth work. Each node's vjp is its plan's compiled runner, and a chain of single-use nodes
runs as one (``torch/_fused.py``); under ``create_graph`` the staged
jaxpr runs as tensor operations, so the backward pass is itself recorded. All or nothing:
leaf gradients are summed first and added to ``.grad`` only once the whole pass has
succeeded.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core.dtypes import is_complex
from tracegrad.torch import grad_mode
from tracegrad.torch._data import type_name
from tracegrad.torch._fused import ChainPlan, chain_args, chain_at, chain_plan
from tracegrad.torch._views import check_saved
from tracegrad.torch.dtypes import from_numpy_dtype, legacy_type_name
from tracegrad.torch.graph import GradFn, GradFnPlan, Op, apply, grad_fn_of, saved_tensor
from tracegrad.torch.tensor import Tensor, wrap

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _shape_str(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)!r})"


def _root_grads(outputs: Sequence[Tensor], grads: Sequence[Any], create_graph: bool) -> list[Any]:
    """The gradient given for each output (checked as PyTorch checks it), or the implicit
    1 of a scalar output: arrays, or tensors under create_graph."""
    if len(outputs) == 1 and len(grads) == 1 and grads[0] is None and not create_graph:
        t = outputs[0]  # the usual ``loss.backward()``, checked with fewer steps
        if type(t) is Tensor and t._requires_grad:
            v = t._value
            if v.size == 1 and v.dtype.kind != "c":
                return [_one(v)]
    out: list[Any] = []
    for i, (t, g) in enumerate(zip(outputs, grads, strict=False)):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Tensor as element {i} of outputs, got {type(t).__name__}")
        if not t._requires_grad and not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        value = t._value
        if g is None:
            if value.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if value.dtype.kind == "c":
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{t.dtype!r}"
                )
            one = _one(value)
            out.append(wrap(one) if create_graph else one)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        gt = g
        if gt._value.shape != value.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of "
                f"{_shape_str(gt._value.shape)} and output[{i}] has a shape of "
                f"{_shape_str(value.shape)}."
            )
        if gt._value.dtype != value.dtype:
            if is_complex(gt._value.dtype) != is_complex(value.dtype):
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have "
                    f"the same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of "
                    f"{gt.dtype!r} and output[{i}] has a dtype of {t.dtype!r}."
                )
            gt = wrap(gt._value.astype(value.dtype))
        out.append(gt if create_graph else gt._value)
    if len(grads) != len(outputs):
        raise RuntimeError(
            f"grad_tensors has {len(grads)} elements but there are {len(outputs)} tensors"
        )
    return out


def _one(value: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The implicit gradient of the scalar output ``value``: a new array of 1."""
    one = _ONES.get((value.dtype, value.ndim))
    if one is None:
        one = _ONES[value.dtype, value.ndim] = np.array(1, value.dtype, ndmin=value.ndim)
    fresh: np.ndarray[Any, Any] = one.copy()  # np.ones costs 4x as much, np.array 2x
    return fresh


_ONES: dict[tuple[np.dtype[Any], int], np.ndarray[Any, Any]] = {}


def _collect(roots: list[GradFn]) -> list[GradFn]:
    """Every node reachable from ``roots``, parents before children, the order the engine
    runs them in (each node is made after its inputs' nodes: sorting by ``seq``, decreasing,
    orders them)."""
    if len(roots) == 1:  # the usual one output: no set of the roots to build
        stack = roots.copy()
        seen = {roots[0]}
    else:
        seen = set(roots)
        stack = list(seen)
    order = stack.copy()
    while stack:
        for e in stack.pop().next:
            if isinstance(e, GradFn) and e not in seen:
                seen.add(e)
                stack.append(e)
                order.append(e)
    if len(order) > 1:
        order.sort(key=_SEQ, reverse=True)
    return order


_SEQ = operator.attrgetter("seq")
_ADD = Op("AddBackward0", tnp.add)
_COPY = Op("CopyBackwards", lambda g: np.array(g, copy=True) if isinstance(g, np.ndarray) else g)


def _total(a: Any, b: Any) -> Any:
    """The sum of two gradients: arrays, or tensors (recorded) under create_graph."""
    if a is None:
        return b
    if isinstance(a, Tensor):
        return apply(_ADD, (a, b))
    return a + b


def _run_hooks(hooks: dict[int, Any] | None, grad: Any, create_graph: bool) -> Any:
    if not hooks:
        return grad
    for hook in list(hooks.values()):
        new = hook(grad if create_graph else wrap(grad))
        if new is not None:
            _check_hook_result(hook, grad, new)
            grad = new if create_graph else new._value
    return grad


def _check_hook_result(hook: Any, grad: Any, new: Any) -> None:
    """A hook's replacement gradient must be a tensor of the gradient's dtype and shape."""
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned {type_name(new)!r}")
    old = grad._value if isinstance(grad, Tensor) else np.asarray(grad)
    name = getattr(hook, "__name__", "<unknown>")
    if new._value.dtype != old.dtype:
        was, got = (legacy_type_name(from_numpy_dtype(v.dtype)) for v in (old, new._value))
        raise RuntimeError(f"hook {name!r} has changed the type of value (was {was} got {got})")
    if new._value.shape != old.shape:
        raise RuntimeError(f"hook {name!r} has changed the size of value")


class _Targets:
    """What a backward pass computes: the nodes it runs, and where gradients stop.

    Without ``inputs`` every reachable node runs and every leaf that requires grad receives
    its gradient. With ``inputs``, only nodes on a path to one of them run, and the gradient
    of a non-leaf input is taken where it arrives at that input's node.
    """

    def __init__(self, order: list[GradFn], inputs: list[Tensor] | None) -> None:
        self.inputs = inputs
        self.leaves: dict[int, int] = {}
        self.nodes: dict[int, int] = {}
        self.runs: set[int] | None = None  # None: every node runs
        if inputs is None:
            return
        for k, t in enumerate(inputs):
            if grad_fn_of(t) is None:
                self.leaves.setdefault(id(t), k)
            else:
                self.nodes.setdefault(id(t._grad_fn), k)
        reaches: set[int] = set()  # nodes from which some input is reachable
        self.runs = set()
        for node in reversed(order):  # children first
            feeds = False
            for e in node.next:
                if e is None:
                    continue
                if id(e) in (self.leaves if isinstance(e, Tensor) else reaches):
                    feeds = True
                    break
            if feeds:
                self.runs.add(id(node))
            if feeds or id(node) in self.nodes:
                reaches.add(id(node))
        self.reaches = reaches

    def wants_leaf(self, leaf: Tensor) -> bool:
        return self.inputs is None or id(leaf) in self.leaves

    def wants_node(self, node: Any) -> bool:
        return self.inputs is None or id(node) in self.reaches

    def wants(self, edge: Any) -> bool:
        if edge is None:
            return False
        return self.wants_leaf(edge) if isinstance(edge, Tensor) else self.wants_node(edge)

    def runs_node(self, node: GradFn) -> bool:
        return self.runs is None or id(node) in self.runs


_EVERY = _Targets([], None)


def run_backward(
    outputs: Sequence[Tensor],
    grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: list[Tensor] | None,
    accumulate: bool,
) -> list[Any]:
    """The engine. With ``accumulate`` gradients go to ``.grad`` (of ``inputs`` only, when
    given); otherwise the gradients of ``inputs`` are returned (None where unused)."""
    cts = _root_grads(outputs, grads, create_graph)
    # Each step sends the cotangents ``results`` to the inputs ``diff`` of ``edges`` (first
    # the outputs' cotangents to the outputs), then runs the next node that received one.
    first_edges: list[Any] = []
    roots = []
    for t in outputs:  # loops, not comprehensions: cheaper for the usual one output
        r = t._grad_fn if t._view is None else grad_fn_of(t)
        first_edges.append(r or t)
        if r is not None:
            roots.append(r)
    rev = _collect(roots)
    every = inputs is None  # every node runs, every leaf receives its gradient
    targets = _EVERY if every else _Targets(rev, inputs)
    if not every:
        rev = [n for n in rev if targets.wants_node(n)]
    for node in rev:
        if node.freed and node.plan.saves_tensors and targets.runs_node(node):
            raise RuntimeError(SECOND_BACKWARD)

    pending: dict[GradFn, Any] = {}
    leaf_grads: dict[int, tuple[Tensor, Any]] = {}
    captured: dict[int, Any] = {}
    retained: list[tuple[Tensor, Any]] = []
    # ids of arrays others may hold: copied before landing in .grad
    shared: set[int] = set() if create_graph else set(map(id, cts))
    edges: Sequence[Any] = first_edges
    diff: Sequence[int] = range(len(cts))
    results: list[Any] = cts
    pos, n_nodes = 0, len(rev)
    fuse_from = 0 if every and not create_graph else n_nodes  # chains start at or after it
    prev_mode = grad_mode.STATE.enabled
    grad_mode.STATE.enabled = create_graph
    try:
        while True:
            for i, g in zip(diff, results):
                if g is None:
                    continue
                edge = edges[i]
                if isinstance(edge, Tensor):
                    if every or targets.wants_leaf(edge):
                        prev = leaf_grads.get(id(edge))
                        leaf_grads[id(edge)] = (edge, g if prev is None else _total(prev[1], g))
                elif every or targets.wants_node(edge):
                    prev = pending.get(edge)
                    pending[edge] = g if prev is None else _total(prev, g)
            while pos < n_nodes:
                node = rev[pos]
                pos += 1
                ct = pending.pop(node, None)
                if ct is None:
                    continue
                if node.hooks:
                    ct = _run_hooks(node.hooks, ct, create_graph)
                if node.retained is not None:
                    owner = node.retained()
                    if owner is not None:
                        retained.append((owner, ct))
                if every:
                    break
                k = targets.nodes.get(id(node))
                if k is not None:
                    captured[k] = ct
                if targets.runs_node(node):
                    break
            else:
                break
            plan = node.plan
            run = plan.run
            chain = None
            facts: GradFnPlan | ChainPlan = plan  # the runner's: its outputs' dtypes, aliases
            if plan.fuse == 2 and pos >= fuse_from:
                chain = chain_at(node, rev, pos, pending)
                fused = chain_plan(chain) if len(chain) > 1 else None
                if fused is not None:
                    facts, run, pos = fused, fused.run, pos + len(chain) - 1
                else:
                    if len(chain) > 1:  # first met: node by node, no chain tried inside it
                        fuse_from = pos + len(chain)
                    chain = None
            if run is None or create_graph:
                results = _node_vjp(node, ct, create_graph, targets, shared)
            else:  # the common case, inline: one call of the compiled vjp
                if chain is not None:
                    results = run(*chain_args(chain, ct))
                    node = chain[-1]
                else:
                    if node.versions or node.result is not None:
                        check_saved(node)
                    results = run(*node.saved, ct)
                if facts.ct_dtypes:  # not fresh arrays only (a transposed plan's are)
                    for k, r in enumerate(results):
                        if type(r) is not np.ndarray:
                            results[k] = np.asarray(r, facts.ct_dtypes[k])
                        elif facts.alias[k]:
                            shared.add(id(r))
            edges, diff = node.next, facts.diff_idx
            if not retain_graph:
                if chain is not None:
                    for done in chain:
                        if done.plan.saves_tensors:
                            done.free()
                elif plan.saves_tensors or run is None:
                    node.free()
        # Leaf hooks see the summed gradient; then, all having succeeded, accumulate.
        finals = []
        for leaf, g in leaf_grads.values():
            finals.append((leaf, _run_hooks(leaf._hooks, g, create_graph) if leaf._hooks else g))
    finally:
        grad_mode.STATE.enabled = prev_mode

    if not accumulate:
        for leaf, g in finals:
            captured[targets.leaves[id(leaf)]] = g
        n = len(inputs or ())
        return [_as_result(captured[k], create_graph) if k in captured else None for k in range(n)]
    for leaf, g in finals:
        _accumulate(leaf, g, create_graph, shared)
    for owner, g in retained:
        _accumulate(owner, g, create_graph, shared)
    if inputs:
        for k, t in enumerate(inputs):
            if t._grad_fn is not None and k in captured and not t._retains_grad:
                _accumulate(t, captured[k], create_graph, shared)
    return []


def _node_vjp(
    node: GradFn, ct: Any, create_graph: bool, targets: _Targets, shared: set[int]
) -> list[Any]:
    """The cotangents of the node's differentiable inputs (None where not wanted), for a
    node that runs user code or has no derivative, or under create_graph (recorded)."""
    plan = node.plan
    if plan.error is not None:
        raise plan.error
    check_saved(node)
    if plan.run is None:  # a node that runs user code (torch.autograd.Function)
        return node.run_backward(ct, create_graph, targets.wants, shared)  # type: ignore[attr-defined,no-any-return]
    args = [saved_tensor(node, i, v) for i, v in zip(plan.saved_idx, node.saved, strict=True)]
    args.append(ct)
    results: list[Any] = []
    for k, i in enumerate(plan.diff_idx):
        if not targets.wants(node.next[i]):
            results.append(None)
            continue
        spec = plan.vjp_op(k)
        results.append(args[spec] if isinstance(spec, int) else apply(spec, args))
    return results


def _as_result(g: Any, create_graph: bool) -> Tensor:
    if isinstance(g, Tensor):
        return g
    return wrap(g if g.flags.writeable else g.copy())


def _accumulate(t: Tensor, g: Any, create_graph: bool, shared: set[int]) -> None:
    """Add ``g`` into ``t.grad``: in place into the same tensor, as PyTorch does (out of
    place, recorded, under create_graph)."""
    if create_graph:
        gt = g if isinstance(g, Tensor) else wrap(g)
        if t._grad is None:
            # PyTorch stores a recorded copy of the first gradient (grad_fn CopyBackwards).
            t._grad = apply(_COPY, (gt,)) if gt._requires_grad else gt
        else:
            with grad_mode.enable_grad():
                t._grad = apply(_ADD, (t._grad, gt))
        return
    if isinstance(g, Tensor):
        g = g._value
    if t._grad is None:
        value = t._value
        if (
            id(g) in shared
            or not (g.flags.owndata and g.flags.writeable)
            or g.strides != value.strides
        ):
            # PyTorch's layout contract: .grad gets the strides of its tensor (a vjp may
            # give a transposed layout, which would slow every update reading it).
            g = _copy_like(value, g)
        shared.add(id(g))
        t._grad = wrap(g)
        return
    current = t._grad._value
    if current.flags.writeable and current.shape == g.shape and current.dtype == g.dtype:
        np.add(current, g, out=current)
    else:
        t._grad._value = current + g


def _copy_like(value: np.ndarray[Any, Any], g: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    out = np.empty_like(value, dtype=g.dtype)
    np.copyto(out, g)
    return out


# ---- public API ----------------------------------------------------------------------------------


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate into ``.grad`` of the leaves the gradients of ``tensors`` (weighted by
    ``grad_tensors``); ``inputs`` restricts which tensors receive them.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> torch.autograd.backward((x * x).sum())
    >>> x.grad
    tensor([2., 4.])
    """
    outputs = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    targets: list[Tensor] | None = None
    if inputs is not None:
        targets = list(_as_tuple(inputs))
        if not targets:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in targets:
            if not t.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    keep = create_graph if retain_graph is None else bool(retain_graph)
    run_backward(
        outputs,
        grads,
        retain_graph=keep,
        create_graph=create_graph,
        inputs=targets,
        accumulate=True,
    )


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> (g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    >>> g, torch.autograd.grad(g, x)
    (tensor(27., grad_fn=<MulBackward0>), (tensor(18.),))
    """
    if is_grads_batched:
        raise NotImplementedError("tracegrad.torch.autograd.grad: is_grads_batched=True")
    outs = _as_tuple(outputs)
    targets = list(_as_tuple(inputs))
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if not allow_unused and materialize_grads:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    for t in targets:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as inputs, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    keep = create_graph if retain_graph is None else bool(retain_graph)
    result = run_backward(
        outs,
        grads,
        retain_graph=keep,
        create_graph=create_graph,
        inputs=targets,
        accumulate=False,
    )
    out: list[Tensor | None] = []
    for k, (t, g) in enumerate(zip(targets, result, strict=True)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {k} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = wrap(np.zeros_like(t._value))
        out.append(g)
    return tuple(out)


def tensor_backward(
    self: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradient of this tensor into ``.grad`` of the leaves (``Tensor.backward``).

    >>> import tracegrad.torch as torch
    >>> A = torch.tensor(2.0, requires_grad=True)
    >>> (A * 4).backward()
    >>> A.grad
    tensor(4.)
    """
    if inputs is None and (gradient is None or isinstance(gradient, Tensor)):
        keep = create_graph if retain_graph is None else bool(retain_graph)
        run_backward(
            (self,),
            (gradient,),
            retain_graph=keep,
            create_graph=create_graph,
            inputs=None,
            accumulate=True,
        )
        return
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


TENSOR_METHODS: dict[str, Any] = {"backward": tensor_backward}


def __getattr__(name: str) -> Any:
    """``torch.autograd.Function``, ``.function`` and ``.functional``: modules of their own
    that import this one, so they are found on first use (which also survives a re-import
    of this module, as pytest's importlib mode does when it collects its doctests).

    >>> from tracegrad.torch import autograd
    >>> autograd.Function.__name__, autograd.functional.__name__
    ('Function', 'tracegrad.torch.autograd_functional')
    """
    from tracegrad.torch import autograd_functional, function

    found = dict(Function=function.Function, function=function, functional=autograd_functional)
    if name in found:
        return found[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
