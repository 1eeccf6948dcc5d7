"""torch.autograd.Function: conformance programs run on tracegrad.torch and on PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


def _functions(T: Any) -> dict[str, Any]:
    """The same Function subclasses, defined against namespace ``T``."""

    class Scale(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            assert len(ctx.saved_tensors) == 1
            assert ctx.needs_input_grad == (True, False)
            return g * ctx.k, None

    class NumpyExp(T.autograd.Function):  # backward in plain NumPy
        @staticmethod
        def forward(ctx, x):
            y = T.from_numpy(np.exp(x.detach().numpy()))
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return T.from_numpy(g.numpy() * y.detach().numpy())

    class Cube(T.autograd.Function):  # torch ops: differentiable again
        @staticmethod
        def forward(x):
            return x**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    class Once(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        @T.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not T.is_grad_enabled()
            return g * 2 * x

    class Two(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g1 is None
            return g2 * 3

    class TwoMaterialized(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.sum() * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class Dirty(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class ArgMax(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(x, i)
            return x.max(), i

        @staticmethod
        def backward(ctx, g, gi):
            x, i = ctx.saved_tensors
            out = T.zeros_like(x)
            out[i] = g
            return out

    class PassThrough(T.autograd.Function):  # an input returned as it is, non-differentiable
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Broadcasting(T.autograd.Function):  # a gradient PyTorch sums to the input's shape
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2)

    class WrongCount(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class WrongShape(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return T.ones(3)

    return dict(locals())


def test_forward_backward_and_ctx(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = _functions(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = F["Scale"].apply(x, 3.0)
        rec(y)
        rec(y.grad_fn.k)
        rec(repr(y.grad_fn).split(" object")[0])
        rec(len(y.grad_fn.next_functions))
        y.sum().backward()
        rec(x.grad)
        y.sum().backward()  # saved tensors were freed

    conform(program)


def test_numpy_backward(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([0.5, -1.0], requires_grad=True)
        y = _functions(T)["NumpyExp"].apply(x)
        rec(y)
        (y * y).sum().backward()
        rec(x.grad)

    conform(program)


def test_double_backward_through_torch_ops(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = _functions(T)["Cube"].apply(x)
        rec(y)
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        rec(g.detach())
        rec(g.requires_grad)
        (h,) = T.autograd.grad(g.sum(), x)
        rec(h)
        with T.no_grad():
            rec(_functions(T)["Cube"].apply(x))

    conform(program)


def test_once_differentiable(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = _functions(T)["Once"].apply(x)
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        rec(g)
        g.sum().backward()

    conform(program)


def test_several_outputs(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = _functions(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        a, b = F["Two"].apply(x)
        rec((a, b))
        b.sum().backward()
        rec(x.grad)
        x.grad = None
        a, b = F["TwoMaterialized"].apply(x)
        rec((a, b))
        (a.sum() + b).backward()
        rec(x.grad)
        x.grad = None
        a, _ = F["TwoMaterialized"].apply(x)
        a.sum().backward()
        rec(x.grad)

    conform(program)


def test_dirty_and_non_differentiable(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        F = _functions(T)
        x = T.tensor([1.0, 3.0, 2.0], requires_grad=True)
        z = x * 1
        w = F["Dirty"].apply(z)
        rec(w is z)
        rec(w)
        w.sum().backward()
        rec(x.grad)
        v, i = F["ArgMax"].apply(x)
        rec((v, i))
        v.backward()
        rec(x.grad)
        p = F["PassThrough"].apply(x)
        rec((p is x, p.requires_grad, p.grad_fn is None))
        F["Dirty"].apply(x)

    conform(program)


@pytest.mark.parametrize("name", ["Broadcasting", "WrongCount", "WrongShape"])
def test_checked_gradients(conform: Any, name: str) -> None:
    def program(T: Any, rec: Any) -> None:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = _functions(T)[name].apply(x)
        y.sum().backward()
        rec(x.grad)

    conform(program)


def test_no_input_requires_grad(conform: Any) -> None:
    def program(T: Any, rec: Any) -> None:
        y = _functions(T)["Scale"].apply(T.tensor([1.0, 2.0]), 2.0)
        rec(y)

    conform(program)
