"""``tracegrad.debug``: print and call back from inside transformed code, when the program
runs (under ``jit`` too), as ``jax.debug``.

>>> import tracegrad as tg
>>> @tg.jit
... def f(x):
...     tg.debug.print("x = {}", x)
...     return 2 * x
>>> _ = f(np.arange(3.0))
x = [0. 1. 2.]
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.control.callbacks import debug_callback_p, debug_print_p
from tracegrad.core import pytree

__all__ = ["callback", "print"]


def callback(
    callback: Callable[..., Any],
    *args: Any,
    ordered: bool = False,
    partitioned: bool = False,
    **kwargs: Any,
) -> None:
    """Call ``callback(*args, **kwargs)`` with NumPy values when the program runs, for its
    effect: under ``jit`` at each call, under ``vmap`` once per element, under ``grad`` once
    (on the primal values). Its return value is ignored.

    >>> import tracegrad as tg
    >>> seen = []
    >>> f = tg.jit(lambda x: tg.debug.callback(seen.append, x) or x + 1)
    >>> _ = f(1.0), f(2.0)
    >>> seen
    [array(1.), array(2.)]
    """
    del ordered, partitioned  # effects run in program order on one device
    leaves, in_tree = pytree.tree_flatten((args, kwargs))

    def flat_callback(*flat: Any) -> None:
        call_args, call_kwargs = pytree.tree_unflatten(in_tree, list(flat))
        callback(*call_args, **call_kwargs)

    debug_callback_p.bind(*leaves, callback=flat_callback)


def print(
    fmt: str, *args: Any, ordered: bool = False, partitioned: bool = False, **kwargs: Any
) -> None:
    """Print ``fmt.format(*args, **kwargs)`` with the values as NumPy arrays when the program
    runs, as ``jax.debug.print`` (NumPy's print options at the call apply).

    >>> import tracegrad as tg
    >>> tg.debug.print("{a:.2f} and {}", np.float32(1), a=np.float32(2))
    2.00 and 1.0
    """
    del ordered, partitioned
    if not isinstance(fmt, str):
        raise TypeError(
            f"expected str, got {type(fmt).__name__}: tg.debug.print takes a format string "
            f"first, e.g. tg.debug.print('x = {{}}', x), not {fmt!r}."
        )
    _check_format(fmt, len(args), kwargs)
    leaves, in_tree = pytree.tree_flatten((args, kwargs))
    options = tuple(sorted(np.get_printoptions().items()))
    debug_print_p.bind(*leaves, fmt=fmt, in_tree=in_tree, np_printoptions=options)


def _check_format(fmt: str, n_args: int, kwargs: dict[str, Any]) -> None:
    """Raise now, as ``str.format`` would when the program runs, for a field that names no
    argument (IndexError for a position, KeyError for a name)."""
    auto = 0
    for _, field, _, _ in string.Formatter().parse(fmt):
        if field is None:
            continue
        head = field.split(".")[0].split("[")[0]
        if head == "":
            head, auto = str(auto), auto + 1
        if head.isdigit():
            if int(head) >= n_args:
                raise IndexError(
                    f"Replacement index {head} out of range for positional args tuple: "
                    f"the format {fmt!r} needs more than the {n_args} positional values given."
                )
        elif head not in kwargs:
            raise KeyError(head)
