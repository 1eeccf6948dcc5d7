"""``torch.autograd.Function``: user-defined operations whose ``backward`` is user code.

The context object is the node itself (as in PyTorch, ``type(y.grad_fn).__name__`` is
``MyFnBackward`` and ``y.grad_fn.k`` reads what ``forward`` stored on ``ctx``). A node of
this kind has a ``FunctionPlan`` whose ``run`` is None: the engine then calls the node's
``run_backward`` instead of a staged vjp. ``backward`` receives tensors; it may use NumPy
freely, and when it is written in torch operations under ``create_graph`` it is recorded
like any other code, so it can be differentiated again.

A function with several outputs gives each output its own ``OutputNode`` (same class name)
that forwards its gradient, tagged with the output's position, to the shared context node:
the engine's edges carry no output number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core.dtypes import is_inexact
from tracegrad.torch import grad_mode
from tracegrad.torch.autograd import SECOND_BACKWARD
from tracegrad.torch.graph import GradFn
from tracegrad.torch.tensor import Tensor, wrap


class FunctionPlan:
    """What the engine reads from a node's plan, for a node that runs user code."""

    __slots__ = ("diff_idx", "error", "run", "saved_meta", "saves_tensors")
    fuse = 0  # never part of a backward chain (torch/_fused.py)

    def __init__(self, diff_idx: tuple[int, ...]) -> None:
        self.diff_idx = diff_idx
        self.error: Exception | None = None
        self.run: Callable[..., Any] | None = None  # None: call node.run_backward
        self.saved_meta: tuple[bool, ...] = ()
        self.saves_tensors = False  # the saved tensors are checked when they are read


class _Slots:
    """Gradients of some outputs of a multi-output function, by position; ``+`` merges."""

    __slots__ = ("grads",)
    __array_ufunc__ = None

    def __init__(self, grads: dict[int, Any]) -> None:
        self.grads = grads

    def __add__(self, other: _Slots) -> _Slots:
        merged = dict(self.grads)
        for k, g in other.grads.items():
            prev = merged.get(k)
            merged[k] = g if prev is None else prev + g
        return _Slots(merged)


class FunctionCtx(GradFn):
    """The ``ctx`` of a Function and the ``grad_fn`` of its outputs."""

    _function: type[Function]
    input_shapes: list[tuple[int, ...]]
    input_dtypes: list[Any]

    def __init__(self) -> None:
        super().__init__(FunctionPlan(()), (), ())  # type: ignore[arg-type]
        self.to_save: tuple[Any, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self.non_differentiable: set[int] = set()
        self.dirty_tensors: set[int] = set()
        self.outputs: list[Tensor | None] = []

    # ---- the ctx API -------------------------------------------------------------------------

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self.freed:
            raise RuntimeError(SECOND_BACKWARD)
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self.non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Tensor) -> None:
        self.dirty_tensors.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    # ---- the node ----------------------------------------------------------------------------

    def free(self) -> None:
        self.freed = True
        self.to_save = ()

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        edges = GradFn.next_functions.fget(self)  # type: ignore[attr-defined]
        return tuple(e for e, d in zip(edges, self.input_dtypes, strict=True) if d is not None)

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    def run_backward(
        self, ct: Any, create_graph: bool, wants: Callable[[Any], bool], shared: set[int]
    ) -> list[Any]:
        """Call the user's backward on tensors; the gradients of the inputs in diff_idx."""
        slots = ct.grads if isinstance(ct, _Slots) else {0: ct}
        grads_out = []
        for k, out in enumerate(self.outputs):
            g = slots.get(k)
            if g is None and self.materialize_grads and out is not None:
                g = np.zeros(out._value.shape, out._value.dtype)
            if g is not None and not isinstance(g, Tensor):
                g = wrap(g)
            grads_out.append(g)
        result = self._function.backward(self, *grads_out)
        if not isinstance(result, tuple):
            result = (result,)
        name = type(self).__name__
        n_in = len(self.next)
        if len(result) != n_in and not (
            len(result) > n_in and all(r is None for r in result[n_in:])
        ):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected {n_in}, "
                f"got {len(result)})"
            )
        grads: list[Any] = []
        for i in self.plan.diff_idx:
            g = result[i]
            if g is None or not wants(self.next[i]):
                grads.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(
                    f"function {name} returned a gradient of type {type(g).__name__} at index "
                    f"{i}; expected a Tensor or None"
                )
            g = _fit(g, self.input_shapes[i], self.input_dtypes[i], name, i)
            if not create_graph:
                g = g._value
                shared.add(id(g))  # the user may have returned an array others hold
            grads.append(g)
        return grads


