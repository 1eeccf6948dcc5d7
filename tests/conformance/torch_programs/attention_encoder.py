# A sequence classifier with nn.TransformerEncoderLayer and nn.MultiheadAttention:
# positional embeddings, a key padding mask, attention weights averaged over heads,
# AdamW with weight decay, a linear warm-up LambdaLR, eval() and argmax accuracy.
import torch
import torch.nn as nn

torch.manual_seed(3)
B, T, D, V = 8, 6, 16, 10
tokens = torch.randint(1, V, (B, T))
lengths = torch.tensor([6, 5, 4, 6, 3, 6, 2, 5])
pad = torch.arange(T)[None, :] >= lengths[:, None]
tokens = tokens.masked_fill(pad, 0)
labels = (tokens == 7).any(dim=1).long()
print("labels:", labels.tolist(), "pad:", pad.sum().item())


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, T, D))
        self.layer = nn.TransformerEncoderLayer(
            D, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True
        )
        self.attn = nn.MultiheadAttention(D, num_heads=2, batch_first=True)
        self.query = nn.Parameter(torch.randn(1, 1, D) * 0.1)
        self.out = nn.Linear(D, 2)

    def forward(self, x, mask):
        h = self.layer(self.embed(x) + self.pos, src_key_padding_mask=mask)
        q = self.query.expand(x.shape[0], -1, -1)
        pooled, weights = self.attn(q, h, h, key_padding_mask=mask)
        return self.out(pooled.squeeze(1)), weights


model = Classifier()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(1.0, (step + 1) / 5))
loss_fn = nn.CrossEntropyLoss()
for step in range(25):
    logits, weights = model(tokens, pad)
    loss = loss_fn(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 8 == 0:
        print(f"step {step}: loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.5f}")

model.eval()
with torch.no_grad():
    logits, weights = model(tokens, pad)
print("accuracy:", (logits.argmax(-1) == labels).float().mean().item())
print(
    "weights:", weights.shape, "rows sum to 1:", torch.allclose(weights.sum(-1), torch.ones(B, 1))
)
print("masked weight:", weights[6, 0, 2:].abs().max().item())
print("padding row of embedding grad:", model.embed.weight.grad[0].abs().sum().item())
print(weights[6].round(decimals=3))
