"""The demo's model: softmax regression on Fisher's Iris data, trained with tracegrad."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TextIO

import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp

Params = dict[str, Any]
Batch = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """Standardized features and integer labels, split into train and test rows."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


def load_iris() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The Iris data shipped in ``tracegrad/data/iris.csv``: features (150, 4), labels,
    class names. No download: the file is part of the package.

    >>> x, y, names = load_iris()
    >>> x.shape, np.bincount(y).tolist(), names
    ((150, 4), [50, 50, 50], ('setosa', 'versicolor', 'virginica'))
    """
    text = resources.files("tracegrad").joinpath("data/iris.csv").read_text("utf-8")
    header, *rows = text.strip().splitlines()
    n_rows, n_features, *names = header.split(",")
    table = np.array([[float(v) for v in row.split(",")] for row in rows])
    if table.shape != (int(n_rows), int(n_features) + 1):
        raise ValueError(
            f"iris.csv: expected {n_rows} rows of {n_features} features and a "
            f"label, got a table of shape {table.shape}; the file is damaged."
        )
    return table[:, :-1], table[:, -1].astype(np.int64), tuple(names)


def split(test_per_class: int = 10, seed: int = 0) -> Dataset:
    """A stratified train/test split of Iris, standardized with the train statistics.

    >>> data = split()
    >>> data.x_train.shape, data.x_test.shape
    ((120, 4), (30, 4))
    """
    x, y, names = load_iris()
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for label in range(len(names)):
        rows = np.flatnonzero(y == label)
        test[rng.choice(rows, size=test_per_class, replace=False)] = True
    mean, std = x[~test].mean(axis=0), x[~test].std(axis=0)
    x = (x - mean) / std
    order = rng.permutation(int((~test).sum()))
    return Dataset(x[~test][order], y[~test][order], x[test], y[test], names)


# ---- the model, written with tracegrad.numpy ---------------------------------


def init_params(n_features: int, n_classes: int, seed: int = 0) -> Params:
    """Small random weights and zero biases.

    >>> {k: v.shape for k, v in init_params(4, 3).items()}
    {'W': (4, 3), 'b': (3,)}
    """
    rng = np.random.default_rng(seed)
    return {"W": 0.01 * rng.standard_normal((n_features, n_classes)), "b": np.zeros(n_classes)}


def logits(params: Params, x: Any) -> Any:
    """Class scores ``x @ W + b``."""
    return x @ params["W"] + params["b"]


def log_softmax(z: Any) -> Any:
    """Log-probabilities along the last axis; subtracting the max keeps ``exp`` finite."""
    # TODO(nn issue): tg.nn.log_softmax replaces this once it exists.
    shifted = z - tnp.max(z, axis=-1, keepdims=True)
    return shifted - tnp.log(tnp.sum(tnp.exp(shifted), axis=-1, keepdims=True))


def loss_fn(params: Params, x: Any, y_onehot: Any) -> Any:
    """Mean cross-entropy of the softmax of the logits against one-hot labels.

    >>> p = init_params(4, 3)
    >>> x, y = np.ones((2, 4)), np.eye(3)[[0, 2]]
    >>> bool(abs(loss_fn(p, x, y) - np.log(3)) < 0.05)
    True
    """
    return -tnp.mean(tnp.sum(y_onehot * log_softmax(logits(params, x)), axis=-1))


def train_step(params: Params, x: Any, y_onehot: Any, lr: float) -> tuple[Params, Any]:
    """One step of gradient descent: the loss and its gradient (``value_and_grad``), then
    ``p - lr * g`` for every parameter. Returns the new parameters and the loss."""
    loss, grads = tg.value_and_grad(loss_fn)(params, x, y_onehot)
    new = tg.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
    return new, loss


def compile_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """The training step under ``tg.jit``: traced once (the last batch, smaller, traces
    once more), then run as generated NumPy code."""
    jitted: Callable[..., Any] = tg.jit(step, static_argnums=3)
    return jitted


def accuracy(params: Params, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose highest logit is the true class (plain NumPy: no tracing)."""
    return float(np.mean(np.argmax(logits(params, x), axis=-1) == y))


# ---- training loop and report ------------------------------------------------------


@dataclass
class History:
    """What training did, epoch by epoch: for the report and for the tests."""

    losses: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train(
    data: Dataset,
    *,
    epochs: int = 20,
    batch_size: int = 20,
    lr: float = 0.5,
    seed: int = 0,
    out: TextIO | None = None,
) -> tuple[Params, History]:
    """Mini-batch gradient descent; prints one line per epoch to ``out`` (if given)."""
    n_classes = len(data.class_names)
    y_onehot = np.eye(n_classes)[data.y_train]
    params = init_params(data.x_train.shape[1], n_classes, seed)
    step = compile_step(train_step)
    rng = np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(data.y_train))
        total = 0.0
        for i in range(0, len(order), batch_size):
            rows = order[i : i + batch_size]
            params, loss = step(params, data.x_train[rows], y_onehot[rows], lr)
            total += float(loss) * len(rows)
        history.losses.append(total / len(order))
        history.train_acc.append(accuracy(params, data.x_train, data.y_train))
        history.test_acc.append(accuracy(params, data.x_test, data.y_test))
        if out is not None:
            print(
                f"epoch {epoch:3d}/{epochs}  loss {history.losses[-1]:.4f}  "
                f"train acc {history.train_acc[-1]:.3f}  test acc {history.test_acc[-1]:.3f}",
                file=out,
            )
    history.seconds = time.perf_counter() - start
    return params, history


def step_jaxpr(data: Dataset, batch_size: int = 20, lr: float = 0.5) -> tg.ClosedJaxpr:
    """The IR of one training step (forward, backward and update) on one batch.

    >>> print(step_jaxpr(split(), batch_size=2))   # doctest: +ELLIPSIS
    { lambda ; a:f64[4,3] b:f64[3] c:f64[2,4] d:f64[2,3]. let
    ...
    """
    n_classes = len(data.class_names)
    params = init_params(data.x_train.shape[1], n_classes)
    x, y = data.x_train[:batch_size], np.eye(n_classes)[data.y_train[:batch_size]]
    return tg.make_jaxpr(train_step, static_argnums=3)(params, x, y, lr)


def run(
    *, epochs: int = 20, seed: int = 0, show_ir: bool = True, out: TextIO | None = None
) -> History:
    """The demo's Iris section: data, training with per-epoch lines, test accuracy, IR."""
    data = split(seed=seed)
    print(
        f"Iris: {len(data.y_train)} training rows, {len(data.y_test)} test rows, "
        f"{data.x_train.shape[1]} features, classes {', '.join(data.class_names)}.",
        file=out,
    )
    print(
        "Model: softmax regression (x @ W + b), cross-entropy loss, gradient descent "
        "with tg.jit(train_step), train_step using tg.value_and_grad.",
        file=out,
    )
    _, history = train(data, epochs=epochs, seed=seed, out=out)
    print(
        f"Final test accuracy: {history.test_acc[-1]:.3f} "
        f"(chance: {1 / len(data.class_names):.3f}); training took "
        f"{history.seconds:.2f} s.",
        file=out,
    )
    if show_ir:
        print(
            "\nThe IR of one training step (tg.make_jaxpr(train_step)), "
            "forward, backward and update:",
            file=out,
        )
        print(step_jaxpr(data), file=out)
    return history
