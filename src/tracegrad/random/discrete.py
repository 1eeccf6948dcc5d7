"""Samplers of integers, booleans, permutations and choices, as ``jax.random`` draws them:
``randint``, ``bernoulli``, ``rademacher``, ``permutation``, ``choice``, ``categorical``."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer, get_aval
from tracegrad.random.continuous import check_shape, gumbel, shape_of, uniform_data
from tracegrad.random.keys import canonical_shape, random_bits, split_data, unwrap

Shape = Sequence[int]


def _as_array(x: Any) -> Any:
    return x if isinstance(x, Tracer) else np.asarray(x)


def _clip_to(val: Any, dtype: np.dtype[Any]) -> Any:
    """Integer ``val`` clipped to the range both its dtype and ``dtype`` hold, then cast."""
    src, dst = np.iinfo(get_aval(val).dtype), np.iinfo(dtype)
    low, high = max(src.min, dst.min), min(src.max, dst.max)
    return tnp.astype(tnp.clip(val, low, high), dtype)


def randint(key: Any, shape: Shape, minval: Any, maxval: Any, dtype: Any = None) -> Any:
    """Uniform integers in ``[minval, maxval)`` (default dtype int64, as JAX under x64).

    >>> from tracegrad.random import PRNGKey
    >>> randint(PRNGKey(0), (5,), 0, 10)
    array([5, 1, 5, 7, 3])
    """
    data, _ = unwrap(key, "randint")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"randint only accepts integer dtypes, got {dt}")
    shp = canonical_shape(shape, "randint")
    minval, maxval = _as_array(minval), _as_array(maxval)
    if dt.itemsize < 4:
        info = np.iinfo(dt)
        minval = tnp.clip(tnp.astype(minval, np.int32), int(info.min), int(info.max))
        maxval = tnp.clip(tnp.astype(maxval, np.int32), int(info.min), int(info.max) + 1)
        return tnp.astype(_randint(data, shp, minval, maxval, np.dtype(np.int32)), dt)
    return _randint(data, shp, minval, maxval, dt)


def _randint(
    data: Any, shape: tuple[int, ...], minval: Any, maxval: Any, dtype: np.dtype[Any]
) -> Any:
    with np.errstate(over="ignore"):  # unsigned arithmetic wraps, as intended
        return _randint_wrapping(data, shape, minval, maxval, dtype)


def _randint_wrapping(
    data: Any, shape: tuple[int, ...], minval: Any, maxval: Any, dtype: np.dtype[Any]
) -> Any:
    check_shape("randint", shape, shape_of(minval), shape_of(maxval))
    if get_aval(minval).dtype.kind not in "iu":
        minval = tnp.astype(minval, np.int64)
    if get_aval(maxval).dtype.kind not in "iu":
        maxval = tnp.astype(maxval, np.int64)
    top = _clip_to(np.asarray(np.iinfo(dtype).max, dtype), get_aval(maxval).dtype)
    maxval_out_of_range = maxval > top
    minval, maxval = _clip_to(minval, dtype), _clip_to(maxval, dtype)
    nbits = dtype.itemsize * 8
    unsigned = np.dtype(f"uint{nbits}")
    k1, k2 = split_data(data, (2,))
    higher, lower = random_bits(k1, nbits, shape), random_bits(k2, nbits, shape)
    one = unsigned.type(1)
    span = tnp.astype(maxval - minval, unsigned)
    span = tnp.where(maxval <= minval, one, span)
    span = tnp.where(maxval_out_of_range & (maxval > minval), span + one, span)
    # Two draws of nbits, combined as higher * 2**nbits + lower modulo span, all in nbits.
    multiplier = unsigned.type(2 ** (nbits // 2)) % span
    multiplier = (multiplier * multiplier) % span
    offset = ((higher % span) * multiplier + lower % span) % span
    return minval + tnp.astype(offset, dtype)


def bernoulli(key: Any, p: Any = 0.5, shape: Shape | None = None, mode: str = "low") -> Any:
    """Booleans, True with probability ``p`` (``mode="high"`` resolves tiny ``p`` better).

    >>> from tracegrad.random import PRNGKey
    >>> bernoulli(PRNGKey(0), 0.5, (4,))
    array([ True,  True, False, False])
    """
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    data, _ = unwrap(key, "bernoulli")
    p = _as_array(p)
    dt = get_aval(p).dtype
    if dt.kind != "f":
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dt}.")
    if shape is None:
        shp = shape_of(p)
    else:
        shp = canonical_shape(shape, "bernoulli")
        check_shape("bernoulli", shp, shape_of(p))
    if mode == "high":
        u1, u2 = uniform_data(data, (2, *shp), dt)
        return u2 * dt.type(2.0 ** -np.finfo(dt).nmant) < p - u1
    return uniform_data(data, shp, dt) < p


def rademacher(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Uniform samples of -1 and +1 (default dtype int64).

    >>> from tracegrad.random import PRNGKey
    >>> rademacher(PRNGKey(0), (4,))
    array([ 1,  1, -1, -1])
    """
    dt = np.dtype(np.int64 if dtype is None else dtype)
    draws = tnp.astype(bernoulli(key, 0.5, canonical_shape(shape, "rademacher")), dt)
    return tnp.astype(2 * draws - 1, dt)


