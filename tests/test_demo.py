"""The demo (``python -m tracegrad``): it trains, the loss falls, accuracy beats chance,
the data ships inside the package, and the command itself runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import tracegrad as tg
from tracegrad import demo
from tracegrad.demo import iris, main, torch_examples


def test_data_ships_with_the_package() -> None:
    x, y, names = iris.load_iris()
    assert x.shape == (150, 4) and x.dtype == np.float64
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert names == ("setosa", "versicolor", "virginica")
    # Fisher's first row, and the summary statistics of the data set's description.
    np.testing.assert_array_equal(x[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(x.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=1e-3)


def test_split_is_stratified_standardized_and_disjoint() -> None:
    data = iris.split(test_per_class=10, seed=3)
    assert np.bincount(data.y_test).tolist() == [10, 10, 10]
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1, atol=1e-12)
    train_rows = {tuple(r) for r in np.round(data.x_train, 9)}
    assert not any(tuple(r) in train_rows for r in np.round(data.x_test, 9))


def test_gradient_matches_finite_differences() -> None:
    data = iris.split()
    params = iris.init_params(4, 3, seed=1)
    params["W"] = params["W"] * 100  # away from the symmetric start
    x, y = data.x_train[:7], np.eye(3)[data.y_train[:7]]
    _, grads = tg.value_and_grad(iris.loss_fn)(params, x, y)
    eps = 1e-6
    for name in ("W", "b"):
        flat = params[name].ravel()
        for i in range(flat.size):
            bumped = [
                {
                    **params,
                    name: (flat + s * eps * (np.arange(flat.size) == i)).reshape(
                        params[name].shape
                    ),
                }
                for s in (1, -1)
            ]
            numeric = (iris.loss_fn(bumped[0], x, y) - iris.loss_fn(bumped[1], x, y)) / (2 * eps)
            np.testing.assert_allclose(grads[name].ravel()[i], numeric, rtol=1e-5, atol=1e-8)


def test_training_lowers_the_loss_and_beats_chance() -> None:
    _, history = iris.train(iris.split(), epochs=5)
    assert history.losses[-1] < 0.6 * history.losses[0]
    assert all(b < a for a, b in zip(history.losses, history.losses[1:]))
    assert history.test_acc[-1] > 0.8 > 1 / 3
    assert history.train_acc[-1] > 0.8


def test_step_ir_has_forward_backward_and_update() -> None:
    closed = iris.step_jaxpr(iris.split(), batch_size=4)
    names = [eqn.primitive.name for eqn in closed.eqns]
    assert "exp" in names and "log" in names and "dot_general" in names
    assert [a.shape for a in closed.out_avals] == [(4, 3), (3,), ()]
    # The new parameters computed from the IR are those of an eager step.
    data = iris.split()
    params = iris.init_params(4, 3)
    x, y = data.x_train[:4], np.eye(3)[data.y_train[:4]]
    leaves = tg.tree_util.tree_leaves((params, x, y))  # dict keys in sorted order: W, b
    w, b, loss = tg.eval_jaxpr(closed, *leaves)
    new, eager_loss = iris.train_step(params, x, y, 0.5)
    np.testing.assert_allclose(w, new["W"])
    np.testing.assert_allclose(b, new["b"])
    np.testing.assert_allclose(loss, eager_loss)


def test_main_quick_prints_epochs_accuracy_and_ir() -> None:
    out = io.StringIO()
    assert main(["--quick"], out=out) == 0
    text = out.getvalue()
    epoch_lines = [line for line in text.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 5
    assert "Final test accuracy" in text
    assert "{ lambda ;" in text and "dot_general" in text


def test_python_dash_m_tracegrad_runs() -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tracegrad", "--quick", "--no-ir"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Final test accuracy" in proc.stdout
    assert "{ lambda" not in proc.stdout
    assert SPEC8_X_GRAD in proc.stdout and SPEC8_A_GRAD in proc.stdout


# ---- SPEC section 8: the Tensor.backward examples ----------------------------------------------

SPEC8_X_GRAD = "tensor([[ 4.,  8., 12.],\n        [ 4., 14., 18.],\n        [ 0.,  0.,  0.]])\n"
SPEC8_A_GRAD = "tensor(4.)\n"


def test_torch_examples_print_exactly_the_expected_text() -> None:
    import tracegrad.torch as tt

    assert torch_examples.PYTORCH_PRINTS == (SPEC8_X_GRAD, SPEC8_A_GRAD)
    printed = [torch_examples.run_example(src, tt) for src in torch_examples.EXAMPLES]
    assert printed == [SPEC8_X_GRAD, SPEC8_A_GRAD]


def test_torch_examples_print_what_pytorch_prints() -> None:
    torch = pytest.importorskip("torch")
    printed = [torch_examples.run_example(src, torch) for src in torch_examples.EXAMPLES]
    assert printed == [SPEC8_X_GRAD, SPEC8_A_GRAD]


def test_main_shows_the_torch_examples_and_their_output() -> None:
    out = io.StringIO()
    assert main(["--quick", "--no-ir"], out=out) == 0
    text = out.getvalue()
    assert "Tensor.backward" in text
    for source in torch_examples.EXAMPLES:
        assert all(f"    {line}" in text for line in source.splitlines())
    assert SPEC8_X_GRAD in text and SPEC8_A_GRAD in text
    assert text.count("-> exactly what PyTorch prints") == 2


def test_torch_section_fails_when_an_output_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_examples, "PYTORCH_PRINTS", ("tensor(0.)\n", SPEC8_A_GRAD))
    out = io.StringIO()
    assert not torch_examples.torch_section(out)
    assert "PyTorch prints:\ntensor(0.)" in out.getvalue()


def test_main_goes_on_after_a_section_that_raises_and_names_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object, out: object) -> bool:
        raise RuntimeError("section broke")

    sections = [("Broken section", broken), *demo.SECTIONS[1:]]
    monkeypatch.setattr(demo, "SECTIONS", sections)
    out = io.StringIO()
    assert main(["--quick", "--no-ir"], out=out) == 1
    text = out.getvalue()
    assert "Sections that did not work: 1. Broken section." in text
    assert "== 2. " in text and "-> exactly what PyTorch prints" in text  # the next one ran
    assert "RuntimeError: section broke" in capsys.readouterr().err
