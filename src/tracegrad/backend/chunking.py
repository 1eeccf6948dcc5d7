"""Chunked elementwise kernels: a run of elementwise ufunc calls over one large shape is
computed a cache-sized chunk at a time, so that its intermediate values never exist at full
size and stay in the cache between the calls that read them.

The rules (``regions``):

- An equation may join a kernel when it is a call of a ufunc with one output and no
  parameters (the primitive's implementation, as code generation emits it), or
  ``integer_pow`` by 2 (``np.square``), whose result has the kernel's shape ``S``, at least
  ``MIN_SIZE`` elements, and whose operands have the shape ``S`` or are 0-d, all of one dtype
  (NumPy broadcasts nothing, and promotes nothing, between the chunks).
- A kernel is a run of such equations, consecutive in the program, of one shape: it stops
  at anything else (a reduction, a matrix product, a broadcast, a reshape, an
  implementation called as is, an equation of another shape). What the equations before
  it computed is its input; what the equations after it (or the program's outputs) read is
  its output, allocated at full size and filled chunk by chunk. A run of fewer than
  ``MIN_LENGTH`` equations stays as it is.
- Each chunk is a slice of every input flattened in C order (a copy, once, for an input
  that is not C-contiguous), ``CHUNK`` elements long.
- The first chunk runs on the calling thread; the others on threads (threads.py) when the
  first took at least ``THREAD_MIN_CALL`` seconds for each of the kernel's calls and
  ``CHUNK_STEPS`` more, each chunk written into its own slice of the outputs.

Every element is computed by the same ufunc calls as without chunks, on whichever thread,
so the results are the same, bit for bit (NumPy's SIMD loops give each element the result
they give it in a whole array: the differential tests check this on the machine that runs
them).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.backend import threads
from tracegrad.backend.emitters import integer_power, plain_ufunc
from tracegrad.backend.rewrite import last_uses
from tracegrad.core import ClosedJaxpr, Jaxpr, JaxprEqn, Primitive, Var
from tracegrad.core.ir import Atom

CHUNK = 8192  # elements per chunk: 64 KiB of float64, a few dozen of them fit in L2
MIN_SIZE = 16 * CHUNK  # below this, one call over the whole array is as fast
# Shorter runs are left whole: they save little memory (the code generator already writes
# a dying operand's buffer in place) and pay a copy of each output and a loop of calls.
MIN_LENGTH = 4
# The chunks after the first run on threads (threads.py) when the first took this long for
# each of the kernel's NumPy calls and CHUNK_STEPS more (the chunk's slicing and copies),
# each step a hold of the GIL: with shorter steps the threads spend their time taking
# turns at the GIL (a kernel of additions ran 1.2-2.3x slower on two threads).
THREAD_MIN_CALL = 2.75e-6
CHUNK_STEPS = 4


class Kernel:
    """The primitive of the equation that stands for a kernel in the program that code
    generation sees; its ``body`` parameter is the kernel's program, over whole arrays (run
    on chunks). Not a primitive of the language: it has no rules, and no transformation
    ever sees it."""

    primitive = Primitive("chunked_kernel", multiple_results=True)


def _fits(eqn: JaxprEqn, min_size: int) -> tuple[tuple[int, ...], np.dtype[Any]] | None:
    """The shape and dtype of the kernel ``eqn`` may join, or None."""
    if plain_ufunc(eqn) is None and integer_power(eqn) != 2:
        return None
    aval = eqn.outvars[0].aval
    if math.prod(aval.shape) < min_size:
        return None
    for a in eqn.invars:
        if a.aval.dtype != aval.dtype or a.aval.shape not in (aval.shape, ()):
            return None
    return aval.shape, aval.dtype


def regions(
    eqns: Sequence[JaxprEqn], outvars: Sequence[Atom], min_size: int | None = None
) -> list[JaxprEqn]:
    """``eqns`` with each run of equations that can be computed chunk by chunk replaced by one
    ``Kernel`` equation (its ``body`` the run's program).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: tnp.sum(tnp.exp(tnp.sin(x) * 2.0 + 1.0)))(np.ones(10))
    >>> [e.primitive.name for e in regions(closed.eqns, closed.jaxpr.outvars, min_size=8)]
    ['chunked_kernel', 'reduce_sum']
    """
    min_size = MIN_SIZE if min_size is None else min_size
    read_later = last_uses(eqns, outvars)
    out: list[JaxprEqn] = []
    i = 0
    while i < len(eqns):
        key = _fits(eqns[i], min_size)
        j = i + 1
        while key is not None and j < len(eqns) and _fits(eqns[j], min_size) == key:
            j += 1
        if key is None or j - i < MIN_LENGTH:
            out.extend(eqns[i:j])
        else:
            out.append(_kernel(eqns[i:j], read_later, j))
        i = j
    return out


def _kernel(run: Sequence[JaxprEqn], read_later: dict[Var, int], end: int) -> JaxprEqn:
    defined = {v for eqn in run for v in eqn.outvars}
    inputs: dict[Var, None] = {}
    for eqn in run:
        for a in eqn.invars:
            if isinstance(a, Var) and a not in defined:
                inputs[a] = None
    outputs = [v for eqn in run for v in eqn.outvars if read_later.get(v, -1) >= end]
    body = ClosedJaxpr(Jaxpr((), tuple(inputs), tuple(outputs), tuple(run)), ())
    return JaxprEqn(Kernel.primitive, tuple(inputs), tuple(outputs), {"body": body})


def run_chunked(
    kernel: Callable[..., list[Any]],
    calls: int,
    shape: tuple[int, ...],
    dtypes: Sequence[np.dtype[Any]],
    *inputs: Any,
) -> list[np.ndarray]:
    """Run ``kernel`` (elementwise, ``calls`` NumPy calls over arrays of ``shape`` and 0-d
    values) chunk by chunk, its outputs written into arrays of ``shape`` and ``dtypes``;
    the chunks after the first on threads, when its calls take long enough.

    >>> run_chunked(lambda x, y: [x * y], 1, (2, 3), [np.dtype(float)], np.ones((2, 3)), 2.0)
    [array([[2., 2., 2.],
           [2., 2., 2.]])]
    """
    size = math.prod(shape)
    flat = [np.ravel(x) if np.ndim(x) else x for x in inputs]
    big = [np.ndim(x) != 0 for x in inputs]
    outs = [np.empty(size, dt) for dt in dtypes]

    def chunk(k: int) -> None:
        lo, hi = k * CHUNK, (k + 1) * CHUNK
        parts = kernel(*[x[lo:hi] if b else x for x, b in zip(flat, big, strict=True)])
        for o, p in zip(outs, parts, strict=True):
            o[lo:hi] = p

    on = threads.count()
    start = time.perf_counter()
    chunk(0)
    if time.perf_counter() - start < (calls + CHUNK_STEPS) * THREAD_MIN_CALL:
        on = 1
    threads.parallel_for(-(-size // CHUNK) - 1, lambda k: chunk(k + 1), on)
    return [o.reshape(shape) for o in outs]
