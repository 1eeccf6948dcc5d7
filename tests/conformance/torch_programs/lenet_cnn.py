# A LeNet-style CNN trained for a few steps on small seeded random images: Conv2d,
# MaxPool2d, BatchNorm2d, Dropout, Adam, StepLR, train()/eval().
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        # No bias before BatchNorm (as usual): its gradient is 0 up to rounding, which Adam
        # scales to steps of +-lr, so its value would be rounding noise in any library.
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc2(x)


torch.manual_seed(0)
images = torch.randn(16, 1, 12, 12)
labels = torch.randint(0, 3, (16,))
net = LeNet()
print(net)
print(sum(p.numel() for p in net.parameters()))
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
criterion = nn.CrossEntropyLoss()
for epoch in range(12):
    net.train()
    optimizer.zero_grad()
    loss = criterion(net(images), labels)
    loss.backward()
    optimizer.step()
    scheduler.step()
    if epoch % 3 == 2:
        print(epoch, f"{loss.item():.4f}", scheduler.get_last_lr())

net.eval()
with torch.no_grad():
    logits = net(images)
print(f"{net.bn1.running_mean.abs().sum().item():.4f}", net.bn1.num_batches_tracked)
print((logits.argmax(1) == labels).sum().item(), logits.shape)
