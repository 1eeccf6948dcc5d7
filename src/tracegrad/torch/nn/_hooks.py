"""Module hooks: forward pre-hooks, forward hooks and full backward (pre-)hooks, and the
``__call__`` that runs them around ``forward``.

Backward hooks work as PyTorch's: the tensor inputs and the outputs are passed through an
identity ``torch.autograd.Function`` (``BackwardHookFunction``, so outputs show
``BackwardHookFunctionBackward``); its backward on the output side sees ``grad_output`` and
runs the pre-hooks, on the input side it sees ``grad_input`` and runs the hooks. Either may
replace the gradients it was given.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from tracegrad.torch.creation import zeros_like
from tracegrad.torch.function import Function
from tracegrad.torch.tensor import RemovableHandle, Tensor


def _add(table: dict[int, Any], hook: Any, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(table)
    if prepend:
        rest = dict(table)
        table.clear()
        table[handle.id] = hook
        table.update(rest)
    else:
        table[handle.id] = hook
    return handle


class BackwardHookFunction(Function):
    """The identity, whose backward is where a module's backward hooks run."""

    @staticmethod
    def forward(ctx: Any, state: _BackwardState, side: str, *tensors: Tensor) -> Any:
        ctx.state, ctx.side = state, side
        ctx.set_materialize_grads(False)
        # New tensors on the same data: Function.apply would detach inputs returned as they
        # are, after which marking them non-differentiable would not find them.
        outs = tuple(t.detach() for t in tensors)
        ctx.mark_non_differentiable(
            *[o for o, t in zip(outs, tensors, strict=True) if not t.requires_grad]
        )
        return outs[0] if len(outs) == 1 else outs

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        state: _BackwardState = ctx.state
        new = state.on_outputs(grads) if ctx.side == "out" else state.on_inputs(grads)
        return (None, None, *new)


