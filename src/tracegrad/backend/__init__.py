"""Running jaxprs on NumPy: ``compile_jaxpr`` turns a closed jaxpr into a Python callable."""

from tracegrad.backend.interpreter import compile_jaxpr

__all__ = ["compile_jaxpr"]
