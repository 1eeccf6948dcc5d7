"""The exception classes tracegrad raises, one per situation, typed as JAX and NumPy type them."""

from __future__ import annotations

import os
import traceback


class TracegradError(Exception):
    """Base class of tracegrad-specific errors."""


class ShapeError(ValueError, TypeError):
    """Operands have incompatible shapes.

    NumPy raises ``ValueError`` for a broadcasting failure and JAX ``TypeError``;
    this class is both, so code written for either catches it.
    """


class DTypeError(TypeError):
    """An operation received a dtype it does not accept."""


class ConcretizationTypeError(TracegradError, TypeError):
    """A traced value was used where a concrete Python value is needed."""


class TracerBoolConversionError(ConcretizationTypeError):
    """``bool()`` of a traced value, typically from Python ``if``/``while``."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """``int()`` or ``__index__`` of a traced value."""


class TracerArrayConversionError(ConcretizationTypeError):
    """``numpy.asarray`` or ``float()`` of a traced value."""


class UnexpectedTracerError(TracegradError, TypeError):
    """A tracer escaped the transformation that created it and was used later."""


class MissingExtraError(TracegradError, ImportError):
    """A feature needs an optional package that is not installed; the message names the
    package and the ``pip install 'tracegrad[extra]'`` that brings it."""


class UnsupportedFunctionError(TracegradError, NotImplementedError, TypeError):
    """A NumPy function that tracegrad does not implement was applied to a traced value.

    NumPy's dispatch protocol and JAX raise TypeError here; the project rule is
    NotImplementedError: this class is both.
    """


_JAX_PHRASES = {
    "bool()": "Attempted boolean conversion of traced array",
    "__index__()": "The __index__() method was called on traced array",
    "int()": "The __int__() method was called on traced array",
    "float()": "The __float__() method was called on traced array",
    "complex()": "The __complex__() method was called on traced array",
}

_CONCRETE_HINT = (
    "The value is abstract here because it depends on the input of a staging "
    "transformation (make_jaxpr or jit). Mark the argument static "
    "(static_argnums / static_argnames), use tracegrad.lax.cond / while_loop "
    "instead of Python control flow, or compute the value outside the function."
)


def concretization_error(
    kind: type[ConcretizationTypeError], what: str, aval: object, origin: str | None
) -> ConcretizationTypeError:
    """Build a concretization error in the three-part house style."""
    where = f" The value came from {origin}." if origin else ""
    line = user_frame()
    at = f" It happened at {line}." if line else ""
    phrase = _JAX_PHRASES.get(what, f"{what} was called on traced array")
    return kind(
        f"{phrase} with shape/dtype {aval}. Abstract tracer value encountered where "
        f"concrete value is expected.{where}{at}\n{_CONCRETE_HINT}"
    )


def user_frame() -> str | None:
    """``file:line (code)`` of the innermost frame outside tracegrad: the user's line."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(package):
            code = f" ({frame.line.strip()})" if frame.line else ""
            return f"{frame.filename}:{frame.lineno}{code}"
    return None


def differentiated_conversion_error(what: str, aval: object) -> ConcretizationTypeError:
    """``float(x)`` and the like of a value being differentiated would cut the derivative."""
    phrase = _JAX_PHRASES.get(what, f"{what} was called on traced array")
    return ConcretizationTypeError(
        f"{phrase} with shape/dtype {aval}, a value being differentiated. Abstract tracer "
        "value encountered where concrete value is expected: converting it to a Python "
        "number would silently drop its derivative. Keep it an array (use "
        "tracegrad.numpy functions), or wrap it in tracegrad.stop_gradient first if the "
        "derivative through it is meant to be zero."
    )


def escaped_tracer_error(tracer: object) -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer: {tracer!r}. A function transformed by "
        "tracegrad (grad, jvp, vjp, make_jaxpr, ...) saved a traced intermediate value "
        "outside its own scope, for example in a global or a list, and it was used after "
        "the transformation had finished. Return the value from the function instead."
    )
