"""Under ``disable_jit()`` control flow runs as Python, as in JAX: bodies see concrete
values and their side effects happen at every iteration; traced predicates (vmap) fall
back to the staged primitives; results equal the staged runs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad import lax


def _logged(log: list[Any], f: Any) -> Any:
    def g(*args: Any) -> Any:
        log.append(args[0])
        return f(*args)

    return g


def _programs() -> dict[str, Any]:
    return {
        "scan": lambda log: lax.scan(
            _logged(log, lambda c, x: (c + x, c * x)), 0.0, np.arange(3.0)
        ),
        "scan reverse": lambda log: lax.scan(
            _logged(log, lambda c, x: (c + x, c * x)), 0.0, np.arange(3.0), reverse=True
        ),
        "while_loop": lambda log: lax.while_loop(lambda c: c < 3, _logged(log, lambda c: c + 1), 0),
        "fori_loop": lambda log: lax.fori_loop(0, 3, _logged(log, lambda i, c: c + i), 0.5),
        "cond": lambda log: lax.cond(
            True, _logged(log, lambda x: x * 2.0), _logged(log, lambda x: -x), 1.5
        ),
        "switch": lambda log: lax.switch(
            1, [_logged(log, lambda x: x), _logged(log, lambda x: x + 1.0)], 2.0
        ),
        "map": lambda log: lax.map(_logged(log, lambda x: x * 2.0), np.arange(3.0)),
    }


@pytest.mark.parametrize("name", list(_programs()))
def test_bodies_run_per_iteration_on_concrete_values(name: str):
    program = _programs()[name]
    staged_log: list[Any] = []
    staged = program(staged_log)
    log: list[Any] = []
    with tg.disable_jit():
        eager = program(log)
    expected_calls = {"cond": 1, "switch": 1, "while_loop": 3}.get(name, 3)
    assert len(log) == expected_calls
    assert not any(isinstance(v, tg.core.Tracer) for v in log)
    assert len(staged_log) >= 1 and any(isinstance(v, tg.core.Tracer) for v in staged_log)
    for a, b in zip(tg.tree.leaves(eager), tg.tree.leaves(staged), strict=True):
        np.testing.assert_array_equal(a, b)


def test_inside_jit_and_grad():
    seen: list[Any] = []

    def f(x: Any) -> Any:
        return lax.fori_loop(0, 3, lambda i, c: (seen.append(i), c * x)[1], x)

    with tg.disable_jit():
        assert tg.jit(f)(2.0) == 16.0
        assert len(seen) == 3
        assert tg.grad(f)(2.0) == 32.0  # the loop runs in Python on traced values too
        assert len(seen) == 6


def test_traced_predicates_fall_back_to_staging():
    xs = tnp.array([0.0, 2.5])
    with tg.disable_jit():
        out = tg.vmap(lambda x: lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, x))(xs)
        np.testing.assert_array_equal(out, [3.0, 3.5])
        out = tg.vmap(lambda x: lax.cond(x > 1, lambda v: v * 2, lambda v: v, x))(xs)
        np.testing.assert_array_equal(out, [0.0, 5.0])


def test_zero_length():
    with tg.disable_jit():
        with pytest.raises(ValueError, match="zero-length scan is not supported"):
            lax.scan(lambda c, x: (c, x), 0.0, np.zeros((0,)))
        assert lax.fori_loop(3, 3, lambda i, c: c + 1, 5) == 5
