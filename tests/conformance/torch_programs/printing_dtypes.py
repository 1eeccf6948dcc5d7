# What a notebook prints: tensors of many shapes, dtypes and magnitudes (summarised large
# tensors, scientific notation, negative zero, integers, complex), dtype promotion of
# mixed operands, integer division and remainder signs, and type conversions.
import torch

torch.manual_seed(2)
print(torch.arange(2000).reshape(40, 50).float())
print(torch.randn(3, 1000).double() * 1e-3)
print(
    torch.tensor([-0.0, 0.0, 1e-10, 1e10]), torch.tensor([1e-3, 5e4]), torch.tensor([123456789.0])
)
print(torch.tensor([1, -2, 300000000000]), torch.tensor([[True], [False]]))
print(torch.tensor([[1.5 + 2j, 3.25 - 1j]], dtype=torch.complex64))
print(torch.zeros(2, 3, 4)[:, :, :2])
print(
    torch.tensor([float("nan"), -float("inf"), 2.5]), torch.tensor([0.1, 0.25], dtype=torch.float16)
)
print(
    torch.tensor(7),
    torch.tensor(-1e-4),
    torch.tensor([1000.0, 0.001]),
    torch.tensor([[1e-5], [2.0]]),
)

i32, i64 = torch.tensor([7, -7], dtype=torch.int32), torch.tensor([2, 2])
f16, f32 = torch.tensor([1.5], dtype=torch.float16), torch.tensor([2.0])
print((i32 + i64).dtype, (i32 * 2.5).dtype, (f16 + f32).dtype, (f16 * 3).dtype, (i32 / i64).dtype)
print(
    (torch.tensor([True]) + 1).dtype, (torch.tensor([1], dtype=torch.uint8) - 2), (i32 + True).dtype
)
print(
    i32 // 2,
    i32 % 3,
    torch.fmod(i32, 3),
    torch.div(i32, 2, rounding_mode="trunc"),
    torch.div(i32, 2, rounding_mode="floor"),
)
print(torch.tensor([-7.5, 7.5]) // 2, torch.remainder(torch.tensor([-7.5, 7.5]), 2))
print(
    torch.tensor([2.7, -2.7]).int(), torch.tensor([300]).to(torch.uint8), torch.tensor([1.7]).long()
)
print(
    torch.tensor([0.5, 1.5, 2.5, -0.5]).round(),
    torch.tensor([1, 2, 3]).float().mean(),
    torch.tensor([1, 2]).sum().dtype,
)
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
y = (x * 2).sum(dim=0)
print(y, y.grad_fn.name(), x.T, x.mean(), x.std(), x.var(dim=1, unbiased=False))
print(x.detach().numpy().dtype, x.tolist(), x[0, 1].item(), type(x.sum().item()))
print(
    torch.tensor([3, 1, 2]).max(),
    torch.tensor([3.0, 1.0]).argmin(),
    torch.tensor([[1, 5], [7, 2]]).amax(dim=0),
)
print(
    torch.ones(2, 2, dtype=torch.bool).all(),
    torch.tensor([0, 1]).any(),
    torch.tensor([1.0, 2.0]).prod(),
)
print(
    repr(torch.tensor([1.0, 2.0], requires_grad=True)),
    str(torch.tensor([[1]])),
    f"{torch.tensor(3.14159).item():.3f}",
)
print(
    torch.empty(0, 3),
    torch.tensor([[]]),
    torch.ones(1, 1, 1),
    torch.tensor([1.0]).shape,
    torch.tensor(1.0).shape,
)
print(
    torch.finfo(torch.float32).eps,
    torch.iinfo(torch.int32).max,
    torch.float32.is_floating_point,
    torch.int64,
)
