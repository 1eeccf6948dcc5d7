"""Vectorization: the batching trace and ``vmap``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    check_alive,
    current_trace,
    eval_jaxpr,
    get_aval,
    new_trace,
    per_jaxpr,
    pytree,
    run_in_trace,
    trace_to_jaxpr,
)
from tracegrad.ops.structural import (
    bdim_at_front,
    broadcast_in_dim,
    canonical_axis,
    moveaxis,
    reshape,
    slice_in_dim,
)
from tracegrad.transforms.arguments import FlatFun, as_value

NOT_MAPPED = None
_PYTHON_SCALARS = (bool, int, float, complex)


class BatchTracer(Tracer):
    """A batch of values stacked along dimension ``bdim`` of ``val`` (None: not batched)."""

    __slots__ = ("bdim", "val")

    def __init__(self, trace: BatchTrace, val: Any, bdim: int | None) -> None:
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self) -> ShapedArray:
        aval = get_aval(self.val)
        if self.bdim is None:
            return aval
        shape = aval.shape[: self.bdim] + aval.shape[self.bdim + 1 :]
        return ShapedArray(shape, aval.dtype, aval.weak_type)


class BatchTrace(Trace):
    """Interprets each primitive by its batching rule, run on the parent trace."""

    __slots__ = ("axis_size",)

    def __init__(self, parent: Trace, axis_size: int) -> None:
        super().__init__(parent)
        self.axis_size = axis_size

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        vals: list[Any] = []
        dims: list[int | None] = []
        own = False
        for x in args:
            if type(x) is BatchTracer and x._trace is self:
                vals.append(x.val)
                dims.append(x.bdim)
                own = own or x.bdim is not None
            else:
                check_alive(x)
                vals.append(x)
                dims.append(None)
        assert self.parent is not None
        if not own:
            return self.parent.process_primitive(prim, tuple(vals), params)
        if prim.batch is None:
            raise NotImplementedError(f"Batching rule for {prim.name!r} not implemented (vmap).")
        out, out_dim = run_in_trace(self.parent, prim.batch, vals, dims, **params)
        if prim.multiple_results:
            return [BatchTracer(self, o, d) for o, d in zip(out, out_dim, strict=True)]
        return BatchTracer(self, out, out_dim)

    def unpack(self, x: Any) -> tuple[Any, int | None]:
        if type(x) is BatchTracer and x._trace is self:
            return x.val, x.bdim
        return x, None


def _flatten_axes(name: str, treedef: pytree.PyTreeDef, axes: Any) -> list[Any]:
    """Broadcast a pytree prefix of axes (ints or None) to the leaves of ``treedef``."""
    p_leaves, p_def = pytree.tree_flatten(axes, is_leaf=lambda x: x is None)
    it = iter(p_leaves)
    out: list[Any] = []

    def walk(p: pytree.PyTreeDef, t: pytree.PyTreeDef) -> None:
        if p.node_type is None:
            out.extend([next(it)] * t.num_leaves)
            return
        if p.node_type is not t.node_type or p.aux != t.aux or len(p.subtrees) != len(t.subtrees):
            raise ValueError(
                f"{name} specification must be a tree prefix of the corresponding value, "
                f"got specification {axes!r} for value tree {treedef}."
            )
        for pc, tc in zip(p.subtrees, t.subtrees, strict=True):
            walk(pc, tc)

    walk(p_def, treedef)
    for a in out:
        if a is not None and not isinstance(a, int | np.integer):
            raise TypeError(f"{name} entries must be int or None, got {a!r}.")
    return out


def _enters_as_is(x: Any) -> bool:
    """Whether an unmapped input is passed to the function as it is (not as a tracer)."""
    if type(x) in _PYTHON_SCALARS:
        return True
    return isinstance(x, np.ndarray | np.generic) and x.ndim == 0


def vmap(
    fun: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_size: int | None = None,
) -> Callable[..., Any]:
    """Vectorize ``fun`` over the axes ``in_axes`` of its arguments.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.vmap(lambda x, y: tnp.sum(x * y), in_axes=(0, None))(np.ones((3, 2)), np.ones(2))
    array([2., 2., 2.])
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @functools.wraps(fun)
    def batched(*args: Any, **kwargs: Any) -> Any:
        leaves, in_tree = pytree.tree_flatten(args)
        axes_tree = (
            in_axes
            if not isinstance(in_axes, int) and in_axes is not None
            else ((in_axes,) * len(args))
        )
        if isinstance(axes_tree, tuple) and len(axes_tree) != len(args):
            raise ValueError(
                f"vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                f"the positional arguments passed to the function, but got len(in_axes)="
                f"{len(axes_tree)}, len(args)={len(args)}"
            )
        axes = _flatten_axes("vmap in_axes", in_tree, axes_tree)
        # An unmapped Python scalar stays one: it is weakly typed (SPEC 3).
        leaves = [
            x if a is None and type(x) in _PYTHON_SCALARS else as_value(x)
            for x, a in zip(leaves, axes, strict=True)
        ]
        sizes = {}
        for i, (x, a) in enumerate(zip(leaves, axes, strict=True)):
            if a is None:
                continue
            ndim = get_aval(x).ndim
            if not -ndim <= a < ndim:
                raise ValueError(
                    f"vmap was requested to map its argument along axis {a}, which implies "
                    f"that its rank should be at least {max(a + 1, -a)}, but is only {ndim} "
                    f"(its shape is {get_aval(x).shape})."
                )
            axes[i] = a % ndim
            sizes[i] = get_aval(x).shape[axes[i]]
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"argument leaf {i} has size {s}" for i, s in sizes.items())
            raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped: {detail}")
        if sizes:
            size = next(iter(sizes.values()))
            if axis_size is not None and axis_size != size:
                raise ValueError(
                    f"vmap got axis_size={axis_size} but the mapped axes have size {size}."
                )
        elif axis_size is not None:
            size = axis_size
        else:
            raise ValueError(
                "vmap must have at least one non-None value in in_axes (or be given axis_size)."
            )
        user_fun = functools.partial(fun, **kwargs) if kwargs else fun
        flat_fun = FlatFun(user_fun, in_tree, False, "vmap")
        with new_trace(BatchTrace(current_trace(), size)) as trace:
            # An unmapped Python scalar or 0-d array enters as it is, as in JAX: Python
            # control flow and slicing with it work. An unmapped array of higher rank stays a
            # tracer, so that indexing it with a traced index dispatches to tracegrad (a
            # NumPy array's own indexing would not).
            tracers = [
                x if a is None and _enters_as_is(x) else BatchTracer(trace, x, a)
                for x, a in zip(leaves, axes, strict=True)
            ]
            pairs = [trace.unpack(o) for o in flat_fun(*tracers)]
        out_tree = flat_fun.out_tree
        assert out_tree is not None
        o_axes = _flatten_axes("vmap out_axes", out_tree, out_axes)
        results = [_to_out_axis(v, d, oa, size) for (v, d), oa in zip(pairs, o_axes, strict=True)]
        return pytree.tree_unflatten(out_tree, results)

    return batched


