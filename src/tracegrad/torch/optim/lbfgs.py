"""``torch.optim.LBFGS``: limited-memory BFGS over all parameters flattened into one vector,
driven by a closure that re-evaluates the loss, in the arithmetic of PyTorch's version."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tracegrad.torch.grad_mode import enable_grad, no_grad
from tracegrad.torch.optim._kernels import fma
from tracegrad.torch.optim._wolfe import Directional, strong_wolfe
from tracegrad.torch.optim.optimizer import Array, Optimizer, arr, write
from tracegrad.torch.optim.sgd import check_non_negative
from tracegrad.torch.tensor import Tensor, wrap


def _array(x: Any) -> Any:
    """A state value as the arrays the step computes with (tensors to their arrays)."""
    if isinstance(x, Tensor):
        return x._value[()] if x._value.ndim == 0 else x._value
    if isinstance(x, list):
        return [_array(v) for v in x]
    return x


def _tensor(x: Any) -> Any:
    """A value of the step as PyTorch keeps it in the state (arrays and float32 scalars as
    tensors)."""
    if isinstance(x, np.ndarray | np.generic):
        return wrap(np.array(x))
    if isinstance(x, list):
        return [_tensor(v) for v in x]
    return x


class LBFGS(Optimizer):
    """L-BFGS, PyTorch's defaults ``lr=1, max_iter=20, history_size=100``, with a fixed step
    (``line_search_fn=None``) or PyTorch's strong Wolfe line search (``"strong_wolfe"``,
    ``tracegrad.torch.optim._wolfe``). ``step`` needs
    a closure that zeroes the gradients, computes the loss, calls ``backward`` and returns
    the loss; all parameters form one group.

    >>> import tracegrad.torch as torch
    >>> w = torch.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = torch.optim.LBFGS([w])
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - torch.tensor([1.0, 2.0])) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure)
    tensor(13., grad_fn=<SumBackward0>)
    >>> w
    tensor([1.0000, 2.0000], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_non_negative(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr, "max_iter": max_iter, "max_eval": max_eval,
            "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
            "history_size": history_size, "line_search_fn": line_search_fn,
        }  # fmt: skip
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def _flat_grad(self) -> Array:
        parts = [
            np.zeros(arr(p).size, arr(p).dtype) if p._grad is None else arr(p._grad).reshape(-1)
            for p in self._params
        ]
        return np.concatenate(parts)

    def _add_grad(self, t: Any, d: Array) -> None:
        offset = 0
        for p in self._params:
            x = arr(p)
            write(p, fma(x, t, d[offset : offset + x.size].reshape(x.shape)))
            offset += x.size

    def _directional(self, evaluate: Callable[[], Any], d: Array) -> Directional:
        """``t -> (loss, flat gradient)`` at the parameters moved by ``t * d``, which are put
        back afterwards."""

        def at(t: Any) -> tuple[float, Array]:
            start = [arr(p).copy() for p in self._params]
            self._add_grad(t, d)
            loss = float(evaluate())
            flat_grad = self._flat_grad()
            for p, x in zip(self._params, start, strict=True):
                write(p, x)
            return loss, flat_grad

        return at

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` iterations (``max_eval`` closure calls); returns the loss
        of the first evaluation."""
        if closure is None:
            raise TypeError("LBFGS.step() missing 1 required positional argument: 'closure'")
        group = self.param_groups[0]
        line_search = group["line_search_fn"]
        if line_search is not None and line_search != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        with no_grad():
            orig_loss = evaluate()
            loss = float(orig_loss)
            current_evals = 1
            state["func_evals"] += 1
            flat_grad = self._flat_grad()
            if np.abs(flat_grad).max() <= tol_grad:
                return orig_loss
            d, t, H_diag = (_array(state.get(k)) for k in ("d", "t", "H_diag"))
            old_dirs, old_stps, ro = (_array(state.get(k)) for k in ("old_dirs", "old_stps", "ro"))
            prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
            one = flat_grad.dtype.type(1)
            opt_cond = False
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro, H_diag = [], [], [], 1
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = y.dot(s)
                    if ys > 1e-10:
                        if len(old_dirs) == history_size:
                            del old_dirs[0], old_stps[0], ro[0]
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(one / ys)
                        H_diag = ys / y.dot(y)
                    al = state.setdefault("al", [None] * history_size)
                    al_arrays = _array(al)
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al_arrays[i] = old_stps[i].dot(q) * ro[i]
                        q = fma(q, -al_arrays[i], old_dirs[i])
                    r = q * H_diag
                    for i in range(len(old_dirs)):
                        be_i = old_dirs[i].dot(r) * ro[i]
                        r = fma(r, al_arrays[i] - be_i, old_stps[i])
                    d = r
                    state["al"] = _tensor(al_arrays)
                prev_flat_grad = flat_grad.copy()
                prev_loss = loss
                if state["n_iter"] == 1:
                    inv = one / np.abs(flat_grad).sum()
                    t = (inv if inv < 1.0 else 1.0) * lr
                else:
                    t = lr
                gtd = flat_grad.dot(d)
                if gtd > -tol_change:
                    break
                ls_func_evals = 0
                if line_search is not None:
                    loss, flat_grad, t, ls_func_evals = strong_wolfe(
                        self._directional(evaluate, d), t, d, loss, flat_grad, gtd
                    )
                    self._add_grad(t, d)
                    opt_cond = np.abs(flat_grad).max() <= tol_grad
                else:
                    self._add_grad(t, d)
                    if n_iter != max_iter:
                        loss = float(evaluate())
                        flat_grad = self._flat_grad()
                        opt_cond = np.abs(flat_grad).max() <= tol_grad
                        ls_func_evals = 1
                current_evals += ls_func_evals
                state["func_evals"] += ls_func_evals
                if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                    break
                if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
            state.update(
                d=_tensor(d), t=_tensor(t), old_dirs=_tensor(old_dirs), old_stps=_tensor(old_stps),
                ro=_tensor(ro), H_diag=_tensor(H_diag), prev_flat_grad=_tensor(prev_flat_grad),
                prev_loss=prev_loss,
            )  # fmt: skip
        return orig_loss
