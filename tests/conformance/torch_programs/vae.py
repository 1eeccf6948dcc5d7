# A variational autoencoder on small seeded binary "images": nn.Sequential encoder and
# decoder, the reparameterisation trick, BCE-with-logits plus the KL term, Adam, and
# sampling from the prior under no_grad; printed losses and a few reconstructions.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N, D, H, Z = 64, 20, 16, 2
prototypes = (torch.rand(4, D) > 0.5).float()
labels = torch.randint(0, 4, (N,))
flips = (torch.rand(N, D) < 0.1).float()
data = (prototypes[labels] + flips) % 2


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, 2 * Z))
        self.decoder = nn.Sequential(nn.Linear(Z, H), nn.ReLU(), nn.Linear(H, D))

    def forward(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        std = torch.exp(0.5 * logvar)
        z = mu + std * torch.randn_like(std)
        return self.decoder(z), mu, logvar


def loss_fn(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.shape[0], bce / x.shape[0]


model = VAE()
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(30):
    perm = torch.randperm(N)
    total = 0.0
    for i in range(0, N, 16):
        batch = data[perm[i : i + 16]]
        logits, mu, logvar = model(batch)
        loss, bce = loss_fn(logits, batch, mu, logvar)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}: loss {total / 4:.3f} last bce {bce.item():.3f}")

model.eval()
with torch.no_grad():
    logits, mu, logvar = model(data[:4])
    recon = (torch.sigmoid(logits) > 0.5).float()
    print("bit errors:", (recon != data[:4]).sum(dim=1).tolist())
    print("latent means:", mu.shape, mu.requires_grad, mu.dtype)
    samples = torch.sigmoid(model.decoder(torch.randn(3, Z)))
    print("sample mean:", round(samples.mean().item(), 2), samples.shape)
    print("BCE (probs):", round(F.binary_cross_entropy(torch.sigmoid(logits), data[:4]).item(), 3))
print(model.decoder[2].bias.grad.shape, model.decoder[2].weight.grad.norm() > 0)
