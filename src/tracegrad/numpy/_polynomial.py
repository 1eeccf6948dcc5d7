"""NumPy's legacy polynomial functions (coefficients highest power first): ``polyval``,
``polyadd``, ``polysub``, ``polymul``, ``polydiv``, ``polyder``, ``polyint``, ``poly``,
``roots``, ``polyfit`` and ``vander``, composed from ``tracegrad.numpy``'s own."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._creation import zeros
from tracegrad.numpy._index_update import at
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._manipulation import atleast_1d, broadcast_to
from tracegrad.numpy._reductions import cumprod
from tracegrad.numpy._ufuncs import real
from tracegrad.numpy.frontend import numpy_when_eager, promote_dtypes
from tracegrad.ops.stop_gradient import stop_gradient


def _vector(p: Any) -> Any:
    return atleast_1d(operand(p))


@numpy_when_eager(np.polyval)
def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's
    rule, as NumPy evaluates it.

    >>> polyval([3.0, 0.0, 1.0], np.array([0.0, 2.0]))
    array([ 1., 13.])
    """
    c = operand(p)
    xv = operand(x)
    y: Any = xv * 0
    for i in range(get_aval(c).shape[0] if get_aval(c).ndim else 0):
        y = y * xv + c[i]
    return y


def _padded_pair(a1: Any, a2: Any) -> tuple[Any, Any]:
    a, b = _vector(a1), _vector(a2)
    na, nb = get_aval(a).shape[0], get_aval(b).shape[0]
    if na < nb:
        a = concatenate([zeros(nb - na, get_aval(a).dtype), a])
    elif nb < na:
        b = concatenate([zeros(na - nb, get_aval(b).dtype), b])
    return a, b


@numpy_when_eager(np.polyadd)
def polyadd(a1: Any, a2: Any) -> Any:
    """The sum of two polynomials.

    >>> polyadd([1.0, 2.0], [1.0, 0.0, 0.0])
    array([1., 1., 2.])
    """
    a, b = _padded_pair(a1, a2)
    return a + b


@numpy_when_eager(np.polysub)
def polysub(a1: Any, a2: Any) -> Any:
    """The difference of two polynomials.

    >>> polysub([1.0, 2.0], [1.0, 0.0, 0.0])
    array([-1.,  1.,  2.])
    """
    a, b = _padded_pair(a1, a2)
    return a - b


def _convolve_full(a: Any, b: Any) -> Any:
    """The full discrete convolution of two 1-d arrays: the product's coefficients."""
    a, b = promote_dtypes(a, b)
    na, nb = get_aval(a).shape[0], get_aval(b).shape[0]
    terms = a.reshape((na, 1)) * b.reshape((1, nb))
    place = np.add.outer(np.arange(na), np.arange(nb))
    return at(zeros(na + nb - 1, get_aval(terms).dtype))[place].add(terms)


@numpy_when_eager(np.polymul)
def polymul(a1: Any, a2: Any) -> Any:
    """The product of two polynomials.

    >>> polymul([1.0, 1.0], [1.0, -1.0])
    array([ 1.,  0., -1.])
    """
    return _convolve_full(_vector(a1), _vector(a2))


@numpy_when_eager(np.polydiv)
def polydiv(u: Any, v: Any) -> tuple[Any, Any]:
    """Quotient and remainder of polynomial division; leading zeros of the remainder are
    dropped (which needs its values, as under ``grad``).

    >>> polydiv([1.0, 0.0, -1.0], [1.0, 1.0])
    (array([ 1., -1.]), array([0.]))
    """
    a, b = _vector(u) + 0.0, _vector(v) + 0.0
    a, b = promote_dtypes(a, b)
    m, n = get_aval(a).shape[0] - 1, get_aval(b).shape[0] - 1
    scale = 1.0 / b[0]
    r = a
    q = []
    for k in range(m - n + 1):
        d = scale * r[k]
        q.append(d)
        r = at(r)[k : k + n + 1].add(-d * b)
    quotient = concatenate([x.reshape((1,)) for x in q]) if q else zeros(1, get_aval(a).dtype)
    values = np.asarray(concrete(r, "polydiv's remainder (its leading zeros are dropped)"))
    start = 0
    while start < values.shape[-1] - 1 and np.allclose(values[start], 0, rtol=1e-14):
        start += 1
    return quotient, r[start:]


