"""``tracegrad.nn``: the activations, softmax, one-hot encoding and normalisation of
``jax.nn``, with its names, signatures and (but for kinks, see ``_activations``) its
derivative conventions.

>>> import tracegrad as tg
>>> tg.nn.relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from tracegrad._lazy import lazy_names as _lazy_names
from tracegrad.core.exports import public_names as _public_names
from tracegrad.nn._activations import celu as celu
from tracegrad.nn._activations import elu as elu
from tracegrad.nn._activations import glu as glu
from tracegrad.nn._activations import hard_sigmoid as hard_sigmoid
from tracegrad.nn._activations import hard_silu as hard_silu
from tracegrad.nn._activations import hard_swish as hard_swish
from tracegrad.nn._activations import hard_tanh as hard_tanh
from tracegrad.nn._activations import identity as identity
from tracegrad.nn._activations import leaky_relu as leaky_relu
from tracegrad.nn._activations import log1mexp as log1mexp
from tracegrad.nn._activations import log_sigmoid as log_sigmoid
from tracegrad.nn._activations import logmeanexp as logmeanexp
from tracegrad.nn._activations import mish as mish
from tracegrad.nn._activations import relu6 as relu6
from tracegrad.nn._activations import selu as selu
from tracegrad.nn._activations import soft_sign as soft_sign
from tracegrad.nn._activations import sparse_plus as sparse_plus
from tracegrad.nn._activations import sparse_sigmoid as sparse_sigmoid
from tracegrad.nn._activations import squareplus as squareplus
from tracegrad.nn._activations import standardize as standardize
from tracegrad.nn._activations import swish as swish
from tracegrad.nn._activations import tanh as tanh
from tracegrad.nn._basic import gelu as gelu
from tracegrad.nn._basic import log_softmax as log_softmax
from tracegrad.nn._basic import one_hot as one_hot
from tracegrad.nn._basic import relu as relu
from tracegrad.nn._basic import sigmoid as sigmoid
from tracegrad.nn._basic import silu as silu
from tracegrad.nn._basic import softmax as softmax
from tracegrad.nn._basic import softplus as softplus
from tracegrad.scipy.special import logsumexp as logsumexp

# Lazy: the initializers draw from tg.random, which the activations do not need.
if _TYPE_CHECKING:
    from tracegrad.nn import initializers as initializers
else:
    __getattr__, __dir__ = _lazy_names(__name__, {"initializers": "tracegrad.nn.initializers"})

__all__ = _public_names(globals(), submodules=("initializers",))