class _BackwardState:
    """One call's bookkeeping: the positional inputs and the top-level outputs that are
    tensors (passed through the identity), and ``grad_output`` once backward reached it."""

    def __init__(self, module: Any, n_inputs: int) -> None:
        self.module = module
        self.size = {"in": n_inputs, "out": 0}
        self.positions: dict[str, list[int]] = {"in": [], "out": []}
        self.no_grad_inputs: dict[int, Tensor] = {}  # their grad_input is zeros, as PyTorch's
        self.grad_outputs: tuple[Any, ...] = ()

    def _full(self, side: str, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * self.size[side]
        for pos, g in zip(self.positions[side], grads, strict=True):
            full[pos] = g
        return tuple(full)

    def _picked(self, side: str, full: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(full[p] for p in self.positions[side])

    def on_outputs(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        m = self.module
        full = self._full("out", grads)
        for hook in list(m._backward_pre_hooks.values()):
            res = hook(m, full)
            if res is not None:
                full = _as_tuple(res, len(full), "backward pre hook")
        self.grad_outputs = full
        if not self.positions["in"] and m._backward_hooks:  # no input requires grad
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.",
                UserWarning,
                stacklevel=2,
            )
            none = (None,) * self.size["in"]
            for hook in list(m._backward_hooks.values()):
                res = hook(m, none, full)
                if res is not None and any(r is not None for r in _as_seq(res)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
        return self._picked("out", full)

    def on_inputs(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        m = self.module
        grad_input = tuple(
            zeros_like(self.no_grad_inputs[i]) if g is None and i in self.no_grad_inputs else g
            for i, g in enumerate(self._full("in", grads))
        )
        for hook in list(m._backward_hooks.values()):
            res = hook(m, grad_input, self.grad_outputs)
            if res is not None:
                grad_input = _as_tuple(res, self.size["in"], "backward hook")
        return self._picked("in", grad_input)


def _as_seq(res: Any) -> tuple[Any, ...]:
    return tuple(res) if isinstance(res, tuple | list) else (res,)


def _as_tuple(res: Any, n: int, what: str) -> tuple[Any, ...]:
    out = _as_seq(res)
    if len(out) != n:
        raise RuntimeError(
            f"Backward hook returned an invalid number of grad_input, got {len(out)}, but "
            f"expected {n}"
            if what == "backward hook"
            else f"Backward pre hook returned an invalid number of grad_output, got "
            f"{len(out)}, but expected {n}"
        )
    return out


def _wrap(state: _BackwardState, side: str, value: Any) -> Any:
    """``value`` (a tensor, or a tuple/list whose top-level items may be tensors) with its
    tensors passed through the identity, if any of them requires grad."""
    single = isinstance(value, Tensor)
    items = [value] if single else list(value) if isinstance(value, tuple | list) else None
    if items is None:
        return value
    idx = [i for i, v in enumerate(items) if isinstance(v, Tensor)]
    if not any(items[i].requires_grad for i in idx):
        return value
    state.positions[side], state.size[side] = idx, len(items)
    if side == "in":
        state.no_grad_inputs = {i: items[i] for i in idx if not items[i].requires_grad}
    outs = BackwardHookFunction.apply(state, side, *[items[i] for i in idx])
    outs = outs if isinstance(outs, tuple) else (outs,)
    for i, o in zip(idx, outs, strict=True):
        items[i] = o
    return items[0] if single else type(value)(items)


class HookMixin:
    """The hook tables of a ``Module`` and the ``__call__`` that runs them."""

    _forward_pre_hooks: dict[int, Any]
    _forward_pre_hooks_with_kwargs: set[int]
    _forward_hooks: dict[int, Any]
    _forward_hooks_with_kwargs: set[int]
    _backward_hooks: dict[int, Any]
    _backward_pre_hooks: dict[int, Any]
    forward: Callable[..., Any]

    def _init_hooks(self) -> None:
        for name in ("_forward_pre_hooks", "_forward_hooks"):
            object.__setattr__(self, name, {})
            object.__setattr__(self, name + "_with_kwargs", set())
        object.__setattr__(self, "_backward_hooks", {})
        object.__setattr__(self, "_backward_pre_hooks", {})

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """``hook(module, args)`` (or ``hook(module, args, kwargs)``) runs before ``forward``
        and may return replacement args (or ``(args, kwargs)``).

        >>> import tracegrad.torch as torch
        >>> m = torch.nn.Identity()
        >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        >>> m(torch.tensor([1.0]))
        tensor([2.])
        >>> h.remove(); m(torch.tensor([1.0]))
        tensor([1.])
        """
        handle = _add(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) runs
        after ``forward`` and may return a replacement output.

        >>> import tracegrad.torch as torch
        >>> m = torch.nn.Identity()
        >>> _ = m.register_forward_hook(lambda mod, args, out: out + 1)
        >>> m(torch.tensor([1.0]))
        tensor([2.])
        """
        handle = _add(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        return handle

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradient of the outputs is known and
        may return a replacement ``grad_output``."""
        return _add(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradient of the positional
        inputs is known and may return a replacement ``grad_input``.

        >>> import tracegrad.torch as torch
        >>> m = torch.nn.Linear(2, 1)
        >>> seen = []
        >>> _ = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
        >>> m(torch.ones(1, 2, requires_grad=True)).sum().backward()
        >>> [[g.shape for g in gs] for gs in seen[0]]
        [[torch.Size([1, 2])], [torch.Size([1, 1])]]
        """
        return _add(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        raise NotImplementedError(
            "tracegrad.torch: register_backward_hook (deprecated in PyTorch) is not "
            "supported; use register_full_backward_hook."
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._has_backward_hooks()):
            return self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        state = None
        if self._has_backward_hooks():
            state = _BackwardState(self, len(args))
            args = _wrap(state, "in", args)
        out = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, out)
            else:
                res = hook(self, args, out)
            if res is not None:
                out = res
        if state is not None:
            out = _wrap(state, "out", out)
        return out

    def _has_backward_hooks(self) -> bool:
        return bool(self._backward_hooks or self._backward_pre_hooks)
