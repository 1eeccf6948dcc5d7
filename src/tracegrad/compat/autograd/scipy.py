"""``autograd.scipy``: tracegrad.scipy's special, stats, linalg; ``misc.logsumexp``;
``signal.convolve`` and ``integrate.odeint`` with autograd's signatures.

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
from tracegrad.compat.autograd import _integrate, _signal
from tracegrad.compat.autograd._alias import alias_submodules

_misc = types.ModuleType(f"{__name__}.misc", "autograd.scipy.misc: logsumexp.")
_misc.logsumexp = _special.logsumexp  # type: ignore[attr-defined]

alias_submodules(
    __name__,
    {
        "special": _special,
        "linalg": _linalg,
        "stats": _stats,
        "misc": _misc,
        "signal": _signal,
        "integrate": _integrate,
    },
)
alias_submodules(
    f"{__name__}.stats",
    {name: getattr(_stats, name) for name in _stats.__all__},
)
