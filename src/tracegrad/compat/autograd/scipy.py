"""``autograd.scipy``: tracegrad.scipy's special, stats, linalg; ``misc.logsumexp``; ``signal``.

``autograd.scipy.stats.norm`` and the other distributions are tracegrad.scipy.stats' modules.

>>> import tracegrad.compat.autograd.scipy.stats.norm as norm
>>> float(norm.logpdf(0.0))
-0.9189385332046727
"""

from __future__ import annotations

import types

import tracegrad.scipy.linalg as _linalg
import tracegrad.scipy.special as _special
import tracegrad.scipy.stats as _stats
from tracegrad.compat.autograd import _signal
from tracegrad.compat.autograd._alias import alias_submodules
from tracegrad.compat.autograd._missing import not_provided

_misc = types.ModuleType(f"{__name__}.misc", "autograd.scipy.misc: logsumexp.")
_misc.logsumexp = _special.logsumexp  # type: ignore[attr-defined]

alias_submodules(
    __name__,
    {"special": _special, "linalg": _linalg, "stats": _stats, "misc": _misc, "signal": _signal},
)
alias_submodules(
    f"{__name__}.stats",
    {name: getattr(_stats, name) for name in _stats.__all__},
)


def __getattr__(name: str) -> object:
    if name == "integrate":
        raise not_provided(
            "autograd.scipy.integrate (odeint: not yet written; wrap scipy's odeint with "
            "autograd.extend.primitive and defvjp)"
        )
    raise AttributeError(f"module 'autograd.scipy' has no attribute {name!r}")
