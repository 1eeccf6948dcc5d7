"""Primitives: a name plus its rules, and ``bind``, the one entry point into the current trace."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from tracegrad.core.aval import ShapedArray
from tracegrad.core.trace import _current

ImplRule = Callable[..., Any]
AbstractEvalRule = Callable[..., "ShapedArray | Sequence[ShapedArray]"]
# (primals, tangents, **params) -> (primal_out, tangent_out); tangents may be Zero.
JvpRule = Callable[..., tuple[Any, Any]]
# (ct, *args, **params) -> one cotangent (or None) per arg; linear args are UndefinedPrimal.
TransposeRule = Callable[..., Sequence[Any]]
# (args, dims, **params) -> (out, out_dim); dims are ints or None (unbatched).
BatchRule = Callable[..., tuple[Any, Any]]
# (trace, args, **params) -> outputs: a partial-evaluation trace met the primitive with some
# inputs known and some not (only primitives that carry inner jaxprs need this rule).
PartialEvalRule = Callable[..., Any]
# Backend rules, with the backend's own types (backend/emitters.py, backend/algebra.py):
# (ctx, eqn, arg_texts) -> Emission or None, the Python that computes an equation with NumPy;
EmitRule = Callable[..., Any]
# (rebuilder, eqn, inputs) -> an atom standing for the output, a new equation, or None.
SimplifyRule = Callable[..., Any]


class BackendRule:
    """A rule of ``tracegrad.backend`` named in an op's block as ``"module:attribute"`` (for
    a rule factory, with its arguments), imported the first time the backend reads the
    slot: ``import tracegrad.numpy`` loads no backend (docs/imports.md).

    >>> rule = BackendRule("tracegrad.backend.emitters:reduction", np.add, with_dtype=True)
    >>> rule.resolve().__module__
    'tracegrad.backend.emitters'
    """

    __slots__ = ("args", "kwargs", "target")

    def __init__(self, target: str, *args: Any, **kwargs: Any) -> None:
        self.target, self.args, self.kwargs = target, args, kwargs

    def resolve(self) -> Callable[..., Any]:
        module, _, attr = self.target.partition(":")
        value: Callable[..., Any] = getattr(importlib.import_module(module), attr)
        return value(*self.args, **self.kwargs) if self.args or self.kwargs else value

    def __repr__(self) -> str:
        return f"BackendRule({self.target!r})"


def _resolved(rule: Callable[..., Any] | BackendRule | None) -> Callable[..., Any] | None:
    return rule.resolve() if isinstance(rule, BackendRule) else rule


class Primitive:
    """A primitive operation: the unit the IR records and every transformation interprets.

    >>> p = Primitive("twice")
    >>> p.def_impl(lambda x: 2 * x)
    >>> p.bind(3)
    6
    """

    __slots__ = (
        "_emit",
        "_simplify",
        "abstract_eval",
        "batch",
        "commutative",
        "effectful",
        "grad_fn_name",
        "impl",
        "inline_param",
        "jvp",
        "linear",
        "multiple_results",
        "name",
        "partial_eval",
        "run_time_only",
        "transparent",
        "transpose",
    )

    def __init__(
        self,
        name: str,
        *,
        multiple_results: bool = False,
        effectful: bool = False,
        run_time_only: bool = False,
        linear: bool = False,
        commutative: bool = False,
        inline_param: str | None = None,
        transparent: bool = False,
    ) -> None:
        self.name = name
        self.multiple_results = multiple_results
        # An effect beyond the outputs (printing, calling the user back): the backend never
        # removes, merges, folds or reorders the primitive's equations.
        self.effectful = effectful
        # The implementation runs only when the program runs, never while the backend
        # optimises it (a user's callback): never constant-folded.
        self.run_time_only = run_time_only or effectful
        # Linear in some of its inputs, the others held fixed (add, mul, reshape...): reverse
        # mode transposes it, so it has a transpose rule (deflinear/defbilinear declare it).
        self.linear = linear
        # A binary primitive whose result does not depend on the order of its operands, bit
        # for bit: the backend's common-subexpression pass merges ``f(x, y)`` and ``f(y, x)``.
        self.commutative = commutative
        # The parameter holding a ClosedJaxpr that the primitive evaluates on its inputs, when
        # the backend may inline it in the program that runs (jit, the custom-rule calls).
        self.inline_param = inline_param
        # Inlining it changes nothing for any transformation, not even derivatives (jit): the
        # backend may inline it before every transformation is done with the IR too.
        self.transparent = transparent
        self._emit: EmitRule | BackendRule | None = None
        self._simplify: SimplifyRule | BackendRule | None = None
        # The name PyTorch gives the backward node of the matching op (the Tensor shim's
        # ``grad_fn`` under create_graph), where it is not derived from ``name``.
        self.grad_fn_name: str | None = None
        self.impl: ImplRule | None = None
        self.abstract_eval: AbstractEvalRule | None = None
        self.jvp: JvpRule | None = None
        self.transpose: TransposeRule | None = None
        self.batch: BatchRule | None = None
        self.partial_eval: PartialEvalRule | None = None

    def bind(self, *args: Any, **params: Any) -> Any:
        return _current.get().process_primitive(self, args, params)

    def def_impl(self, rule: ImplRule) -> None:
        self.impl = rule

    def def_abstract_eval(self, rule: AbstractEvalRule) -> None:
        self.abstract_eval = rule

    def def_jvp(self, rule: JvpRule) -> None:
        self.jvp = rule

    def def_transpose(self, rule: TransposeRule) -> None:
        self.transpose = rule

    def def_batch(self, rule: BatchRule) -> None:
        self.batch = rule

    def def_partial_eval(self, rule: PartialEvalRule) -> None:
        self.partial_eval = rule

    @property
    def emit(self) -> EmitRule | None:
        """How the code generator writes the primitive with NumPy (backend/emitters.py)."""
        rule = self._emit = _resolved(self._emit)
        return rule

    def def_emit(self, rule: EmitRule | BackendRule) -> None:
        self._emit = rule

    @property
    def simplify(self) -> SimplifyRule | None:
        """The primitive's algebraic rewrite (backend/algebra.py)."""
        rule = self._simplify = _resolved(self._simplify)
        return rule

    def def_simplify(self, rule: SimplifyRule | BackendRule) -> None:
        self._simplify = rule

    def __repr__(self) -> str:
        return self.name
