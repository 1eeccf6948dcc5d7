"""PRNG keys as JAX has them: raw ``uint32[..., 2]`` keys (``PRNGKey``) and typed keys
(``key``, a pytree over the same data), seeding, ``split``, ``fold_in`` and ``bits``, with
JAX's default threefry2x32 implementation and its partitionable counter scheme."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer, get_aval
from tracegrad.core.pytree import register_pytree_node
from tracegrad.dtypes import prng_key
from tracegrad.random.threefry import iota_2x32, threefry2x32

Shape = Sequence[int]


class KeyDType:
    """The dtype of typed keys, printed as JAX prints it (``key<fry>``): an extended dtype
    whose scalar type is ``tracegrad.dtypes.prng_key``, not a NumPy dtype.

    >>> import tracegrad.numpy as tnp, tracegrad.dtypes as dtypes
    >>> tnp.issubdtype(KEY_DTYPE, dtypes.prng_key), KEY_DTYPE.itemsize
    (True, 8)
    """

    name = "key<fry>"
    type = prng_key
    itemsize = 8  # two uint32 words
    _impl = "fry"

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyDType)

    def __hash__(self) -> int:
        return hash(self.name)


KEY_DTYPE = KeyDType()


class PRNGKeyArray:
    """An array of typed threefry2x32 keys: ``shape`` is the array of keys, each key being a
    pair of ``uint32`` words (``key_data``). A pytree with the key data as its one leaf, so
    it passes through ``jit``, ``vmap``, ``scan`` and ``grad`` as the data does.

    >>> k = PRNGKeyArray(np.zeros((3, 2), np.uint32))
    >>> k.shape, k[0].shape, k.dtype
    ((3,), (), key<fry>)
    """

    __slots__ = ("_data",)

    def __init__(self, data: Any) -> None:
        self._data = data

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(get_aval(self._data).shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype(self) -> KeyDType:
        return KEY_DTYPE

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self) -> Iterator[PRNGKeyArray]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index: Any) -> PRNGKeyArray:
        index = index if isinstance(index, tuple) else (index,)
        full = (*index, slice(None))  # every key keeps its two words (an Ellipsis stops short)
        return PRNGKeyArray(self._data[full])

    @property
    def T(self) -> PRNGKeyArray:
        axes = (*reversed(range(self.ndim)), self.ndim)
        return PRNGKeyArray(tnp.transpose(self._data, axes))

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return tnp.all(self._data == other._data, axis=-1)

    def __ne__(self, other: object) -> Any:
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return tnp.any(self._data != other._data, axis=-1)

    __hash__ = None  # type: ignore[assignment]  # unhashable, as arrays are

    def reshape(self, *shape: Any) -> PRNGKeyArray:
        new = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        return PRNGKeyArray(tnp.reshape(self._data, (*new, 2)))

    def __repr__(self) -> str:
        return f"Array({self.shape}, dtype={self.dtype}) overlaying:\n{self._data}"


register_pytree_node(
    PRNGKeyArray,
    lambda k: ((k._data,), None),
    lambda _, children: PRNGKeyArray(next(iter(children))),
)


# ---- keys in and out ---------------------------------------------------------------
def unwrap(key: Any, name: str, *, allow_batched: bool = False) -> tuple[Any, bool]:
    """The ``uint32[..., 2]`` data of ``key`` (typed or raw) and whether it was typed,
    refusing anything that is not a threefry2x32 key as JAX does."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._data, True
    elif isinstance(key, (Tracer, np.ndarray, list, tuple)):
        data, typed = key if isinstance(key, Tracer) else np.asarray(key), False
        aval = get_aval(data)
        if aval.dtype != np.uint32 or aval.shape[-1:] != (2,):
            raise TypeError(
                f"JAX encountered invalid PRNG key data: expected key_data.dtype = uint32 "
                f"and key_data.shape[-1] = 2; got dtype={aval.dtype.name} and "
                f"shape={aval.shape}. Make keys with tracegrad.random.PRNGKey(seed) or "
                "tracegrad.random.key(seed)."
            )
    else:
        raise TypeError(f"unexpected PRNG key type {type(key)}")
    ndim = get_aval(data).ndim - 1
    if ndim and not allow_batched:
        raise ValueError(
            f"{name} accepts a single key, but was given a key array of shape "
            f"{tuple(get_aval(data).shape[:-1])} != (). Use jax.vmap for batching."
        )
    return data, typed


def rewrap(data: Any, typed: bool) -> Any:
    """Keys in the flavour they came in: typed keys stay typed, raw keys stay raw."""
    return PRNGKeyArray(data) if typed else data


