# A JAX tutorial-style MLP: random init, jit(value_and_grad), tree_map updates, vmap of
# per-example gradients, a Hessian, ravel_pytree.
import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)


def init_params(key, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    init = jax.nn.initializers.glorot_normal()
    return [
        {"w": init(k, (m, n)), "b": jnp.zeros(n)} for k, m, n in zip(keys, sizes[:-1], sizes[1:])
    ]


def predict(params, x):
    for layer in params[:-1]:
        x = jax.nn.gelu(x @ layer["w"] + layer["b"])
    last = params[-1]
    return x @ last["w"] + last["b"]


def loss(params, x, y):
    logits = predict(params, x)
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * y, axis=-1))


@jax.jit
def step(params, x, y):
    value, grads = jax.value_and_grad(loss)(params, x, y)
    return value, jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)


key = jax.random.PRNGKey(42)
k_data, k_labels, k_init = jax.random.split(key, 3)
x = jax.random.normal(k_data, (64, 5))
y = jax.nn.one_hot(jax.random.randint(k_labels, (64,), 0, 3), 3)
params = init_params(k_init, [5, 16, 3])
print("leaves:", [leaf.shape for leaf in jax.tree_util.tree_leaves(params)])
for epoch in range(5):
    value, params = step(params, x, y)
    print(f"epoch {epoch}: loss {float(value):.6f}")

per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, x[:4, None], y[:4, None])
print("per-example grad norm:", f"{float(jnp.linalg.norm(per_example[0]['w'][0])):.5f}")
hess = jax.hessian(lambda w: loss([{"w": w, "b": params[0]["b"]}, params[1]], x, y))(params[0]["w"])
print("hessian:", hess.shape, f"trace {float(jnp.trace(hess.reshape(80, 80))):.6f}")
flat, unravel = ravel_pytree(params)
print("flat:", flat.shape, f"{float(jnp.sum(unravel(flat * 2)[1]['w'])):.6f}")
