"""``tracegrad.nn``: the activations, softmax, one-hot encoding and normalisation of
``jax.nn``, with its names, signatures and (but for kinks, see ``_activations``) its
derivative conventions.

>>> import tracegrad as tg
>>> tg.nn.relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from typing import TYPE_CHECKING

from tracegrad._lazy import lazy_names
from tracegrad.nn._activations import *  # noqa: F403
from tracegrad.nn._activations import __all__ as _activations_all
from tracegrad.nn._basic import *  # noqa: F403
from tracegrad.nn._basic import __all__ as _basic_all

# Lazy: the initializers draw from tg.random, which the activations do not need.
if TYPE_CHECKING:
    from tracegrad.nn import initializers as initializers
else:
    __getattr__, __dir__ = lazy_names(__name__, {"initializers": "tracegrad.nn.initializers"})

__all__ = sorted([*_basic_all, *_activations_all, "initializers"])
