# "A Gentle Introduction to torch.autograd": grad_fn, leaves, retain_graph, vector-Jacobian
# products with backward(gradient), no_grad/detach, accumulation and zeroing, higher order.
import torch

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
print(Q, Q.grad_fn.name(), Q.is_leaf, a.is_leaf)
Q.backward(gradient=torch.tensor([1.0, 1.0]))
print(9 * a**2 == a.grad, -2 * b == b.grad)

x = torch.ones(5)
y = torch.zeros(3)
torch.manual_seed(23)
w = torch.randn(5, 3, requires_grad=True)
bias = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + bias
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(type(z.grad_fn).__name__, loss.grad_fn.name())
loss.backward(retain_graph=True)
print(w.grad)
print(bias.grad)
loss.backward()
print(bias.grad)
w.grad.zero_()
with torch.no_grad():
    z2 = torch.matmul(x, w) + bias
print(z2.requires_grad, z.detach().requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"Call after zeroing gradients\n{inp.grad}")

t = torch.tensor(1.5, requires_grad=True)
f = t**4 - torch.exp(t)
(d1,) = torch.autograd.grad(f, t, create_graph=True)
(d2,) = torch.autograd.grad(d1, t, create_graph=True)
(d3,) = torch.autograd.grad(d2, t)
print(f"{d1.item():.4f} {d2.item():.4f} {d3.item():.4f}", d1.grad_fn is not None)
try:
    torch.autograd.grad(f, t)
    torch.autograd.grad(f, t)
except RuntimeError as e:
    print(str(e).split(".")[0])
