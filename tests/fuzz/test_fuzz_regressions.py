"""Cases the random-program fuzz tests found, written out as plain programs (a seed would
be remapped by any change of the generator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

# Functions whose eager result is a new array; jit returned the input itself.
FRESH: dict[str, Callable[[Any], Any]] = {
    "copy": tnp.copy,
    "array": tnp.array,
    "astype_same": lambda a: a.astype(a.dtype),
    "add_zero": lambda a: a + 0.0,
    "mul_one": lambda a: a * 1,
    "positive": tnp.positive,
    "conj_of_real": tnp.conj,
}


@pytest.mark.parametrize("name", list(FRESH))
def test_jit_result_does_not_alias_the_input(name: str) -> None:
    # found: seed 2 of test_fuzz_jax (v1 = copy(v0); outputs v1, v1, v0)
    x = np.arange(3.0)
    assert not np.shares_memory(FRESH[name](x), x)  # eager: a new array
    y = tg.jit(FRESH[name])(x)
    y[0] = 99.0
    assert x[0] == 0.0, f"writing into jit({name})'s result changed its input"


def test_jit_results_do_not_share_one_buffer() -> None:
    x = np.arange(3.0)
    a, b, c = tg.jit(lambda v: (tnp.copy(v), tnp.copy(v), v))(x)
    assert not np.shares_memory(a, b)
    assert not np.shares_memory(a, x)
    # Eager returns the input itself as c; jit returns a copy (docs/jit.md: results are
    # the caller's), with the input's value.
    np.testing.assert_array_equal(c, x)


def test_jit_of_an_element_is_a_scalar_as_eager() -> None:
    x = np.arange(3.0)
    assert type(tg.jit(lambda a: a[0])(x)) is type(x[0])
