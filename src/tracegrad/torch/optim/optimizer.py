"""``torch.optim.Optimizer``: parameter groups, per-parameter state, ``zero_grad``,
``state_dict``/``load_state_dict`` in PyTorch's layout, and the one loop every optimizer's
``step`` runs.

An update is NumPy arithmetic on the parameters' arrays under ``no_grad`` (the kernels of
``optim/_kernels.py``), written into their storage (and the state tensors') in place with
``out=``, as PyTorch's in-place kernels are; scratch arrays come from the optimizer's
``Workspace``, so a step allocates nothing once warm. Each in-place operation PyTorch's
update runs on a tensor bumps that tensor's version counter once (:func:`bump`).
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from tracegrad.torch import dtypes
from tracegrad.torch.grad_mode import enable_grad, no_grad
from tracegrad.torch.optim._workspace import Workspace
from tracegrad.torch.tensor import Tensor, wrap

Array = np.ndarray[Any, Any]


class _RequiredParameter:
    """The default of a hyperparameter every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


# ---- the arrays an update reads and writes ------------------------------------------------------


def arr(t: Tensor) -> Array:
    """The array of ``t`` that updates work on: complex tensors as their real view (PyTorch's
    optimizers update ``view_as_real(p)``, so real and imaginary parts are separate entries)."""
    v = t._value
    if v.dtype.kind != "c":
        return v
    return (v if v.ndim else v[None]).view(v.real.dtype)


def write(t: Tensor, value: Any) -> None:
    """Write ``value`` into ``t``'s storage in place, as PyTorch's in-place update of a
    parameter under ``no_grad`` does (views and ``.data`` of ``t`` see it).

    Bumps the tensor's version counter, as PyTorch's in-place ops do (a graph that saved
    the parameter before the step then refuses to backward through it)."""
    np.copyto(arr(t), value, casting="unsafe")
    t._vc[0] += 1


def state_tensor(value: Array) -> Tensor:
    """A state tensor (``exp_avg``, ``momentum_buffer``, ...) owning a copy of ``value``."""
    return wrap(np.array(value, copy=True))


def step_tensor() -> Tensor:
    """The step count, which PyTorch keeps as a 0-d tensor of the default float dtype."""
    d = np.float64 if dtypes.get_default_dtype().np == np.float64 else np.float32
    return wrap(np.zeros((), dtype=d))


def count_step(step: Tensor) -> float:
    """Add one to a step tensor in place (``state["step"] += 1``); returns the new count."""
    v = step._value
    np.add(v, 1, out=v)
    step._vc[0] += 1
    return float(v)


def bump(*tensors: Tensor) -> None:
    """Count one in-place write into each of ``tensors`` (their version counters)."""
    for t in tensors:
        t._vc[0] += 1


# ---- the base class ------------------------------------------------------------------------------


def _typename(x: Any) -> str:
    if isinstance(x, Tensor):
        return f"torch.{dtypes.scalar_name(x.dtype)}Tensor"
    t = type(x)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class Optimizer:
    """Base class of the optimizers: ``param_groups`` (dicts holding ``params`` and their
    hyperparameters), ``state`` (per parameter), ``zero_grad``, ``add_param_group``,
    ``state_dict``/``load_state_dict``.

    A subclass gives ``_init_state(group, p, state)`` and ``_update(group, p, grad, state)``;
    ``step`` runs them for each parameter that has a gradient.

    >>> import tracegrad.torch as torch
    >>> w, b = torch.ones(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    >>> opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    >>> opt.state_dict()["param_groups"][1]["params"]
    [1]
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._workspace = Workspace()  # the updates' scratch arrays, reused from step to step
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (the optimizer's defaults
        fill in the ones it does not give)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}"
                )
            if not self.defaults.get("differentiable") and not (p.is_leaf or p._retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter: to None (the default) or to zeros."""
        for g in self.param_groups:
            for p in g["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    grad._grad_fn = None
                    grad._requires_grad = False
                    grad._value[...] = 0

    # ---- step ------------------------------------------------------------------------------------

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _update(self, group: dict[str, Any], p: Tensor, grad: Array, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def step(self, closure: Any = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` (evaluated
        first, with grad enabled) when a closure is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is None:
                        continue
                    state = self.state.get(p)
                    if state is None:
                        state = {}
                        self._init_state(group, p, state)
                    grad = arr(p._grad)
                    self._update(group, p, -grad if group.get("maximize") else grad, state)
                    if state:
                        self.state[p] = state
        return loss

    # ---- state_dict ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as
        PyTorch lays it out (state tensors are the optimizer's own, not copies)."""
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            for p in g["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict`` of an optimizer of the same kind over the same shapes of
        parameters; state tensors are copied and cast to their parameter's dtype."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"])
            for g, s in zip(self.param_groups, saved_groups, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        by_index = {
            i: p
            for s, g in zip(saved_groups, self.param_groups, strict=True)
            for i, p in zip(s["params"], g["params"], strict=True)
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in by_index:
                p = by_index[k]
                state[p] = {key: _cast(p, x, key) for key, x in v.items()}
            else:
                state[k] = v
        for s, g in zip(saved_groups, self.param_groups, strict=True):
            s["params"] = g["params"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for k, g in enumerate(self.param_groups):
            text += f"\nParameter Group {k}\n"
            text += "".join(f"    {key}: {g[key]}\n" for key in sorted(g) if key != "params")
        return text + ")"


def _cast(p: Tensor, value: Any, key: Any = None) -> Any:
    """A loaded state value for parameter ``p``: tensors copied (to ``p``'s dtype when ``p``
    is floating, except ``step``), containers rebuilt, anything else as it is."""
    if isinstance(value, Tensor):
        v = value._value
        if key != "step" and p._value.dtype.kind in "fc":
            v = v.astype(p._value.dtype)
        return wrap(np.array(v, copy=True))
    if isinstance(value, dict):
        return {k: _cast(p, x, k) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cast(p, x) for x in value)
    return value
