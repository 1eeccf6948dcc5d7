"""``autograd.misc``: ``flatten`` (and the ``optimizers``, ``flatten``, ``fixed_points``
submodules)."""

from __future__ import annotations

from tracegrad.compat.autograd._missing import module_getattr
from tracegrad.compat.autograd.misc.flatten import flatten

__all__ = ["flatten"]
__getattr__ = module_getattr("autograd.misc")
