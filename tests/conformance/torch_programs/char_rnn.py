# A character-level language model: a vocabulary from a string, Embedding + a 2-layer
# LSTM (batch_first) + Linear, CrossEntropyLoss over flattened time steps, truncated BPTT
# with detached hidden state, clip_grad_norm_, SGD with momentum, and greedy sampling.
import torch
import torch.nn as nn

torch.manual_seed(1)
text = "hello world, hello tracegrad. the quick brown fox jumps over the lazy dog. " * 3
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
encoded = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print("vocab:", len(chars), "tokens:", encoded.shape, encoded.dtype)


class CharRNN(nn.Module):
    def __init__(self, vocab, emb=12, hidden=24):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, dropout=0.0)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embed(x), state)
        return self.head(out), state


model = CharRNN(len(chars))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
seq, batch = 16, 4
starts = torch.arange(0, len(encoded) - seq - 1, (len(encoded) - seq - 1) // batch)[:batch]
for epoch in range(6):
    state = None
    losses = []
    for offset in range(0, 48, seq):
        idx = starts[:, None] + offset + torch.arange(seq)[None, :]
        x, y = encoded[idx], encoded[idx + 1]
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = criterion(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: loss {sum(losses) / len(losses):.4f} grad norm {norm.item():.3f}")

print("state:", [tuple(s.shape) for s in state], state[0].requires_grad)
with torch.no_grad():
    x = torch.tensor([[stoi[c] for c in "hello "]])
    logits, st = model(x)
    out = []
    nxt = logits[0, -1].argmax()
    for _ in range(12):
        out.append(chars[nxt.item()])
        logits, st = model(nxt.view(1, 1), st)
        nxt = logits[0, -1].argmax()
    print("greedy:", repr("".join(out)))
    probs = torch.softmax(logits[0, -1], dim=-1)
    top = torch.topk(probs, 3)
    print(
        "top3:",
        [chars[i] for i in top.indices.tolist()],
        [round(v, 3) for v in top.values.tolist()],
    )
print("lstm weights:", [n for n, _ in model.rnn.named_parameters()][:4])
