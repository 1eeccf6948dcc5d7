"""``tracegrad.errors``: every exception class tracegrad raises, in one place (as jax.errors).

>>> import tracegrad as tg
>>> issubclass(tg.errors.ShapeError, ValueError) and issubclass(tg.errors.ShapeError, TypeError)
True
"""

from tracegrad.core.errors import (
    ConcretizationTypeError,
    DTypeError,
    MissingExtraError,
    ShapeError,
    TracegradError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
    UnsupportedFunctionError,
)
from tracegrad.core.ir import JaxprTypeError
from tracegrad.numpy._index_parse import NonConcreteBooleanIndexError
from tracegrad.numpy.linalg import LinAlgShapeError

__all__ = [
    "ConcretizationTypeError",
    "DTypeError",
    "JaxprTypeError",
    "LinAlgShapeError",
    "MissingExtraError",
    "NonConcreteBooleanIndexError",
    "ShapeError",
    "TracegradError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "UnexpectedTracerError",
    "UnsupportedFunctionError",
]
