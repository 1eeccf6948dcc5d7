# Monte-Carlo estimates with jax.random: split and fold_in, normal/uniform with shapes
# and dtypes, categorical, bernoulli, choice without replacement, permutation, and a
# reparameterised gradient of an expectation (value_and_grad through the sampler).
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

key = jax.random.PRNGKey(2024)
k_pi, k_cat, k_grad, k_misc = jax.random.split(key, 4)
print("key:", key, key.dtype, key.shape)

# pi from points in the unit square, in float32 and float64, in four batches via fold_in
inside = []
for batch in range(4):
    pts = jax.random.uniform(jax.random.fold_in(k_pi, batch), (2000, 2), dtype=jnp.float32)
    inside.append(jnp.sum(jnp.sum(pts**2, axis=1) <= 1.0))
print("pi ~", 4.0 * sum(int(i) for i in inside) / 8000, [int(i) for i in inside])
print("uniform dtype:", pts.dtype, "range", float(pts.min()) >= 0.0, float(pts.max()) < 1.0)

# categorical sampling against the softmax probabilities
logits = jnp.array([0.5, -1.0, 2.0, 0.0])
draws = jax.random.categorical(k_cat, logits, shape=(5000,))
freq = jnp.bincount(draws, length=4) / 5000
print("draws dtype:", draws.dtype, "first ten:", draws[:10].tolist())
print("freq:", jnp.round(freq, 4), "probs:", jnp.round(jax.nn.softmax(logits), 4))
batched = jax.random.categorical(k_cat, jnp.stack([logits, -logits]), axis=-1)
print("batched categorical:", batched.tolist())

# gradient of E[(mu + sigma * eps)^2] = mu^2 + sigma^2 by the reparameterisation trick
eps = jax.random.normal(k_grad, (20000,))


def expectation(theta):
    mu, log_sigma = theta
    return jnp.mean((mu + jnp.exp(log_sigma) * eps) ** 2)


val, g = jax.value_and_grad(expectation)(jnp.array([0.7, -0.3]))
print(f"E = {val:.6f} (exact {0.7**2 + jnp.exp(-0.6):.6f}); grad = {jnp.round(g, 6)}")

# assorted samplers
ks = jax.random.split(k_misc, 6)
print("normal f32:", jax.random.normal(ks[0], (2, 3), jnp.float32))
print("randint:", jax.random.randint(ks[1], (8,), -5, 5))
print("bernoulli:", jax.random.bernoulli(ks[2], 0.3, (10,)).astype(int).tolist())
print("permutation:", jax.random.permutation(ks[3], 10).tolist())
print("choice:", jax.random.choice(ks[4], jnp.arange(20), (5,), replace=False).tolist())
print("choice p:", jax.random.choice(ks[4], 4, (6,), p=jnp.array([0.1, 0.2, 0.3, 0.4])).tolist())
sample = jax.random.multivariate_normal(
    ks[5], jnp.zeros(2), jnp.array([[1.0, 0.8], [0.8, 1.0]]), (4000,)
)
print("sample corr:", f"{jnp.corrcoef(sample.T)[0, 1]:.4f}")
print("vmap keys:", jax.vmap(lambda k: jax.random.uniform(k))(jax.random.split(key, 3)))
print(
    "gumbel:",
    jnp.round(jax.random.gumbel(ks[0], (3,)), 6),
    "exponential:",
    jnp.round(jax.random.exponential(ks[1], (3,)), 6),
)
print("truncated:", jnp.round(jax.random.truncated_normal(ks[2], -1.0, 1.0, (3,)), 6))
