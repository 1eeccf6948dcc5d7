"""Views, in-place operations on them, and version counters, as in PyTorch.

A view shares its base's NumPy buffer and version counter and remembers how it was taken
(``graph.View``). An in-place operation writes into the buffer and bumps the counter; when
it is recorded on a view, the root base's ``grad_fn`` becomes ``CopySlices``: "the base
with the view's region replaced by the new values", written once from the view function
and its transpose, so its derivative comes from the core's rules. A view whose storage
changed regenerates its ``grad_fn`` (``AsStridedBackward0``) when next asked for it.
Nodes remember the versions of the tensors they saved; backward checks them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.graph import V_META, V_OP, V_SEEN, GradFn, Op, apply
from tracegrad.torch.tensor import VIEW_HOOKS, Tensor
from tracegrad.transforms.vjp import vjp

Steps = tuple[tuple[Op, tuple[tuple[str, Any], ...], int], ...]

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_NO_GRAD_VIEW = "A view was created in no_grad mode and {what} with grad mode enabled. {why}"
_NO_GRAD_WHY = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked)."
)
_MULTI_WHY = (
    "This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one."
)
_BEING_MODIFIED = "is being modified inplace"
_WAS_MODIFIED = "its base or another view of its base has been modified inplace"


def _short(name: str) -> str:
    """A node's name as PyTorch's messages print it: ``MulBackward0`` -> ``Mul``."""
    return re.sub(r"Backward\d*$", "", name)


def _view_error(t: Tensor, what: str) -> RuntimeError:
    """PyTorch's error for an in-place change of a view made in no_grad mode or by a
    function returning several views (``what``: being modified, or was modified)."""
    meta = t._view[V_META]
    if meta == "no_grad":
        return RuntimeError(_NO_GRAD_VIEW.format(what=what, why=_NO_GRAD_WHY))
    index, name = meta
    base = t._base
    assert base is not None
    if what == _BEING_MODIFIED and not base._requires_grad:
        return RuntimeError(_NO_GRAD_VIEW.format(what=what, why=_MULTI_WHY))
    name = name or t._grad_fn.name()
    return RuntimeError(f"Output {index} of {_short(name)} is a view and {what}. {_MULTI_WHY}")


def mark_multi(views: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Mark views returned together (unbind, split, chunk): PyTorch refuses to record an
    in-place operation on them."""
    for k, v in enumerate(views):
        if v._view is not None and v._view[V_META] is None:
            v._view = (*v._view[:V_META], (k, v._view[V_OP].name))
    return views


# ---- the view function of a view, from its root base ------------------------------------------


def _steps(t: Tensor) -> tuple[Steps, tuple[Any, ...]]:
    """The view operations from the root base to ``t`` and their metadata inputs."""
    chain = []
    x = t
    while x._view is not None:
        parent, op, arrays, params = x._view[:V_SEEN]
        rest = tuple(arrays[1:])
        chain.append(((op, tuple(params.items()), len(rest)), rest))
        x = parent
    chain.reverse()
    return tuple(s for s, _ in chain), tuple(a for _, rest in chain for a in rest)


def _view_fn(steps: Steps) -> Callable[..., Any]:
    def view(base: Any, *rest: Any) -> Any:
        k = 0
        for op, params, n in steps:
            base = op.fn(base, *rest[k : k + n], **dict(params))
            k += n
        return base

    return view


def _copy_slices_fn(steps: Steps) -> Callable[..., Any]:
    view_fn = _view_fn(steps)

    def copy_slices(base: Any, new: Any, *rest: Any) -> Any:
        """``base`` with the view's region replaced by ``new``."""
        if isinstance(base, np.ndarray):  # run eagerly after the view was written into
            return base

        def view(b: Any) -> Any:
            return view_fn(b, *rest)

        current, pullback = vjp(view, base)
        complex_base = base.dtype.kind == "c"

        def place(values: Any) -> Any:
            # The view's transpose (for the real inner product, as PyTorch's convention).
            (out,) = pullback(tnp.conj(values) if complex_base else values)
            return tnp.conj(out) if complex_base else out

        if new.dtype == base.dtype:  # a selection of whole elements: exact
            return tnp.where(place(tnp.ones_like(new)) != 0, place(new), base)
        return base + place(new - current)  # real/imag of complex elements

    return copy_slices


_AS_STRIDED: dict[Steps, Op] = {}
_COPY_SLICES: dict[Steps, Op] = {}


def _chain_op(cache: dict[Steps, Op], steps: Steps, name: str) -> Op:
    op = cache.get(steps)
    if op is None:
        if name == "CopySlices":
            op = Op(name, _copy_slices_fn(steps), meta_from=2)
        else:
            op = Op(name, _view_fn(steps), meta_from=1)
        cache[steps] = op
    return op


