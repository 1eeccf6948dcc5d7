"""Conformance of tracegrad's errors with JAX's (SPEC 9, functional API): for each mistake,
tracegrad raises an instance of the class JAX raises (its built-in bases, and tracegrad's
class of the same name for JAX's own classes), plus NumPy's class where NumPy types the
mistake differently; the key phrases of JAX's message appear in tracegrad's (so a search
for the message finds JAX's explanation); the message names the values involved; and the
next call works."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.error_cases import (
    OBJECTS3,
    ONES3,
    ONES4,
    ErrorCase,
    assert_next_call_works,
    builtin_bases,
    case,
    check_error_conforms,
    escaped_grad_tracer,
    escaped_staged_tracer,
    parametrized,
)
from conformance.peers import jax, jnp

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
        lambda: escaped_grad_tracer(True) + 1,
        lambda: escaped_grad_tracer(False) + 1,
        phrases=("Encountered an unexpected tracer",),
    ),
    ErrorCase(
        "an escaped tracer from make_jaxpr, used later",
        lambda: jnp.sin(escaped_staged_tracer(True)),
        lambda: tnp.sin(escaped_staged_tracer(False)),
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
]


@pytest.mark.parametrize("ecase", parametrized(CASES), ids=str)
def test_error_conforms(ecase: ErrorCase) -> None:
    check_error_conforms(ecase)


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
