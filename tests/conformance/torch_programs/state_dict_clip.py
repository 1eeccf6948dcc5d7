# A model's and an optimizer's state_dict round trip (training resumes identically),
# clip_grad_norm_ / clip_grad_value_, parameters_to_vector, ModuleList and ModuleDict.
import copy

import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 8), nn.Linear(8, 8)])
        self.heads = nn.ModuleDict({"a": nn.Linear(8, 2), "b": nn.Linear(8, 1)})

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return self.heads["a"](x).sum(1) + self.heads["b"](x).squeeze(1)


def train(model, optimizer, steps, x, y):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        norm = clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
    return loss, norm


torch.manual_seed(17)
x, y = torch.randn(32, 4), torch.randn(32)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
loss, norm = train(model, optimizer, 5, x, y)
print(f"{loss.item():.4f} {norm.item():.4f}")
print(list(model.state_dict().keys()))
saved_model = copy.deepcopy(model.state_dict())
saved_opt = copy.deepcopy(optimizer.state_dict())
print(saved_opt["param_groups"][0]["nesterov"], sorted(saved_opt["state"][0].keys()))

loss_a, _ = train(model, optimizer, 5, x, y)
restored = Net()
restored.load_state_dict(saved_model)
optimizer2 = torch.optim.SGD(restored.parameters(), lr=0.1, momentum=0.9, nesterov=True)
optimizer2.load_state_dict(saved_opt)
loss_b, _ = train(restored, optimizer2, 5, x, y)
print(f"{loss_a.item():.6f} {loss_b.item():.6f}", torch.equal(loss_a, loss_b))

vec = parameters_to_vector(model.parameters())
print(vec.shape, f"{vec.norm().item():.4f}")
model.zero_grad()
((model(x) - y) ** 2).sum().backward()
clip_grad_value_(model.parameters(), clip_value=0.1)
print(max(p.grad.abs().max().item() for p in model.parameters()))
missing = restored.load_state_dict(
    {k: v for k, v in saved_model.items() if "heads" not in k}, strict=False
)
print(missing.missing_keys)
