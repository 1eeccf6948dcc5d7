# "Learning PyTorch with Examples": a custom autograd Function (Legendre polynomial P3),
# plus the setup_context form, needs_input_grad and a double backward through a Function
# whose backward is written in torch ops.
import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x, scale):
        return scale * x**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, scale = inputs
        ctx.save_for_backward(x)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        print("needs_input_grad", ctx.needs_input_grad)
        return grad_output * 3 * ctx.scale * x**2, None


dtype = torch.float
torch.manual_seed(4)
x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
# An offset, so that a and c move: on sin alone their gradients are 0 but for rounding,
# and their printed values would be rounding noise.
y = torch.sin(x) + 0.25

a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(300):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        # float32 sums of 200 squares (PyTorch's kernels sum in another order than
        # NumPy): four significant digits are stable.
        print(t, f"{loss.item():.2f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")
print(y_pred.grad_fn.name(), P3(c).grad_fn.name())

z = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
out = Cube.apply(z, 2.0)
print(out)
(g,) = torch.autograd.grad(out.sum(), z, create_graph=True)
print(g)
(gg,) = torch.autograd.grad(g.sum(), z)
print(gg)
