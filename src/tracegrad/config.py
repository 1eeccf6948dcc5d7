"""``tracegrad.config``: the configuration flags a JAX program sets with
``jax.config.update``, with tracegrad's meaning of each.

>>> import tracegrad as tg
>>> tg.config.update("jax_enable_x64", True)
>>> tg.config.jax_enable_x64
True
"""

from __future__ import annotations

from typing import Any

from tracegrad.backend import threads
from tracegrad.core import flags
from tracegrad.core.flags import disable_jit as disable_jit

# Each flag: its value and whether tracegrad can take a value other than its default. A
# flag tracegrad cannot honour raises at update, never silently changes nothing.
_DEFAULTS: dict[str, Any] = {
    # tracegrad computes in the dtypes NumPy gives (64-bit by default): x64 is always on.
    "jax_enable_x64": True,
    "jax_disable_jit": False,
    "jax_platforms": None,
    "jax_platform_name": None,
    "jax_default_matmul_precision": None,
    "jax_numpy_rank_promotion": "allow",
    "jax_debug_nans": False,
    "jax_debug_infs": False,
    "jax_log_compiles": False,
    # tracegrad's own: the threads of the chunked kernels (backend/threads.py); read from
    # there, since jit may run before this module is imported.
    "tracegrad_num_threads": None,
}
_ACCEPTED: dict[str, tuple[Any, ...]] = {
    "jax_enable_x64": (True, 1),
    "jax_disable_jit": (False, True, 0, 1),
    "jax_platforms": (None, "cpu", ""),
    "jax_platform_name": (None, "cpu", ""),
    "jax_numpy_rank_promotion": ("allow",),
    "jax_debug_nans": (False, 0),
    "jax_debug_infs": (False, 0),
}
_WHY = {
    "jax_enable_x64": "tracegrad always computes in 64 bits where NumPy does (float64 "
    "defaults); cast inputs to float32 to compute in 32 bits",
    "jax_platforms": "tracegrad computes with NumPy on the CPU only",
    "jax_platform_name": "tracegrad computes with NumPy on the CPU only",
    "jax_numpy_rank_promotion": "tracegrad broadcasts as NumPy does",
    "jax_debug_nans": "tracegrad does not check results for NaN",
    "jax_debug_infs": "tracegrad does not check results for inf",
}


_THREADS = "tracegrad_num_threads"


def _thread_count(value: Any) -> int:
    """The number of threads ``value`` asks for (None: the default, from the environment)."""
    if value is None:
        return threads.default_count()
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(
            f"new int config value must be None or of type int, got {value!r} of type "
            f"{type(value)}: {_THREADS} is the number of threads of jit's chunked kernels; "
            "pass an int such as 2, or None for the default (TRACEGRAD_NUM_THREADS, else "
            "OMP_NUM_THREADS, else the CPUs, at most 8)."
        )
    if value < 1:
        raise ValueError(
            f"{_THREADS} must be at least 1, got {value}: pass 1 to run every chunked kernel "
            "on the calling thread (no thread is started), or more to run its chunks on "
            "that many threads."
        )
    return value


class Config:
    """The flags: one set for the process, as JAX's (the values tracegrad accepts change
    nothing that a thread could see differently)."""

    def __init__(self) -> None:
        self.values = dict(_DEFAULTS)

    def update(self, name: str, value: Any) -> None:
        """Set flag ``name``; a value tracegrad cannot honour raises ValueError."""
        if name not in _DEFAULTS:
            raise AttributeError(f"Unrecognized config option: {name}")
        accepted = _ACCEPTED.get(name)
        if accepted is not None and value not in accepted:
            raise ValueError(f"tracegrad cannot set {name}={value!r}: {_WHY[name]}.")
        if name == _THREADS:
            threads.set_count(_thread_count(value))
            return
        self.values[name] = value
        if name == "jax_disable_jit":
            flags.PROCESS.disable_jit = bool(value)

    def read(self, name: str) -> Any:
        if name not in self.values:
            raise AttributeError(f"Unrecognized config option: {name}")
        return threads.count() if name == _THREADS else self.values[name]

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return self.read(name)
        raise AttributeError(f"'Config' object has no attribute {name!r}")


config = Config()


def update(name: str, value: Any) -> None:
    """``config.update``: set a flag."""
    config.update(name, value)


def read(name: str) -> Any:
    """``config.read``: a flag's value."""
    return config.read(name)


def __getattr__(name: str) -> Any:
    # ``tg.config.jax_enable_x64``: the module stands for JAX's Config object.
    return config.read(name) if name in _DEFAULTS else _missing(name)


def _missing(name: str) -> Any:
    raise AttributeError(f"module 'tracegrad.config' has no attribute {name!r}")
