"""First-order primitives, grouped by family, each with all of its rules in one block."""

from tracegrad.core.trace import set_foreign_evaluator

# Primitives applied outside jit to other libraries' arrays run with their namespace.
set_foreign_evaluator("tracegrad.ops.array_api_eager")
