# jax.numpy indexing and dtype behaviour a data pipeline meets: where, argsort (stable),
# cumsum, take_along_axis, top-k by sorting, .at updates under jit, out-of-bounds gathers
# (clamped) and scatters (dropped), boolean masks, weak types, and grad of integer inputs.
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

scores = jnp.array([[3.0, 1.0, 2.0, 3.0], [0.5, 4.0, 4.0, -1.0], [2.0, 2.0, 0.0, 1.0]])
order = jnp.argsort(-scores, axis=1, stable=True)
print("order:", order.tolist())
print("top2:", jnp.take_along_axis(scores, order[:, :2], axis=1).tolist())
print("ranks:", jnp.argsort(order, axis=1).tolist())
print("cumsum:", jnp.cumsum(scores, axis=1)[:, -1].tolist(), jnp.cumsum(scores).dtype)
print("cumsum int:", jnp.cumsum(jnp.array([1, 2, 3], dtype=jnp.int32)).tolist())
print("where:", jnp.where(scores > 2.0, scores, 0).tolist())
print("where idx:", [a.tolist() for a in jnp.where(scores == 4.0)])
print("sorted desc:", jnp.sort(scores, axis=None)[::-1][:5].tolist())
print("unique:", jnp.unique(scores).tolist(), jnp.unique(scores, size=3).tolist())
print("mask sum:", float(scores[scores > 1.0].sum()), scores[scores > 1.0].shape)

# indexing forms
print("fancy:", scores[jnp.array([2, 0]), jnp.array([1, 3])].tolist())
print("mixed:", scores[1:, jnp.array([0, 2])].tolist())
print("newaxis:", scores[None, :, 1].shape, scores[..., None].shape, scores[:, None, ::2].shape)
print("negative:", scores[-1, -2].item(), scores[::-2, 1].tolist())


@jax.jit
def update(x, idx, v):
    y = x.at[idx].add(v)
    y = y.at[0, :].set(jnp.arange(4.0))
    y = y.at[idx, 1].multiply(2.0)
    y = y.at[10].set(99.0)  # out of bounds: dropped
    return y.at[:, 3].max(1.5)


print("at:", update(scores, jnp.array([1, 1]), 1.0).tolist())
g = jax.grad(lambda x: jnp.sum(update(x, jnp.array([1, 1]), 1.0) ** 2))(scores)
print("grad through at:", g.tolist())

# weak types and dtypes
x32 = jnp.ones(3, dtype=jnp.float32)
print(
    "dtypes:",
    (x32 * 2).dtype,
    (x32 + 1.5).dtype,
    (x32 * jnp.float64(2)).dtype,
    (jnp.arange(3) / 2).dtype,
)
print("int ops:", (jnp.arange(5) // 2).tolist(), (jnp.arange(5) % 3).dtype, jnp.array(7) // -2)
print("bool sum:", jnp.sum(jnp.array([True, False, True])), jnp.sum(jnp.array([True, True])).dtype)
print("mean int:", jnp.mean(jnp.arange(4)), jnp.mean(jnp.arange(4)).dtype)
print("argmax ties:", jnp.argmax(jnp.array([1, 3, 3])), jnp.argmin(scores, axis=0).tolist())
print(
    "clip:",
    jnp.clip(jnp.arange(6), 1, 4).tolist(),
    "round:",
    jnp.round(jnp.array([0.5, 1.5, 2.5])).tolist(),
)
try:
    jax.grad(lambda n: n * 2.0)(3)
except TypeError as e:
    print("TypeError:", str(e).splitlines()[0][:60])
print("allow_int:", jax.grad(lambda n: n * 2.0, allow_int=True)(3).dtype)
print(
    "float0 grad of int arg:",
    jax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)[1].dtype,
)
print("grad int32 out dtype:", jax.grad(lambda x: jnp.sum(x**2))(x32).dtype)
