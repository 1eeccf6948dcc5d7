"""Conformance of tracegrad's errors with JAX's (test_jax_errors.py's method, machinery in
error_cases.py) for the mistakes made in user rules (custom_jvp, custom_vjp), control flow
and jit."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.error_cases import (
    ONES3,
    ErrorCase,
    case,
    check_error_conforms,
    custom_jvp_double,
    custom_vjp_double,
    grad_through,
    parametrized,
)
from conformance.peers import api

CASES = [
    # user rules (custom_jvp, custom_vjp) checked against the function's own types
    case(
        "custom_vjp bwd cotangent of the wrong shape",
        lambda t, xp: grad_through(t, xp, custom_vjp_double(t, bwd_out=lambda g: (xp.sum(g),))),
        phrases=(
            "Custom VJP bwd rule must produce an output with the same type as the args tuple "
            "of the primal function, but at output\\[0\\] the bwd rule produced an output of type",
            "so the shapes do not match",
        ),
        tg_phrases=(r"f64\[\] corresponding to an input of type f64\[3\]",),
    ),
    case(
        "custom_vjp bwd cotangent of a broadcastable shape",
        lambda t, xp: grad_through(
            t, xp, custom_vjp_double(t, bwd_out=lambda g: (xp.sum(g, keepdims=True),))
        ),
        phrases=("so the shapes do not match",),
    ),
    case(
        "custom_vjp bwd not returning a tuple",
        lambda t, xp: grad_through(t, xp, custom_vjp_double(t, bwd_out=lambda g: g)),
        phrases=(
            r"Custom VJP bwd rule must produce an output with the same container \(pytree\) "
            "structure as the args tuple of the primal function",
        ),
    ),
    case(
        "custom_vjp bwd returning too many cotangents",
        lambda t, xp: grad_through(t, xp, custom_vjp_double(t, bwd_out=lambda g: (g, g))),
        phrases=(r"but got bwd output structure PyTreeDef\(\(\*, \*\)\)",),
    ),
    case(
        "custom_vjp fwd not returning a pair",
        lambda t, xp: grad_through(t, xp, custom_vjp_double(t, fwd_out=lambda a: a)),
        phrases=(
            r"Custom VJP fwd rule fwd for function f must produce a pair \(list or tuple of "
            "length two\\) where the first element represents the primal output",
        ),
    ),
    case(
        "custom_vjp fwd primal output of the wrong structure",
        lambda t, xp: t.grad(
            lambda a: xp.sum(custom_vjp_double(t, fwd_out=lambda a: ((a,), a))(a))
        )(ONES3),
        tg_phrases=("Custom VJP fwd rule fwd for function f", "container/pytree structure"),
    ),
    case(
        "custom_jvp rule not returning a pair",
        lambda t, xp: t.jvp(custom_jvp_double(t, lambda p, tan: p * 2.0), (ONES3,), (ONES3,)),
        phrases=(
            r"Custom JVP rule <lambda> for function f must produce a pair \(list or tuple of "
            r"length two\) representing primal and tangent outputs",
        ),
    ),
    case(
        "custom_jvp primal output of the wrong shape (under jit)",
        lambda t, xp: grad_through(
            t, xp, t.jit(custom_jvp_double(t, lambda p, tan: (xp.sum(p), tan)))
        ),
        phrases=(
            "Custom JVP rule <lambda> for function f must produce a pair",
            "in particular with leaves of the same shape/dtype",
        ),
    ),
    case(
        "custom_jvp primal and tangent of different structures",
        lambda t, xp: t.jvp(
            custom_jvp_double(t, lambda p, tan: ((p * 2.0,), tan)), (ONES3,), (ONES3,)
        ),
        phrases=("must produce primal and tangent outputs with equal container",),
    ),
    case(
        "custom_jvp tangent of the wrong shape",
        lambda t, xp: t.jvp(
            custom_jvp_double(t, lambda p, tan: (p * 2.0, xp.sum(tan))), (ONES3,), (ONES3,)
        ),
        phrases=(
            "Custom JVP rule must produce primal and tangent outputs with corresponding shapes "
            "and dtypes",
        ),
        tg_phrases=(r"Expected f64\[3\] \(tangent type of f64\[3\]\) but got f64\[\]",),
    ),
    case(
        "custom_jvp tangent of the wrong dtype (grad)",
        lambda t, xp: grad_through(
            t, xp, custom_jvp_double(t, lambda p, tan: (p * 2.0, tan.astype(np.float32)))
        ),
        phrases=(
            "Custom JVP rule must produce primal and tangent outputs with corresponding shapes "
            "and dtypes",
        ),
        tg_phrases=(r"but got f32\[3\]",),
    ),
    case(
        "vjp cotangent of the wrong dtype",
        lambda t, xp: t.vjp(xp.sin, ONES3)[1](np.ones(3, np.float32)),
        phrases=(r"unexpected JAX type \(e\.g\. shape/dtype\) for argument to VJP function",),
        tg_phrases=(r"got f32\[3\], but expected f64\[3\]",),
    ),
    case(
        "vjp cotangent of an integer dtype",
        lambda t, xp: t.vjp(xp.sin, ONES3)[1](np.ones(3, np.int64)),
        phrases=(r"unexpected JAX type \(e\.g\. shape/dtype\) for argument to VJP function",),
    ),
    case(
        "jvp tangent of the wrong shape",
        lambda t, xp: t.jvp(xp.sin, (np.ones(2),), (ONES3,)),
        phrases=("jvp called with different primal and tangent shapes",),
    ),
    case(
        "jvp tangent of the wrong dtype",
        lambda t, xp: t.jvp(xp.sin, (np.ones(2),), (np.ones(2, np.float32),)),
        phrases=("primal and tangent arguments to (jax\\.)?jvp do not match",),
    ),
    case(
        "jvp with non-tuple primals",
        lambda t, xp: t.jvp(xp.sin, np.ones(2), np.ones(2)),
        phrases=("primal and tangent arguments to (jax\\.)?jvp must be tuples or lists",),
    ),
    case(
        "vmap over axes of different sizes",
        lambda t, xp: t.vmap(xp.add)(np.ones(2), ONES3),
        phrases=("vmap got inconsistent sizes for array axes to be mapped",),
    ),
    case(
        "vmap with in_axes of the wrong length",
        lambda t, xp: t.vmap(xp.add, in_axes=(0,))(np.ones(2), np.ones(2)),
        phrases=(r"len\(in_axes\)=1, len\(args\)=2",),
    ),
    case(
        "vmap over an axis out of range",
        lambda t, xp: t.vmap(xp.sin, in_axes=2)(np.ones(2)),
        phrases=("vmap was requested to map its argument along axis 2",),
    ),
    case(
        "vmap with nothing mapped",
        lambda t, xp: t.vmap(xp.sin, in_axes=None)(np.ones(2)),
        phrases=("vmap must have at least one non-None value in in_axes",),
    ),
    case(
        "vmap with out_axes=None for a mapped output",
        lambda t, xp: t.vmap(xp.sin, out_axes=None)(np.ones(2)),
        tg_phrases=("out_axes",),
    ),
    case(
        "linearized function called on a tangent of the wrong shape",
        lambda t, xp: t.linearize(xp.sin, np.ones(2))[1](ONES3),
        tg_phrases=(r"\(3,\)", r"\(2,\)"),
    ),
    case(
        "grad of a tuple output",
        lambda t, xp: t.grad(lambda x: (x, x))(1.0),
        phrases=("Gradient only defined for scalar-output functions",),
    ),
    # control flow (SPEC 4)
    case(
        "reverse mode through while_loop",
        lambda t, xp: t.grad(
            lambda x: api(xp, "lax.while_loop")(lambda c: c < 3, lambda c: c * x, 1.0)
        )(2.0),
        phrases=("Reverse-mode differentiation does not work for lax.while_loop",),
        needs=("tg.lax.while_loop",),
    ),
    case(
        "cond branches with different structures",
        lambda t, xp: api(xp, "lax.cond")(True, lambda x: x, lambda x: (x, x), 1.0),
        needs=("tg.lax.cond",),
    ),
    case(
        "scan carry changing type",
        lambda t, xp: api(xp, "lax.scan")(lambda c, x: (c * np.ones(2), x), 1.0, ONES3),
        phrases=("scan body function carry input and carry output must have equal types",),
        needs=("tg.lax.scan",),
    ),
    # jit (SPEC 5)
    case(
        "Python if on a traced value (jit)",
        lambda t, xp: t.jit(lambda x: 1.0 if x > 0 else 2.0)(1.0),
        phrases=("Attempted boolean conversion of traced array", r"argument '?x'?"),
        needs=("tg.jit",),
    ),
    case(
        "float() of a traced value (jit)",
        lambda t, xp: t.jit(lambda x: float(x))(1.0),
        phrases=("Abstract tracer value encountered where concrete value is expected",),
        needs=("tg.jit",),
    ),
    case(
        "a non-hashable static argument (jit)",
        lambda t, xp: t.jit(lambda x, n: x * n[0], static_argnums=1)(1.0, [2]),
        phrases=("Non-hashable static arguments are not supported",),
        needs=("tg.jit",),
    ),
    case(
        "static_argnums beyond the positional parameters (jit)",
        lambda t, xp: t.jit(lambda x, y=1: x, static_argnums=3),
        phrases=(
            r"Jitted function has static_argnums=\(3,\), but only accepts 2 positional "
            r"arguments",
        ),
        tg_phrases=(r"\(x, y=1\)",),
        needs=("tg.jit",),
    ),
    case(
        "negative static_argnums beyond the positional parameters (jit)",
        lambda t, xp: t.jit(lambda x, y=1: x, static_argnums=(0, -3)),
        phrases=(r"static_argnums=\(0, -3\), but only accepts 2 positional arguments",),
        needs=("tg.jit",),
    ),
    case(
        "static_argnames naming no parameter (jit)",
        lambda t, xp: t.jit(lambda x, y=1: x, static_argnames=("y", "z")),
        phrases=(
            r"Jitted function has invalid argnames \{'z'\} in static_argnames\. Function "
            r"does not take these args",
        ),
        tg_phrases=(r"\(x, y=1\)",),
        needs=("tg.jit",),
    ),
]


@pytest.mark.parametrize("ecase", parametrized(CASES), ids=str)
def test_error_conforms(ecase: ErrorCase) -> None:
    check_error_conforms(ecase)