@numpy_when_eager(np.polyder)
def polyder(p: Any, m: int = 1) -> Any:
    """The ``m``-th derivative of a polynomial.

    >>> polyder([1.0, 1.0, 1.0])
    array([2., 1.])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    c = operand(p)
    for _ in range(m):
        n = get_aval(c).shape[0] - 1
        c = c[:-1] * np.arange(n, 0, -1)
    return c


@numpy_when_eager(np.polyint)
def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """The ``m``-th antiderivative of a polynomial, with integration constants ``k``.

    >>> polyint([3.0, 2.0], k=1.0)
    array([1.5, 2. , 1. ])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    ks = zeros(m) if k is None else atleast_1d(operand(k))
    if get_aval(ks).shape[0] == 1 and m > 1:
        ks = broadcast_to(ks, (m,))
    if get_aval(ks).shape[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    c = operand(p)
    for i in range(m):
        n = get_aval(c).shape[0]
        c = concatenate([c / np.arange(n, 0, -1), ks[i : i + 1]])
    return c


@numpy_when_eager(np.poly)
def poly(seq_of_zeros: Any) -> Any:
    """The coefficients of the monic polynomial with the given roots (real when they come in
    conjugate pairs, which needs their values).

    >>> poly([1.0, -1.0])
    array([ 1.,  0., -1.])
    """
    z = atleast_1d(operand(seq_of_zeros))
    shape = get_aval(z).shape
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        raise NotImplementedError(
            "tracegrad.numpy.poly: the characteristic polynomial of a matrix needs its "
            "eigenvalues (numpy.linalg.eigvals), which traced values do not have yet."
        )
    if len(shape) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if shape[0] == 0:
        return 1.0
    dtype = get_aval(z).dtype
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    z = z.astype(dtype)
    a: Any = np.ones(1, dtype)
    for i in range(shape[0]):
        # a(x) * (x - z_i): shift and subtract.
        a = concatenate([a, np.zeros(1, dtype)]) - z[i] * concatenate([np.zeros(1, dtype), a])
    if dtype.kind == "c":
        r = np.asarray(concrete(z, "poly of complex roots (real if they pair up)"))
        if np.all(np.sort(r) == np.sort(r.conjugate())):
            a = real(a)
    return a


@numpy_when_eager(np.roots)
def roots(p: Any) -> Any:
    """The roots of the polynomial with coefficients ``p``, as NumPy finds them (the
    eigenvalues of the companion matrix; needs the values). Differentiable to first order,
    by implicit differentiation of ``p(r) = 0`` at each simple root.

    >>> roots([1.0, -3.0, 2.0])
    array([2., 1.])
    """
    c: Any = operand(p)
    values = np.asarray(concrete(c, "roots (they are found by an eigenvalue solver)"))
    r0 = np.roots(values)
    if not isinstance(c, Tracer) or r0.size == 0:  # constant coefficients
        return r0
    nz = np.flatnonzero(values)
    c = operand(p)[int(nz[0]) :]
    dtype = np.result_type(r0.dtype, get_aval(c).dtype)
    cc = c.astype(dtype)
    step = -polyval(cc, r0.astype(dtype)) / polyval(polyder(cc), r0.astype(dtype))
    # The value is r0 exactly; the tangent is that of one Newton step from r0.
    return r0 + (step - stop_gradient(step))


@numpy_when_eager(np.polyfit)
def polyfit(
    x: Any,
    y: Any,
    deg: int,
    rcond: Any = None,
    full: bool = False,
    w: Any = None,
    cov: Any = False,
) -> Any:
    """The least-squares polynomial fit of degree ``deg`` to the points ``(x, y)`` (``y``
    may hold several data sets as columns), with NumPy's column scaling and ``rcond``.

    >>> polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1).round(12)
    array([2., 1.])
    """
    from tracegrad.numpy import linalg

    if full or cov:
        raise NotImplementedError(
            "tracegrad.numpy.polyfit: full=True and cov=True are not supported on traced "
            "values; only the coefficients are."
        )
    order = int(deg) + 1
    xv, yv = operand(x) + 0.0, operand(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if get_aval(xv).ndim != 1:
        raise TypeError("expected 1D vector for x")
    if get_aval(xv).size == 0:
        raise TypeError("expected non-empty vector for x")
    if get_aval(yv).ndim not in (1, 2):
        raise TypeError("expected 1D or 2D array for y")
    if get_aval(xv).shape[0] != get_aval(yv).shape[0]:
        raise TypeError("expected x and y to have same length")
    n = get_aval(xv).shape[0]
    if rcond is None:
        rcond = n * np.finfo(get_aval(xv).dtype).eps
    lhs = vander(xv, order)
    rhs = yv
    if w is not None:
        wv = operand(w) + 0.0
        lhs = lhs * wv.reshape((n, 1))
        rhs = rhs * (wv.reshape((n, 1)) if get_aval(rhs).ndim == 2 else wv)
    scale = ((lhs * lhs).sum(axis=0)) ** 0.5
    lhs = lhs / scale
    c = linalg.pinv(lhs, rcond=float(rcond)) @ rhs
    return (c.T / scale).T


@numpy_when_eager(np.vander)
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of ``x``: columns ``x**(N-1), ..., x, 1`` (reversed if
    ``increasing``), built by repeated multiplication as NumPy builds it.

    >>> vander(np.array([2, 3]), 3)
    array([[4, 2, 1],
           [9, 3, 1]])
    """
    xv = operand(x)
    if get_aval(xv).ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = get_aval(xv).shape[0]
    cols = n if N is None else int(N)
    dtype = np.promote_types(get_aval(xv).dtype, int)
    xv = xv.astype(dtype)
    if cols == 0:
        return zeros((n, 0), dtype)
    powers = concatenate(
        [np.ones((n, 1), dtype), cumprod(broadcast_to(xv.reshape((n, 1)), (n, cols - 1)), axis=1)],
        axis=1,
    )
    return powers if increasing else powers[:, ::-1]
