# Sequence regression with an LSTM and a GRU: predict the next value of noisy sine waves.
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(input_size=1, hidden_size=8, num_layers=1, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :])


torch.manual_seed(5)
t = torch.arange(0, 24, dtype=torch.float32) * 0.3
phase = torch.rand(10, 1) * 6.0
series = torch.sin(t + phase) + 0.05 * torch.randn(10, 24)
x = series[:, :-1].unsqueeze(-1)
y = series[:, -1:]
print(x.shape, y.shape)

for cell in (nn.LSTM, nn.GRU):
    model = Regressor(cell)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for step in range(40):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 10 == 9:
            print(cell.__name__, step, f"{loss.item():.4f}")
    out, state = model.rnn(x[:2])
    hidden = state[0] if isinstance(state, tuple) else state
    print(cell.__name__, out.shape, hidden.shape, [tuple(p.shape) for p in model.rnn.parameters()])
