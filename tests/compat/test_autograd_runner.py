"""``python -m tracegrad.compat.autograd script.py``: small programs in the style of
autograd's examples (written here) print the same under the compat layer as under autograd."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src"

LOGISTIC_ADAM = """
import autograd.numpy as np
import autograd.numpy.random as npr
from autograd import grad
from autograd.misc.optimizers import adam

npr.seed(0)
inputs = npr.randn(20, 3)
targets = (inputs @ np.array([1.5, -2.0, 0.5]) + 0.3 * npr.randn(20) > 0).astype(float)

def predict(params, x):
    return 1.0 / (1.0 + np.exp(-(np.dot(x, params["w"]) + params["b"])))

def loss(params, i):
    p = predict(params, inputs)
    return -np.sum(np.log(p * targets + (1 - p) * (1 - targets))) + 0.01 * np.sum(params["w"] ** 2)

def report(params, i, g):
    if i % 25 == 0:
        print(i, "%.10f" % loss(params, i), "%.10f" % np.sum(g["w"] ** 2))

params = adam(grad(loss), {"w": np.zeros(3), "b": 0.0}, report, num_iters=100, step_size=0.1)
print("w", np.round(params["w"], 8), "b", "%.8f" % params["b"])
"""

MIXTURE_SCIPY = """
import sys
import autograd.numpy as np
import autograd.numpy.random as npr
import autograd.scipy.stats.norm as norm
from autograd import value_and_grad, hessian
from autograd.scipy.special import logsumexp
from autograd.scipy.stats import multivariate_normal as mvn

npr.seed(int(sys.argv[1]))
data = np.concatenate([npr.randn(15) - 2.0, 0.5 * npr.randn(10) + 1.0])

def log_likelihood(params):
    means, log_scales, logits = params[:2], params[2:4], params[4:]
    log_weights = logits - logsumexp(logits)
    lp = norm.logpdf(data[:, None], means, np.exp(log_scales)) + log_weights
    return np.sum(logsumexp(lp, axis=1))

params = np.array([-1.0, 0.5, 0.0, 0.0, 0.1, -0.1])
for step in range(30):
    val, g = value_and_grad(log_likelihood)(params)
    params = params + 0.01 * g
print("%.10f" % val)
print(np.round(hessian(log_likelihood)(params)[:2, :2], 6))
K = np.exp(-0.5 * (data[:5, None] - data[None, :5]) ** 2) + 0.1 * np.eye(5)
print("%.10f" % mvn.logpdf(data[:5], np.zeros(5), K))
"""

PRIMITIVE_NUMPY_ONLY = """
import numpy as onp
import autograd.numpy as np
from autograd import grad
from autograd.extend import primitive, defvjp

@primitive
def moving_sum(x, width):
    windows = onp.lib.stride_tricks.sliding_window_view(onp.asarray(x), width)
    return windows.sum(axis=1)

def moving_sum_vjp(ans, x, width):
    n = x.shape[0]
    offset = onp.arange(n)[None, :] - onp.arange(n - width + 1)[:, None]
    member = ((offset >= 0) & (offset < width)).astype(float)
    return lambda g: np.dot(g, member)

defvjp(moving_sum, moving_sum_vjp)

def objective(x):
    return np.sum(np.tanh(moving_sum(x, 3)) ** 2)

x = onp.linspace(-1.0, 1.0, 7)
print(np.round(grad(objective)(x), 10))
print(np.round(grad(lambda x: np.sum(grad(objective)(x) ** 2))(x), 8))
"""

SAMPLE_AND_SOLVE = """
import autograd.numpy as np
import autograd.numpy.random as npr
import autograd.scipy.stats.norm as norm
from autograd import grad, elementwise_grad
from autograd.builtins import tuple
from autograd.misc.fixed_points import fixed_point
from autograd.scipy.integrate import odeint

# Sample: unadjusted Langevin dynamics on a banana-shaped density.
def log_density(z):
    x, y = z[:, 0], z[:, 1]
    return norm.logpdf(x, 0.0, 1.5) + norm.logpdf(y - 0.5 * x ** 2, 0.0, 0.5)

npr.seed(1)
z = npr.randn(200, 2)
step = 0.02
score = elementwise_grad(lambda z: np.sum(log_density(z)))
for _ in range(150):
    z = z + step * score(z) + np.sqrt(2 * step) * npr.randn(*z.shape)
print("mean", np.round(np.mean(z, axis=0), 6), "var", np.round(np.var(z, axis=0), 6))

# Solve: a square root as a fixed point, and a decay rate through an ODE solution.
def sqrt(a):
    newton = lambda a: lambda x: 0.5 * (x + a / x)
    return fixed_point(newton, a, 1.0, lambda x, y: np.abs(x - y), 1e-12)

print("%.10f %.10f" % (sqrt(5.0), grad(sqrt)(5.0)))

def final_value(k):
    ys = odeint(lambda y, t, k: -k * y, np.array([1.0]), np.array([0.0, 2.0]), tuple((k,)),
                rtol=1e-10, atol=1e-10)
    return ys[-1, 0]

