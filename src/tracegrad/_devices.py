"""The one device tracegrad computes on (the CPU, through NumPy), and the placement and
synchronisation calls of JAX's API, which are identities here: ``devices``,
``device_put``, ``device_get``, ``block_until_ready``."""

from __future__ import annotations

from typing import Any


class CpuDevice:
    """The CPU, the only device.

    >>> devices()
    [CpuDevice(id=0)]
    """

    id = 0
    platform = "cpu"
    device_kind = "cpu"

    def __repr__(self) -> str:
        return "CpuDevice(id=0)"


_CPU = CpuDevice()


def devices(backend: str | None = None) -> list[CpuDevice]:
    """The devices tracegrad can compute on: the CPU."""
    if backend not in (None, "cpu"):
        raise RuntimeError(
            f"Unknown backend {backend!r}: tracegrad computes with NumPy on the CPU only; "
            "use backend='cpu' or None."
        )
    return [_CPU]


def local_devices(process_index: int | None = None, backend: str | None = None) -> list[CpuDevice]:
    """Same as ``devices``: one process, one CPU."""
    return devices(backend)


def device_count(backend: str | None = None) -> int:
    """1: the CPU."""
    return len(devices(backend))


def default_backend() -> str:
    """``'cpu'``."""
    return "cpu"


def device_put(x: Any, device: Any = None, *, donate: bool = False, may_alias: Any = None) -> Any:
    """``x`` placed on ``device``: the CPU, where it already is; returned unchanged.

    >>> device_put(np.ones(2))
    array([1., 1.])
    """
    return x


def device_get(x: Any) -> Any:
    """``x`` as values on the host, where tracegrad's values always are: unchanged.

    >>> device_get({'a': np.zeros(1)})
    {'a': array([0.])}
    """
    return x


def block_until_ready(x: Any) -> Any:
    """``x``, once its computation has finished: NumPy computes eagerly, so at once.

    >>> block_until_ready(np.ones(1))
    array([1.])
    """
    return x
