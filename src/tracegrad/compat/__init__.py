"""Other libraries' public APIs on tracegrad: thin adapters over the core, no second engine.

``tracegrad.compat.autograd`` mirrors HIPS autograd (docs/autograd.md).
"""
