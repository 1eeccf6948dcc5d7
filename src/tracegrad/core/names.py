"""Names for parts of a program: ``named_scope`` and ``named_call`` push a name that every
equation staged meanwhile records (``JaxprEqn.name_stack``), as JAX's name stack."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from tracegrad.core.trace import name_stack as _NAME_STACK

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """Name the equations staged in the block, as ``jax.named_scope``; the names show in
    ``closed.pretty_print(name_stack=True)``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> def f(x):
    ...     with tg.named_scope("layer"):
    ...         return tnp.sin(x)
    >>> print(tg.make_jaxpr(f)(1.0).pretty_print(name_stack=True))
    { lambda ; a:f64[]. let
        b:f64[] = sin a  # [layer]
      in (b,) }
    """
    if not isinstance(name, str):
        raise TypeError(
            f"named_scope name argument must be a string, got {name!r} of type "
            f"{type(name).__name__}: pass a str."
        )
    outer = _NAME_STACK.get()
    token = _NAME_STACK.set(f"{outer}/{name}" if outer else name)
    try:
        yield
    finally:
        _NAME_STACK.reset(token)


def named_call(fun: F, *, name: str | None = None) -> F:
    """``fun`` with its equations named ``name`` (default: its ``__name__``), as
    ``jax.named_call``: the program is the same, only the names differ.

    >>> import tracegrad as tg
    >>> double = tg.named_call(lambda x: 2.0 * x, name="double")
    >>> print(tg.make_jaxpr(double)(1.0).pretty_print(name_stack=True))
    { lambda ; a:f64[]. let
        b:f64[] = mul 2.0:f64[] a  # [double]
      in (b,) }
    """
    scope = name if name is not None else getattr(fun, "__name__", "named_call")

    @functools.wraps(fun)
    def named(*args: Any, **kwargs: Any) -> Any:
        with named_scope(scope):
            return fun(*args, **kwargs)

    return named  # type: ignore[return-value]
