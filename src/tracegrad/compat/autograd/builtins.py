"""``autograd.builtins``: autograd's differentiable containers are plain pytrees here.

``tuple``, ``list`` and ``dict`` are Python's own (tracegrad differentiates through any
pytree); ``isinstance`` and ``type`` see a traced array as the ``numpy.ndarray`` it stands for.

>>> isinstance(1.0, float), type([1])
(True, <class 'list'>)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tracegrad.core.trace import Tracer

tuple = builtins.tuple  # type: ignore[type-arg]
list = builtins.list
dict = builtins.dict


def isinstance(obj: Any, classinfo: Any) -> bool:
    """``builtins.isinstance``, with a traced value taken for a ``numpy.ndarray``."""
    if builtins.isinstance(obj, Tracer):
        return builtins.isinstance(np.zeros(obj.shape, obj.dtype), classinfo)
    return builtins.isinstance(obj, classinfo)


def type(obj: Any) -> Any:
    """``builtins.type``, with a traced value reported as ``numpy.ndarray``."""
    return np.ndarray if builtins.isinstance(obj, Tracer) else builtins.type(obj)
