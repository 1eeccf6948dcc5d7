"""``autograd.numpy``: tracegrad.numpy, with NumPy's own ``random`` and NumPy's other names.

Every name of ``tracegrad.numpy`` (traceable, differentiable); ``random`` is
``numpy.random`` itself, as in autograd (so seeds give NumPy's numbers); ``linalg`` and
``fft`` are tracegrad's. Any other NumPy name (``seterr``, ``errstate``, ...) is NumPy's own:
it runs on concrete values and has no derivative, as autograd's non-differentiable wrappers.

>>> import tracegrad.compat.autograd.numpy as anp
>>> anp.random is np.random, anp.seterr is np.seterr
(True, True)
"""

from __future__ import annotations

import numpy as _np

import tracegrad.numpy as _tnp
from tracegrad.compat.autograd._alias import alias_submodules
from tracegrad.compat.autograd._missing import INTERNAL_NAMES, not_provided

globals().update({k: v for k, v in vars(_tnp).items() if not k.startswith("_")})
alias_submodules(__name__, {"random": _np.random, "linalg": _tnp.linalg, "fft": _tnp.fft})

_INTERNAL_MODULES = ("numpy_boxes", "numpy_vspaces", "numpy_vjps", "numpy_jvps", "numpy_wrapper")


def __getattr__(name: str) -> object:
    if name in INTERNAL_NAMES or name in _INTERNAL_MODULES:
        raise not_provided(f"autograd.numpy.{name}")
    if name.startswith("_") or not hasattr(_np, name):
        raise AttributeError(f"module 'autograd.numpy' has no attribute {name!r}")
    return getattr(_np, name)
