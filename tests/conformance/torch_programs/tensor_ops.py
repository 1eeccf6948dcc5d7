# Tensor manipulation of the kind data-processing code does, printed as tensors:
# gather/scatter/scatter_add/index_put_/index_add_/masked_fill/topk/sort/unique/cat/stack/
# where/einsum, in-place changes through views, and tensors of several dtypes.
import torch

torch.manual_seed(7)
x = torch.randn(3, 5)
print(x)
idx = torch.tensor([[0, 4], [2, 2], [1, 3]])
print(torch.gather(x, 1, idx))
print(torch.zeros(3, 5).scatter_(1, idx, 1.0))
print(torch.zeros(2, 5).scatter_add_(1, torch.tensor([[0, 0, 1], [4, 4, 4]]), torch.ones(2, 3)))
print(
    torch.zeros(4, dtype=torch.int64).index_add_(
        0, torch.tensor([0, 2, 2]), torch.tensor([5, 6, 7])
    )
)

y = x.clone()
y.index_put_((torch.tensor([0, 2]), torch.tensor([1, 1])), torch.tensor([10.0, 20.0]))
y[y < -1] = 0.0
print(y)
print(x.masked_fill(x > 0, float("-inf")).softmax(dim=1).nan_to_num(0.0).round(decimals=4))

vals, inds = torch.topk(x, k=2, dim=1)
print(vals, inds, sep="\n")
s = torch.sort(x[0], descending=True)
print(s.values, s.indices)
u, inv, counts = torch.unique(
    torch.tensor([3, 1, 3, 2, 1, 3]), return_inverse=True, return_counts=True
)
print(u, inv, counts)
print(torch.cat([x[:, :2], x[:, -1:]], dim=1).shape, torch.stack([x, x], dim=-1).shape)
print(torch.where(x > 0, x, torch.zeros_like(x)).sum(dim=0))
print(torch.einsum("ij,kj->ik", x, x).diagonal())
print(torch.einsum("bi,bj->bij", x[:2, :2], x[:2, :2]))

base = torch.arange(12.0).reshape(3, 4)
view = base[:, 1]
view.mul_(10)
base.t()[0].add_(100)
print(base)
print(view, view.is_contiguous(), base.stride(), base.t().stride())
row = base.view(-1)[4:8]
row.zero_()
print(base.sum().item(), row._version if hasattr(row, "_version") else "")

print(torch.tensor([1, 2, 3], dtype=torch.int32), torch.tensor([True, False]))
print(torch.tensor([1.5, 2.25], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float16))
print(torch.tensor([[1e-5, 1e5]]), torch.tensor([0.1, 123456.0]))
print(torch.tensor([1 + 2j, -0.5j]), torch.arange(6).reshape(2, 3).float() / 3)
print(
    torch.tensor(3.5),
    torch.tensor([]),
    torch.zeros(2, 0),
    torch.tensor([float("nan"), float("inf")]),
)
print(torch.randn(2, 3, requires_grad=True) * 2)
print(torch.linspace(0, 1, 5).bfloat16(), torch.tensor([255], dtype=torch.uint8) + 1)
print(torch.full((2, 2), 7), torch.eye(2, dtype=torch.long))
print(x.argmax(dim=1), x.max(dim=1), sep="\n")
print(torch.chunk(torch.arange(7), 3), torch.split(torch.arange(5), [2, 3]))
