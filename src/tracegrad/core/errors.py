"""The exception classes tracegrad raises, one per situation, typed as JAX and NumPy type them."""

from __future__ import annotations


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


class UnexpectedTracerError(TracegradError):
    """A tracer escaped the transformation that created it and was used later."""


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
    return kind(
        f"Abstract tracer value encountered where concrete value is expected: {what} "
        f"of a traced array with shape/dtype {aval}.{where}\n{_CONCRETE_HINT}"
    )


def escaped_tracer_error(tracer: object) -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer: {tracer!r}. A function transformed by "
        "tracegrad (grad, jvp, vjp, make_jaxpr, ...) saved a traced intermediate value "
        "outside its own scope, for example in a global or a list, and it was used after "
        "the transformation had finished. Return the value from the function instead."
    )
