# A JAX research-style script: an Elman RNN over sequences with lax.scan and
# jax.nn.initializers, per-sequence losses under vmap, an SGD schedule, gradient clipping
# by global norm with tree_util, and the derivatives of eigh / svd / slogdet / solve.
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)

key = jax.random.PRNGKey(7)
k1, k2, k3, k4 = jax.random.split(key, 4)
H, D, T, B = 8, 2, 12, 5
params = {
    "Wx": jax.nn.initializers.lecun_normal()(k1, (D, H)),
    "Wh": jax.nn.initializers.orthogonal()(k2, (H, H)),
    "b": jnp.zeros(H),
    "out": jax.nn.initializers.glorot_uniform()(k3, (H, 1)),
}
xs = jax.random.normal(k4, (B, T, D))
ys = jnp.cumsum(xs[..., 0], axis=1)[..., None] * 0.3


def run(params, x):
    def cell(h, xt):
        h = jnp.tanh(xt @ params["Wx"] + h @ params["Wh"] + params["b"])
        return h, h @ params["out"]

    _, outs = lax.scan(cell, jnp.zeros(H), x)
    return outs


def seq_loss(params, x, y):
    return jnp.mean((run(params, x) - y) ** 2)


def batch_loss(params):
    return jnp.mean(jax.vmap(seq_loss, in_axes=(None, 0, 0))(params, xs, ys))


def clip(grads, max_norm):
    norm = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grads)))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-12))
    return jax.tree_util.tree_map(lambda g: g * scale, grads), norm


@jax.jit
def update(params, step):
    loss, grads = jax.value_and_grad(batch_loss)(params)
    grads, norm = clip(grads, 1.0)
    lr = 0.1 * 0.5 ** (step / 50)
    return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), loss, norm


for step in range(60):
    params, loss, norm = update(params, step)
    if step % 15 == 0:
        print(f"step {step:2d} loss {loss:.8f} grad norm {norm:.6f}")
print(
    "orthogonal init check:",
    bool(jnp.allclose(params["Wh"] @ params["Wh"].T, jnp.eye(H), atol=0.5)),
)

A = jnp.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
print("d eigvals:", jnp.round(jax.jacfwd(lambda a: jnp.linalg.eigh(a)[0])(A)[:, 0, 0], 8))
print("d top sv:", jnp.round(jax.grad(lambda a: jnp.linalg.svd(a, compute_uv=False)[0])(A), 8))
print("d logdet:", jnp.round(jax.grad(lambda a: jnp.linalg.slogdet(a)[1])(A), 8))
b = jnp.array([1.0, 2.0, 3.0])
print("d solve:", jnp.round(jax.jacrev(jnp.linalg.solve, argnums=1)(A, b), 8))
print("qr r diag:", jnp.round(jnp.abs(jnp.diag(jnp.linalg.qr(A)[1])), 8))
print(
    "norms:",
    float(jnp.linalg.norm(A, "fro")),
    float(jnp.linalg.norm(A, 2)),
    float(jnp.linalg.norm(b, 1)),
)
print("pinv grad:", jnp.round(jax.grad(lambda a: jnp.sum(jnp.linalg.pinv(a)))(A[:, :2]), 6))
print("expm-free matrix power:", jnp.linalg.matrix_power(A, 3)[0].tolist())
