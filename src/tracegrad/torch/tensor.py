"""The ``Tensor`` class: a NumPy array with PyTorch's autograd attributes (``requires_grad``,
``grad``, ``grad_fn``, ``is_leaf``, hooks). Operations and most methods are installed on it
by the modules that define them (see ``install_methods``)."""

from __future__ import annotations

import itertools
import math
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np

from tracegrad.core.dtypes import is_inexact
from tracegrad.torch import dtypes
from tracegrad.torch._data import nested_array, type_name
from tracegrad.torch.printing import tensor_repr


class Size(tuple[int, ...]):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``.

    >>> Size([2, 3])
    torch.Size([2, 3])
    """

    def __new__(cls, sizes: Iterable[int] = ()) -> Size:
        return super().__new__(cls, (int(s) for s in sizes))

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"torch.Size({list(self)!r})"

    __str__ = __repr__


class device:
    """The only device: the CPU."""

    __slots__ = ("index", "type")

    def __init__(self, type: str = "cpu", index: int | None = None) -> None:
        if str(type).split(":")[0] != "cpu":
            raise RuntimeError(
                f"tracegrad.torch runs on the CPU only (NumPy); device {type!r} is not "
                "available. Use device='cpu'."
            )
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) or other == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")


CPU = device()


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("hooks", "id")
    _ids = itertools.count(1)

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class AccumulateGrad:
    """The node standing for a leaf in ``grad_fn.next_functions``, as in PyTorch."""

    __slots__ = ("variable",)
    next_functions: tuple[Any, ...] = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more informations."
)


def _legacy_data(data: Any, d: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """The array of ``torch.Tensor(data)``: a sequence, array or tensor, as ``d``."""
    if isinstance(data, Tensor):
        data = data._value
    if isinstance(data, np.ndarray):
        return np.array(data, dtype=d)
    if not isinstance(data, Sequence):
        raise TypeError(f"new(): data must be a sequence (got {type_name(data)})")
    return nested_array(data, d)


class Tensor:
    """A multi-dimensional array with PyTorch's semantics, on NumPy.

    Build tensors with ``torch.tensor``, ``torch.zeros``, ... ; ``torch.Tensor(data)``
    makes a tensor of the default float dtype, as in PyTorch.

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> x.is_leaf, x.requires_grad, x.grad is None, x.shape
    (True, True, True, torch.Size([2]))
    """

    __slots__ = (
        "__weakref__",
        "_accumulator",
        "_base",
        "_grad",
        "_grad_fn",
        "_hooks",
        "_requires_grad",
        "_retains_grad",
        "_value",
        "_vc",
        "_view",
    )
    # NumPy ufuncs and operators defer to the Tensor's own (reflected) operators.
    __array_ufunc__ = None
    __hash__ = object.__hash__

    _value: np.ndarray[Any, Any]
    _requires_grad: bool
    _grad_fn: Any
    _grad: Tensor | None
    _hooks: dict[int, Callable[..., Any]] | None
    _accumulator: AccumulateGrad | None
    _retains_grad: bool
    # The version counter, a one-element list shared with views and detach(); the root
    # base of a view (None for a tensor that is not a view) and how the view was taken.
    _vc: list[int]
    _base: Tensor | None
    _view: Any

    def __init__(self, *args: Any) -> None:
        # torch.Tensor(data) or torch.Tensor(*sizes): the default float dtype.
        d = dtypes.get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], int):
            value = _legacy_data(args[0], d)
        else:
            value = np.zeros(tuple(int(s) for s in args), dtype=d)
        init(self, value)

    # ---- autograd attributes ------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        base = self._base
        return self._requires_grad or (base is not None and base._requires_grad)

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` of a leaf tensor in place; returns the tensor."""
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach()."
            )
        if requires_grad and not is_inexact(self._value.dtype):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self) -> Any:
        if self._view is not None:
            VIEW_HOOKS.refresh(self)
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many in-place operations changed this tensor's storage (shared by its views)."""
        return self._vc[0]

    def _is_view(self) -> bool:
        return self._base is not None

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._value.shape != self._value.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._value.dtype != self._value.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self._grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when the gradient of this tensor is computed; a returned
        tensor replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            if self._grad_fn.hooks is None:
                self._grad_fn.hooks = {}
            hooks = self._grad_fn.hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def accumulator(self) -> AccumulateGrad:
        """The AccumulateGrad node of this leaf (one per leaf, made on first use)."""
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    # ---- data ----------------------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """A tensor sharing this tensor's storage, outside the graph."""
        return wrap(self._value)

    @data.setter
    def data(self, other: Tensor) -> None:
        if not isinstance(other, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(other).__name__}")
        self._value = other._value

    def detach(self) -> Tensor:
        """A tensor sharing this tensor's storage and version counter, that does not require
        grad (``.data`` shares the storage only)."""
        t = wrap(self._value)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        if self._grad_fn is not None and self._retains_grad:
            self._retains_grad = False
        self._grad_fn = None
        self._requires_grad = False
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray[Any, Any]:
        """The NumPy array behind the tensor (shared, not copied)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._value

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._value.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._value.size} elements cannot be converted to Scalar"
            )
        return _python_scalar(self._value.reshape(()), self._value.dtype)

    def tolist(self) -> Any:
        v = self._value
        if v.dtype.kind not in "biufc":  # bfloat16: print-exact through float32
            v = v.astype(np.float32)
        return v.tolist()

    # ---- shape and type ------------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._value.shape)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self._value.shape)
        return self._value.shape[wrap_dim(dim, self._value.ndim)]

    def dim(self) -> int:
        return self._value.ndim

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def ndimension(self) -> int:
        return self._value.ndim

    def numel(self) -> int:
        return int(self._value.size)

    def nelement(self) -> int:
        return int(self._value.size)

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._value.dtype)

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def element_size(self) -> int:
        return int(self._value.itemsize)

    def is_contiguous(self) -> bool:
        return bool(self._value.flags.c_contiguous)

    def cpu(self) -> Tensor:
        return self

    # ---- Python protocols ----------------------------------------------------------------------

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        return tensor_repr(self)

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._value.shape[0])

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._value.reshape(()))

    def __float__(self) -> float:
        return float(self._scalar_for("float"))

    def __int__(self) -> int:
        return int(self._scalar_for("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar_for("complex"))

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iub" or self._value.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._value.reshape(()))

    def _scalar_for(self, what: str) -> Any:
        if self._value.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __format__(self, spec: str) -> str:
        if self._value.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        value = self.numpy()
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __iter__(self) -> Iterator[Tensor]:
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        # unbind is installed by tracegrad.torch._indexing
        return iter(cast(Any, self).unbind(0))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._value, self._requires_grad))


def _rebuild(value: np.ndarray[Any, Any], requires_grad: bool) -> Tensor:
    t = wrap(value)
    t._requires_grad = requires_grad
    return t


_new = object.__new__


class _ViewHooks:
    """Set by ``tracegrad.torch._views``: brings a view's ``grad_fn`` up to date after an
    in-place change of its storage (the graph layer imports this module, not the reverse)."""

    refresh: Callable[[Tensor], None] = staticmethod(lambda t: None)


VIEW_HOOKS = _ViewHooks()


def init(t: Tensor, value: np.ndarray[Any, Any]) -> None:
    """Set the slots of a new tensor holding ``value``, outside the graph."""
    t._value = value
    t._requires_grad = False
    t._grad_fn = None
    t._grad = None
    t._hooks = None
    t._accumulator = None
    t._retains_grad = False
    t._vc = [0]
    t._base = None
    t._view = None


def wrap(value: np.ndarray[Any, Any]) -> Tensor:
    """A tensor holding ``value`` (not copied), outside the graph."""
    t: Tensor = _new(Tensor)
    t._value = value
    t._requires_grad = False
    t._grad_fn = None
    t._grad = None
    t._hooks = None
    t._accumulator = None
    t._retains_grad = False
    t._vc = [0]
    t._base = None
    t._view = None
    return t


def _python_scalar(v: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> Any:
    if dtype.kind not in "biufc":  # bfloat16
        return float(v.astype(np.float32))
    return v.item()


def wrap_dim(dim: Any, ndim: int) -> int:
    """A dimension argument as a non-negative int; IndexError worded as PyTorch's."""
    d = int(dim)
    n = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1
    if not -n <= d < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d % n


def install_methods(tables: Iterable[dict[str, Any]]) -> None:
    """Set the operators and methods each module contributes, refusing duplicates."""
    seen: dict[str, Any] = {}
    for table in tables:
        for name, fn in table.items():
            if name in seen and seen[name] is not fn:
                raise RuntimeError(f"Tensor method {name!r} is defined by two modules.")
            seen[name] = fn
    for name, fn in seen.items():
        setattr(Tensor, name, fn)
