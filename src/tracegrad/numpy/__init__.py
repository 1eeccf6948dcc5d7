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
    _manipulation,
    _methods,
    _products,
    _reductions,
    _ufuncs,
)
from tracegrad.numpy._array_api import *  # noqa: F403
from tracegrad.numpy._convolve import *  # noqa: F403
from tracegrad.numpy._creation import *  # noqa: F403
from tracegrad.numpy._editing import *  # noqa: F403
from tracegrad.numpy._function_base import *  # noqa: F403
from tracegrad.numpy._functional import *  # noqa: F403
from tracegrad.numpy._index_tricks import *  # noqa: F403
from tracegrad.numpy._indexing import *  # noqa: F403
from tracegrad.numpy._joining import *  # noqa: F403
from tracegrad.numpy._logic import *  # noqa: F403
from tracegrad.numpy._manipulation import *  # noqa: F403
from tracegrad.numpy._namespace import *  # noqa: F403
from tracegrad.numpy._nanfunctions import *  # noqa: F403
from tracegrad.numpy._nonzero import *  # noqa: F403
from tracegrad.numpy._numpy_names import *  # noqa: F403
from tracegrad.numpy._padding import *  # noqa: F403
from tracegrad.numpy._polynomial import *  # noqa: F403
from tracegrad.numpy._products import *  # noqa: F403
from tracegrad.numpy._quantiles import *  # noqa: F403
from tracegrad.numpy._reductions import *  # noqa: F403
from tracegrad.numpy._setops import *  # noqa: F403
from tracegrad.numpy._shapes_more import *  # noqa: F403
from tracegrad.numpy._sorting import *  # noqa: F403
from tracegrad.numpy._statistics import *  # noqa: F403
from tracegrad.numpy._ufuncs import *  # noqa: F403
from tracegrad.numpy._ufuncs_bits import *  # noqa: F403
from tracegrad.numpy._ufuncs_compare import *  # noqa: F403
from tracegrad.numpy._ufuncs_math import *  # noqa: F403
from tracegrad.numpy._windows import *  # noqa: F403

_methods.install(
    [
        _ufuncs.TRACER_METHODS,
        _reductions.TRACER_METHODS,
        _manipulation.TRACER_METHODS,
        _creation.TRACER_METHODS,
        _indexing.TRACER_METHODS,
        _products.TRACER_METHODS,
        _interop.TRACER_METHODS,
    ]
)

# The narrow dtypes JAX names, from the optional ml_dtypes (as bfloat16): dtype objects for
# conversion and storage; tracegrad's primitives are not tested on them.
_ML_DTYPES = frozenset(
    [
        "float4_e2m1fn",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float8_e3m4",
        "float8_e4m3",
        "float8_e4m3b11fnuz",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e5m2fnuz",
        "float8_e8m0fnu",
        "int1",
        "int2",
        "int4",
        "uint1",
        "uint2",
        "uint4",
    ]
)


def _ml_dtype(name: str) -> Any:
    try:
        bfloat16_dtype()  # imports ml_dtypes, or says how to install it
    except MissingExtraError as e:
        raise AttributeError(f"tracegrad.numpy.{name} is not available: {e}") from e
    import ml_dtypes

    return getattr(ml_dtypes, name)


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
        if name in _ML_DTYPES:
            return _ml_dtype(name)
        if name != "bfloat16":
            return _lazy_getattr(name)
        try:
            return bfloat16_dtype().type
        except MissingExtraError as e:
            raise AttributeError(f"tracegrad.numpy.bfloat16 is not available: {e}") from e
