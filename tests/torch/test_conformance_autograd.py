"""Autograd semantics against PyTorch: the SPEC section 8 examples (printouts exact),
accumulation, retain_graph, create_graph (second and third derivatives), ``inputs=``,
hooks, retain_grad, grad modes, detach, and the errors, each program run on both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

# ---- the examples of SPEC section 8 --------------------------------------------------------------


def spec_example_1(T: Any, rec: Any) -> None:
    X = T.tensor([[2, 4, 6], [2, 7, 9], [2, 4, 5]], dtype=T.float, requires_grad=True)
    for i in range(2):
        for j in range(3):
            output = X[i, j] * X[i, j]
            rec(repr(output))
            output.backward()
    rec(X.grad)
    rec(repr(X.grad))
    rec(str(X.grad))


def spec_example_2(T: Any, rec: Any) -> None:
    A = T.tensor(2.0, requires_grad=True)
    B = A * 4
    B.backward()
    rec(repr(A.grad.data))
    rec(repr(A))
    rec(repr(B))
    rec(A.grad)


def test_spec_examples_print_exactly_as_pytorch(conform: Any) -> None:
    record = conform(spec_example_1)
    assert (
        record[-1]
        == "tensor([[ 4.,  8., 12.],\n        [ 4., 14., 18.],\n        [ 0.,  0.,  0.]])"
    )
    assert conform(spec_example_2)[0] == "tensor(4.)"


def autograd_tutorial(T: Any, rec: Any) -> None:
    # PyTorch's "A Gentle Introduction to torch.autograd" tutorial, printouts included.
    x = T.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    rec([repr(x), repr(y), repr(z), repr(out), y.grad_fn.name()])
    a = T.tensor([[0.5, -1.0], [2.0, 3.0]])
    a = (a * 3) / (a - 1)
    rec(a.requires_grad)
    a.requires_grad_(True)
    rec(repr((a * a).sum()))
    out.backward()
    rec(repr(x.grad))
    x = T.tensor([0.3, -0.2, 0.9], requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    rec(repr(y))
    y.backward(T.tensor([0.1, 1.0, 0.0001], dtype=T.float))
    rec(repr(x.grad))
    with T.no_grad():
        rec((x**2).requires_grad)
    rec(repr(x.eq(x.detach()).all()))
    rows = [repr(r) for r in T.tensor([[1.0, 2], [3, 4]], requires_grad=True)]
    rec(rows)


# ---- accumulation, retain_graph, freeing ---------------------------------------------------------


def accumulation(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    rec(first)
    (x * 3).sum().backward()
    rec(x.grad is first)  # the same .grad tensor accumulates in place
    rec(first)
    x.grad.zero_()
    (x**3).sum().backward()
    rec(x.grad)
    x.grad = None
    (x * 2).sum().backward()
    rec(x.grad)


def retain_graph(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, -2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    rec(x.grad)
    y.backward()
    rec(x.grad)
    y.backward()  # freed: raises


def second_backward_without_saved_tensors(T: Any, rec: Any) -> None:
    # Sums, additions and views save nothing: a second backward works (as in PyTorch).
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum() + x[0]
    y.backward()
    y.backward()
    rec(x.grad)


def second_backward_scalar_mul(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    y.backward()


def autograd_grad_frees(T: Any, rec: Any) -> None:
    x = T.tensor(3.0, requires_grad=True)
    y = T.sin(x) * x
    rec(T.autograd.grad(y, x, retain_graph=True))
    rec(T.autograd.grad(y, x))
    rec(T.autograd.grad(y, x))


# ---- create_graph --------------------------------------------------------------------------------


def create_graph_backward(T: Any, rec: Any) -> None:
    x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    rec(g)
    x.grad = None
    g.sum().backward()
    rec(x.grad)


def create_graph_accumulates_out_of_place(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    (x**3).sum().backward(create_graph=True)
    rec(x.grad is first)
    rec(x.grad)
    rec(first)


def third_derivative(T: Any, rec: Any) -> None:
    x = T.tensor(0.7, requires_grad=True)
    y = T.sin(x) * T.exp(x) + x**4
    (g1,) = T.autograd.grad(y, x, create_graph=True)
    (g2,) = T.autograd.grad(g1, x, create_graph=True)
    (g3,) = T.autograd.grad(g2, x)
    rec([g1, g2, g3])


def mixed_second_derivatives(T: Any, rec: Any) -> None:
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    y = T.tanh(b @ a).sum() * (a * a).sum()
    ga, gb = T.autograd.grad(y, (a, b), create_graph=True)
    # The nodes of a recorded backward pass are named after tracegrad's primitives, which
    # need not match PyTorch's formulas: compare values and requires_grad only.
    rec([ga.detach(), gb.detach(), ga.requires_grad, gb.requires_grad])
    (hb,) = T.autograd.grad(ga.sum(), b)
    rec(hb)
    gb.pow(2).sum().backward()
    rec([a.grad, b.grad])


def hessian_vector(T: Any, rec: Any) -> None:
    x = T.tensor([0.1, 0.2, 0.3], requires_grad=True)
    v = T.tensor([1.0, -1.0, 0.5])
    loss = (T.softmax(x, dim=0) * T.tensor([1.0, 2.0, 3.0])).sum()
    (g,) = T.autograd.grad(loss, x, create_graph=True)
    (hv,) = T.autograd.grad(g, x, grad_outputs=v)
    rec(hv)


# ---- inputs=, grad_outputs, multiple outputs -----------------------------------------------------


def backward_inputs(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    y.backward(inputs=[w], retain_graph=True)
    rec([x.grad, w.grad])
    y.backward(inputs=x)
    rec([x.grad, w.grad])


def backward_inputs_non_leaf(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    y.backward(inputs=[h])
    rec([x.grad, h.grad])


def autograd_grad_variants(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    z = T.tensor([5.0], requires_grad=True)
    h = x * x
    y = h * 2
    rec(T.autograd.grad(y, x, grad_outputs=T.tensor([1.0, -1.0]), retain_graph=True))
    rec(T.autograd.grad(y.sum(), [x, z], allow_unused=True, retain_graph=True))
    rec(T.autograd.grad(y.sum(), [x, z], materialize_grads=True, retain_graph=True))
    rec(T.autograd.grad(y.sum(), h, retain_graph=True))  # with respect to a non-leaf
    rec(T.autograd.grad([y.sum(), h.sum()], [x], retain_graph=True))
    rec(x.grad)  # autograd.grad accumulates nothing
    T.autograd.grad(y.sum(), [x, z])


def autograd_backward_many(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2, x**2
    T.autograd.backward([a, b], [T.tensor([1.0, 1.0]), T.tensor([0.5, -1.0])])
    rec(x.grad)
    T.autograd.backward((x * x).sum())
    rec(x.grad)


def gradient_argument(T: Any, rec: Any) -> None:
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    y.backward(T.tensor([[1.0, 0.0], [0.5, 2.0]], dtype=T.float64))
    rec(x.grad)
    x.backward(T.ones(2, 2))  # backward on a leaf: the gradient lands in its .grad
    rec(x.grad)


def diamond_graph(T: Any, rec: Any) -> None:
    x = T.tensor([0.5, 1.5], requires_grad=True)
    y = x * 2
    z = y * y + T.sin(y) - y
    w = (z * y).sum() + z[0]
    w.backward()
    rec(x.grad)


def shared_leaf_twice(T: Any, rec: Any) -> None:
    x = T.tensor(2.0, requires_grad=True)
    (x * x * x).backward()
    rec(x.grad)
    y = x + x
    y.backward()
    rec(x.grad)


# ---- hooks and retain_grad -----------------------------------------------------------------------


def hooks(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen: list[Any] = []
    x.register_hook(lambda g: seen.append(g.clone()))
    handle = x.register_hook(lambda g: g * 2)
    y = x * 3
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    rec(x.grad)
    rec(seen)
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    rec(x.grad)


def retain_grad_after_hooks(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    rec(y.retains_grad)
    (y * y).sum().backward(retain_graph=True)
    rec([y.grad, x.grad])
    (y * y).sum().backward()
    rec([y.grad, x.grad])


def non_leaf_grad_is_none(T: Any, rec: Any) -> None:
    x = T.tensor([1.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    rec(y.grad)
    rec([x.is_leaf, y.is_leaf, y.requires_grad, T.tensor(1.0).is_leaf])


# ---- grad modes, detach, data, in-place ----------------------------------------------------------


def grad_modes(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        a = x * 2
        with T.enable_grad():
            b = x * 2
        rec(T.is_grad_enabled())
    rec([a, b, T.is_grad_enabled()])

    @T.no_grad()
    def f(t: Any) -> Any:
        return t * 3

    rec(f(x))
    with T.set_grad_enabled(False):
        c = x + 1
    rec(c)
    T.set_grad_enabled(False)
    d = x + 1
    T.set_grad_enabled(True)
    rec([d, x + 1])


def detach_and_data(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    rec([d, d.requires_grad, d.is_leaf])
    d[0] = 5.0  # shares storage with x
    rec(x)
    x.data.mul_(2)
    rec(x)
    y = (x * x).detach() * x
    y.sum().backward()
    rec(x.grad)
    x.data = T.tensor([7.0, 8.0])
    rec(x)


def sgd_loop(T: Any, rec: Any) -> None:
    w = T.tensor([[0.5, -0.2], [0.1, 0.3]], requires_grad=True)
    b = T.zeros(2, requires_grad=True)
    x = T.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
    target = T.tensor([0, 1, 1])
    for _ in range(3):
        loss = T.nn.functional.cross_entropy(x @ w + b, target)
        loss.backward()
        with T.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
        rec(loss)
    rec([w, b])


def in_place_recorded(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += 1
    rec(y)
    y.mul_(x)
    rec(y)
    y.sum().backward()
    rec(x.grad)
    z = T.zeros(3)
    z[1:] = x
    rec(z)
    z.sum().backward()
    rec(x.grad)
    x += 1  # a leaf that requires grad: raises


# ---- complex -------------------------------------------------------------------------------------


def complex_gradients(T: Any, rec: Any) -> None:
    z = T.tensor(1 + 2j, requires_grad=True)
    (z.abs() ** 2).backward()
    rec(z.grad)  # PyTorch's convention: 2+4j (JAX's would be 2-4j)
    w = T.tensor([1 + 1j, 2 - 0.5j], requires_grad=True)
    c = T.tensor([0.5 - 1j, 2 + 0j])
    y = (w * c * w).abs().sum()
    y.backward()
    rec(w.grad)
    r = T.tensor([1.0, 2.0], requires_grad=True)
    (r * c).abs().sum().backward()
    rec(r.grad)


# ---- errors --------------------------------------------------------------------------------------


def err_non_scalar(T: Any, rec: Any) -> None:
    (T.tensor([1.0, 2.0], requires_grad=True) * 2).backward()


def err_no_grad(T: Any, rec: Any) -> None:
    T.tensor([1.0, 2.0]).sum().backward()


def err_no_grad_second(T: Any, rec: Any) -> None:
    x = T.tensor(1.0, requires_grad=True)
    T.autograd.backward([x * 2, T.tensor(1.0)])


def err_int_requires_grad(T: Any, rec: Any) -> None:
    T.tensor([1, 2], requires_grad=True)


def err_int_requires_grad_(T: Any, rec: Any) -> None:
    T.tensor([1, 2]).requires_grad_()


def err_gradient_shape(T: Any, rec: Any) -> None:
    (T.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2).backward(T.ones(2))


def err_gradient_shape_scalar(T: Any, rec: Any) -> None:
    (T.tensor([1.0, 2.0], requires_grad=True) * 2).sum().backward(T.ones(1))


def gradient_dtypes(T: Any, rec: Any) -> None:
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).backward(T.ones(3, dtype=T.int64))  # converted to the output's dtype
    rec(x.grad)
    z = T.tensor([1j, 2], requires_grad=True)
    (z * 2).backward(T.ones(2, dtype=T.complex128))
    rec(z.grad)
    (z * 2).backward(T.ones(2))  # real gradient for a complex output: raises


def err_gradient_complex_for_real(T: Any, rec: Any) -> None:
    (T.tensor([1.0], requires_grad=True) * 2).backward(T.ones(1, dtype=T.complex64))


def err_gradient_not_tensor(T: Any, rec: Any) -> None:
    (T.tensor([1.0, 2.0], requires_grad=True) * 2).backward([1.0, 1.0])


def err_unused(T: Any, rec: Any) -> None:
    x = T.tensor([1.0], requires_grad=True)
    z = T.tensor([1.0], requires_grad=True)
    T.autograd.grad((x * 2).sum(), [x, z])


def err_input_not_requiring_grad(T: Any, rec: Any) -> None:
    x = T.tensor([1.0], requires_grad=True)
    T.autograd.grad((x * 2).sum(), [T.tensor([1.0])])


def err_complex_implicit(T: Any, rec: Any) -> None:
    (T.tensor(1j, requires_grad=True) * 2).backward()


def err_hook_on_constant(T: Any, rec: Any) -> None:
    T.tensor([1.0]).register_hook(lambda g: g)


def err_retain_grad_constant(T: Any, rec: Any) -> None:
    T.tensor([1.0]).retain_grad()


def err_requires_grad_non_leaf(T: Any, rec: Any) -> None:
    (T.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def err_numpy_requires_grad(T: Any, rec: Any) -> None:
    T.tensor([1.0], requires_grad=True).numpy()


def err_empty_inputs(T: Any, rec: Any) -> None:
    x = T.tensor([1.0], requires_grad=True)
    (x * 2).sum().backward(inputs=[])


def err_item(T: Any, rec: Any) -> None:
    T.tensor([1.0, 2.0]).item()


def err_floor_divide_backward(T: Any, rec: Any) -> None:
    x = T.tensor([3.0, 4.0], requires_grad=True)
    y = x // 2
    rec(y)
    y.sum().backward()


PROGRAMS = [
    autograd_tutorial,
    accumulation, retain_graph, second_backward_without_saved_tensors,
    second_backward_scalar_mul, autograd_grad_frees, create_graph_backward,
    create_graph_accumulates_out_of_place, third_derivative, mixed_second_derivatives,
    hessian_vector, backward_inputs, backward_inputs_non_leaf, autograd_grad_variants,
    autograd_backward_many, gradient_argument, diamond_graph, shared_leaf_twice, hooks,
    retain_grad_after_hooks, non_leaf_grad_is_none, grad_modes, detach_and_data, sgd_loop,
    in_place_recorded, complex_gradients,
    err_non_scalar, err_no_grad, err_no_grad_second, err_int_requires_grad,
    err_int_requires_grad_, err_gradient_shape, err_gradient_shape_scalar, gradient_dtypes,
    err_gradient_complex_for_real, err_gradient_not_tensor, err_unused,
    err_input_not_requiring_grad, err_complex_implicit, err_hook_on_constant,
    err_retain_grad_constant, err_requires_grad_non_leaf, err_numpy_requires_grad,
    err_empty_inputs, err_item, err_floor_divide_backward,
]  # fmt: skip


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_same_as_pytorch(program: Any, conform: Any) -> None:
    conform(program)


def test_errors_are_raised_with_pytorch_wording(conform: Any) -> None:
    record = conform(err_gradient_shape)
    assert record[-1] == (
        "raised",
        "RuntimeError",
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a "
        "shape of torch.Size([3]).",
    )
    assert conform(retain_graph)[-1][2].startswith(
        "Trying to backward through the graph a second time"
    )


def test_complex_convention_is_pytorchs() -> None:
    import tracegrad.torch as torch

    z = torch.tensor(1 + 2j, requires_grad=True)
    (z.abs() ** 2).backward()
    assert z.grad is not None and complex(z.grad.item()) == 2 + 4j
    assert np.iscomplexobj(z.grad.numpy())
