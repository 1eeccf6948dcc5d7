"""``tracegrad.nn``: the activations, softmax, one-hot encoding and normalisation of
``jax.nn``, with its names, signatures and (but for kinks, see ``_activations``) its
derivative conventions.

>>> import tracegrad as tg
>>> tg.nn.relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from tracegrad.nn._activations import *  # noqa: F403
from tracegrad.nn._activations import __all__ as _activations_all
from tracegrad.nn._basic import *  # noqa: F403
from tracegrad.nn._basic import __all__ as _basic_all

__all__ = sorted([*_basic_all, *_activations_all])
