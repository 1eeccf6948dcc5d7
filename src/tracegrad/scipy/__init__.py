"""``tracegrad.scipy``: SciPy-named functions, as ``jax.scipy``: ``special``, ``stats``,
``linalg``, ``optimize``, ``integrate`` and ``signal`` (all but ``special`` imported on
first access, docs/imports.md)."""

from typing import TYPE_CHECKING

from tracegrad._lazy import lazy_names
from tracegrad.scipy import special as special

if TYPE_CHECKING:
    from tracegrad.scipy import integrate as integrate
    from tracegrad.scipy import linalg as linalg
    from tracegrad.scipy import optimize as optimize
    from tracegrad.scipy import signal as signal
    from tracegrad.scipy import stats as stats

_LAZY = {
    name: f"tracegrad.scipy.{name}"
    for name in ("integrate", "linalg", "optimize", "signal", "stats")
}
__getattr__, __dir__ = lazy_names(__name__, _LAZY)

__all__ = ["integrate", "linalg", "optimize", "signal", "special", "stats"]
