"""Forward-mode differentiation: the JVP trace and ``jvp``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import (
    ClosedJaxpr,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    Zero,
    check_alive,
    current_trace,
    eval_jaxpr,
    get_aval,
    instantiate,
    new_trace,
    per_jaxpr,
    pytree,
    tangent_aval,
    trace_to_jaxpr,
)
from tracegrad.core.dtypes import float0, tangent_dtype
from tracegrad.core.trace import _current
from tracegrad.ops.structural import broadcast_in_dim
from tracegrad.transforms.arguments import FlatFun, as_value


class JVPTracer(Tracer):
    """A primal value paired with its tangent (possibly a symbolic Zero)."""

    __slots__ = ("_aval", "primal", "tangent")
    numbers_are_constant = False

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self.primal = primal
        self.tangent = tangent
        self._aval: ShapedArray | None = None

    @property
    def aval(self) -> ShapedArray:
        if self._aval is None:
            self._aval = get_aval(self.primal)
        return self._aval

    def to_concrete_value(self) -> Any:
        p = self.primal
        return p.to_concrete_value() if isinstance(p, Tracer) else p


class JVPTrace(Trace):
    """Interprets each primitive by its jvp rule, run on the parent trace."""

    __slots__ = ()

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        parent = self.parent
        assert parent is not None
        primals: list[Any] = []
        tangents: list[Any] = []
        own = False
        for x in args:
            if type(x) is JVPTracer and x._trace is self:
                own = True
                primals.append(x.primal)
                tangents.append(x.tangent)
            else:
                primals.append(x)
                tangents.append(None)
        if not own:
            return parent.process_primitive(prim, args, params)
        for i, t in enumerate(tangents):
            if t is None:
                x = primals[i]
                check_alive(x)
                tangents[i] = Zero.like_primal(get_aval(x))
        rule = prim.jvp
        if rule is None:
            raise NotImplementedError(
                f"Differentiation rule for {prim.name!r} not implemented (forward mode)."
            )
        token = _current.set(parent)  # run_in_trace, inlined on this hot path
        try:
            out, t_out = rule(primals, tangents, **params)
        finally:
            _current.reset(token)
        if prim.multiple_results:
            return [self.pack(o, t) for o, t in zip(out, t_out, strict=True)]
        return self.pack(out, t_out)

    def pack(self, primal: Any, tangent: Any) -> Any:
        if type(tangent) is Zero:
            return primal
        return JVPTracer(self, primal, tangent)

    def unpack(self, x: Any) -> tuple[Any, Any]:
        if type(x) is JVPTracer and x._trace is self:
            return x.primal, x.tangent
        return x, Zero.like_primal(get_aval(x))


def jvp_flat(
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[list[Any], list[Any]]:
    """jvp of a function of flat lists; output tangents may be symbolic Zeros."""
    with new_trace(JVPTrace(current_trace())) as trace:
        tracers = [trace.pack(p, t) for p, t in zip(primals, tangents, strict=True)]
        outs = fun(*tracers)
        pairs = [trace.unpack(o) for o in outs]
    return [p for p, _ in pairs], [t for _, t in pairs]


def _check_tangent(primal: Any, tangent: Any) -> None:
    p_aval, t_aval = get_aval(primal), get_aval(tangent)
    want = tangent_dtype(p_aval.dtype)
    if p_aval.shape != t_aval.shape:
        raise ValueError(
            "jvp called with different primal and tangent shapes: "
            f"got primal shape {p_aval.shape} and tangent shape {t_aval.shape}."
        )
    if want == float0:
        if t_aval.dtype != float0:
            raise TypeError(
                f"primal of dtype {p_aval.dtype.name} requires tangent of dtype float0, "
                f"got {t_aval.dtype.name}."
            )
    elif t_aval.dtype != want:
        raise TypeError(
            "primal and tangent arguments to jvp do not match; dtypes must be equal, "
            f"got primal dtype {p_aval.dtype.name} and tangent dtype {t_aval.dtype.name}."
        )


def jvp(
    fun: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    has_aux: bool = False,
) -> Any:
    """Forward-mode derivative: ``(fun(*primals), J(primals) @ tangents)``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.jvp(tnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    if not isinstance(primals, tuple | list) or not isinstance(tangents, tuple | list):
        raise TypeError(
            "primal and tangent arguments to jvp must be tuples or lists; found "
            f"{type(primals).__name__} and {type(tangents).__name__}."
        )
    p_leaves, p_tree = pytree.tree_flatten(tuple(primals))
    t_leaves, t_tree = pytree.tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError(
            "primal and tangent arguments to jvp must have the same tree structure; "
            f"primals have tree structure {p_tree} whereas tangents have tree "
            f"structure {t_tree}."
        )
    p_leaves = [as_value(p) for p in p_leaves]
    t_leaves = [as_value(t) for t in t_leaves]
    for p, t in zip(p_leaves, t_leaves, strict=True):
        _check_tangent(p, t)
    t_leaves = [
        Zero.like_primal(get_aval(p)) if get_aval(t).dtype == float0 else t
        for p, t in zip(p_leaves, t_leaves, strict=True)
    ]
    flat_fun = FlatFun(fun, p_tree, has_aux, "jvp")
    all_outs, all_t_outs = jvp_flat(flat_fun, p_leaves, t_leaves)
    n_out = flat_fun.num_out
    t_outs = [instantiate_tangent(t) for t in all_t_outs[:n_out]]
    assert flat_fun.out_tree is not None
    result = (
        pytree.tree_unflatten(flat_fun.out_tree, all_outs[:n_out]),
        pytree.tree_unflatten(flat_fun.out_tree, t_outs),
    )
    if has_aux:
        return (*result, flat_fun.aux(all_outs[n_out:]))
    return result


def instantiate_tangent(t: Any) -> Any:
    if type(t) is Zero and t.aval.dtype == float0:
        return np.zeros(t.aval.shape, float0)
    return instantiate(t)


# ---- jaxpr to jaxpr -----------------------------------------------------------------------


def zeros(aval: ShapedArray) -> Any:
    """An array of zeros of ``aval``, built with ``bind`` so that staging records one
    broadcast, not a constant the size of the array."""
    z = np.zeros((), aval.dtype)
    return z if not aval.shape else broadcast_in_dim(z, aval.shape, ())


@per_jaxpr
def jvp_jaxpr(
    closed: ClosedJaxpr, nonzeros: tuple[bool, ...], instantiate: tuple[bool, ...]
) -> tuple[ClosedJaxpr, tuple[bool, ...]]:
    """The jvp of ``closed`` as a jaxpr of ``(primals, nonzero tangents)`` giving
    ``(outputs, nonzero output tangents)``.

    Output tangents flagged in ``instantiate`` are always produced (zeros where the
    derivative is symbolically zero) unless their dtype has no tangent space.
    """
    in_avals = closed.in_avals
    n = len(in_avals)
    out_nonzeros: list[tuple[bool, ...]] = []

    def fun(*args: Any) -> list[Any]:
        primals, it = list(args[:n]), iter(args[n:])
        tangents = [
            next(it) if nz else Zero.like_primal(a)
            for nz, a in zip(nonzeros, in_avals, strict=True)
        ]
        outs, t_outs = jvp_flat(lambda *xs: eval_jaxpr(closed, *xs), primals, tangents)
        kept, flags = [], []
        for o, t, inst in zip(outs, t_outs, instantiate, strict=True):
            aval = tangent_aval(get_aval(o))
            nz = type(t) is not Zero or (inst and aval.dtype != float0)
            flags.append(nz)
            if nz:
                kept.append(zeros(aval) if type(t) is Zero else t)
        out_nonzeros.append(tuple(flags))
        return [*outs, *kept]

    t_avals = [tangent_aval(a) for a, nz in zip(in_avals, nonzeros, strict=True) if nz]
    jvp_closed = trace_to_jaxpr(fun, [*in_avals, *t_avals])
    return jvp_closed, out_nonzeros[0]
