"""The language of tracegrad: primitives, traces, abstract values, the IR and pytrees. No math."""

from tracegrad.core.aval import ShapedArray as ShapedArray
from tracegrad.core.aval import concrete_aval as concrete_aval
from tracegrad.core.aval import is_python_scalar as is_python_scalar
from tracegrad.core.errors import ConcretizationTypeError as ConcretizationTypeError
from tracegrad.core.errors import DTypeError as DTypeError
from tracegrad.core.errors import ShapeError as ShapeError
from tracegrad.core.errors import TracerArrayConversionError as TracerArrayConversionError
from tracegrad.core.errors import TracerBoolConversionError as TracerBoolConversionError
from tracegrad.core.errors import TracerIntegerConversionError as TracerIntegerConversionError
from tracegrad.core.errors import UnexpectedTracerError as UnexpectedTracerError
from tracegrad.core.exports import public_names as _public_names
from tracegrad.core.ir import ClosedJaxpr as ClosedJaxpr
from tracegrad.core.ir import Jaxpr as Jaxpr
from tracegrad.core.ir import JaxprEqn as JaxprEqn
from tracegrad.core.ir import Literal as Literal
from tracegrad.core.ir import Var as Var
from tracegrad.core.ir import check_jaxpr as check_jaxpr
from tracegrad.core.ir import per_jaxpr as per_jaxpr
from tracegrad.core.ir import pp_jaxpr as pp_jaxpr
from tracegrad.core.primitive import Primitive as Primitive
from tracegrad.core.staging import StagingTrace as StagingTrace
from tracegrad.core.staging import StagingTracer as StagingTracer
from tracegrad.core.staging import eval_jaxpr as eval_jaxpr
from tracegrad.core.staging import make_jaxpr as make_jaxpr
from tracegrad.core.staging import trace_to_jaxpr as trace_to_jaxpr
from tracegrad.core.trace import EVAL_TRACE as EVAL_TRACE
from tracegrad.core.trace import EvalTrace as EvalTrace
from tracegrad.core.trace import Trace as Trace
from tracegrad.core.trace import Tracer as Tracer
from tracegrad.core.trace import check_alive as check_alive
from tracegrad.core.trace import current_trace as current_trace
from tracegrad.core.trace import get_aval as get_aval
from tracegrad.core.trace import is_eager as is_eager
from tracegrad.core.trace import new_trace as new_trace
from tracegrad.core.trace import run_in_trace as run_in_trace
from tracegrad.core.trace import set_current_trace as set_current_trace
from tracegrad.core.zeros import UndefinedPrimal as UndefinedPrimal
from tracegrad.core.zeros import Zero as Zero
from tracegrad.core.zeros import instantiate as instantiate
from tracegrad.core.zeros import is_undefined_primal as is_undefined_primal
from tracegrad.core.zeros import tangent_aval as tangent_aval

__all__ = _public_names(globals())
