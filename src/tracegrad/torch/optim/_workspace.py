"""Scratch arrays an optimizer keeps from step to step, so that a step allocates nothing
once warm."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
_UNFILLED = object()


class Workspace:
    """Named scratch arrays reused from step to step (grown to the largest request).

    >>> ws = Workspace()
    >>> a = ws.take("wide", (2, 3), np.float64)
    >>> a.shape, ws.take("wide", (4,), np.float64).base is a.base
    ((2, 3), True)
    """

    def __init__(self) -> None:
        self._buffers: dict[str, Array] = {}
        self._views: dict[tuple[str, tuple[int, ...], Any], Array] = {}
        self._fills: dict[str, Any] = {}

    def take(self, name: str, shape: tuple[int, ...], dtype: Any, fill: Any = None) -> Array:
        """A C-contiguous array of ``shape`` and ``dtype``, its values undefined (or, if
        ``fill`` is given, what was last written there, ``fill`` where nothing was: the
        whole buffer is filled again when ``fill`` differs from the last call's); the one
        taken before under the same ``name`` stops being valid.

        >>> ws = Workspace()
        >>> ws.take("k", (2,), np.float32, fill=1.0)[0] = 5.0
        >>> ws.take("k", (2,), np.float32, fill=1.0), ws.take("k", (3,), np.float32, fill=2.0)
        (array([5., 1.], dtype=float32), array([2., 2., 2.], dtype=float32))
        """
        key = (name, shape, dtype)
        view = self._views.get(key)
        if view is None:
            n = math.prod(shape)
            buf = self._buffers.get(name)
            if buf is None or buf.size < n or buf.dtype != dtype:
                buf = self._buffers[name] = np.empty(max(n, 1), dtype)
                self._fills.pop(name, None)
                self._views = {k: v for k, v in self._views.items() if k[0] != name}
            view = self._views[key] = buf[:n].reshape(shape)
        if fill is not None and self._fills.get(name, _UNFILLED) != fill:
            self._buffers[name].fill(fill)
            self._fills[name] = fill
        return view
