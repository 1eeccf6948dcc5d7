"""Convolution and max pooling, forward and backward, on one thread.

Run: ``python benchmarks/bench_conv.py`` (``--quick`` for a short smoke run).

The program: ``loss = sum(max_pool2d(conv2d(x, w, padding=1), 2) * ct)`` for ``x`` of shape
(8, 16, 32, 32), ``w`` of shape (32, 16, 3, 3), float32; the gradient with respect to ``x``
and ``w``. Median times of:

- **numpy by hand**: im2col + one matmul forward, the 2x2 pool by reshaping; backward by
  hand (the pool's first-maximum mask, ``cols.T @ d`` for ``w``, ``d @ W`` scattered back
  over the nine kernel offsets for ``x``). The bar tracegrad is measured against.
- **tg.jit(tg.grad)**: ``tracegrad.lax.conv_general_dilated`` + ``lax.reduce_window``.
- **tg.grad (eager)**: the same without ``jit``.
- **tracegrad.torch**: ``F.conv2d`` + ``F.max_pool2d`` + ``.backward()``.
- **torch**, **jax.jit(jax.grad)** when installed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

N, C, H, W, F, K = 8, 16, 32, 32, 32, 3  # F: output features


def median_s(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def numpy_by_hand(x: np.ndarray, w: np.ndarray, ct: np.ndarray) -> tuple[Any, Any]:
    """Forward and backward written directly in NumPy (padding 1, stride 1, 2x2 pool)."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (K, K), axis=(2, 3))  # N C H W k k
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * H * W, C * K * K)
    y = (cols @ w.reshape(F, -1).T).reshape(N, H, W, F).transpose(0, 3, 1, 2)
    blocks = y.reshape(N, F, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    blocks = blocks.reshape(N, F, H // 2, W // 2, 4)
    first = blocks.argmax(-1)
    d_blocks = np.zeros_like(blocks)
    np.put_along_axis(d_blocks, first[..., None], ct[..., None], -1)
    dy = d_blocks.reshape(N, F, H // 2, W // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    dy = dy.reshape(N, F, H, W)
    d_flat = dy.transpose(0, 2, 3, 1).reshape(N * H * W, F)
    dw = (d_flat.T @ cols).reshape(w.shape)
    dcols = (d_flat @ w.reshape(F, -1)).reshape(N, H, W, C, K, K)
    dxp = np.zeros_like(xp)
    for i in range(K):
        for j in range(K):
            dxp[:, :, i : i + H, j : j + W] += dcols[..., i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, 1:-1, 1:-1], dw


def tracegrad_loss() -> Callable[..., Any]:
    import tracegrad.numpy as tnp
    from tracegrad import lax

    def loss(x: Any, w: Any, ct: Any) -> Any:
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME")
        p = lax.reduce_window(y, -np.inf, tnp.maximum, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        return tnp.sum(p * ct)

    return loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    repeat = 3 if parser.parse_args().quick else 15
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, C, H, W)).astype(np.float32)
    w = rng.normal(size=(F, C, K, K)).astype(np.float32)
    ct = rng.normal(size=(N, F, H // 2, W // 2)).astype(np.float32)

    import tracegrad as tg
    import tracegrad.torch as tt

    loss = tracegrad_loss()
    grad = tg.grad(loss, (0, 1))
    jitted = tg.jit(grad)
    ref = numpy_by_hand(x, w, ct)
    for got in (grad(x, w, ct), jitted(x, w, ct)):
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)

    def shim(torch: Any) -> Callable[[], Any]:
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(w, requires_grad=True)
        ctt = torch.tensor(ct)

        def run() -> Any:
            xt.grad = wt.grad = None
            y = torch.nn.functional.conv2d(xt, wt, padding=1)
            (torch.nn.functional.max_pool2d(y, 2) * ctt).sum().backward()
            return xt.grad, wt.grad

        return run

    times = {
        "numpy by hand": median_s(lambda: numpy_by_hand(x, w, ct), repeat),
        "tg.jit(tg.grad)": median_s(lambda: jitted(x, w, ct), repeat),
        "tg.grad (eager)": median_s(lambda: grad(x, w, ct), repeat),
        "tracegrad.torch": median_s(shim(tt), repeat),
    }
    try:
        import torch

        torch.set_num_threads(1)
        times["torch"] = median_s(shim(torch), repeat)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        def jloss(x: Any, w: Any, ct: Any) -> Any:
            y = jax.lax.conv_general_dilated(x, w, (1, 1), "SAME")
            p = jax.lax.reduce_window(y, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
            return jnp.sum(p * ct)

        jg = jax.jit(jax.grad(jloss, (0, 1)))
        times["jax.jit(jax.grad)"] = median_s(
            lambda: [a.block_until_ready() for a in jg(x, w, ct)], repeat
        )
    except ImportError:
        pass
    base = times["numpy by hand"]
    print(f"conv2d {N}x{C}x{H}x{W} * {F}x{C}x{K}x{K} + max_pool 2x2, forward + backward, float32")
    print("| implementation | ms | / numpy by hand |")
    print("|---|---:|---:|")
    for name, t in times.items():
        print(f"| {name} | {t * 1e3:.2f} | {t / base:.2f} |")


if __name__ == "__main__":
    main()
