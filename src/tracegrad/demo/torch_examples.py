"""The demo's ``Tensor.backward`` section: SPEC section 8's two PyTorch examples, run unchanged
with ``import tracegrad.torch as torch``, next to what PyTorch prints for them."""

from __future__ import annotations

import contextlib
import io
import textwrap
from types import ModuleType
from typing import TextIO

# The examples as a PyTorch user writes them (SPEC section 8), run as shown.
EXAMPLES: tuple[str, ...] = (
    """\
X = torch.tensor([[2,4,6],[2,7,9],[2,4,5]], dtype=torch.float, requires_grad=True)
for i in range(2):
    for j in range(3):
        output = X[i,j] * X[i,j]
        output.backward()
print(X.grad)
""",
    """\
A = torch.tensor(2.0, requires_grad = True)
B = A * 4
B.backward()
print(A.grad.data)
""",
)

# What PyTorch 2.x prints for each example (checked against real torch by tests/test_demo.py).
PYTORCH_PRINTS: tuple[str, ...] = (
    "tensor([[ 4.,  8., 12.],\n        [ 4., 14., 18.],\n        [ 0.,  0.,  0.]])\n",
    "tensor(4.)\n",
)


def run_example(source: str, torch: ModuleType) -> str:
    """What ``source`` prints when ``torch`` is the module named ``torch``.

    >>> import tracegrad.torch
    >>> run_example("print(torch.tensor(2.0) * 4)", tracegrad.torch)
    'tensor(8.)\\n'
    """
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(source, {"torch": torch})  # the example's text is the code that runs
    return buffer.getvalue()


def torch_section(out: TextIO) -> bool:
    """Run the examples on ``tracegrad.torch``, print code and output; True when every
    output is exactly what PyTorch prints."""
    import tracegrad.torch as torch

    print("PyTorch code, run unchanged after `import tracegrad.torch as torch`:", file=out)
    same = True
    for number, (source, expected) in enumerate(zip(EXAMPLES, PYTORCH_PRINTS, strict=True), 1):
        printed = run_example(source, torch)
        match = printed == expected
        same = same and match
        print(f"\nExample {number}:\n", file=out)
        print(textwrap.indent(source, "    "), file=out)
        print("prints:\n", file=out)
        print(printed, end="", file=out)
        verdict = "exactly what PyTorch prints" if match else f"PyTorch prints:\n{expected}"
        print(f"\n-> {verdict}", file=out)
    print(
        "\nEvery gradient above comes from tracegrad's primitive rules: each node's vjp\n"
        "is staged once per signature and reused.",
        file=out,
    )
    return same