# ---- permutations -------------------------------------------------------------------
def _shuffle(data: Any, x: Any, axis: int) -> Any:
    """JAX's shuffle: sort by fresh 32-bit keys, enough rounds that the chance of a tie
    (3 rounds per log2(size)/32) is negligible."""
    size = math.prod(get_aval(x).shape)
    rounds = math.ceil(3 * math.log(max(1, size)) / math.log(np.iinfo(np.uint32).max))
    for _ in range(rounds):
        keys = split_data(data, (2,))
        data, subkey = keys[0], keys[1]
        sort_keys = random_bits(subkey, 32, tuple(get_aval(x).shape))
        order = tnp.argsort(sort_keys, axis=axis, kind="stable")
        x = tnp.take_along_axis(x, order, axis=axis)
    return x


def permutation(key: Any, x: Any, axis: int = 0, independent: bool = False) -> Any:
    """A random permutation of ``range(x)`` (an integer ``x``) or of ``x`` along ``axis``
    (``independent``: each slice along the other axes on its own).

    >>> from tracegrad.random import PRNGKey
    >>> permutation(PRNGKey(0), 5)
    array([0, 1, 4, 3, 2])
    """
    data, _ = unwrap(key, "permutation")
    x = _as_array(x)
    aval = get_aval(x)
    if not aval.ndim:
        if aval.dtype.kind not in "iu":
            raise TypeError("x must be an integer or at least 1-dimensional")
        if isinstance(x, Tracer):
            raise TypeError(
                "argument x of jax.random.permutation() must be concrete: got a traced "
                "integer. Pass the number as a Python int (a static argument under jit)."
            )
        return _shuffle(data, np.arange(int(x)), 0)
    axis = operator.index(axis) % aval.ndim
    if independent or aval.ndim == 1:
        return _shuffle(data, x, axis)
    order = _shuffle(data, np.arange(aval.shape[axis]), 0)
    return tnp.take(x, order, axis=axis)


