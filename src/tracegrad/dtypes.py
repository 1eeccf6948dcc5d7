"""``tracegrad.dtypes``: the scalar types of extended dtypes (typed PRNG keys) and an
``issubdtype`` that knows them, as ``jax.dtypes``.

>>> import tracegrad as tg
>>> k = tg.random.key(0)
>>> issubdtype(k.dtype, prng_key), issubdtype(np.float32, prng_key)
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np

finfo = np.finfo
iinfo = np.iinfo


class extended(np.generic):
    """The scalar type of every extended dtype (not a NumPy dtype), as
    ``jax.dtypes.extended``."""


class prng_key(extended):
    """The scalar type of typed PRNG keys' dtype (``key<fry>``), as
    ``jax.dtypes.prng_key``."""


def _extended_type(x: Any) -> type | None:
    """The scalar type of an extended dtype or scalar type, else None."""
    if isinstance(x, type):
        return x if issubclass(x, extended) else None
    t = getattr(x, "type", None)
    return t if isinstance(t, type) and issubclass(t, extended) else None


def issubdtype(arg1: Any, arg2: Any) -> bool:
    """``numpy.issubdtype``, also for extended dtypes: a typed key's dtype is a sub-dtype
    of ``prng_key`` and ``extended``, and of no NumPy type.

    >>> issubdtype(np.float32, np.floating)
    True
    """
    ext1, ext2 = _extended_type(arg1), _extended_type(arg2)
    if ext1 is None and ext2 is None:
        return bool(np.issubdtype(arg1, arg2))
    if ext1 is None:
        return False
    target = arg2 if isinstance(arg2, type) else ext2
    return target is not None and issubclass(ext1, target)


__all__ = ["extended", "finfo", "iinfo", "issubdtype", "prng_key"]
