"""A minimal ``torch.nn``: ``Parameter``, ``Module`` (parameters, submodules, train/eval,
``zero_grad``, ``state_dict``), ``Linear``, ``Sequential``, activations and loss modules, so
that a typical PyTorch training loop runs unchanged."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, cast

import numpy as np

from tracegrad.torch import _random_ops, creation, dtypes
from tracegrad.torch._arith import relu, sigmoid, tanh
from tracegrad.torch.nn import functional as F
from tracegrad.torch.printing import tensor_repr
from tracegrad.torch.tensor import Tensor, init


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and that a ``Module`` registers.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Parameter(torch.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        value = np.zeros(0, np.float32) if data is None else data._value
        p: Parameter = object.__new__(cls)
        init(p, value)
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # __new__ did the work; Tensor.__init__ would reset the value

    def __repr__(self, *, tensor_contents: Any = None) -> str:  # type: ignore[override]
        return "Parameter containing:\n" + tensor_repr(self)


class Module:
    """Base class of layers: attributes that are Parameters or Modules are registered, so
    ``parameters()`` finds them; calling the module runs ``forward``.

    >>> import tracegrad.torch as torch
    >>> class Scale(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.s = torch.nn.Parameter(torch.tensor(2.0))
    ...     def forward(self, x):
    ...         return self.s * x
    >>> m = Scale()
    >>> m(torch.tensor([1.0, 3.0])), [n for n, _ in m.named_parameters()]
    (tensor([2., 6.], grad_fn=<MulBackward0>), ['s'])
    """

    _parameters: dict[str, Parameter | None]
    _modules: dict[str, Module | None]
    _buffers: dict[str, Tensor | None]
    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration ---------------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call")
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        for table in ("_parameters", "_modules", "_buffers"):
            d = self.__dict__.get(table)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._modules, self._buffers):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        self._modules[name] = module

    register_module = add_module

    # ---- traversal ------------------------------------------------------------------------------

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop(0)
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            stack[:0] = [
                (f"{name}.{k}" if name else k, c) for k, c in m._modules.items() if c is not None
            ]

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator[Module]:
        for m in self._modules.values():
            if m is not None:
                yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mname, m in mods:
            for k, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{k}" if mname else k), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for m in self.modules() if recurse else [self]:
            yield from (b for b in m._buffers.values() if b is not None)

    # ---- state ----------------------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (set them to None by default)."""
        for p in self.parameters():
            if p._grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                p._grad._value[...] = 0

    def state_dict(self) -> dict[str, Tensor]:
        """The parameters and buffers by dotted name, detached (sharing memory)."""
        out: dict[str, Tensor] = {}
        for mname, m in self.named_modules():
            for k, t in (*m._parameters.items(), *m._buffers.items()):
                if t is not None:
                    out[f"{mname}.{k}" if mname else k] = t.detach()
        return out

    def load_state_dict(self, state_dict: dict[str, Tensor], strict: bool = True) -> Any:
        """Copy the tensors of ``state_dict`` into the parameters and buffers of that name."""
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}: missing keys "
                f"{missing}, unexpected keys {unexpected}"
            )
        for k, t in state_dict.items():
            if k in own:
                np.copyto(own[k]._value, t._value, casting="unsafe")
                own[k]._vc[0] += 1
        return missing, unexpected

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert parameters to a dtype (devices other than the CPU raise)."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    v: Tensor = cast(Any, p).to(*args, **kwargs)
                    if v._value is not p._value:
                        p._value = v._value
        return self

    def float(self) -> Module:
        return self.to(dtypes.float32)

    def double(self) -> Module:
        return self.to(dtypes.float64)

    def cpu(self) -> Module:
        return self

    # ---- printing -------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        head = type(self).__name__ + "("
        if not self._modules:
            return head + (extra if extra else "") + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


# ---- layers --------------------------------------------------------------------------------------


class Linear(Module):
    """``y = x @ weight.T + bias``, weights drawn uniformly in ``±1/sqrt(in_features)`` as
    PyTorch's default initialisation (PyTorch's numbers after ``manual_seed``).

    >>> import tracegrad.torch as torch
    >>> torch.nn.Linear(3, 2)
    Linear(in_features=3, out_features=2, bias=True)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None,
        device: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)

        def uniform(bound: float, *shape: int) -> Parameter:
            return Parameter(_random_ops.uniform_(creation.empty(*shape, dtype=d), -bound, bound))

        # PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) for the weight, then the
        # bias, both drawn by uniform_ from the default generator (the same numbers).
        gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
        std = gain / math.sqrt(in_features) if in_features else 0.0
        self.weight = uniform(math.sqrt(3.0) * std, out_features, in_features)
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features else 0.0
            self.bias: Parameter | None = uniform(bound, out_features)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Sequential(Module):
    """Modules applied in order.

    >>> import tracegrad.torch as torch
    >>> torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    Sequential(
      (0): Linear(in_features=3, out_features=2, bias=True)
      (1): Tanh()
    )
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for k, m in enumerate(modules):
            self.add_module(str(k), m)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            if m is not None:
                input = m(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*[m for m in mods[idx] if m is not None])
        return mods[idx]

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self


class Tanh(Module):
    """The hyperbolic tangent, as a module."""

    def forward(self, input: Tensor) -> Tensor:
        return tanh(input)


class ReLU(Module):
    """``max(x, 0)``, as a module (``inplace`` is accepted and ignored)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return relu(input)


class Sigmoid(Module):
    """The logistic sigmoid, as a module."""

    def forward(self, input: Tensor) -> Tensor:
        return sigmoid(input)


class Identity(Module):
    """Returns its input."""

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` (1 to -1 by default)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        out: Tensor = input.flatten(self.start_dim, self.end_dim)  # type: ignore[attr-defined]
        return out

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` as a module."""

    def __init__(
        self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__()
        self.weight, self.ignore_index = weight, ignore_index
        self.reduction, self.label_smoothing = reduction, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input, target, weight=self.weight, ignore_index=self.ignore_index,
            reduction=self.reduction, label_smoothing=self.label_smoothing,
        )  # fmt: skip


class MSELoss(Module):
    """``F.mse_loss`` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)
