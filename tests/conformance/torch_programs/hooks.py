# Module forward / forward-pre / full backward hooks, tensor hooks and retain_grad.
import torch
import torch.nn as nn

torch.manual_seed(11)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
seen = []


def forward_hook(module, inputs, output):
    seen.append(("forward", type(module).__name__, tuple(output.shape)))


def pre_hook(module, inputs):
    seen.append(("pre", type(module).__name__, tuple(inputs[0].shape)))
    return (inputs[0] * 2,)


def backward_hook(module, grad_input, grad_output):
    seen.append(
        ("backward", type(module).__name__, [f"{g.abs().sum().item():.4f}" for g in grad_output])
    )


handles = [
    net[0].register_forward_hook(forward_hook),
    net[2].register_forward_pre_hook(pre_hook),
    net[2].register_full_backward_hook(backward_hook),
]
x = torch.randn(5, 4, requires_grad=True)
out = net(x)
h = net[0](x)
h.retain_grad()
x.register_hook(lambda g: print("x hook", f"{g.abs().sum().item():.4f}"))
(out.sum() + h.pow(2).sum()).backward()
for entry in seen:
    print(entry)
print(f"{h.grad.abs().sum().item():.4f}", f"{net[0].weight.grad.abs().sum().item():.4f}")
for handle in handles:
    handle.remove()
seen.clear()
net(x)
print(seen)
