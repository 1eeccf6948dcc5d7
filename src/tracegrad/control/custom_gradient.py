"""``custom_gradient``: a function that returns its value and its vjp, as JAX's (and
TensorFlow's) ``custom_gradient``, built on ``custom_vjp``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tracegrad.control.custom import custom_vjp
from tracegrad.core import ClosedJaxpr, Zero, eval_jaxpr, get_aval, pytree, trace_to_jaxpr
from tracegrad.transforms.arguments import FlatFun


def custom_gradient(fun: Callable[..., Any]) -> custom_vjp:
    """``fun(*args) -> (out, vjp)`` where ``vjp(ct)`` gives one cotangent per argument (a
    single one may be returned bare): ``grad`` then uses ``vjp`` instead of differentiating
    ``fun``. The vjp may close over values ``fun`` computed; they are kept as residuals.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> @tg.custom_gradient
    ... def f(x):
    ...     return tnp.sin(x), lambda ct: (ct * 100.0 * x,)
    >>> float(f(0.0)), float(tg.grad(f)(2.0))
    (0.0, 200.0)
    """
    # The vjp of the last forward pass, traced at the output cotangents' types, and the
    # structure of its result; what its closure captured (its constants) are the residuals.
    traced: list[Any] = []

    def primal(*args: Any) -> Any:
        return fun(*args)[0]

    def fwd(*args: Any) -> tuple[Any, Any]:
        out, rule = fun(*args)
        out_leaves, ct_tree = pytree.tree_flatten((out,))
        ct_avals = [Zero.like_primal(get_aval(x)).aval for x in out_leaves]

        def rule_of_one(ct: Any) -> Any:
            cts_in = rule(ct)
            return (cts_in,) if len(args) == 1 and not isinstance(cts_in, tuple) else cts_in

        flat_rule = FlatFun(rule_of_one, ct_tree, False, "custom_gradient")
        closed = trace_to_jaxpr(flat_rule, ct_avals)
        traced.append((closed.jaxpr, flat_rule.out_tree))
        return out, list(closed.consts)

    def bwd(consts: list[Any], ct: Any) -> Any:
        jaxpr, tree = traced[-1]
        body = ClosedJaxpr(jaxpr, tuple(consts))
        return pytree.tree_unflatten(tree, eval_jaxpr(body, *pytree.tree_leaves(ct)))

    wrapped = custom_vjp(functools.wraps(fun)(primal))
    wrapped.defvjp(fwd, bwd)
    return wrapped
