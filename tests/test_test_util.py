"""``tracegrad.test_util.check_grads``: pytree arguments, integer outputs, and that it
catches a wrong derivative."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from tracegrad.test_util import check_grads


def test_pytree_arguments_and_integer_outputs() -> None:
    params = (np.array([0.5, -1.0]), {"w": np.array([[1.5], [0.3], [2.0]])})
    check_grads(lambda p: tnp.sum(tnp.sin(p[0]) * p[1]["w"]), (params,), order=2)
    check_grads(lambda x: (tnp.tanh(x), x > 0, tnp.argmax(x)), (np.array([0.2, 0.7]),), order=1)


def test_a_wrong_derivative_is_caught_through_a_pytree() -> None:
    @tg.custom_jvp
    def bad_sin(x: Any) -> Any:
        return tnp.sin(x)

    @bad_sin.defjvp
    def bad_sin_jvp(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        return tnp.sin(x), tnp.sin(x) * t  # should be cos(x) * t

    with pytest.raises(AssertionError):
        check_grads(lambda p: tnp.sum(bad_sin(p["x"])), ({"x": np.array([0.3, 1.1])},), order=1)
