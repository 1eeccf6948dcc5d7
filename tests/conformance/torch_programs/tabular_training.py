# A tabular-data training script: standardisation with mean/std(keepdim), one-hot and
# embedding features concatenated, a weighted CrossEntropyLoss, RMSprop with a
# ReduceLROnPlateau-style manual schedule, early stopping on a validation split,
# gradient accumulation over micro-batches, weight decay by hand, and a confusion matrix.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)
N = 120
num = torch.randn(N, 4) * torch.tensor([1.0, 10.0, 0.1, 3.0]) + torch.tensor([0.0, 50.0, 1.0, -2.0])
cat = torch.randint(0, 5, (N,))
logits_true = num[:, 0] - 0.1 * (num[:, 1] - 50) + (cat == 3).float() * 2
y = (logits_true > 0.5).long() + (logits_true > 2.0).long()
print("class counts:", torch.bincount(y, minlength=3).tolist())

mu, sd = num[:80].mean(0, keepdim=True), num[:80].std(0, keepdim=True)
num_n = (num - mu) / sd
print(
    "standardised:",
    num_n[:80].mean(0).abs().max().item() < 1e-5,
    num_n[:80].std(0).round(decimals=4),
)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.body = nn.Sequential(
            nn.Linear(4 + 3 + 5, 16), nn.SiLU(), nn.Dropout(0.1), nn.Linear(16, 3)
        )

    def forward(self, x_num, x_cat):
        feats = torch.cat([x_num, self.emb(x_cat), F.one_hot(x_cat, 5).float()], dim=1)
        return self.body(feats)


model = Model()
weights = 1.0 / torch.bincount(y[:80], minlength=3).float().clamp(min=1)
criterion = nn.CrossEntropyLoss(weight=weights / weights.sum())
opt = torch.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.9)
best, patience, lr_drops = float("inf"), 0, 0
for epoch in range(40):
    model.train()
    opt.zero_grad()
    for i in range(0, 80, 20):
        loss = criterion(model(num_n[i : i + 20], cat[i : i + 20]), y[i : i + 20]) / 4
        loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.grad.add_(p, alpha=1e-4)
    opt.step()
    model.eval()
    with torch.no_grad():
        val = criterion(model(num_n[80:], cat[80:]), y[80:]).item()
    if val < best - 1e-4:
        best, patience = val, 0
    else:
        patience += 1
        if patience == 3:
            for group in opt.param_groups:
                group["lr"] *= 0.5
            lr_drops, patience = lr_drops + 1, 0
    if epoch % 10 == 0:
        print(f"epoch {epoch}: val {val:.4f} best {best:.4f} lr {opt.param_groups[0]['lr']:.5f}")
print("lr drops:", lr_drops)
with torch.no_grad():
    pred = model(num_n[80:], cat[80:]).argmax(1)
confusion = torch.zeros(3, 3, dtype=torch.long)
confusion.index_put_((y[80:], pred), torch.ones_like(pred), accumulate=True)
print(confusion)
print(
    "accuracy:",
    (pred == y[80:]).float().mean().item(),
    "per class:",
    (confusion.diag() / confusion.sum(1).clamp(min=1)).round(decimals=3),
)
print(
    "state keys:",
    list(opt.state_dict()["state"].keys())[:3],
    sorted(opt.state_dict()["param_groups"][0])[:4],
)
