# Library-style JAX: a dataclass module registered as a pytree, functools.partial over jit
# with static arguments, tree_util.Partial, lax.associative_scan (prefix sums), jnp.fft for
# a spectral filter and its gradient, jax.checkpoint inside scan, eval_shape, make_jaxpr
# shapes, and vmap with in_axes dicts and out_axes.
import dataclasses
import functools

import jax
import jax.numpy as jnp
from jax import lax
from jax.tree_util import Partial

jax.config.update("jax_enable_x64", True)


@functools.partial(jax.tree_util.register_dataclass, data_fields=["w", "b"], meta_fields=["act"])
@dataclasses.dataclass
class Dense:
    w: jnp.ndarray
    b: jnp.ndarray
    act: str = "tanh"

    def __call__(self, x):
        y = x @ self.w + self.b
        return jnp.tanh(y) if self.act == "tanh" else jax.nn.relu(y)


layer = Dense(jnp.arange(6.0).reshape(3, 2) / 10, jnp.array([0.1, -0.2]))
x = jnp.linspace(-1, 1, 12).reshape(4, 3)
print(
    "leaves:", len(jax.tree_util.tree_leaves(layer)), jax.tree_util.tree_structure(layer).num_leaves
)
g = jax.grad(lambda m: jnp.sum(m(x) ** 2))(layer)
print("grad type:", type(g).__name__, g.act, jnp.round(g.w, 8))
relu_layer = dataclasses.replace(layer, act="relu")
print("relu:", jnp.round(jax.jit(lambda m, x: m(x))(relu_layer, x), 6))


@functools.partial(jax.jit, static_argnames=("power",))
def moment(x, power=2):
    return jnp.mean(x**power)


print(
    "moments:", [f"{float(moment(x, power=p)):.10f}" for p in (2, 3, 4)], f"{float(moment(x)):.10f}"
)
scale = Partial(jnp.multiply, 3.0)
print("Partial:", jax.jit(lambda f, v: f(v))(scale, jnp.arange(3.0)).tolist())
print("assoc scan:", lax.associative_scan(jnp.add, jnp.arange(1.0, 9.0)).tolist())
print(
    "assoc max:", lax.associative_scan(jnp.maximum, jnp.array([1.0, 3.0, 2.0, 5.0, 4.0])).tolist()
)

signal = jnp.sin(jnp.linspace(0, 8 * jnp.pi, 64)) + 0.3 * jnp.cos(jnp.linspace(0, 40 * jnp.pi, 64))


def lowpass(sig, cutoff):
    spec = jnp.fft.rfft(sig)
    freqs = jnp.fft.rfftfreq(sig.shape[0])
    weights = jax.nn.sigmoid((cutoff - freqs) * 200.0)
    return jnp.fft.irfft(spec * weights, n=sig.shape[0])


smooth = lowpass(signal, 0.1)
print("filtered energy:", round(float(jnp.sum(smooth**2)), 8), round(float(jnp.sum(signal**2)), 8))
print(
    "d energy / d cutoff:",
    round(float(jax.grad(lambda c: jnp.sum(lowpass(signal, c) ** 2))(0.1)), 6),
)
print("fft2 abs:", jnp.round(jnp.abs(jnp.fft.fft2(x)), 6)[0].tolist())


def scan_sum(xs):
    step = jax.checkpoint(lambda c, x: (c + jnp.sin(x) * c, c))
    return lax.scan(step, 1.0, xs)[0]


print("checkpointed scan grad:", jnp.round(jax.grad(scan_sum)(jnp.array([0.1, 0.2, 0.3])), 8))
shape = jax.eval_shape(
    lambda a, b: (a @ b, a.sum(0)), jax.ShapeDtypeStruct((4, 3), jnp.float32), x.T
)
print("eval_shape:", [(s.shape, str(s.dtype)) for s in shape])
print(
    "jaxpr outs:",
    [
        (v.aval.shape, str(v.aval.dtype))
        for v in jax.make_jaxpr(lambda a: (a.T, a[0]))(x).jaxpr.outvars
    ],
)
batched = jax.vmap(lambda p, v: p["w"] * v + p["b"], in_axes=({"w": 0, "b": None}, 0), out_axes=1)
print("vmap dict axes:", batched({"w": jnp.arange(3.0), "b": 1.0}, jnp.ones((3, 2))).tolist())
