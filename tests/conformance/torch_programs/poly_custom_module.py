# "Learning PyTorch with Examples": a custom nn.Module, plus dynamic control flow (the
# tutorial's random-depth model, with a seeded choice of depth).
import math
import random

import torch


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x**2 + self.d * x**3

    def string(self):
        return (
            f"y = {self.a.item():.3f} + {self.b.item():.3f} x"
            f" + {self.c.item():.3f} x^2 + {self.d.item():.3f} x^3"
        )


class DynamicNet(Polynomial3):
    def __init__(self):
        super().__init__()
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = super().forward(x)
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x**exp
        return y


torch.manual_seed(3)
random.seed(3)
x = torch.linspace(-math.pi, math.pi, 200)
y = torch.sin(x)

model = Polynomial3()
print(sum(p.numel() for p in model.parameters()), model.a.requires_grad)
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
for t in range(300):
    loss = criterion(model(x), y)
    if t % 100 == 99:
        print(t, f"{loss.item():.3f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"Result: {model.string()}")

dyn = DynamicNet()
optimizer = torch.optim.SGD(dyn.parameters(), lr=1e-8, momentum=0.9)
for t in range(200):
    loss = criterion(dyn(x), y)
    if t % 50 == 49:
        # PyTorch computes x**4 and x**5 with SLEEF's powf, whose last bits NumPy does not
        # reproduce, and sums in another order: six significant digits are stable.
        print(t, f"{loss.item():.6g}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"e = {dyn.e.item():.5f}")
