# LBFGS with and without the strong-Wolfe line search, fitting a small logistic
# regression in float64 (closures, as PyTorch's documentation shows).
import torch
import torch.nn.functional as F

torch.manual_seed(19)
X = torch.randn(40, 3, dtype=torch.float64)
true_w = torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64)
y = (X @ true_w + 0.3 * torch.randn(40, dtype=torch.float64) > 0).double()

for search in (None, "strong_wolfe"):
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], lr=0.5, max_iter=4, line_search_fn=search)
    evals = []

    def closure():
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(X @ w + b, y) + 0.01 * w.pow(2).sum()
        loss.backward()
        evals.append(loss.item())
        return loss

    for step in range(3):
        loss = optimizer.step(closure)
        print(search, step, f"{loss.item():.6f}")
    print(search, len(evals), [f"{v:.4f}" for v in w.tolist()], f"{b.item():.4f}")
    print(optimizer.state[optimizer.param_groups[0]["params"][0]]["n_iter"])