def vmap_with_invariant(fun: Callable[..., Any], args: list[Any], size: int) -> tuple[Any, Any]:
    """Map ``fun`` over axis 0 (of length ``size``) of ``args``; ``fun`` returns
    ``(invariant, mapped)``, where ``invariant`` is the same for every element. Returns the
    invariant once and the mapped outputs along axis 0: ``vmap(fun, out_axes=(None, 0))``,
    but where a rule batched the invariant without need (a call primitive batches all its
    outputs), its first element is taken instead of an error.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> vmap_with_invariant(lambda t: tg.jvp(tnp.sin, (0.0,), (t,)), [np.ones(2)], 2)
    (np.float64(0.0), array([1., 1.]))
    """
    with new_trace(BatchTrace(current_trace(), size)) as trace:
        invariant, mapped = fun(*(BatchTracer(trace, x, 0) for x in args))
        inv_leaves, inv_tree = pytree.tree_flatten(invariant)
        out_leaves, out_tree = pytree.tree_flatten(mapped)
        inv_pairs = [trace.unpack(o) for o in inv_leaves]
        out_pairs = [trace.unpack(o) for o in out_leaves]
    firsts = [v if d is None else _first(v, d) for v, d in inv_pairs]
    rows = [_to_out_axis(v, d, 0, size) for v, d in out_pairs]
    return pytree.tree_unflatten(inv_tree, firsts), pytree.tree_unflatten(out_tree, rows)


def _first(val: Any, bdim: int) -> Any:
    shape = list(get_aval(val).shape)
    del shape[bdim]
    return reshape(slice_in_dim(val, 0, 1, bdim), tuple(shape))


def _to_out_axis(val: Any, bdim: int | None, out_axis: int | None, size: int) -> Any:
    if out_axis is None:
        if bdim is not None:
            raise ValueError(
                "vmap has mapped output but out_axes is None: an output marked as not mapped "
                "(out_axes=None) varies along the mapped axis."
            )
        return val
    if bdim is None:
        aval = get_aval(val)
        val = broadcast_in_dim(val, (size, *aval.shape), tuple(range(1, aval.ndim + 1)))
        bdim = 0
    ndim = get_aval(val).ndim
    out = moveaxis(val, bdim, canonical_axis(out_axis, ndim, "out_axes"))
    return np.array(out) if isinstance(out, np.ndarray) and not out.flags.writeable else out


# ---- jaxpr to jaxpr -----------------------------------------------------------------------


def batched_aval(aval: ShapedArray, dim: int | None, size: int) -> ShapedArray:
    if dim is None:
        return aval
    shape = list(aval.shape)
    shape.insert(dim, size)
    return aval.update(shape=tuple(shape))


@per_jaxpr
def batch_jaxpr(
    closed: ClosedJaxpr,
    dims: tuple[int | None, ...],
    size: int,
    instantiate: tuple[bool, ...],
) -> tuple[ClosedJaxpr, tuple[bool, ...]]:
    """``closed`` vectorized over inputs batched along ``dims`` (None: not batched).

    Batched outputs come out batched along axis 0; an unbatched output stays unbatched
    unless flagged in ``instantiate``. Returns the jaxpr and which outputs are batched.
    """
    out_batched: list[tuple[bool, ...]] = []

    def fun(*xs: Any) -> list[Any]:
        with new_trace(BatchTrace(current_trace(), size)) as trace:
            tracers = [BatchTracer(trace, x, d) for x, d in zip(xs, dims, strict=True)]
            pairs = [trace.unpack(o) for o in eval_jaxpr(closed, *tracers)]
        outs, flags = [], []
        for (v, d), inst in zip(pairs, instantiate, strict=True):
            batched = d is not None or inst
            outs.append(_to_out_axis(v, d, 0, size) if batched else v)
            flags.append(batched)
        out_batched.append(tuple(flags))
        return outs

    avals = [batched_aval(a, d, size) for a, d in zip(closed.in_avals, dims, strict=True)]
    return trace_to_jaxpr(fun, avals), out_batched[0]


__all__ = [
    "BatchTrace",
    "BatchTracer",
    "batch_jaxpr",
    "bdim_at_front",
    "vmap",
    "vmap_with_invariant",
]
