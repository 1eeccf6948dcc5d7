# Gradient surgery a research codebase does: stop_gradient (straight-through estimator,
# target networks), custom_jvp with nondiff_argnums (a clipped, safe log), custom_vjp
# (gradient clipping in the backward pass), jax.checkpoint with a policy-free remat,
# value_and_grad(has_aux=True) with a dict aux, and jvp/vjp/linearize of these.
import functools

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def straight_through_round(x):
    return x + jax.lax.stop_gradient(jnp.round(x) - x)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def safe_log(x, floor):
    return jnp.log(jnp.maximum(x, floor))


@safe_log.defjvp
def safe_log_jvp(floor, primals, tangents):
    (x,), (t,) = primals, tangents
    return safe_log(x, floor), jnp.where(x > floor, t / x, 0.0)


@jax.custom_vjp
def clip_gradient(x, bound):
    return x


def clip_fwd(x, bound):
    return x, bound


def clip_bwd(bound, g):
    return jnp.clip(g, -bound, bound), None


clip_gradient.defvjp(clip_fwd, clip_bwd)


def block(w, x):
    return jnp.tanh(x @ w) + x


def model(params, x):
    h = jax.checkpoint(block)(params["w1"], x)
    h = jax.checkpoint(block)(params["w2"], h)
    h = clip_gradient(h, 0.5)
    return jnp.sum(h * params["v"], axis=-1)


def loss(params, x, y):
    pred = model(params, x)
    err = pred - y
    q = straight_through_round(pred)
    aux = {"mse": jnp.mean(err**2), "acc": jnp.mean(q == jnp.round(y)), "pred": pred}
    return jnp.mean(err**2) + 0.1 * jnp.mean(safe_log(jnp.abs(pred), 1e-3)), aux


x = jnp.linspace(-1.0, 1.0, 24).reshape(6, 4)
y = jnp.array([0.0, 1.0, 2.0, -1.0, 0.5, 3.0])
params = {
    "w1": jnp.eye(4) * 0.3,
    "w2": jnp.full((4, 4), 0.1),
    "v": jnp.array([1.0, -0.5, 2.0, 0.25]),
}
grad_fn = jax.jit(jax.value_and_grad(loss, has_aux=True))
for step in range(4):
    (value, aux), g = grad_fn(params, x, y)
    params = jax.tree_util.tree_map(lambda p, g: p - 0.2 * g, params, g)
    print(f"step {step}: loss {value:.8f} mse {aux['mse']:.8f} acc {aux['acc']:.3f}")
print("grad v:", jnp.round(g["v"], 8))
print("aux pred:", jnp.round(aux["pred"], 6))

print(
    "ste grad:", jax.grad(lambda x: jnp.sum(straight_through_round(x) ** 2))(jnp.array([0.4, 1.6]))
)
print(
    "safe_log grads:",
    jax.vmap(jax.grad(safe_log), in_axes=(0, None))(jnp.array([0.0, 1e-4, 2.0]), 1e-3),
)
print(
    "safe_log jvp:", *jax.jvp(lambda x: safe_log(x, 0.5), (jnp.array([0.2, 4.0]),), (jnp.ones(2),))
)
print(
    "clip vjp:",
    *jax.vjp(lambda x: clip_gradient(x, 1.0) * 3.0, jnp.array([1.0, 2.0]))[1](
        jnp.array([1.0, -0.1])
    ),
)
print("second order:", jax.grad(jax.grad(lambda x: safe_log(x, 1e-3) * x))(2.0))
out, f_lin = jax.linearize(lambda w: block(w, x).sum(axis=1), params["w1"])
print("linearize:", jnp.round(out, 6), jnp.round(f_lin(jnp.eye(4)), 6))
print(
    "stop_gradient jacobian:",
    jax.jacrev(lambda v: v * jax.lax.stop_gradient(v))(jnp.array([1.0, 2.0])),
)
