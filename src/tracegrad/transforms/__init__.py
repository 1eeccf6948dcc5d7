"""Transformations of functions and of the IR: jvp, linearize, transpose, vjp/grad, jacobians."""
