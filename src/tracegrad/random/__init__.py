"""``tracegrad.random``: JAX's PRNG, bit for bit. Keys, splitting and bits are the
threefry2x32 counter-based generator (``threefry2x32_p``, a primitive); every sampler is
built from ``tracegrad.numpy`` on those bits, with JAX's algorithms, so it runs under
``jit``, ``vmap`` (over keys) and ``grad`` like any other code. See docs/random.md.

>>> import tracegrad.random as tr
>>> key = tr.PRNGKey(0)
>>> key, subkey = tr.split(key)
>>> tr.randint(subkey, (3,), 0, 100)
array([..., ..., ...])
>>> tr.normal(subkey, (2,), np.float32).dtype
dtype('float32')
"""

from __future__ import annotations

from tracegrad.random.continuous import (
    exponential,
    gumbel,
    laplace,
    logistic,
    normal,
    truncated_normal,
    uniform,
)
from tracegrad.random.discrete import (
    bernoulli,
    categorical,
    choice,
    permutation,
    rademacher,
    randint,
)
from tracegrad.random.gamma import beta, dirichlet, gamma, loggamma
from tracegrad.random.keys import (
    PRNGKey,
    PRNGKeyArray,
    bits,
    clone,
    fold_in,
    key,
    key_data,
    key_impl,
    split,
    wrap_key_data,
)
from tracegrad.random.multivariate import multivariate_normal, orthogonal
from tracegrad.random.poisson import poisson
from tracegrad.random.threefry import threefry2x32_p

__all__ = [
    "PRNGKey",
    "PRNGKeyArray",
    "bernoulli",
    "beta",
    "bits",
    "categorical",
    "choice",
    "clone",
    "dirichlet",
    "exponential",
    "fold_in",
    "gamma",
    "gumbel",
    "key",
    "key_data",
    "key_impl",
    "laplace",
    "loggamma",
    "logistic",
    "multivariate_normal",
    "normal",
    "orthogonal",
    "permutation",
    "poisson",
    "rademacher",
    "randint",
    "split",
    "threefry2x32_p",
    "truncated_normal",
    "uniform",
    "wrap_key_data",
]
