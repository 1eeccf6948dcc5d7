# torch.func: grad, grad_and_value, per-sample gradients with vmap over functional_call,
# jacrev/jacfwd and hessian, vmap with in_dims/out_dims/chunk_size.
import torch
import torch.nn as nn
from torch.func import functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, vmap

torch.manual_seed(13)


def f(x):
    return (x.sin() * x).sum()


x = torch.randn(4, dtype=torch.float64)
print(grad(f)(x))
g, value = grad_and_value(f)(x)
print(f"{value.item():.6f}", torch.allclose(g, x.cos() * x + x.sin()))
print(hessian(f)(x).diagonal())
print(jacrev(torch.sin)(x).diagonal(), jacfwd(torch.sin)(x).shape)

model = nn.Linear(3, 1)
params = {k: v.detach() for k, v in model.named_parameters()}
data = torch.randn(6, 3)
targets = torch.randn(6, 1)


def loss_one(params, sample, target):
    out = functional_call(model, params, (sample.unsqueeze(0),))
    return nn.functional.mse_loss(out, target.unsqueeze(0))


per_sample = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, data, targets)
for name, g in per_sample.items():
    print(name, tuple(g.shape), [f"{v:.4f}" for v in g.flatten()[:4].tolist()])
model.zero_grad()
nn.functional.mse_loss(model(data), targets, reduction="sum").backward()
print(torch.allclose(per_sample["weight"].sum(0), model.weight.grad, atol=1e-5))

m = torch.arange(6.0).reshape(2, 3)
print(vmap(torch.outer, in_dims=(0, None))(m, torch.ones(2)).shape)
print(vmap(lambda r: r * 2, in_dims=1, out_dims=1, chunk_size=2)(m))
print(
    jacrev(lambda a, b: a * b, argnums=(0, 1))(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
)
