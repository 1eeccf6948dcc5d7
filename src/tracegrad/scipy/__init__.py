"""``tracegrad.scipy``: SciPy-named functions, as ``jax.scipy``: ``special``, ``stats`` and
``signal`` (``stats`` and ``signal`` are imported on first access, docs/imports.md)."""

from typing import TYPE_CHECKING

from tracegrad._lazy import lazy_names
from tracegrad.scipy import special as special

if TYPE_CHECKING:
    from tracegrad.scipy import signal as signal
    from tracegrad.scipy import stats as stats

__getattr__, __dir__ = lazy_names(
    __name__, {"signal": "tracegrad.scipy.signal", "stats": "tracegrad.scipy.stats"}
)

__all__ = ["signal", "special", "stats"]
