"""The language of tracegrad: primitives, traces, abstract values, the IR and pytrees. No math."""

from tracegrad.core.aval import ShapedArray, concrete_aval, is_python_scalar
from tracegrad.core.errors import (
    ConcretizationTypeError,
    DTypeError,
    ShapeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
)
from tracegrad.core.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, check_jaxpr, pp_jaxpr
from tracegrad.core.primitive import Primitive
from tracegrad.core.staging import (
    StagingTrace,
    StagingTracer,
    eval_jaxpr,
    make_jaxpr,
    trace_to_jaxpr,
)
from tracegrad.core.trace import (
    EVAL_TRACE,
    EvalTrace,
    Trace,
    Tracer,
    check_alive,
    current_trace,
    get_aval,
    is_eager,
    new_trace,
    run_in_trace,
    set_current_trace,
)
from tracegrad.core.zeros import UndefinedPrimal, Zero, instantiate, is_undefined_primal

__all__ = [
    "EVAL_TRACE",
    "ClosedJaxpr",
    "ConcretizationTypeError",
    "DTypeError",
    "EvalTrace",
    "Jaxpr",
    "JaxprEqn",
    "Literal",
    "Primitive",
    "ShapeError",
    "ShapedArray",
    "StagingTrace",
    "StagingTracer",
    "Trace",
    "Tracer",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "UndefinedPrimal",
    "UnexpectedTracerError",
    "Var",
    "Zero",
    "check_alive",
    "check_jaxpr",
    "concrete_aval",
    "current_trace",
    "eval_jaxpr",
    "get_aval",
    "instantiate",
    "is_eager",
    "is_python_scalar",
    "is_undefined_primal",
    "make_jaxpr",
    "new_trace",
    "pp_jaxpr",
    "run_in_trace",
    "set_current_trace",
    "trace_to_jaxpr",
]