print("%.6f %.6f" % (final_value(0.3), grad(final_value)(0.3)))
"""

TOOL_BELT = """
# HIPS autograd's tool belt on a small Bayesian logistic regression: elementwise_grad of a
# vectorised function, jacobian and hessian, hessian_vector_product / make_hvp in a
# Newton-CG step, misc.flatten on a dict of parameters, grad with argnum, holomorphic
# complex derivatives, and autograd.scipy.special / stats.
import autograd.numpy as np
import autograd.numpy.random as npr
import autograd.scipy.stats.norm as norm
from autograd import elementwise_grad, grad, hessian, hessian_tensor_product, jacobian, make_hvp
from autograd import value_and_grad
from autograd.misc import flatten
from autograd.scipy.special import expit, logsumexp

npr.seed(5)
X = npr.randn(40, 3)
true_w = np.array([1.0, -2.0, 0.5])
y = (npr.rand(40) < expit(X @ true_w)).astype(float)


def log_posterior(params):
    w, b = params["w"], params["b"]
    logits = X @ w + b
    log_lik = np.sum(y * logits - np.logaddexp(0.0, logits))
    return log_lik + np.sum(norm.logpdf(w, 0.0, 2.0)) + norm.logpdf(b, 0.0, 5.0)


params = {"w": np.zeros(3), "b": 0.0}
flat, unflatten = flatten(params)
print("flat:", flat.shape, sorted(unflatten(flat).keys()))
objective = lambda v: -log_posterior(unflatten(v))
g = grad(objective)
hvp = hessian_tensor_product(objective)
for it in range(6):
    # Newton-CG: a few conjugate-gradient steps on H d = -g with Hessian-vector products
    gv = g(flat)
    d, r = np.zeros_like(flat), -gv
    p = r
    for _ in range(4):
        Hp = hvp(flat, p)
        alpha = np.dot(r, r) / np.dot(p, Hp)
        d, r_new = d + alpha * p, r - alpha * Hp
        p, r = r_new + np.dot(r_new, r_new) / np.dot(r, r) * p, r_new
    flat = flat + d
    print("iter %d  -logp %.8f  |g| %.3e" % (it, objective(flat), np.linalg.norm(gv)))
print("MAP:", np.round(unflatten(flat)["w"], 6), "%.6f" % unflatten(flat)["b"])
H = hessian(objective)(flat)
print("posterior sd:", np.round(np.sqrt(np.diag(np.linalg.inv(H))), 6))
hvp_fn, grad_at = make_hvp(objective)(flat)
print("make_hvp:", np.round(grad_at, 6), np.round(hvp_fn(np.ones(4)), 6))

softplus = lambda x: np.log1p(np.exp(x))
xs = np.linspace(-3, 3, 7)
print("elementwise_grad:", np.round(elementwise_grad(softplus)(xs), 8))
print("second:", np.round(elementwise_grad(elementwise_grad(np.tanh))(xs), 8))
vector_fn = lambda v: np.array([np.sum(v**2), np.prod(v), logsumexp(v)])
print("jacobian:", np.round(jacobian(vector_fn)(np.array([1.0, 2.0, 0.5])), 8))
print("argnum:", grad(lambda a, b: a * np.sin(b), argnum=1)(2.0, 0.3))
val, gr = value_and_grad(lambda z: np.abs(z) ** 2)(1.0 + 2.0j)
print("complex:", val, gr, grad(lambda z: np.real(z * np.conj(z)))(3.0 - 1.0j))
print("holomorphic:", grad(lambda z: np.real(np.exp(z)))(1j * np.pi / 2))
"""

INTERNALS = """
try:
    from autograd.tracer import trace
except ImportError as e:
    print("ImportError:", "autograd.tracer" in str(e), "not provided" in str(e))
try:
    from autograd.extend import Box
except ImportError as e:
    print("ImportError:", "Box" in str(e))
import autograd
print(autograd.__name__)
"""


def run(script: str, tmp_path: pathlib.Path, *, compat: bool, args: tuple[str, ...] = ()) -> str:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    env = dict(os.environ, PYTHONPATH=str(SRC))
    prefix = [sys.executable, "-m", "tracegrad.compat.autograd"] if compat else [sys.executable]
    done = subprocess.run(
        [*prefix, str(path), *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "script, args",
    [
        (LOGISTIC_ADAM, ()),
        (MIXTURE_SCIPY, ("3",)),
        (PRIMITIVE_NUMPY_ONLY, ()),
        (SAMPLE_AND_SOLVE, ()),
        (TOOL_BELT, ()),
    ],
    ids=["logistic_adam", "mixture_scipy", "primitive_numpy_only", "sample_and_solve", "tools"],
)
def test_script_prints_what_autograd_prints(script, args, tmp_path):
    pytest.importorskip("autograd")
    mine = run(script, tmp_path, compat=True, args=args)
    assert mine.strip()
    assert mine == run(script, tmp_path, compat=False, args=args)


def test_runner_resolves_autograd_to_the_compat_layer(tmp_path):
    out = run(INTERNALS, tmp_path, compat=True).splitlines()
    assert out == ["ImportError: True True", "ImportError: True", "tracegrad.compat.autograd"]


def test_runner_usage(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(SRC))
    cmd = [sys.executable, "-m", "tracegrad.compat.autograd"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "usage" in done.stdout
