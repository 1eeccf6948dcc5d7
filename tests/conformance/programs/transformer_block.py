# A one-block transformer language model in float32: layer norm by hand, multi-head
# attention with vmap over heads, jax.nn.gelu/softmax, a causal mask, jit(value_and_grad)
# over a dict of params (float32 throughout, the dtypes given) and a hand-written Adam with
# tree_map whose bias correction reads the traced step count (weak types keep float32).
import jax
import jax.numpy as jnp

VOCAB, D, HEADS, T = 11, 16, 4, 8


def init(key):
    ks = jax.random.split(key, 6)
    s = 1.0 / D**0.5
    return {
        "embed": jax.random.normal(ks[0], (VOCAB, D), jnp.float32) * 0.1,
        "qkv": jax.random.normal(ks[1], (3, HEADS, D, D // HEADS), jnp.float32) * s,
        "proj": jax.random.normal(ks[2], (D, D), jnp.float32) * s,
        "mlp": (
            jax.random.normal(ks[3], (D, 4 * D), jnp.float32) * s,
            jnp.zeros(4 * D, jnp.float32),
        ),
        "out": (
            jax.random.normal(ks[4], (4 * D, D), jnp.float32) * 0.5 * s,
            jnp.zeros(D, jnp.float32),
        ),
        "ln": {"g": jnp.ones(D, jnp.float32), "b": jnp.zeros(D, jnp.float32)},
    }


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return g * (x - mu) / jnp.sqrt(var + eps) + b


def head(x, wq, wk, wv):
    q, k, v = x @ wq, x @ wk, x @ wv
    scores = q @ k.T / jnp.sqrt(q.shape[-1]).astype(x.dtype)
    mask = jnp.tril(jnp.ones((x.shape[0], x.shape[0]), dtype=bool))
    scores = jnp.where(mask, scores, -jnp.inf)
    return jax.nn.softmax(scores, axis=-1) @ v


def forward(params, tokens):
    x = params["embed"][tokens]
    h = layer_norm(x, params["ln"]["g"], params["ln"]["b"])
    wq, wk, wv = params["qkv"]
    heads = jax.vmap(head, in_axes=(None, 0, 0, 0))(h, wq, wk, wv)
    x = x + jnp.concatenate(list(heads), axis=-1) @ params["proj"]
    w1, b1 = params["mlp"]
    w2, b2 = params["out"]
    x = x + jax.nn.gelu(x @ w1 + b1) @ w2 + b2
    return x @ params["embed"].T


def loss_fn(params, tokens):
    logits = forward(params, tokens[:-1])
    logp = jax.nn.log_softmax(logits)
    return -jnp.take_along_axis(logp, tokens[1:, None], axis=-1).mean()


@jax.jit
def train_step(params, m, v, t, tokens):
    loss, g = jax.value_and_grad(loss_fn)(params, tokens)
    m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
    mhat = jax.tree_util.tree_map(lambda m: m / (1 - 0.9**t), m)
    vhat = jax.tree_util.tree_map(lambda v: v / (1 - 0.999**t), v)
    params = jax.tree_util.tree_map(
        lambda p, a, b: p - 1e-2 * a / (jnp.sqrt(b) + 1e-8), params, mhat, vhat
    )
    return params, m, v, loss


params = init(jax.random.PRNGKey(0))
print(jax.tree_util.tree_structure(params).num_leaves, "leaves")
print(
    {
        k: jax.tree_util.tree_map(lambda a: (a.shape, str(a.dtype)), v)
        for k, v in params.items()
        if k != "mlp"
    }
)
tokens = jnp.array([1, 3, 5, 7, 9, 2, 4, 6, 8])
m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)
for t in range(1, 31):
    params, m, v, loss = train_step(params, m, v, t, tokens)
    if t % 10 == 0:
        print(f"step {t}: loss {float(loss):.3f} dtype {loss.dtype}")
pred = jnp.argmax(forward(params, tokens[:-1]), axis=-1)
print("predictions:", pred.tolist(), "targets:", tokens[1:].tolist())
print("loss dtype after jit:", train_step(params, m, v, 31, tokens)[3].dtype)
