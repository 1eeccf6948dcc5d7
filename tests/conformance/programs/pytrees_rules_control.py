# Pytrees with paths, custom derivative rules, control flow and debug printing.
from typing import NamedTuple

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


class State(NamedTuple):
    position: jnp.ndarray
    velocity: jnp.ndarray


state = State(jnp.array([1.0, 2.0]), jnp.array([0.5, -0.5]))
for path, leaf in jax.tree_util.tree_leaves_with_path({"s": state, "t": 3.0}):
    print(jax.tree_util.keystr(path), leaf)
print(jax.tree.map(lambda a: (a * 2).tolist(), state))


@jax.custom_jvp
def safe_log1p_exp(x):
    return jnp.log1p(jnp.exp(x))


safe_log1p_exp.defjvps(lambda t, ans, x: t * jax.nn.sigmoid(x))
print("custom_jvp grad:", jax.grad(safe_log1p_exp)(100.0))


@jax.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1.0, 1.0),))
print("custom_vjp grad:", jax.grad(lambda x: 5.0 * clip_gradient(x))(2.0))


def simulate(state, n):
    def body(s, _):
        s = State(s.position + 0.1 * s.velocity, s.velocity - 0.1 * s.position)
        return s, jnp.sum(s.position**2)

    return jax.lax.scan(body, state, None, length=n)


final, energies = jax.jit(simulate, static_argnums=1)(state, 5)
print("scan:", final.position, energies.shape)
print("fori:", jax.lax.fori_loop(0, 10, lambda i, acc: acc + i * 0.5, 0.0))
print("cond:", jax.lax.cond(final.position[0] > 0, lambda v: v * 2, lambda v: -v, 3.0))
print(
    "grad of scan:",
    jax.grad(lambda p: simulate(State(p, state.velocity), 5)[1][-1])(state.position),
)


@jax.jit
def show(x):
    jax.debug.print("x is {x}", x=x)
    return x + 1


print(show(jnp.arange(3)))
print(jax.eval_shape(lambda a: a @ a.T, jax.ShapeDtypeStruct((4, 2), jnp.float32)))
