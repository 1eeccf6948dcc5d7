"""Conformance of tracegrad's errors with JAX's (SPEC 9, functional API): for each mistake,
tracegrad raises an instance of the class JAX raises (its built-in bases, and tracegrad's
class of the same name for JAX's own classes), plus NumPy's class where NumPy types the
mistake differently; the key phrases of JAX's message appear in tracegrad's (so a search
for the message finds JAX's explanation); the message names the values involved; and the
next call works."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.peers import api, jax, jnp, missing, require
from tracegrad.core import is_eager


@dataclass(frozen=True)
class ErrorCase:
    """The same mistake made with JAX and with tracegrad.

    ``phrases``: regular expressions (case-insensitive) found in both messages: JAX's key
    phrases. ``tg_phrases``: found in tracegrad's (the values it must name). ``numpy``:
    NumPy's class where it differs from JAX's (tracegrad's error must be both).
    ``namesake``: tracegrad's error must also be its class named as JAX's (jax.errors.X).
    """

    name: str
    with_jax: Callable[[], Any]
    with_tg: Callable[[], Any]
    phrases: tuple[str, ...] = ()
    tg_phrases: tuple[str, ...] = ()
    numpy: tuple[type[BaseException], ...] = ()
    needs: tuple[str, ...] = ()
    xfail: str = ""
    namesake: bool = True

    def __str__(self) -> str:
        return self.name


def raised(fn: Callable[[], Any]) -> BaseException | None:
    try:
        with np.errstate(all="ignore"):
            fn()
    except Exception as e:
        return e
    return None


def builtin_bases(cls: type) -> list[type]:
    return [
        c
        for c in cls.__mro__
        if c.__module__ == "builtins" and c not in (Exception, BaseException, object)
    ]


def expected_classes(jax_error: BaseException, case: ErrorCase) -> list[type]:
    """JAX's built-in bases, tracegrad's namesake of a jax.errors class, NumPy's class."""
    want = builtin_bases(type(jax_error))
    namesake = getattr(tg, type(jax_error).__name__, None)
    if (
        case.namesake
        and type(jax_error).__module__.startswith("jax")
        and isinstance(namesake, type)
    ):
        want.append(namesake)
    return want + list(case.numpy)


def assert_next_call_works() -> None:
    """No state left behind: no trace active, and transformations work again."""
    assert is_eager()
    x = np.linspace(0.1, 1.0, 3)
    np.testing.assert_allclose(
        tg.grad(lambda x: tnp.sum(tnp.sin(x) * x))(x), np.sin(x) + x * np.cos(x)
    )
    assert len(tg.make_jaxpr(lambda x: tnp.sin(x) * x)(x).eqns) == 2
    assert type(tnp.sin(x)) is np.ndarray


def _escape(transform: Callable[..., Any]) -> Any:
    box: list[Any] = []

    def f(x: Any) -> Any:
        box.append(x * 2.0)
        return x * 3.0

    transform(f)(1.0)
    return box[0]


def _escaped_grad_tracer(jax_side: bool) -> Any:
    return _escape(jax.grad if jax_side else tg.grad)


def _escaped_staged_tracer(jax_side: bool) -> Any:
    return _escape(jax.make_jaxpr if jax_side else tg.make_jaxpr)


def _custom_vjp(t: Any, fwd_out: Any = None, bwd_out: Any = None) -> Any:
    """``a * 2`` as a custom_vjp of ``t`` whose fwd / bwd return what the callers give."""

    @t.custom_vjp
    def f(a: Any) -> Any:
        return a * 2.0

    def fwd(a: Any) -> Any:
        return (a * 2.0, a) if fwd_out is None else fwd_out(a)

    def bwd(res: Any, g: Any) -> Any:
        return (g * 2.0,) if bwd_out is None else bwd_out(g)

    f.defvjp(fwd, bwd)
    return f


def _custom_jvp(t: Any, rule: Any) -> Any:
    """``a * 2`` as a custom_jvp of ``t`` with the rule ``rule(primal, tangent)``."""

    @t.custom_jvp
    def f(a: Any) -> Any:
        return a * 2.0

    f.defjvp(lambda primals, tangents: rule(primals[0], tangents[0]))
    return f


def _grad_through(t: Any, xp: Any, f: Any) -> Any:
    return t.grad(lambda a: xp.sum(f(a)))(ONES3)


def both(fn: Callable[[Any, Any], Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The same mistake as a function of (transformations module, numpy module)."""
    return (lambda: fn(jax, jnp)), (lambda: fn(tg, tnp))


def case(name: str, fn: Callable[[Any, Any], Any], **kw: Any) -> ErrorCase:
    return ErrorCase(name, *both(fn), **kw)


ONES3, ONES4 = np.ones(3), np.ones(4)
OBJECTS3 = np.array([2.0, 2.0, 2.0], dtype=object)
NOT_TYPE_ERROR = (
    "tracegrad's {cls} is not a TypeError, while JAX's is (and NumPy's, where "
    "NumPy has one, is TypeError too)"
)

CASES = [
    # grad's contract
    case(
        "grad of a non-scalar output",
        lambda t, xp: t.grad(lambda x: x * 2.0)(ONES3),
        phrases=(
            r"Gradient only defined for scalar-output functions\. Output had shape: "
            r"\(3,\)",
        ),
    ),
    case(
        "grad of a None output",
        lambda t, xp: t.grad(lambda x: None)(1.0),
        phrases=(r"Gradient only defined for scalar-output functions",),
    ),
    case(
        "grad with respect to an int input",
        lambda t, xp: t.grad(lambda x: x * 2.0)(np.int64(3)),
        phrases=(
            r"grad requires real- or complex-valued inputs \(input dtype "
            r"that is a sub-dtype of np\.inexact\), but got int64",
            "allow_int",
        ),
    ),
    case(
        "grad with respect to a bool input",
        lambda t, xp: t.grad(lambda x: 1.0)(True),
        phrases=("grad requires real- or complex-valued inputs", "but got bool"),
    ),
    case(
        "jacrev with respect to an int input",
        lambda t, xp: t.jacrev(lambda x: x)(np.arange(3)),
        phrases=("jacrev requires real- or complex-valued inputs",),
    ),
    case(
        "grad of a complex output",
        lambda t, xp: t.grad(lambda x: x * 1j)(1.0),
        phrases=("grad requires real-valued outputs", "holomorphic=True"),
    ),
    case(
        "holomorphic grad of a real input",
        lambda t, xp: t.grad(lambda x: x, holomorphic=True)(1.0),
        phrases=("grad with holomorphic=True requires inputs with complex dtype",),
    ),
    case("grad with has_aux of a non-pair", lambda t, xp: t.grad(lambda x: x, has_aux=True)(1.0)),
    case(
        "grad with argnums out of range",
        lambda t, xp: t.grad(lambda x: x, argnums=2)(1.0),
        phrases=(
            "differentiating with respect to argnums=2 requires at least 3 positional "
            "arguments to be passed by the caller, but got only 1",
        ),
    ),
    case(
        "grad with a negative argnums out of range",
        lambda t, xp: t.grad(lambda x: x, argnums=-2)(1.0),
        phrases=(
            r"Positional argument indices, e\.g\. for `static_argnums`, must have value "
            r"greater than or equal to -len\(args\) and less than len\(args\), but got "
            r"value -2",
        ),
    ),
    case(
        "value_and_grad with argnums out of range",
        lambda t, xp: t.value_and_grad(lambda x: x, argnums=1)(1.0),
        phrases=("differentiating with respect to argnums=1 requires at least 2",),
    ),
    case(
        "jacrev with argnums out of range",
        lambda t, xp: t.jacrev(lambda x: x, argnums=1)(ONES3),
        phrases=(r"Positional argument indices.*but got value 1 for len\(args\) == 1",),
    ),
    case(
        "jacfwd with argnums out of range",
        lambda t, xp: t.jacfwd(lambda x: x, argnums=1)(ONES3),
        phrases=(r"Positional argument indices.*but got value 1 for len\(args\) == 1",),
    ),
    # JAX's messages for argnums=() are accidents (max() of an empty sequence, ...): only
    # the class is JAX's.
    case(
        "grad with argnums=()",
        lambda t, xp: t.grad(lambda x: x, argnums=())(1.0),
        tg_phrases=(r"argnums=\(\)",),
    ),
    case(
        "value_and_grad with argnums=()",
        lambda t, xp: t.value_and_grad(lambda x: x, argnums=())(1.0),
        tg_phrases=(r"argnums=\(\)",),
    ),
    case(
        "jacrev with argnums=()",
        lambda t, xp: t.jacrev(lambda x: x, argnums=())(ONES3),
        tg_phrases=(r"argnums=\(\)",),
    ),
    case(
        "jacfwd with argnums=()",
        lambda t, xp: t.jacfwd(lambda x: x, argnums=())(ONES3),
        tg_phrases=(r"argnums=\(\)",),
    ),
    # values no transformation traces (object, string dtypes; ints beyond int64)
    case(
        "an object-dtype constant under grad",
        lambda t, xp: t.grad(lambda a: xp.sum(a * OBJECTS3))(ONES3),
        phrases=(
            "Error interpreting argument to .* as an abstract array",
            r"The problematic value is of type <class 'numpy\.ndarray'>",
        ),
        tg_phrases=("dtype object",),
    ),
    case(
        "an object-dtype constant under jit",
        lambda t, xp: t.jit(lambda a: a * OBJECTS3)(ONES3),
        phrases=("Error interpreting argument to .* as an abstract array",),
        tg_phrases=("dtype object",),
    ),
    case(
        "an object-dtype argument to grad",
        lambda t, xp: t.grad(lambda a: a)(np.array(1.0, dtype=object)),
        phrases=(r"of type <class 'numpy\.ndarray'> .*is not a valid JAX type",),
    ),
    case(
        "a string argument to jit",
        lambda t, xp: t.jit(lambda a: a)("abc"),
        phrases=(
            "Error interpreting argument to .* as an abstract array",
            "The problematic value is of type <class 'str'>",
        ),
    ),
    case(
        "a string argument to grad",
        lambda t, xp: t.grad(lambda a: a)("abc"),
        phrases=("'abc'", "of type <class 'str'> .*is not a valid JAX type"),
    ),
    case(
        "a Python int beyond int64 as an argument to jit",
        lambda t, xp: t.jit(lambda a: a + 1)(2**70),
        phrases=(
            "An overflow was encountered while parsing an argument to a",
            "Got <class 'int'> with value 1180591620717411303424",
        ),
    ),
    case(
        "a Python int beyond int64 beside an int under jit",
        lambda t, xp: t.jit(lambda a: a + 2**70)(1),
        phrases=("An overflow was encountered while parsing an argument to a",),
    ),
    # shape mismatches: JAX TypeError, NumPy ValueError
    case(
        "add with mismatched shapes (traced)",
        lambda t, xp: t.make_jaxpr(xp.add)(ONES3, ONES4),
        phrases=("incompatible shapes for broadcasting", r"\(3,\)", r"\(4,\)"),
        numpy=(ValueError,),
    ),
    case(
        "add with mismatched shapes (under grad)",
        lambda t, xp: t.grad(lambda a: xp.sum(a + ONES4))(ONES3),
        phrases=("incompatible shapes for broadcasting",),
        numpy=(ValueError,),
    ),
    case(
        "add with mismatched shapes (eager)",
        lambda t, xp: xp.add(ONES3, ONES4),
        phrases=(r"\(3,\)", r"\(4,\)"),
        numpy=(ValueError,),
    ),
    case(
        "reshape to a different size (traced)",
        lambda t, xp: t.make_jaxpr(lambda a: xp.reshape(a, (4,)))(np.ones((2, 3))),
        phrases=(r"cannot reshape array of shape \(2, 3\) \(size 6\) into shape \(4,\)",),
        numpy=(ValueError,),
    ),
    case(
        "matmul with mismatched inner dimensions (traced)",
        lambda t, xp: t.make_jaxpr(xp.matmul)(np.ones((2, 3)), np.ones((4, 2))),
        tg_phrases=(r"\(2, ?3\)", r"\(4, ?2\)"),
        numpy=(ValueError,),
    ),
    case(
        "dot with mismatched inner dimensions (traced)",
        lambda t, xp: t.make_jaxpr(xp.dot)(np.ones((2, 3)), np.ones((4, 2))),
        tg_phrases=(r"\(2, ?3\)", r"\(4, ?2\)"),
        numpy=(ValueError,),
    ),
    case(
        "concatenate with mismatched shapes (traced)",
        lambda t, xp: t.make_jaxpr(lambda a, b: xp.concatenate([a, b]))(
            np.ones((2, 3)), np.ones((4, 2))
        ),
        tg_phrases=(r"\(2, 3\)", r"\(4, 2\)"),
        numpy=(ValueError,),
    ),
    case(
        "where with mismatched shapes (traced)",
        lambda t, xp: t.make_jaxpr(lambda x, y: xp.where(x > 0, x, y))(ONES3, np.ones(2)),
        phrases=("Incompatible shapes for broadcasting",),
    ),
    case(
        "broadcast_to an incompatible shape (traced)",
        lambda t, xp: t.make_jaxpr(lambda a: xp.broadcast_to(a, (2, 4)))(ONES3),
        tg_phrases=(r"\(3,\)", r"\(2, 4\)"),
    ),
    case(
        "einsum with mismatched label sizes (traced)",
        lambda t, xp: t.make_jaxpr(lambda a, b: xp.einsum("ij,jk->ik", a, b))(
            np.ones((2, 3)), np.ones((2, 3))
        ),
        tg_phrases=("'j'",),
    ),
    case(
        "sum over an axis out of range (traced)",
        lambda t, xp: t.make_jaxpr(lambda a: xp.sum(a, axis=2))(np.ones((3, 3))),
        phrases=("axis 2 is out of bounds for array of dimension 2",),
    ),
    case(
        "too many indices (traced)",
        lambda t, xp: t.make_jaxpr(lambda x: x[0, 0])(ONES3),
        phrases=("array is 1-dimensional, but 2 were indexed",),
    ),
    case(
        "a float index (traced)",
        lambda t, xp: t.make_jaxpr(lambda x: x[1.0])(ONES3),
        numpy=(IndexError,),
        xfail="tracegrad raises NumPy's IndexError only; JAX raises TypeError ('Indexer must "
        "have integer or boolean type'): SPEC 9 asks for a class derived from both",
    ),
    # concrete values of traced ones (JAX: under jit / make_jaxpr)
    case(
        "Python if on a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: 1.0 if x > 0 else 2.0)(1.0),
        phrases=(r"argument '?x'?", "Attempted boolean conversion of traced array"),
    ),
    case(
        "bool() of a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: bool(x))(1.0),
        phrases=("Attempted boolean conversion of traced array",),
    ),
    case(
        "float() of a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: float(x))(1.0),
        phrases=(
            "Abstract tracer value encountered where concrete value is expected",
            r"argument '?x'?",
        ),
    ),
    case(
        "int() of a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: int(x))(1.0),
        phrases=("Abstract tracer value encountered where concrete value is expected",),
    ),
    case(
        ".item() of a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: x.item())(1.0),
        phrases=("Abstract tracer value encountered where concrete value is expected",),
    ),
    case(
        "a traced value as an index (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda n: list(range(n)))(3),
        phrases=(r"The __index__\(\) method was called on (a )?traced array",),
    ),
    case(
        "numpy.asarray of a traced value (grad)",
        lambda t, xp: t.grad(lambda x: np.asarray(x).sum() * x)(1.0),
        phrases=(
            r"The numpy\.ndarray conversion method __array__\(\) was called on (a )?"
            r"traced array",
        ),
    ),
    case(
        "float() of a traced value (grad)",
        lambda t, xp: t.grad(lambda x: float(x) * x)(1.0),
        phrases=("Abstract tracer value encountered where concrete value is expected",),
    ),
    # escaped tracers
    ErrorCase(
        "an escaped tracer from grad, used later",
        lambda: _escaped_grad_tracer(True) + 1,
        lambda: _escaped_grad_tracer(False) + 1,
        phrases=("Encountered an unexpected tracer",),
    ),
    ErrorCase(
        "an escaped tracer from make_jaxpr, used later",
        lambda: jnp.sin(_escaped_staged_tracer(True)),
        lambda: tnp.sin(_escaped_staged_tracer(False)),
        phrases=("Encountered an unexpected tracer",),
    ),
    # unsupported functions: JAX TracerArrayConversionError (TypeError); NumPy's protocol
    # raises TypeError too; tracegrad's contract says NotImplementedError naming the function.
    case(
        "an unsupported NumPy function on a traced value (make_jaxpr)",
        lambda t, xp: t.make_jaxpr(lambda x: np.linalg.eig(x))(np.eye(3)),
        tg_phrases=("numpy.linalg.eig",),
        numpy=(NotImplementedError,),
        namesake=False,
    ),
    case(
        "an unsupported NumPy ufunc on a traced value (grad)",
        lambda t, xp: t.grad(lambda x: np.isnat(x).sum() * x)(1.0),
        tg_phrases=("numpy.isnat",),
        numpy=(NotImplementedError,),
        namesake=False,
    ),
    # misuse of vjp / jvp / vmap
    case(
        "vjp cotangent of the wrong shape",
        lambda t, xp: t.vjp(xp.sin, np.ones(2))[1](ONES3),
        tg_phrases=(r"\(3,\)", r"\(2,\)"),
    ),
    case(
        "vjp cotangent of the wrong structure",
        lambda t, xp: t.vjp(lambda x: (x, x), np.ones(2))[1](np.ones(2)),
    ),
    # user rules (custom_jvp, custom_vjp) checked against the function's own types
    case(
        "custom_vjp bwd cotangent of the wrong shape",
        lambda t, xp: _grad_through(t, xp, _custom_vjp(t, bwd_out=lambda g: (xp.sum(g),))),
        phrases=(
            "Custom VJP bwd rule must produce an output with the same type as the args tuple "
            "of the primal function, but at output\\[0\\] the bwd rule produced an output of type",
            "so the shapes do not match",
        ),
        tg_phrases=(r"f64\[\] corresponding to an input of type f64\[3\]",),
    ),
    case(
        "custom_vjp bwd cotangent of a broadcastable shape",
        lambda t, xp: _grad_through(
            t, xp, _custom_vjp(t, bwd_out=lambda g: (xp.sum(g, keepdims=True),))
        ),
        phrases=("so the shapes do not match",),
    ),
    case(
        "custom_vjp bwd not returning a tuple",
        lambda t, xp: _grad_through(t, xp, _custom_vjp(t, bwd_out=lambda g: g)),
        phrases=(
            r"Custom VJP bwd rule must produce an output with the same container \(pytree\) "
            "structure as the args tuple of the primal function",
        ),
    ),
    case(
        "custom_vjp bwd returning too many cotangents",
        lambda t, xp: _grad_through(t, xp, _custom_vjp(t, bwd_out=lambda g: (g, g))),
        phrases=(r"but got bwd output structure PyTreeDef\(\(\*, \*\)\)",),
    ),
    case(
        "custom_vjp fwd not returning a pair",
        lambda t, xp: _grad_through(t, xp, _custom_vjp(t, fwd_out=lambda a: a)),
        phrases=(
            r"Custom VJP fwd rule fwd for function f must produce a pair \(list or tuple of "
            "length two\\) where the first element represents the primal output",
        ),
    ),
    case(
        "custom_vjp fwd primal output of the wrong structure",
        lambda t, xp: t.grad(lambda a: xp.sum(_custom_vjp(t, fwd_out=lambda a: ((a,), a))(a)))(
            ONES3
        ),
        tg_phrases=("Custom VJP fwd rule fwd for function f", "container/pytree structure"),
    ),
    case(
        "custom_jvp rule not returning a pair",
        lambda t, xp: t.jvp(_custom_jvp(t, lambda p, tan: p * 2.0), (ONES3,), (ONES3,)),
        phrases=(
            r"Custom JVP rule <lambda> for function f must produce a pair \(list or tuple of "
            r"length two\) representing primal and tangent outputs",
        ),
    ),
    case(
        "custom_jvp primal output of the wrong shape (under jit)",
        lambda t, xp: _grad_through(t, xp, t.jit(_custom_jvp(t, lambda p, tan: (xp.sum(p), tan)))),
        phrases=(
            "Custom JVP rule <lambda> for function f must produce a pair",
            "in particular with leaves of the same shape/dtype",
        ),
    ),
    case(
        "custom_jvp primal and tangent of different structures",
        lambda t, xp: t.jvp(_custom_jvp(t, lambda p, tan: ((p * 2.0,), tan)), (ONES3,), (ONES3,)),
        phrases=("must produce primal and tangent outputs with equal container",),
    ),
    case(
        "custom_jvp tangent of the wrong shape",
        lambda t, xp: t.jvp(
            _custom_jvp(t, lambda p, tan: (p * 2.0, xp.sum(tan))), (ONES3,), (ONES3,)
        ),
        phrases=(
            "Custom JVP rule must produce primal and tangent outputs with corresponding shapes "
            "and dtypes",
        ),
        tg_phrases=(r"Expected f64\[3\] \(tangent type of f64\[3\]\) but got f64\[\]",),
    ),
    case(
        "custom_jvp tangent of the wrong dtype (grad)",
        lambda t, xp: _grad_through(
            t, xp, _custom_jvp(t, lambda p, tan: (p * 2.0, tan.astype(np.float32)))
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


@pytest.mark.parametrize(
    "ecase",
    [
        pytest.param(c, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in CASES
    ],
    ids=str,
)
def test_error_conforms(ecase: ErrorCase) -> None:
    if missing(ecase.needs):
        require(*ecase.needs)
    jax_error = raised(ecase.with_jax)
    assert jax_error is not None, f"JAX no longer raises for {ecase}"
    for phrase in ecase.phrases:  # the phrases are JAX's: check they still are
        assert re.search(phrase, str(jax_error), re.IGNORECASE), (phrase, str(jax_error))
    tg_error = raised(ecase.with_tg)
    assert_next_call_works()
    assert tg_error is not None, (
        f"tracegrad raises nothing for {ecase}; JAX raises {type(jax_error).__name__}: {jax_error}"
    )
    for cls in expected_classes(jax_error, ecase):
        assert isinstance(tg_error, cls), (
            f"{ecase}: tracegrad raises {type(tg_error).__mro__}, not an instance of "
            f"{cls.__name__} (JAX raises {type(jax_error).__mro__})"
        )
    for phrase in ecase.phrases + ecase.tg_phrases:
        assert re.search(phrase, str(tg_error), re.IGNORECASE), (
            f"{ecase}: {phrase!r} not in tracegrad's message {str(tg_error)!r}"
        )


def test_allow_int_gives_float0_as_jax() -> None:
    f = lambda x, n: x * n
    got = tg.grad(f, argnums=(0, 1), allow_int=True)(2.0, 3)
    want = jax.grad(f, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(got[0]) == float(want[0]) == 3.0
    assert np.asarray(got[1]).dtype == np.asarray(want[1]).dtype == jax.dtypes.float0


def test_shape_error_is_value_and_type_error() -> None:
    """tracegrad.ShapeError is NumPy's ValueError and JAX's TypeError at once."""
    assert issubclass(tg.ShapeError, ValueError) and issubclass(tg.ShapeError, TypeError)
    for name in (
        "ConcretizationTypeError",
        "TracerBoolConversionError",
        "TracerIntegerConversionError",
        "TracerArrayConversionError",
    ):
        tg_cls, jax_cls = getattr(tg, name), getattr(jax.errors, name)
        for base in builtin_bases(jax_cls):
            assert issubclass(tg_cls, base), (name, base)


def test_static_out_of_bounds_index_follows_numpy() -> None:
    """Documented: an out-of-bounds static index raises IndexError as in NumPy; JAX clamps
    it silently (its documented out-of-bounds behaviour)."""
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 3"):
        tg.make_jaxpr(lambda x: x[5])(ONES3)
    assert_next_call_works()
    assert float(jax.jit(lambda x: x[5])(np.arange(3.0))) == 2.0


def test_int_of_a_traced_value_under_grad_is_allowed() -> None:
    """As in JAX, int() and bool() of a value traced by grad (not staged) work: they have no
    derivative to lose."""
    f = lambda x: x * x if x > 0 else -x
    assert tg.grad(f)(2.0) == jax.grad(f)(2.0) == 4.0
    g = lambda x: int(x) * x
    assert tg.grad(g)(2.5) == jax.grad(g)(2.5) == 2.0


def test_error_inside_nested_transformations_leaves_no_state() -> None:
    def bad(x: Any) -> Any:
        return tnp.sum(x + ONES4)

    with pytest.raises(TypeError):
        tg.grad(lambda x: tnp.sum(tg.vmap(tg.grad(bad))(x)))(np.ones((2, 3)))
    with pytest.raises(TypeError):
        tg.jvp(lambda x: tg.make_jaxpr(bad)(x), (ONES3,), (ONES3,))
    assert_next_call_works()
