"""``tracegrad.scipy``: SciPy-named functions, as ``jax.scipy`` (only ``special`` for now)."""

from tracegrad.scipy import special as special

__all__ = ["special"]
