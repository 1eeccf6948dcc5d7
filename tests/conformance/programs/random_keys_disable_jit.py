# Typed keys, samplers bit for bit, gamma's second derivative, and disable_jit's Python
# control flow.
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

key = jax.random.key(42)
print(key.dtype, jnp.issubdtype(key.dtype, jax.dtypes.prng_key), jax.random.key_impl(key))
k1, k2 = jax.random.split(key)
print(k1)
print(bool(k1 == k2), bool(k1 == k1), jax.random.split(key, (2, 3))[..., 1].shape)

for name in ["uniform", "normal", "exponential", "gumbel", "laplace", "logistic"]:
    for dtype in (jnp.float32, jnp.float64):
        print(name, np.dtype(dtype).name, getattr(jax.random, name)(k1, (3,), dtype).tolist())
print("highest", jax.random.gumbel(k1, (3,), jnp.float32, mode="highest").tolist())
print("poisson", jax.random.poisson(k2, jnp.array([0.5, 4.0, 12.0, 60.0, 1e4])).tolist())
print("randint", jax.random.randint(k2, (5,), -3, 100).tolist())
print("permutation", jax.random.permutation(k2, 8).tolist())


def sample(a):
    return jax.random.gamma(k2, a)


alpha = jnp.array([0.5, 2.0, 30.0])
second = jnp.diagonal(jax.jacfwd(jax.jacfwd(sample))(alpha), axis1=1, axis2=2).diagonal()
print("d2 gamma", [f"{v:.8f}" for v in second.tolist()])

keys = jax.random.split(key, 3)
print("vmap", jax.vmap(lambda k: jax.random.normal(k, (), jnp.float32))(keys).tolist())


def step(carry, _):
    carry, sub = jax.random.split(carry)
    return carry, jax.random.uniform(sub, (), jnp.float32)


print("scan", jax.lax.scan(step, key, None, length=3)[1].tolist())

with jax.disable_jit():
    print(jax.lax.fori_loop(0, 3, lambda i, c: (print("  fori", i), c + i)[1], 0))
    print(jax.lax.while_loop(lambda c: c < 2, lambda c: (print("  while", c), c + 1)[1], 0))
    print(
        jax.lax.cond(True, lambda: (print("  true branch"), 1)[1], lambda: (print("  false"), 0)[1])
    )
    carry, ys = jax.lax.scan(
        lambda c, x: (print("  scan", x), (c + x, c * x))[1], 0.0, jnp.arange(3.0)
    )
    print(carry, ys)
    print(jax.lax.map(lambda x: x * 2, jnp.arange(3)))
