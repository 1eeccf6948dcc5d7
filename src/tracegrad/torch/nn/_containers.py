"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList`` and
``ParameterDict``. Items are registered under their index or key, so ``parameters()``,
``state_dict()`` and printing see them as PyTorch's do."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tracegrad.torch.nn._module import Module, Parameter, _legacy_name
from tracegrad.torch.tensor import Tensor


def _index(idx: Any, n: int) -> int:
    i = operator.index(idx)
    if not -n <= i < n:
        raise IndexError(f"index {idx} is out of range")
    return i % n


class _Indexed(Module):
    """Shared by the list-like containers: items are the values of ``_table()`` under the
    names ``"0"``, ``"1"``, ..."""

    def _table(self) -> dict[str, Any]:
        return self._modules

    def _items(self) -> list[Any]:
        return list(self._table().values())

    def __len__(self) -> int:
        return len(self._table())

    def _renumber(self, items: list[Any]) -> None:
        table = self._table()
        for name in list(table):
            delattr(self, name)
        for k, v in enumerate(items):
            setattr(self, str(k), v)

    def __delitem__(self, idx: int | slice) -> None:
        items = self._items()
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(items))]
        self._renumber(items)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class ModuleList(_Indexed):
    """A list of modules, registered as children ``"0"``, ``"1"``, ...

    >>> import tracegrad.torch as torch
    >>> layers = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(2)])
    >>> layers.append(torch.nn.ReLU())
    ModuleList(
      (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)
      (2): ReLU()
    )
    >>> len(list(layers.parameters()))
    4
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        items = self._items()
        if isinstance(idx, slice):
            return type(self)(items[idx])
        return items[_index(idx, len(items))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(idx, len(self))), module)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = self._items()
        items.insert(index, module)
        self._renumber(items)

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v

    def __repr__(self) -> str:
        if not self._modules:
            return self._get_name() + "()"
        groups: list[tuple[int, int, str]] = []  # runs of equal reprs: first, last, repr
        for i, m in enumerate(self._modules.values()):
            r = repr(m)
            if groups and groups[-1][2] == r:
                groups[-1] = (groups[-1][0], i, r)
            else:
                groups.append((i, i, r))
        lines = []
        for a, b, r in groups:
            body = r.replace("\n", "\n  ")
            lines.append(f"({a}): {body}" if a == b else f"({a}-{b}): {b - a + 1} x {body}")
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class Sequential(ModuleList):
    """Modules applied in order (given as arguments or as one ``OrderedDict``).

    >>> import tracegrad.torch as torch
    >>> torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    Sequential(
      (0): Linear(in_features=3, out_features=2, bias=True)
      (1): Tanh()
    )
    """

    def __init__(self, *args: Any) -> None:
        Module.__init__(self)
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for k, m in args[0].items():
                self.add_module(k, m)
        else:
            for k, m in enumerate(args):
                self.add_module(str(k), m)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self))]
        setattr(self, key, module)

    def forward(self, input: Any) -> Any:
        for m in self._modules.values():
            if m is not None:
                input = m(input)
        return input

    def __repr__(self) -> str:
        return Module.__repr__(self)


class ModuleDict(Module):
    """An ordered dict of modules, registered as children under their keys.

    >>> import tracegrad.torch as torch
    >>> d = torch.nn.ModuleDict({"act": torch.nn.ReLU()})
    >>> d["lin"] = torch.nn.Linear(1, 1)
    >>> list(d.keys()), "act" in d
    (['act', 'lin'], True)
    """

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        m = self._modules[key]
        assert m is not None
        return m

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._modules.items()

    def values(self) -> Iterable[Any]:
        return self._modules.values()

    def update(self, modules: Any) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for k, m in pairs:
            self[k] = m


def _as_parameter(value: Any) -> Any:
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value: Any, legacy: bool) -> str:
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    size = "x".join(map(str, value._value.shape))
    kind = _legacy_name(value) if legacy else str(value.dtype)
    head = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
    return f"{head}: [{kind} of size {size}]"


class ParameterList(_Indexed):
    """A list of parameters (tensors become Parameters), registered as ``"0"``, ``"1"``, ...

    >>> import tracegrad.torch as torch
    >>> ps = torch.nn.ParameterList([torch.zeros(2, 3), torch.ones(2)])
    >>> ps
    ParameterList(
        (0): Parameter containing: [torch.float32 of size 2x3]
        (1): Parameter containing: [torch.float32 of size 2]
    )
    >>> [n for n, _ in ps.named_parameters()]
    ['0', '1']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _table(self) -> dict[str, Any]:
        return {str(i): getattr(self, str(i)) for i in range(self._size)}

    def __len__(self) -> int:
        return int(self._size)

    def _renumber(self, items: list[Any]) -> None:
        for k in range(self._size):
            delattr(self, str(k))
        object.__setattr__(self, "_size", 0)
        self.extend(items)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(self._items()[idx])
        return getattr(self, str(_index(idx, len(self))))

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, str(_index(idx, len(self))), _as_parameter(param))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        n = self._size
        object.__setattr__(self, "_size", n + 1)
        setattr(self, str(n), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, but got "
                + type(values).__name__
            )
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_describe(v, False)}" for k, v in self._table().items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of parameters (tensors become Parameters), registered under their
    keys.

    >>> import tracegrad.torch as torch
    >>> pd = torch.nn.ParameterDict({"scale": torch.ones(2)})
    >>> pd
    ParameterDict(  (scale): Parameter containing: [torch.FloatTensor of size 2])
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        keys: dict[str, None] = self._keys
        return keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Iterable[Any]:
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self._keys else default

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        for k in list(self._keys):
            del self[k]

    def update(self, parameters: Any) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for k, v in pairs:
            self[k] = v

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_describe(v, True)}" for k, v in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
