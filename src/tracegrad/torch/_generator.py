"""``torch.Generator``: PyTorch's CPU generator, a 32-bit Mersenne Twister (mt19937) seeded as
PyTorch seeds it, so a seeded script draws the same bits as PyTorch on the CPU.

The twister itself is NumPy's ``MT19937`` bit generator (its ``random_raw`` gives the raw
32-bit outputs); this module seeds it PyTorch's way (``init_genrand`` of the low 32 bits of
the seed), keeps PyTorch's cached normal sample, and reads and writes the state in
PyTorch's 5056-byte layout (``get_state``/``set_state``). The transforms from bits to
numbers are in ``_random``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from tracegrad.torch.tensor import Tensor, device, wrap

_N = 624
_STATE_BYTES = 5056
_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
# Offsets in PyTorch's CPUGeneratorImplState: the_initial_seed u64, left i32, seeded i32,
# next u64, state u64[624], normal_x/normal_y/normal_rho f64, normal_is_valid i32 (+4),
# next_float_normal_sample f32, is_next_float_normal_sample_valid u8 (+3).
_LEFT, _NEXT, _KEY, _NORMAL_Y, _NORMAL_VALID, _FLOAT, _FLOAT_VALID = (
    8, 16, 24, 5024, 5040, 5048, 5052,
)  # fmt: skip


def _genrand_key(seed: int) -> np.ndarray[Any, np.dtype[np.uint32]]:
    """mt19937's ``init_genrand`` of the low 32 bits of ``seed`` (as PyTorch seeds it)."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for i in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF
        key[i] = x
    return key


def _seed_value(seed: Any) -> int:
    s = int(seed)
    if not -(2**63) <= s < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return s % 2**64


class Generator:
    """A random number generator with PyTorch's CPU stream (``torch.Generator``).

    >>> import tracegrad.torch as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(3, generator=g)
    tensor([0.4963, 0.7682, 0.0885])
    >>> g.initial_seed()
    0
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._device = _cpu(device)
        self._initial_seed = _DEFAULT_SEED
        self._engine: Any = None  # made on first draw: importing numpy.random costs ~10 ms
        self._fresh = True  # no draw since seeding (PyTorch's ``next`` is then 0)
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None

    @property
    def device(self) -> device:
        return self._device

    def manual_seed(self, seed: Any) -> Generator:
        """Seed the generator; returns it."""
        self._initial_seed = _seed_value(seed)
        self._engine = None
        self._fresh = True
        self.next_double_normal = None
        self.next_float_normal = None
        return self

    def seed(self) -> int:
        """Seed from fresh entropy; returns the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._initial_seed

    def _bits(self) -> Any:
        if self._engine is None:
            engine = np.random.MT19937()
            key = _genrand_key(self._initial_seed)
            engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N}}
            self._engine = engine
        self._fresh = False
        return self._engine

    def random32(self, n: int) -> np.ndarray[Any, np.dtype[np.uint64]]:
        """``n`` 32-bit outputs (PyTorch's ``random()``), as uint64."""
        out: np.ndarray[Any, np.dtype[np.uint64]] = self._bits().random_raw(n)
        return out

    def random64(self, n: int) -> np.ndarray[Any, np.dtype[np.uint64]]:
        """``n`` 64-bit outputs (PyTorch's ``random64()``: first draw high, second low)."""
        r = self.random32(2 * n).reshape(n, 2)
        out: np.ndarray[Any, np.dtype[np.uint64]] = (r[:, 0] << np.uint64(32)) | r[:, 1]
        return out

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor in PyTorch's layout (5056 bytes)."""
        buf = np.zeros(_STATE_BYTES, dtype=np.uint8)
        if self._engine is None:
            key, pos = _genrand_key(self._initial_seed), _N
        else:
            st = self._engine.state["state"]
            key, pos = st["key"], int(st["pos"])
        nxt = 0 if self._fresh else pos
        left = 1 if pos == _N else _N + 1 - pos
        buf[:8] = np.frombuffer(np.uint64(self._initial_seed).tobytes(), np.uint8)
        buf[_LEFT : _LEFT + 8] = np.array([left, 1], "<i4").view(np.uint8)
        buf[_NEXT : _NEXT + 8] = np.array([nxt], "<u8").view(np.uint8)
        buf[_KEY : _KEY + 8 * _N] = key.astype("<u8").view(np.uint8)
        if self.next_double_normal is not None:
            buf[_NORMAL_Y : _NORMAL_Y + 8] = np.array([self.next_double_normal], "<f8").view(
                np.uint8
            )
            buf[_NORMAL_VALID] = 1
        if self.next_float_normal is not None:
            buf[_FLOAT : _FLOAT + 4] = np.array([self.next_float_normal], "<f4").view(np.uint8)
            buf[_FLOAT_VALID] = 1
        return wrap(buf)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state`` (PyTorch's layout); returns the generator."""
        raw = new_state._value if isinstance(new_state, Tensor) else None
        if raw is None or raw.dtype != np.uint8:
            raise TypeError(
                "RNG state must be a torch.ByteTensor: pass the tensor that get_state() or "
                "torch.get_rng_state() returned"
            )
        if raw.size != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input "
                f"RNG state size to be {raw.size}"
            )
        b = np.ascontiguousarray(raw).tobytes()

        def field(offset: int, fmt: str) -> Any:
            return np.frombuffer(b, fmt, count=1, offset=offset)[0]

        self._initial_seed = int(field(0, "<u8"))
        left, nxt = int(field(_LEFT, "<i4")), int(field(_NEXT, "<u8"))
        key = np.frombuffer(b, "<u8", count=_N, offset=_KEY).astype(np.uint32)
        pos = _N if left == 1 else nxt
        self._engine = np.random.MT19937()
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._fresh = nxt == 0 and left == 1
        valid = field(_NORMAL_VALID, "<i4") != 0
        self.next_double_normal = float(field(_NORMAL_Y, "<f8")) if valid else None
        fvalid = b[_FLOAT_VALID] != 0
        self.next_float_normal = float(field(_FLOAT, "<f4")) if fvalid else None
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"


def _cpu(dev: Any) -> device:
    return device(str(dev))  # anything but the CPU raises


default_generator = Generator()
default_generator.manual_seed(int.from_bytes(os.urandom(8), "little"))


def resolve(generator: Generator | None) -> Generator:
    """The generator to draw from: ``generator`` or the default one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"expected a torch.Generator for 'generator', but got {type(generator).__name__}"
        )
    return generator


def manual_seed(seed: Any) -> Generator:
    """Seed the default generator (PyTorch's CPU stream); returns it.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.rand(2)
    tensor([0.4963, 0.7682])
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy; returns the seed.

    >>> import tracegrad.torch as torch
    >>> s = torch.seed()
    >>> torch.initial_seed() == s
    True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(3)
    >>> torch.initial_seed()
    3
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (a uint8 tensor in PyTorch's layout).

    >>> import tracegrad.torch as torch
    >>> s = torch.get_rng_state()
    >>> a = torch.rand(2)
    >>> torch.set_rng_state(s)
    >>> torch.equal(torch.rand(2), a)
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)