def choice(
    key: Any,
    a: Any,
    shape: Shape = (),
    replace: bool = True,
    p: Any = None,
    axis: int = 0,
    mode: str | None = None,
) -> Any:
    """Random draws from ``range(a)`` (an integer ``a``) or from ``a`` along ``axis``, with
    or without replacement, uniformly or with probabilities ``p``.

    >>> from tracegrad.random import PRNGKey
    >>> choice(PRNGKey(0), 10, (3,), replace=False)
    array([0, 1, 8])
    """
    data, _ = unwrap(key, "choice")
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    arr = _as_array(a)
    aval = get_aval(arr)
    if aval.ndim == 0:
        if isinstance(arr, Tracer):
            raise TypeError("choice: an integer `a` must be concrete, got a traced value.")
        n_inputs = int(arr)
    else:
        axis = operator.index(axis) % aval.ndim
        n_inputs = aval.shape[axis]
    shp = canonical_shape(shape, "choice")
    n_draws = math.prod(shp)
    if n_draws == 0:
        return np.zeros(shp, aval.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(
            f"Cannot take a larger sample (size {n_draws}) than population (size {n_inputs}) "
            "when 'replace=False'"
        )
    if p is None:
        if replace:
            ind = randint(data, shp, 0, n_inputs)
        else:
            ind = tnp.reshape(_shuffle(data, np.arange(n_inputs), 0)[:n_draws], shp)
    else:
        p_arr = _as_array(p)
        if get_aval(p_arr).dtype.kind not in "fc":
            p_arr = tnp.astype(p_arr, np.float64)
        if shape_of(p_arr) != (n_inputs,):
            raise ValueError(
                "p must be None or a 1D vector with the same size as a.shape[axis]. "
                f"p has shape {shape_of(p_arr)} and a.shape[axis] is {n_inputs}."
            )
        dt = get_aval(p_arr).dtype
        if replace:
            p_cuml = tnp.cumsum(p_arr)
            r = p_cuml[-1] * (1 - uniform_data(data, shp, dt))
            ind = tnp.astype(tnp.searchsorted(p_cuml, r), np.int64)
        else:
            g = gumbel(data, (n_inputs,), dtype=dt, mode=mode) + tnp.log(p_arr)
            top = tnp.argsort(-g, kind="stable")[:n_draws]
            ind = tnp.reshape(top, shp)
    if aval.ndim == 0:
        return ind
    return tnp.take(arr, ind, axis=axis)


def categorical(
    key: Any,
    logits: Any,
    axis: int = -1,
    shape: Shape | None = None,
    replace: bool = True,
    mode: str | None = None,
) -> Any:
    """Indices drawn with probabilities ``softmax(logits, axis)`` (the Gumbel-max trick).

    >>> from tracegrad.random import PRNGKey
    >>> categorical(PRNGKey(0), np.log(np.array([0.2, 0.3, 0.5])), shape=(4,))
    array([2, 2, 0, 1])
    """
    data, _ = unwrap(key, "categorical")
    logits = _as_array(logits)
    lshape = shape_of(logits)
    axis = operator.index(axis) % len(lshape)
    batch_shape = lshape[:axis] + lshape[axis + 1 :]
    if shape is None:
        shp = batch_shape
    else:
        shp = canonical_shape(shape, "categorical")
        check_shape("categorical", shp, batch_shape)
    dt = get_aval(logits).dtype
    dt = dt if dt.kind == "f" else np.dtype(np.float64)
    prefix = shp[: len(shp) - len(batch_shape)]
    if replace:
        noise_shape = (*prefix, *shp[len(prefix) : len(prefix) + axis], lshape[axis])
        noise_shape = (*noise_shape, *shp[len(prefix) + axis :])
        noise = gumbel(data, noise_shape, dt, mode=mode)
        expanded = tnp.reshape(logits, (1,) * len(prefix) + lshape)
        return tnp.argmax(noise + expanded, axis=len(prefix) + axis)
    k = math.prod(prefix)
    if k > lshape[axis]:
        raise ValueError(
            f"Number of samples without replacement ({k}) cannot exceed number of "
            f"categories ({lshape[axis]})."
        )
    perturbed = tnp.moveaxis(logits + gumbel(data, lshape, dt, mode=mode), axis, -1)
    top = tnp.argsort(-perturbed, axis=-1, kind="stable")[..., :k]
    return tnp.astype(tnp.reshape(tnp.moveaxis(top, -1, 0), shp), np.int32)  # as top_k's
