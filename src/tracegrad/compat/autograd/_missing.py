"""autograd's internals that have no counterpart here, and the error that names them.

autograd differentiates by boxing values (``Box``) in a tracer (``autograd.tracer``) and adds
gradients in vector spaces (``VSpace``); tracegrad traces to an IR instead, so code that
subclasses or inspects those classes cannot run on it (docs/autograd.md lists them).
"""

from __future__ import annotations

from collections.abc import Callable

WHY = (
    "tracegrad.compat.autograd maps autograd's public API onto tracegrad's transformations, "
    "which trace programs to an IR instead of boxing values, so autograd's internals (Box, "
    "VSpace, its tracer and nodes) have no counterpart. Use the public API (grad, "
    "make_vjp, ...) and autograd.extend.primitive/defvjp for custom derivatives, or run this "
    "code with HIPS autograd itself (docs/autograd.md)."
)

INTERNAL_NAMES = frozenset(
    {
        "Box",
        "VSpace",
        "vspace",
        "SparseObject",
        "SparseBox",
        "JVPNode",
        "VJPNode",
        "Node",
        "register_notrace",
        "defjvp_is_fun",
        "ArrayBox",
        "ArrayVSpace",
        "trace",
        "new_box",
        "isbox",
        "getval",
        "primitive_with_deprecation_warnings",
        "const_graph",
    }
)
INTERNAL_MODULES = frozenset(
    {
        "autograd.core",
        "autograd.tracer",
        "autograd.util",
        "autograd.wrap_util",
        "autograd.misc.tracers",
        "autograd.numpy.numpy_boxes",
        "autograd.numpy.numpy_vspaces",
        "autograd.numpy.numpy_vjps",
        "autograd.numpy.numpy_jvps",
        "autograd.numpy.numpy_wrapper",
    }
)


def not_provided(what: str) -> ImportError:
    """The error for an autograd internal (a name or a module) that is not provided."""
    return ImportError(f"{what} is not provided by tracegrad.compat.autograd: {WHY}")


def module_getattr(module: str) -> Callable[[str], object]:
    """A module ``__getattr__`` raising :func:`not_provided` for autograd's internal names."""

    def __getattr__(name: str) -> object:
        if name in INTERNAL_NAMES:
            raise not_provided(f"{module}.{name}")
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
