# A Lotka-Volterra ODE integrated with RK4 under lax.scan and lax.fori_loop, the
# sensitivity of the final state to the parameters with jacfwd and jacrev (they agree),
# fitting the parameters by gradient descent through the scan, and a while_loop with jvp.
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def vector_field(y, params):
    a, b, c, d = params
    prey, pred = y
    return jnp.stack([a * prey - b * prey * pred, c * prey * pred - d * pred])


def rk4_step(y, params, dt):
    k1 = vector_field(y, params)
    k2 = vector_field(y + 0.5 * dt * k1, params)
    k3 = vector_field(y + 0.5 * dt * k2, params)
    k4 = vector_field(y + dt * k3, params)
    return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def trajectory(params, y0, dt=0.05, steps=100):
    def body(y, _):
        y = rk4_step(y, params, dt)
        return y, y

    final, ys = lax.scan(body, y0, None, length=steps)
    return final, ys


def final_fori(params, y0, dt=0.05, steps=100):
    return lax.fori_loop(0, steps, lambda i, y: rk4_step(y, params, dt), y0)


params = jnp.array([1.1, 0.4, 0.1, 0.4])
y0 = jnp.array([10.0, 5.0])
final, ys = trajectory(params, y0)
print("scan final:", jnp.round(final, 8), "trajectory", ys.shape)
print("fori final:", jnp.round(final_fori(params, y0), 8))
print("max prey:", f"{ys[:, 0].max():.6f}", "at step", int(ys[:, 0].argmax()))
J_fwd = jax.jacfwd(lambda p: trajectory(p, y0)[0])(params)
J_rev = jax.jacrev(lambda p: final_fori(p, y0))(params)
print("jacobian:\n", jnp.round(J_fwd, 6))
print("fwd == rev:", bool(jnp.allclose(J_fwd, J_rev, rtol=1e-10, atol=1e-10)))

target = trajectory(jnp.array([1.0, 0.5, 0.12, 0.45]), y0)[1]


@jax.jit
def fit_loss(p):
    return jnp.mean((trajectory(p, y0)[1] - target) ** 2)


p = params
for it in range(60):
    val, g = jax.value_and_grad(fit_loss)(p)
    p = p - 2e-4 * g / (1.0 + jnp.linalg.norm(g) * 1e-3)
    if it % 20 == 0:
        print(f"fit {it}: {val:.8f}")
print("fitted:", jnp.round(p, 5))


def time_to_threshold(scale):
    def cond(state):
        t, y = state
        return (y[0] < 20.0 * scale) & (t < 500)

    def body(state):
        t, y = state
        return t + 1, rk4_step(y, params, 0.01)

    return lax.while_loop(cond, body, (0, y0))


steps, y_hit = time_to_threshold(1.0)
print("steps to threshold:", int(steps), jnp.round(y_hit, 6))
_, tangent = jax.jvp(lambda y: final_fori(params, y), (y0,), (jnp.array([1.0, 0.0]),))
print("jvp wrt prey0:", jnp.round(tangent, 8))
print(
    "vmap over y0:",
    jnp.round(jax.vmap(lambda y: final_fori(params, y))(jnp.stack([y0, 2 * y0])), 6),
)
