# Gaussian-process regression in float64: an RBF kernel, the Cholesky factor and
# triangular solves (jax.scipy.linalg), the log marginal likelihood and its gradient in
# the log hyperparameters, a few steps of gradient ascent, and the posterior mean/variance.
import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_solve, solve_triangular

jax.config.update("jax_enable_x64", True)


def kernel(x1, x2, log_ell, log_sf):
    d2 = jnp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
    return jnp.exp(2 * log_sf) * jnp.exp(-0.5 * d2 / jnp.exp(2 * log_ell))


def neg_log_marginal(theta, x, y):
    log_ell, log_sf, log_sn = theta
    n = x.shape[0]
    K = kernel(x, x, log_ell, log_sf) + (jnp.exp(2 * log_sn) + 1e-8) * jnp.eye(n)
    L = jnp.linalg.cholesky(K)
    alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True), lower=False)
    return 0.5 * y @ alpha + jnp.sum(jnp.log(jnp.diag(L))) + 0.5 * n * jnp.log(2 * jnp.pi)


def posterior(theta, x, y, xs):
    log_ell, log_sf, log_sn = theta
    K = kernel(x, x, log_ell, log_sf) + jnp.exp(2 * log_sn) * jnp.eye(x.shape[0])
    L = jnp.linalg.cholesky(K)
    Ks = kernel(x, xs, log_ell, log_sf)
    mean = Ks.T @ cho_solve((L, True), y)
    v = solve_triangular(L, Ks, lower=True)
    var = jnp.exp(2 * log_sf) - jnp.sum(v * v, axis=0)
    return mean, var


x = jnp.linspace(-3.0, 3.0, 12)[:, None]
y = jnp.sin(x[:, 0]) + 0.1 * jnp.cos(7.0 * x[:, 0])
theta = jnp.array([0.0, 0.0, -1.0])
value_and_grad = jax.jit(jax.value_and_grad(neg_log_marginal))
for it in range(40):
    value, g = value_and_grad(theta, x, y)
    theta = theta - 0.05 * g
    if it % 10 == 0:
        print(f"iter {it:2d}  nlml {value:.8f}  |g| {jnp.linalg.norm(g):.8f}")
print("theta:", jnp.round(theta, 6))
H = jax.hessian(neg_log_marginal)(theta, x, y)
print("hessian eigenvalues:", jnp.round(jnp.linalg.eigvalsh(H), 5))
xs = jnp.array([[-2.5], [0.0], [1.7], [4.0]])
mean, var = posterior(theta, x, y, xs)
print("mean:", jnp.round(mean, 6))
print("var: ", jnp.round(var, 6))
dmean = jax.jacfwd(lambda t: posterior(t, x, y, xs)[0])(theta)
print("d mean / d theta:", dmean.shape, jnp.round(dmean[1], 6))
