# The two programs of issue 10 and more views: an in-place change of a saved tensor makes
# backward raise PyTorch's error; a view sees an in-place change of its base.
import torch

w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w * w).sum()
with torch.no_grad():
    w.mul_(10)
try:
    loss.backward()
except RuntimeError as e:
    print(type(e).__name__, str(e).split(" Hint:")[0])
print(w.grad, w._version)

p = torch.zeros(3, requires_grad=True)
q = p.clone()
v = q[:2]
q.add_(1.0)
print(v)
print(v._base is q, q.grad_fn.name(), v.grad_fn.name())

a = torch.arange(6.0).reshape(2, 3)
b = a.t()
c = a.view(6)
b[0, 1] = 100.0
print(a)
print(c, a._version, c._version)

x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = x * 2
y[1:3].mul_(y[0:2].clone())
print(y, y.grad_fn.name())
y.sum().backward()
print(x.grad)

z = torch.ones(2, 2, requires_grad=True)
s = z.sigmoid()
s.add_(1)
try:
    s.sum().backward()
except RuntimeError as e:
    print(str(e).split(" Hint:")[0])
d = z.detach()
d.zero_()
print(z, z._version)
