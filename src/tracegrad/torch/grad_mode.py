"""Grad mode, per thread: whether operations on tensors are recorded for backward, and the
``no_grad`` / ``enable_grad`` / ``set_grad_enabled`` / ``inference_mode`` switches (context
managers and decorators, as in PyTorch)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    enabled: bool = True
    # The tensor an in-place operation is about to overwrite, while it records its node
    # (see ``graph.record``).
    writing: Any = None


STATE = _GradState()
"""``STATE.enabled`` is read on every operation; a new thread starts with grad mode on."""


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backward in this thread.

    >>> is_grad_enabled()
    True
    """
    return STATE.enabled


def _set(mode: bool) -> None:
    STATE.enabled = mode


class _ModeContext:
    """A context manager that sets grad mode to ``self.mode`` and restores it on exit; used
    as a decorator, it runs each call of the function in that mode."""

    mode: bool = True

    def __init__(self) -> None:
        self.prev: list[bool] = []

    def __enter__(self) -> None:
        self.prev.append(STATE.enabled)
        STATE.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self.prev.pop()

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            prev = STATE.enabled
            STATE.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return run  # type: ignore[return-value]

    def clone(self) -> _ModeContext:
        return type(self)()


class no_grad(_ModeContext):
    """Operations in the block (or in calls of the decorated function) are not recorded.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        # Also usable bare, as ``@torch.no_grad`` without parentheses.
        self = super().__new__(cls)
        if orig_func is None:
            return self
        self.__init__()  # type: ignore[misc]
        return self(orig_func)


class enable_grad(_ModeContext):
    """Operations in the block are recorded, even inside ``no_grad``.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.no_grad():
    ...     with torch.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    mode = True

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if orig_func is None:
            return self
        self.__init__()  # type: ignore[misc]
        return self(orig_func)


class set_grad_enabled(_ModeContext):
    """Set grad mode to ``mode`` now (as a function) or for a block (as a context manager).

    >>> import tracegrad.torch as torch
    >>> with torch.set_grad_enabled(False):
    ...     torch.is_grad_enabled()
    False
    >>> torch.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self.prev_at_call = STATE.enabled
        STATE.enabled = self.mode

    def __enter__(self) -> None:
        # The mode was set by __init__; remember what to restore.
        self.prev.append(self.prev_at_call)

    def __call__(self, fn: F) -> F:
        # Used as a decorator: __init__ must not have changed the mode of the caller.
        STATE.enabled = self.prev_at_call
        return super().__call__(fn)

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self.mode)


class inference_mode(_ModeContext):
    """As ``no_grad``; ``inference_mode(False)`` leaves grad mode as it is. Tensors made
    inside are ordinary tensors: unlike PyTorch's, they may be used in recorded code later.

    >>> import tracegrad.torch as torch
    >>> with torch.inference_mode():
    ...     torch.is_grad_enabled()
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):
            self.__init__()  # type: ignore[misc]
            return self(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        super().__init__()
        self.active = bool(mode)

    def __enter__(self) -> None:
        self.prev.append(STATE.enabled)
        if self.active:
            STATE.enabled = False

    def __call__(self, fn: F) -> F:
        if not self.active:
            return fn
        self.mode = False
        return super().__call__(fn)


def is_inference_mode_enabled() -> bool:
    """Always False: inference mode is plain no_grad here.

    >>> is_inference_mode_enabled()
    False
    """
    return False
