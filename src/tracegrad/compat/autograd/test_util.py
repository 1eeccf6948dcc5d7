"""``autograd.test_util``: ``check_grads`` (autograd's argument order) and ``combo_check``.

``check_grads(f, argnum=0, modes=["fwd", "rev"], order=2)(*args)`` compares forward and
reverse derivatives of ``f`` in ``args[argnum]`` with central finite differences, to
``order``, through ``tracegrad.test_util.check_grads``.

>>> import tracegrad.numpy as tnp
>>> check_grads(tnp.sin)(np.array([0.3, 1.2]))
>>> combo_check(tnp.sum, [0])([np.ones((2, 3))], axis=[None, 0, 1])
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.compat.autograd._operators import nary
from tracegrad.test_util import check_grads as _check_grads

__all__ = ["check_grads", "combo_check"]


@nary
def check_grads(
    f: Callable[..., Any], x: Any, modes: Sequence[str] = ("fwd", "rev"), order: int = 2
) -> None:
    """Raise AssertionError where a derivative of ``f`` at ``x`` disagrees with numerics."""
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad:
        raise ValueError(f"modes must be 'fwd' and/or 'rev', got {list(modes)!r}")
    _check_grads(f, (x,), order=order, modes=modes)


def combo_check(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., None]:
    """``check_grads(fun, *args, **kwargs)`` at every combination of the values given."""

    def run(*arg_values: Sequence[Any], **kwarg_values: Sequence[Any]) -> None:
        keyed = [[(k, v) for v in vs] for k, vs in kwarg_values.items()]
        for call_args in itertools.product(*arg_values):
            for call_kwargs in itertools.product(*keyed):
                check_grads(fun, *args, **kwargs)(*call_args, **dict(call_kwargs))

    return run