def refresh(t: Tensor) -> None:
    """Regenerate the ``grad_fn`` of the view ``t`` if its storage changed since it was
    made: the view function applied to the root base's current ``grad_fn``."""
    v = t._view
    version = t._vc[0]
    if v[V_SEEN] == version:
        return
    base = t._base
    assert base is not None
    if base._requires_grad and v[V_META] is not None:
        raise _view_error(t, _WAS_MODIFIED)
    t._view = (*v[:V_SEEN], version, v[V_META])
    if not base._requires_grad:
        return
    steps, rest = _steps(t)
    prev = STATE.enabled
    STATE.enabled = True  # regenerated in any grad mode, as in PyTorch
    try:
        out = apply(_chain_op(_AS_STRIDED, steps, "AsStridedBackward0"), (base, *rest))
    finally:
        STATE.enabled = prev
    t._grad_fn = out._grad_fn
    t._requires_grad = True


VIEW_HOOKS.refresh = refresh


# ---- in-place operations ---------------------------------------------------------------------


def recorded(self: Tensor, other: Any) -> bool:
    """Whether an in-place operation on ``self`` (with operand ``other``) is recorded;
    raises PyTorch's error where PyTorch refuses to record it."""
    if not STATE.enabled:
        return False
    base = self._base
    needs = self._requires_grad or (base is not None and base._requires_grad)
    if not (needs or (isinstance(other, Tensor) and other.requires_grad)):
        return False
    if base is None:
        if self._grad_fn is None and self._requires_grad:
            raise RuntimeError(LEAF_IN_PLACE)
        return True
    if self._view[V_META] is not None:
        raise _view_error(self, _BEING_MODIFIED)
    if base._grad_fn is None and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    return True


def check_writable(t: Tensor) -> None:
    """Raise PyTorch's error for an in-place write into an expanded tensor."""
    v = t._value
    if v.flags.writeable:
        return
    if any(s == 0 and n > 1 for s, n in zip(v.strides, v.shape, strict=True)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation."
        )
    raise RuntimeError(
        "unsupported operation: the tensor shares its memory with a read-only array; clone() "
        "it first."
    )


def write(self: Tensor, value: Any) -> Tensor:
    """Write ``value`` (broadcast, cast) into the storage of ``self``; bump its version."""
    check_writable(self)
    try:
        np.copyto(self._value, value, casting="unsafe")
    except ValueError as e:
        raise RuntimeError(
            f"output with shape {list(self._value.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(self._value.shape, np.shape(value)))}"
        ) from e
    self._vc[0] += 1
    return self


def commit(self: Tensor, compute: Callable[[], Tensor]) -> Tensor:
    """Run a recorded in-place operation on ``self``: ``compute()`` is its out-of-place
    form on ``self`` (its first input), recorded (if its node saves ``self``, it saves a
    copy); the result is written into ``self``'s storage, and its node becomes the
    ``grad_fn`` of ``self``, or, for a view, enters the root base's ``CopySlices``."""
    check_writable(self)
    prev = STATE.writing
    STATE.writing = self
    try:
        out = compute()
    finally:
        STATE.writing = prev
    write(self, out._value)
    node = out._grad_fn
    if node is None:
        return self
    if node.result is not None:
        node.result = (self._vc, self._vc[0])
    base = self._base
    if base is None:
        old = self._grad_fn
        if old is not None and old.retained is not None:
            node.retained, old.retained = old.retained, None
        self._grad_fn = node
        self._requires_grad = True
        return self
    steps, rest = _steps(self)
    new_base = apply(_chain_op(_COPY_SLICES, steps, "CopySlices"), (base, out, *rest))
    base._grad_fn = new_base._grad_fn
    base._requires_grad = True
    return self


# ---- the version check at backward --------------------------------------------------------------

_LEGACY_NAMES = {
    "float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
    "float16": "torch.HalfTensor", "bfloat16": "CPUBFloat16Type",
    "complex64": "CPUComplexFloatType", "complex128": "CPUComplexDoubleType",
    "int64": "torch.LongTensor", "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
    "int8": "torch.CharTensor", "uint8": "torch.ByteTensor", "bool": "CPUBoolType",
}  # fmt: skip


def _modified(
    dtype: np.dtype[Any], shape: tuple[int, ...], producer: Any, now: int, expected: int
) -> RuntimeError:
    which = "" if producer is None else f", which is output 0 of {_short(producer.name())},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{_LEGACY_NAMES.get(dtype.name, dtype.name)} {list(shape)}]"
        f"{which} is at version {now}; expected version {expected} instead. Hint: enable "
        "anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def check_saved(node: GradFn) -> None:
    """Raise PyTorch's error if a tensor the node saved was changed in place since."""
    for t, version in node.versions:
        if t._vc[0] != version:
            raise modified_error(node)
    result = node.result
    if result is not None and result[0][0] != result[1]:
        raise modified_error(node)


def modified_error(node: GradFn) -> RuntimeError:
    """PyTorch's error for a tensor ``node`` saved (or its result, when PyTorch saves it)
    that was changed in place since (the engine checks the versions before the vjp runs)."""
    for t, expected in node.versions:
        now = t._vc[0]
        if now != expected:
            producer = t._grad_fn
            if t._view is not None:
                with contextlib.suppress(RuntimeError):  # its own error: name the old node
                    producer = t.grad_fn
            return _modified(t._value.dtype, t._value.shape, producer, now, expected)
    assert node.result is not None
    (now,), expected = node.result
    aval = node.plan.out_aval
    return _modified(aval.dtype, aval.shape, node, now, expected)
