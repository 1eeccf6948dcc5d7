# Higher-order autograd a research script uses: a physics-informed network fitting
# u'' = -u on [0, pi] (second derivatives with create_graph), a WGAN-style gradient
# penalty, BatchNorm1d in train/eval, F.pad, cdist, logsumexp, float64 parameters.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)
net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(net.parameters(), lr=5e-3)
x = torch.linspace(0, math.pi, 25).unsqueeze(1).requires_grad_(True)
for step in range(40):
    u = net(x)
    du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
    residual = (d2u + u).pow(2).mean()
    boundary = (net(torch.tensor([[0.0]])) - 0.0).pow(2) + (du[0] - 1.0).pow(2)
    loss = residual + boundary.sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f"step {step}: residual {residual.item():.6f} boundary {boundary.item():.6f}")
print("u(pi/2) =", round(net(torch.tensor([[math.pi / 2]])).item(), 6), x.grad is None)

critic = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
real, fake = torch.randn(6, 3), torch.randn(6, 3) + 1.0
eps = torch.rand(6, 1)
mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
score = critic(mixed)
(g,) = torch.autograd.grad(score, mixed, grad_outputs=torch.ones_like(score), create_graph=True)
penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
w_loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
w_loss.backward()
print("penalty:", round(penalty.item(), 6), "w_loss:", round(w_loss.item(), 6))
print("bn running mean:", critic[1].running_mean[:3], critic[1].num_batches_tracked)
print("grad norms:", [round(p.grad.norm().item(), 5) for p in critic.parameters()])
critic.eval()
print("eval scores:", critic(real[:2]).detach().squeeze(1))

padded = F.pad(torch.arange(6.0).reshape(2, 3), (1, 2), value=-1.0)
print(padded, F.pad(torch.ones(1, 2, 2), (1, 1, 1, 1), mode="constant").shape)
print(torch.cdist(real[:3], fake[:2]).round(decimals=4))
print(torch.logsumexp(real, dim=0), real.dtype, torch.get_default_dtype())
h = torch.autograd.functional.hessian(lambda v: (v**3).sum() + v.prod(), torch.tensor([1.0, 2.0]))
print(h)
