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

from tracegrad.core.exports import public_names as _public_names
from tracegrad.random.continuous import exponential as exponential
from tracegrad.random.continuous import gumbel as gumbel
from tracegrad.random.continuous import laplace as laplace
from tracegrad.random.continuous import logistic as logistic
from tracegrad.random.continuous import normal as normal
from tracegrad.random.continuous import truncated_normal as truncated_normal
from tracegrad.random.continuous import uniform as uniform
from tracegrad.random.discrete import bernoulli as bernoulli
from tracegrad.random.discrete import categorical as categorical
from tracegrad.random.discrete import choice as choice
from tracegrad.random.discrete import permutation as permutation
from tracegrad.random.discrete import rademacher as rademacher
from tracegrad.random.discrete import randint as randint
from tracegrad.random.gamma import beta as beta
from tracegrad.random.gamma import dirichlet as dirichlet
from tracegrad.random.gamma import gamma as gamma
from tracegrad.random.gamma import loggamma as loggamma
from tracegrad.random.keys import PRNGKey as PRNGKey
from tracegrad.random.keys import PRNGKeyArray as PRNGKeyArray
from tracegrad.random.keys import bits as bits
from tracegrad.random.keys import clone as clone
from tracegrad.random.keys import fold_in as fold_in
from tracegrad.random.keys import key as key
from tracegrad.random.keys import key_data as key_data
from tracegrad.random.keys import key_impl as key_impl
from tracegrad.random.keys import split as split
from tracegrad.random.keys import wrap_key_data as wrap_key_data
from tracegrad.random.multivariate import multivariate_normal as multivariate_normal
from tracegrad.random.multivariate import orthogonal as orthogonal
from tracegrad.random.poisson import poisson as poisson
from tracegrad.random.threefry import threefry2x32_p as threefry2x32_p

__all__ = _public_names(globals())
