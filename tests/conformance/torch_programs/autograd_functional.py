# torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp on a small Rosenbrock
# and a vector function, in float64.
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def polar(r_theta):
    r, theta = r_theta[0], r_theta[1]
    return torch.stack([r * torch.cos(theta), r * torch.sin(theta)])


x = torch.tensor([0.5, -0.3, 1.2], dtype=torch.float64)
print(jacobian(rosenbrock, x))
print(hessian(rosenbrock, x))
v = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64)
value, hv = hvp(rosenbrock, x, v)
print(f"{value.item():.6f}", hv)
print(vhp(rosenbrock, x, v)[1])
p = torch.tensor([2.0, 0.25], dtype=torch.float64)
print(jacobian(polar, p))
out, vj = vjp(polar, p, torch.tensor([1.0, 1.0], dtype=torch.float64))
print(out, vj)
print(jvp(polar, p, torch.tensor([0.0, 1.0], dtype=torch.float64))[1])
print(jacobian(lambda a, b: a * b.sum(), (p, x)))