def _fit(g: Tensor, shape: tuple[int, ...], dtype: Any, name: str, i: int) -> Tensor:
    """``g`` summed to ``shape`` and cast to ``dtype``, as PyTorch validates gradients."""
    have = g._value.shape
    if have != shape:
        lead = len(have) - len(shape)
        ok = lead >= 0 and all(s == 1 or s == h for s, h in zip(shape, have[lead:], strict=True))
        if not ok:
            raise RuntimeError(
                f"Function {name} returned an invalid gradient at index {i} - got "
                f"{list(have)} but expected shape compatible with {list(shape)}"
            )
        axes = tuple(range(lead)) + tuple(
            lead + k for k, s in enumerate(shape) if s == 1 and have[lead + k] != 1
        )
        g = g.sum(dim=axes, keepdim=True).reshape(shape)  # type: ignore[attr-defined]
    if g._value.dtype != dtype:
        g = g.to(dtype)  # type: ignore[attr-defined]
    return g


class OutputNode(GradFn):
    """The ``grad_fn`` of output ``k`` of a multi-output function: tags its gradient."""

    def __init__(self, ctx: FunctionCtx, k: int) -> None:
        super().__init__(FunctionPlan((0,)), (ctx,), ())  # type: ignore[arg-type]
        self.ctx = ctx
        self.k = k

    def free(self) -> None:
        self.freed = True

    def run_backward(
        self, ct: Any, create_graph: bool, wants: Callable[[Any], bool], shared: set[int]
    ) -> list[Any]:
        return [_Slots({self.k: ct})]

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return self.ctx.next_functions

    def __getattr__(self, name: str) -> Any:  # ctx attributes, as on PyTorch's shared node
        return getattr(self.ctx, name)

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"


class _FunctionMeta(type):
    """Gives each Function subclass its backward node classes, named ``<Name>Backward``."""

    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        node_name = f"{name}Backward"
        attrs = {"_function": cls, "__module__": "torch.autograd.function"}
        cls._backward_cls = type(node_name, (FunctionCtx,), attrs)
        cls._output_cls = type(node_name, (OutputNode,), dict(attrs))


class Function(metaclass=_FunctionMeta):
    """Base class of operations with a custom ``backward``.

    >>> import tracegrad.torch as torch
    >>> class Cube(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y
    tensor([1., 8.], grad_fn=<CubeBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 3., 12.])
    """

    _backward_cls: type[FunctionCtx]
    _output_cls: type[OutputNode]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` (without recording) and record one node whose backward is the
        class's ``backward``."""
        ctx = cls._backward_cls()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx.needs_input_grad = needs
        record = grad_mode.STATE.enabled and True in needs
        with grad_mode.no_grad():
            if _uses_setup_context(cls):
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        outs = list(output) if isinstance(output, tuple) else [output]
        if not record:
            return output
        ctx.next = tuple((a._grad_fn or a) if n else None for a, n in zip(args, needs, strict=True))
        ctx.plan = FunctionPlan(tuple(i for i, n in enumerate(needs) if n))
        ctx.input_shapes = [a._value.shape if isinstance(a, Tensor) else () for a in args]
        ctx.input_dtypes = [a._value.dtype if isinstance(a, Tensor) else None for a in args]
        _connect(ctx, cls, args, outs)
        return tuple(outs) if isinstance(output, tuple) else outs[0]


def _uses_setup_context(cls: type[Function]) -> bool:
    return getattr(cls.setup_context, "__func__", cls.setup_context) is not _BASE_SETUP


def _connect(ctx: FunctionCtx, cls: type[Function], args: Sequence[Any], outs: list[Any]) -> None:
    """Make the tensor outputs carry ``ctx`` (or one OutputNode each) as their grad_fn."""
    inputs = {id(a): a for a in args if isinstance(a, Tensor)}
    several = len(outs) > 1
    for k, out in enumerate(outs):
        if not isinstance(out, Tensor):
            ctx.outputs.append(None)
            continue
        non_differentiable = id(out) in ctx.non_differentiable
        if id(out) in inputs:
            if id(out) in ctx.dirty_tensors:
                if out._grad_fn is None and out._requires_grad:
                    raise RuntimeError(
                        "a leaf Variable that requires grad has been used in an in-place operation."
                    )
            else:  # an input returned as it is: a new tensor on the same data
                out = outs[k] = out.detach()
        ctx.outputs.append(out)
        if non_differentiable or not is_inexact(out._value.dtype):
            continue
        out._grad_fn = cls._output_cls(ctx, k) if several else ctx
        out._requires_grad = True


_BASE_SETUP = Function.__dict__["setup_context"].__func__


def once_differentiable(
    fn: Callable[..., Any],
) -> Callable[..., Any]:
    """Run a ``backward`` without recording it, even under ``create_graph``."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper


BackwardCFunction = FunctionCtx
