"""The machinery of the error conformance tests against JAX (test_jax_errors*.py): one
mistake made with JAX and with tracegrad (``ErrorCase``), and the check that tracegrad's
error is JAX's class (and NumPy's where NumPy types it differently), with JAX's key phrases
and the values involved in its message, leaving no state behind."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from conformance.peers import jax, jnp, missing, require
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


def escaped_grad_tracer(jax_side: bool) -> Any:
    return _escape(jax.grad if jax_side else tg.grad)


def escaped_staged_tracer(jax_side: bool) -> Any:
    return _escape(jax.make_jaxpr if jax_side else tg.make_jaxpr)


def custom_vjp_double(t: Any, fwd_out: Any = None, bwd_out: Any = None) -> Any:
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


def custom_jvp_double(t: Any, rule: Any) -> Any:
    """``a * 2`` as a custom_jvp of ``t`` with the rule ``rule(primal, tangent)``."""

    @t.custom_jvp
    def f(a: Any) -> Any:
        return a * 2.0

    f.defjvp(lambda primals, tangents: rule(primals[0], tangents[0]))
    return f


def grad_through(t: Any, xp: Any, f: Any) -> Any:
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


def parametrized(cases: Sequence[ErrorCase]) -> list[Any]:
    """The cases as pytest parameters, those with an ``xfail`` reason marked (strict)."""
    return [
        pytest.param(c, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in cases
    ]


def check_error_conforms(ecase: ErrorCase) -> None:
    """tracegrad raises for ``ecase`` what JAX raises, with JAX's phrases and the values."""
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
