# Data-science style jax.numpy: statistics with NaNs, histograms and binning, interpolation,
# searchsorted/digitize, percentiles and their gradients, one-hot encodings, rolling means
# with convolve, padding modes, lexsort, tree.map with None leaves, lax.cond on pytrees
# (where NumPy and JAX differ in the last bit, histogram edges and round(), values are
# printed to fewer digits).
import jax
import jax.numpy as jnp
from jax.scipy.stats import norm

jax.config.update("jax_enable_x64", True)

key = jax.random.PRNGKey(123)
data = jax.random.normal(key, (200,)) * 2.0 + 1.0
data_nan = jnp.where(jnp.arange(200) % 17 == 0, jnp.nan, data)
print(
    "nanmean/nanstd:", round(float(jnp.nanmean(data_nan)), 8), round(float(jnp.nanstd(data_nan)), 8)
)
print("nanmax/nanargmin:", round(float(jnp.nanmax(data_nan)), 8), int(jnp.nanargmin(data_nan)))
counts, edges = jnp.histogram(data, bins=5, range=(-4.0, 6.0))
print("hist:", [int(c) for c in counts], jnp.round(edges, 3).tolist())
print("digitize:", jnp.digitize(jnp.array([-5.0, 0.5, 2.5, 9.0]), edges).tolist())
print("searchsorted:", jnp.searchsorted(jnp.sort(data), jnp.array([0.0, 1.0, 2.0])).tolist())
print("percentiles:", jnp.round(jnp.percentile(data, jnp.array([5.0, 50.0, 95.0])), 8).tolist())
print("quantile grad:", jnp.round(jax.grad(lambda d: jnp.quantile(d, 0.5))(data[:7]), 6).tolist())
print("median:", float(jnp.median(data[:8])), "ptp:", round(float(jnp.ptp(data)), 8))
xp, fp = jnp.array([0.0, 1.0, 3.0]), jnp.array([10.0, 20.0, 0.0])
print("interp:", jnp.interp(jnp.array([-1.0, 0.5, 2.0, 4.0]), xp, fp).tolist())
print("interp grad:", jax.grad(lambda x: jnp.interp(x, xp, fp))(2.0))
print("rolling:", jnp.convolve(data[:10], jnp.ones(3) / 3, mode="valid").round(6))
print(
    "pad:",
    jnp.pad(jnp.arange(3.0), 2, mode="reflect").tolist(),
    jnp.pad(jnp.arange(3), (1, 2), mode="edge").tolist(),
)
print("lexsort:", jnp.lexsort((jnp.array([3, 1, 2, 1]), jnp.array([1, 1, 0, 0]))).tolist())
print("one_hot:", jax.nn.one_hot(jnp.array([0, 2, -1, 5]), 3).tolist())
print(
    "unique counts:",
    [a.tolist() for a in jnp.unique(jnp.array([3, 1, 3, 2, 1]), return_counts=True)],
)
print(
    "cdf:",
    jnp.round(norm.cdf(jnp.array([-1.0, 0.0, 1.96])), 8).tolist(),
    f"{float(norm.ppf(0.975)):.12f}",
)
print("corrcoef:", round(float(jnp.corrcoef(data[:50], data[50:100])[0, 1]), 8))
print("cov:", jnp.round(jnp.cov(jnp.stack([data[:5], data[5:10]])), 6).tolist())

tree = {"a": jnp.ones(2), "b": None, "c": (jnp.arange(2.0), None)}
print("tree.map:", jax.tree.map(lambda x: (x * 2).tolist(), tree))
print("leaves:", len(jax.tree.leaves(tree)), jax.tree.structure(tree))


def branch(flag, state):
    return jax.lax.cond(
        flag,
        lambda s: {"x": s["x"] + 1, "y": s["y"] * 2},
        lambda s: {"x": s["x"] - 1, "y": s["y"]},
        state,
    )


state = {"x": jnp.array(1.0), "y": jnp.arange(3.0)}
out = jax.jit(branch)(True, state)
print(
    "cond:",
    float(out["x"]),
    out["y"].tolist(),
    jax.grad(lambda v: branch(False, {"x": v, "y": jnp.ones(3)})["x"])(2.0),
)
print(
    "where nan-safe grad:",
    jax.grad(lambda x: jnp.sum(jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.0)), 0.0)))(
        jnp.array([4.0, -1.0])
    ),
)
