"""Special-function primitives of ``jax.lax``: ``polygamma``, ``zeta``, ``bessel_i0e``,
``bessel_i1e`` and ``igamma_grad_a``. Like JAX's, they take arrays of one floating dtype
(no promotion); ``tracegrad.scipy.special`` has the promoting front ends."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from tracegrad.core import Tracer
from tracegrad.ops import special as sp
from tracegrad.ops.special_igamma import igamma_grad_a
from tracegrad.ops.special_zeta_bessel import bessel_i0e, bessel_i1e, zeta

__all__ = ["bessel_i0e", "bessel_i1e", "igamma_grad_a", "polygamma", "zeta"]


def polygamma(m: Any, x: Any) -> Any:
    """The ``m``-th derivative of digamma at ``x``; ``m`` is one concrete non-negative
    integer (JAX also takes an array of orders).

    >>> polygamma(1, np.array([1.0, 2.0]))
    array([1.64493407, 0.64493407])
    """
    if isinstance(m, Tracer) or np.ndim(m) != 0:
        raise NotImplementedError(
            f"tracegrad.lax.polygamma: the order m must be one concrete integer, got {m!r}."
        )
    return sp.polygamma(operator.index(int(m)), x)
