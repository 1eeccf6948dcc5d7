# A bag-of-tokens classifier: Embedding + LayerNorm + Linear, CrossEntropyLoss with
# label_smoothing and ignore_index, AdamW and a cosine schedule.
import torch
import torch.nn as nn


class TokenClassifier(nn.Module):
    def __init__(self, vocab, dim, classes):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, classes)

    def forward(self, tokens):
        mask = (tokens != 0).unsqueeze(-1).float()
        h = (self.embed(tokens) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.out(torch.tanh(self.norm(h)))


torch.manual_seed(7)
tokens = torch.randint(0, 20, (24, 6))
labels = tokens[:, 0] % 4
labels[:3] = -100
model = TokenClassifier(20, 12, 4)
print(model.embed.weight[0])
criterion = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=-100)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
for step in range(30):
    optimizer.zero_grad()
    loss = criterion(model(tokens), labels)
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step % 10 == 9:
        print(step, f"{loss.item():.4f}", f"{scheduler.get_last_lr()[0]:.6f}")
with torch.no_grad():
    pred = model(tokens).argmax(-1)
print((pred[3:] == labels[3:]).float().mean().item() > 0.5, model.embed.weight.grad[0])
