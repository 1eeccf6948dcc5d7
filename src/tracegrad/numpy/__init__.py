"""``tracegrad.numpy``: NumPy's names, signatures, broadcasting and dtypes, on traceable primitives.

Outside every transformation a call goes straight to NumPy.
"""

from tracegrad.numpy import _methods, _reductions, _ufuncs
from tracegrad.numpy._reductions import *  # noqa: F403
from tracegrad.numpy._ufuncs import *  # noqa: F403

_methods.install([_ufuncs.TRACER_METHODS, _reductions.TRACER_METHODS])
