"""``torch.nn.Module`` API, containers and hooks against PyTorch: one program runs on both
and what it prints (reprs, names, values, gradients, errors) must match."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

torch = pytest.importorskip("torch")


def _show(x: Any) -> Any:
    if isinstance(x, tt.Tensor | torch.Tensor):
        return ("tensor", x.detach().numpy().round(5).tolist(), str(x.dtype))
    if isinstance(x, list | tuple):
        return [_show(y) for y in x]
    return x


def outputs(program: Callable[[Any, Any], None]) -> tuple[list[Any], list[Any]]:
    """What ``program(T, rec)`` records on tracegrad.torch and on PyTorch."""
    runs = []
    for T in (tt, torch):
        out: list[Any] = []
        try:
            program(T, lambda x: out.append(_show(x)))
        except Exception as e:
            out.append(("raised", type(e).__name__, str(e)))
        runs.append(out)
    return runs[0], runs[1]


def same(program: Callable[[Any, Any], None]) -> None:
    ours, theirs = outputs(program)
    assert ours == theirs


def _set(T: Any, p: Any, value: Any) -> None:
    with T.no_grad():
        p.copy_(T.tensor(np.asarray(value, np.float32)))


def test_containers_register_and_print() -> None:
    def program(T: Any, rec: Any) -> None:
        nn = T.nn
        layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
        rec(repr(layers))
        rec(repr(layers[1:3]))
        layers.insert(0, nn.Tanh())
        layers.append(nn.Sigmoid())
        layers.extend([nn.Identity()])
        del layers[2]
        rec([type(m).__name__ for m in layers])
        rec(len(layers))
        rec(repr(nn.ModuleList()))
        md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 1)})
        md["c"] = nn.Tanh()
        rec(repr(md))
        rec([list(md.keys()), "b" in md, len(md)])
        pl = nn.ParameterList([nn.Parameter(T.zeros(2, 3)), T.ones(2, dtype=T.float64), 3])
        rec(repr(pl))
        rec([n for n, _ in pl.named_parameters()])
        rec([pl[2], pl[1].requires_grad, type(pl[1]).__name__])
        pd = nn.ParameterDict({"a": nn.Parameter(T.zeros(2)), "b": T.ones(1)})
        rec(repr(pd))
        rec([pd["b"].requires_grad, type(pd["b"]).__name__, list(pd.keys())])
        root = nn.Module()
        root.layers, root.md, root.pl, root.pd = layers, md, pl, pd
        rec(list(root.state_dict()))
        rec(len(list(root.parameters())))
        seq = nn.Sequential(OrderedDict([("lin", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        rec(repr(seq))
        rec(repr(seq[1:]))
        seq[1] = nn.Tanh()
        rec(repr(seq))
        for bad in (lambda: layers[9], lambda: md["z"], lambda: nn.ModuleList([3])):
            try:
                bad()
            except Exception as e:
                rec((type(e).__name__, str(e)))

    same(program)


class _Net:
    """A small network with a child, a shared child, a buffer and a non-persistent one."""

    @staticmethod
    def make(T: Any) -> Any:
        nn = T.nn

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lin = nn.Linear(3, 2)
                self.block = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
                self.again = self.lin
                self.register_buffer("steps", T.zeros(()))
                self.register_buffer("scratch", T.ones(2), persistent=False)
                self.scale = nn.Parameter(T.tensor(2.0))

            def forward(self, x: Any) -> Any:
                return self.block(self.lin(x)) * self.scale

        net = Net()
        for i, p in enumerate(net.parameters()):
            _set(T, p, np.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1))
        return net


def test_module_traversal_state_dict_and_errors() -> None:
    def program(T: Any, rec: Any) -> None:
        net = _Net.make(T)
        rec(repr(net))
        rec([n for n, _ in net.named_modules()])
        rec([n for n, _ in net.named_modules(prefix="m", remove_duplicate=False)])
        rec([n for n, _ in net.named_children()])
        rec([n for n, _ in net.named_parameters()])
        rec([n for n, _ in net.named_parameters(remove_duplicate=False)])
        rec([n for n, _ in net.named_parameters(recurse=False)])
        rec([n for n, _ in net.named_buffers()])
        rec(list(net.state_dict()))
        rec(list(net.state_dict(prefix="p.")))
        rec(repr(net.get_submodule("block.0")))
        rec(net.get_parameter("block.0.bias"))
        rec(net.get_buffer("steps"))
        other = _Net.make(T)
        _set(T, other.scale, 5.0)
        rec(repr(other.load_state_dict(net.state_dict())))
        rec(other.scale)
        rec(repr(other.load_state_dict({"scale": T.tensor(1.0), "x": T.zeros(1)}, strict=False)))
        bad: list[Callable[[], Any]] = [
            lambda: other.load_state_dict({"lin.weight": T.zeros(3, 3), "junk": T.zeros(1)}),
            lambda: net.get_submodule("lin.weight"),
            lambda: net.get_submodule("nope"),
            lambda: net.get_parameter("steps"),
            lambda: net.get_buffer("scale"),
            lambda: net.register_buffer("a.b", None),
            lambda: net.register_buffer("lin", None),
            lambda: net.register_buffer("c", 3),
            lambda: setattr(net, "scale", T.zeros(1)),
            lambda: net.add_module("q", 3),
            lambda: net.train(1),
            lambda: T.nn.Module()(T.ones(1)),
        ]
        for f in bad:
            try:
                f()
            except Exception as e:
                rec((type(e).__name__, str(e)))
        seen: list[str] = []
        net.apply(lambda m: seen.append(type(m).__name__))
        rec(seen)
        rec([net.eval().training, net.block[0].training, net.train().block[1].training])
        net.requires_grad_(False)
        rec([p.requires_grad for p in net.parameters()])

    same(program)


def test_to_dtype_zero_grad_keep_parameter_objects() -> None:
    def program(T: Any, rec: Any) -> None:
        net = _Net.make(T)
        net.register_buffer("count", T.zeros((), dtype=T.int64))
        params = list(net.parameters())
        net(T.ones(1, 3)).sum().backward()
        net.double()
        rec([str(p.dtype) for p in net.parameters()])
        rec([str(b.dtype) for b in net.buffers()])
        rec([str(p.grad.dtype) for p in net.parameters()])
        rec(all(a is b for a, b in zip(params, net.parameters(), strict=True)))
        net.to(T.float16)
        rec([str(b.dtype) for b in net.buffers()])
        net.float()
        rec(net(T.ones(1, 3)))
        net.zero_grad(set_to_none=False)
        rec([p.grad for p in net.parameters()])
        net.zero_grad()
        rec([p.grad is None for p in net.parameters()])

    same(program)


def test_forward_hooks() -> None:
    def program(T: Any, rec: Any) -> None:
        m = T.nn.Linear(3, 2)
        _set(T, m.weight, np.arange(6.0).reshape(2, 3))
        _set(T, m.bias, [0.5, -0.5])
        log: list[Any] = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_pre_hook(lambda mod, args: log.append("first"), prepend=True)
        h3 = m.register_forward_hook(lambda mod, args, out: out + 1)

        def kw_pre(mod: Any, args: Any, kwargs: Any) -> Any:
            log.append(sorted(kwargs))
            return args, kwargs

        h4 = m.register_forward_pre_hook(kw_pre, with_kwargs=True)
        h5 = m.register_forward_hook(
            lambda mod, args, kwargs, out: log.append(("kw", len(args))), with_kwargs=True
        )
        rec(m(T.ones(1, 3)))
        rec(log)
        for h in (h1, h2, h3, h4, h5):
            h.remove()
        rec(m(T.ones(1, 3)))

    same(program)


def test_full_backward_hooks() -> None:
    def program(T: Any, rec: Any) -> None:
        m = T.nn.Linear(3, 2)
        _set(T, m.weight, np.arange(6.0).reshape(2, 3))
        _set(T, m.bias, [0.0, 0.0])
        log: list[Any] = []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", list(go))))

        def hook(mod: Any, gi: Any, go: Any) -> Any:
            log.append(("hook", list(gi), list(go)))
            return None if gi[0] is None else (gi[0] * 10,)

        m.register_full_backward_hook(hook)
        x = T.ones(1, 3, requires_grad=True)
        y = m(x)
        rec(type(y.grad_fn).__name__)
        (y * T.tensor([[1.0, 2.0]])).sum().backward()
        rec(log)
        rec([x.grad, m.weight.grad])
        log.clear()
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            m(T.ones(1, 3)).sum().backward()  # no input requires grad: grad_input is (None,)
        rec(log)
        m2 = T.nn.Linear(3, 2)
        m2.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
        m2(x).sum().backward()
        rec([m2.weight.grad, m2.bias.grad])

    same(program)


def test_backward_hooks_on_several_inputs_and_outputs() -> None:
    """Tensor inputs that do not require grad get zeros in ``grad_input``, other inputs
    None; ``grad_output`` has one entry per top-level output (None for unused ones and for
    non-tensors such as LSTM's ``(h, c)`` pair)."""

    def program(T: Any, rec: Any) -> None:
        class Two(T.nn.Module):
            def forward(self, a: Any, b: Any, scale: float = 1.0) -> Any:
                return a * b * scale, (a + b).sum()

        m = Two()
        log: list[Any] = []
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", list(go))))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("h", list(gi), list(go))))
        a, b = T.tensor([1.0, 2.0], requires_grad=True), T.tensor([3.0, 4.0])
        y, s = m(a, b, scale=2.0)
        rec([type(y.grad_fn).__name__, type(s.grad_fn).__name__, b.requires_grad])
        y.sum().backward()
        rec(log)
        log.clear()
        y, s = m(a, 3.0)
        (y.sum() + s).backward()
        rec(log)
        lstm = T.nn.LSTM(2, 3)
        shapes: list[Any] = []
        lstm.register_full_backward_hook(
            lambda mod, gi, go: shapes.append([None if g is None else list(g.shape) for g in go])
        )
        out, _ = lstm(T.ones(4, 1, 2, requires_grad=True))
        out.sum().backward()
        rec(shapes)

    same(program)
