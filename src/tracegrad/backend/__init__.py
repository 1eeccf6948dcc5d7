"""Running jaxprs on NumPy: optimisation passes, code generation, and ``compile_jaxpr``, which
turns a closed jaxpr into a cached Python callable."""

from tracegrad.backend.algebra import simplify
from tracegrad.backend.codegen import Program, compile_jaxpr, compile_program, generate
from tracegrad.backend.outputs import own_results
from tracegrad.backend.passes import cse, dce, fold_constants, inline_calls, optimize

__all__ = [
    "Program",
    "compile_jaxpr",
    "compile_program",
    "cse",
    "dce",
    "fold_constants",
    "generate",
    "inline_calls",
    "optimize",
    "own_results",
    "simplify",
]
