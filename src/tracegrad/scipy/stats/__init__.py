"""``tracegrad.scipy.stats``: probability distributions with the names, signatures and edge
conventions of ``jax.scipy.stats``, composed from ``tracegrad.numpy`` and
``tracegrad.scipy.special`` (so every function is differentiable to any order)."""

from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy.stats import bernoulli as bernoulli
from tracegrad.scipy.stats import beta as beta
from tracegrad.scipy.stats import binom as binom
from tracegrad.scipy.stats import cauchy as cauchy
from tracegrad.scipy.stats import chi2 as chi2
from tracegrad.scipy.stats import dirichlet as dirichlet
from tracegrad.scipy.stats import expon as expon
from tracegrad.scipy.stats import gamma as gamma
from tracegrad.scipy.stats import geom as geom
from tracegrad.scipy.stats import laplace as laplace
from tracegrad.scipy.stats import logistic as logistic
from tracegrad.scipy.stats import multivariate_normal as multivariate_normal
from tracegrad.scipy.stats import nbinom as nbinom
from tracegrad.scipy.stats import norm as norm
from tracegrad.scipy.stats import pareto as pareto
from tracegrad.scipy.stats import poisson as poisson
from tracegrad.scipy.stats import t as t
from tracegrad.scipy.stats import truncnorm as truncnorm
from tracegrad.scipy.stats import uniform as uniform

__all__ = _public_names(globals(), modules=True)
