"""The special functions that run on other libraries' arrays (``ops/array_api_special.py``,
``ops/array_api_gamma.py``) give NumPy's bits: on ``array_api_strict`` and on Dask, in
float64 and float32, over a dense grid, the ends of each piece of the algorithms, the poles,
far out, infinities and nan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg

xs = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")
pytest.importorskip("array_api_compat")

special = tg.scipy.special
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "erf": special.erf,
    "erfc": special.erfc,
    "gammaln": special.gammaln,
    "digamma": special.digamma,
    "polygamma 1": lambda x: special.polygamma(1, x),
    "polygamma 3": lambda x: special.polygamma(3, x),
    "erfinv": special.erfinv,
    "erfcinv": special.erfcinv,
}
EDGES = [0.0, -0.0, 0.5, 0.49999999, 1.0, 2.0, 3.0, 3.5, 6.0, 3.9999999, 4.0, 11.999, 12.0]
FAR = [27.2, 27.9, 28.0, 171.7, 1e-300, -1e-300, 5e-324, 1e300, -1e300, -1.0, -2.0, -7.5]
GRID = np.concatenate([np.linspace(-30, 40, 7001), EDGES, FAR, [np.nan, np.inf, -np.inf]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_numpys_bits(name: str, dtype: type) -> None:
    f, x = FUNCTIONS[name], GRID.astype(dtype)
    with np.errstate(all="ignore"):
        want = f(x)
    np.testing.assert_array_equal(np.asarray(tg.jit(f)(xs.asarray(x))), want)
    if dtype is np.float64:  # the same graph but for a cast: Dask's build costs seconds
        lazy = tg.jit(f)(da.from_array(x, chunks=x.size // 2 + 1))  # two chunks
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(lazy.compute(scheduler="threads"), want)