def _seed_data(seed: Any) -> Any:
    """JAX's seeding (as under ``jax_enable_x64``): a 64-bit seed's two words, high word
    first; a seed of 32 bits or fewer has a zero high word."""
    if isinstance(seed, PRNGKeyArray):
        raise TypeError("key accepts a scalar seed, but was given a PRNG key.")
    if isinstance(seed, bool) or (isinstance(seed, int) and not -(2**63) <= seed < 2**63):
        if isinstance(seed, bool):
            raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
        raise OverflowError("Python int too large to convert to C long")
    seed = seed if isinstance(seed, Tracer) else np.asarray(seed)
    aval = get_aval(seed)
    if aval.shape:
        raise TypeError(
            f"PRNGKey accepts a scalar seed, but was given an array of shape {aval.shape} "
            "!= (). Use jax.vmap for batching"
        )
    if aval.dtype.kind not in "iu":
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    if aval.dtype.itemsize < 8:
        return tnp.stack([np.uint32(0), tnp.astype(seed, np.uint32)])
    bits = tnp.astype(seed, np.uint64)
    high = tnp.astype(bits // np.uint64(2**32), np.uint32)
    return tnp.stack([high, tnp.astype(bits, np.uint32)])


def PRNGKey(seed: Any) -> Any:
    """A raw key, ``uint32[2]``, from an integer seed (JAX's legacy keys, its default).

    >>> PRNGKey(0), PRNGKey(2**32 + 5)
    (array([0, 0], dtype=uint32), array([1, 5], dtype=uint32))
    """
    return _seed_data(seed)


def key(seed: Any, *, impl: Any = None) -> PRNGKeyArray:
    """A typed key (shape ``()``, dtype ``key<fry>``) from an integer seed.

    >>> key(0)
    Array((), dtype=key<fry>) overlaying:
    [0 0]
    """
    _check_impl(impl)
    return PRNGKeyArray(_seed_data(seed))


def _check_impl(impl: Any) -> None:
    if impl not in (None, "threefry2x32"):
        raise ValueError(
            f"unrecognized PRNG implementation {impl!r}. tracegrad.random implements "
            "'threefry2x32' only (JAX's default)."
        )


def key_impl(keys: Any) -> str:
    """The name of the PRNG implementation of ``keys`` (typed or raw): always
    ``'threefry2x32'`` here, JAX's default.

    >>> key_impl(key(0))
    'threefry2x32'
    """
    unwrap(keys, "key_impl", allow_batched=True)
    return "threefry2x32"


def clone(key: Any) -> Any:
    """``key`` itself: keys are immutable here, so a clone is the same key (JAX's
    ``clone`` matters only for its mutable-array tracking).

    >>> clone(PRNGKey(3))
    array([0, 3], dtype=uint32)
    """
    return key


def key_data(keys: Any) -> Any:
    """The ``uint32[..., 2]`` data under typed keys (raw keys are returned as they are).

    >>> key_data(key(42))
    array([ 0, 42], dtype=uint32)
    """
    return unwrap(keys, "key_data", allow_batched=True)[0]


def wrap_key_data(key_bits_array: Any, *, impl: Any = None) -> PRNGKeyArray:
    """Typed keys over ``uint32[..., 2]`` key data: the inverse of ``key_data``.

    >>> wrap_key_data(np.array([[0, 1], [2, 3]], np.uint32)).shape
    (2,)
    """
    _check_impl(impl)
    return PRNGKeyArray(unwrap(key_bits_array, "wrap_key_data", allow_batched=True)[0])


# ---- split, fold_in, bits -------------------------------------------------------------
def split_data(data: Any, shape: tuple[int, ...]) -> Any:
    """``shape`` new keys' data from one key's data (JAX's partitionable scheme: key ``i``
    is the hash of the 64-bit counter ``i``)."""
    b1, b2 = threefry2x32(data[0], data[1], *iota_2x32(shape))
    return tnp.stack([b1, b2], axis=-1)


def split(key: Any, num: int | Shape = 2) -> Any:
    """Split a key into ``num`` new keys (``num`` may be a shape), along a new leading axis.

    >>> split(PRNGKey(0))
    array([[1797259609, 2579123966],
           [ 928981903, 3453687069]], dtype=uint32)
    """
    data, typed = unwrap(key, "split")
    shape = tuple(map(operator.index, num)) if isinstance(num, Sequence) else (operator.index(num),)
    return rewrap(split_data(data, shape), typed)


def fold_in(key: Any, data: Any) -> Any:
    """A new key that depends on ``key`` and the 32-bit integer ``data``.

    >>> fold_in(PRNGKey(0), 1)
    array([ 928981903, 3453687069], dtype=uint32)
    """
    key_words, typed = unwrap(key, "fold_in")
    if np.ndim(data) if not isinstance(data, Tracer) else get_aval(data).ndim:
        raise TypeError(
            "fold_in accepts a scalar, but was given an array of shape "
            f"{np.shape(data)} != (). Use jax.vmap for batching."
        )
    word = tnp.astype(data if isinstance(data, Tracer) else np.asarray(data), np.uint32)
    b1, b2 = threefry2x32(key_words[0], key_words[1], np.uint32(0), word)
    return rewrap(tnp.stack([b1, b2]), typed)


_UINT = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def random_bits(data: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    """``bit_width`` random bits per position of ``shape`` from one key's data, as unsigned
    integers (JAX's partitionable scheme: the two hash words are xor-ed, or joined for 64
    bits)."""
    b1, b2 = threefry2x32(data[0], data[1], *iota_2x32(shape))
    if bit_width == 64:
        return tnp.astype(b1, np.uint64) * np.uint64(2**32) | tnp.astype(b2, np.uint64)
    out = b1 ^ b2
    return out if bit_width == 32 else tnp.astype(out, _UINT[bit_width])


def canonical_shape(shape: Any, name: str) -> tuple[int, ...]:
    """``shape`` as a tuple of ints (an int is a 1-d shape), with JAX's error otherwise."""
    try:
        return (
            tuple(map(operator.index, shape))
            if isinstance(shape, Sequence)
            else (operator.index(shape),)
        )
    except TypeError:
        raise TypeError(
            f"Shapes must be 1D sequences of concrete values of integer type, got {shape!r} "
            f"in {name}."
        ) from None


def bits(key: Any, shape: Shape = (), dtype: Any = None) -> Any:
    """Uniformly random unsigned integers (default ``uint64``, as JAX under x64).

    >>> bits(PRNGKey(0), (3,), np.uint32)
    array([4070199207, 4202968722, 1427181096], dtype=uint32)
    """
    data, _ = unwrap(key, "bits")
    dt = np.dtype(np.uint64 if dtype is None else dtype)
    if dt.kind != "u":
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dt}")
    return random_bits(data, dt.itemsize * 8, canonical_shape(shape, "bits"))
