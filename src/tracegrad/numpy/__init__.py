"""``tracegrad.numpy``: NumPy's names, signatures, broadcasting and dtypes, on traceable primitives.

Outside every transformation a call goes straight to NumPy.
"""

from typing import TYPE_CHECKING, Any

from tracegrad._lazy import lazy_names
from tracegrad.core.dtypes import bfloat16 as bfloat16_dtype
from tracegrad.core.errors import MissingExtraError
from tracegrad.numpy import (
    _creation,
    _indexing,
    _interop,
    _linalg,
    _methods,
    _reductions,
    _shapes,
    _ufuncs,
)
from tracegrad.numpy._convolve import *  # noqa: F403
from tracegrad.numpy._creation import *  # noqa: F403
from tracegrad.numpy._indexing import *  # noqa: F403
from tracegrad.numpy._joining import *  # noqa: F403
from tracegrad.numpy._linalg import *  # noqa: F403
from tracegrad.numpy._misc_math import *  # noqa: F403
from tracegrad.numpy._namespace import *  # noqa: F403
from tracegrad.numpy._padding import *  # noqa: F403
from tracegrad.numpy._reductions import *  # noqa: F403
from tracegrad.numpy._shapes import *  # noqa: F403
from tracegrad.numpy._shapes_more import *  # noqa: F403
from tracegrad.numpy._sorting import *  # noqa: F403
from tracegrad.numpy._ufuncs import *  # noqa: F403
from tracegrad.numpy._ufuncs_compare import *  # noqa: F403
from tracegrad.numpy._ufuncs_math import *  # noqa: F403

_methods.install(
    [
        _ufuncs.TRACER_METHODS,
        _reductions.TRACER_METHODS,
        _shapes.TRACER_METHODS,
        _creation.TRACER_METHODS,
        _indexing.TRACER_METHODS,
        _linalg.TRACER_METHODS,
        _interop.TRACER_METHODS,
    ]
)

# Lazy (docs/imports.md): the submodules fft and linalg, with their primitives, load on
# first access, like NumPy's own; plain NumPy calls on tracers find them by importing them.
# bfloat16 comes from the optional ml_dtypes, imported on its first use (docs/install.md).
if TYPE_CHECKING:
    from tracegrad.numpy import fft as fft
    from tracegrad.numpy import linalg as linalg
else:
    _lazy_getattr, __dir__ = lazy_names(
        __name__, {"fft": "tracegrad.numpy.fft", "linalg": "tracegrad.numpy.linalg"}
    )

    def __getattr__(name: str) -> Any:
        if name != "bfloat16":
            return _lazy_getattr(name)
        try:
            return bfloat16_dtype().type
        except MissingExtraError as e:
            raise AttributeError(f"tracegrad.numpy.bfloat16 is not available: {e}") from e
