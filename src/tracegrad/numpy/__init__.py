"""``tracegrad.numpy``: NumPy's names, signatures, broadcasting and dtypes, on traceable primitives.

Outside every transformation a call goes straight to NumPy.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from tracegrad._lazy import lazy_names as _lazy_names
from tracegrad.core.dtypes import bfloat16 as _bfloat16_dtype
from tracegrad.core.errors import MissingExtraError as _MissingExtraError
from tracegrad.core.exports import public_names as _public_names
from tracegrad.numpy import (
    _creation,
    _indexing,
    _interop,
    _joining,
    _manipulation,
    _methods,
    _products,
    _reductions,
    _sorting,
    _ufuncs,
)
from tracegrad.numpy._array_api import block as block
from tracegrad.numpy._array_api import concat as concat
from tracegrad.numpy._array_api import diagflat as diagflat
from tracegrad.numpy._array_api import geomspace as geomspace
from tracegrad.numpy._array_api import matrix_transpose as matrix_transpose
from tracegrad.numpy._array_api import matvec as matvec
from tracegrad.numpy._array_api import permute_dims as permute_dims
from tracegrad.numpy._array_api import unstack as unstack
from tracegrad.numpy._array_api import vecdot as vecdot
from tracegrad.numpy._array_api import vecmat as vecmat
from tracegrad.numpy._convolve import convolve as convolve
from tracegrad.numpy._convolve import correlate as correlate
from tracegrad.numpy._creation import arange as arange
from tracegrad.numpy._creation import array as array
from tracegrad.numpy._creation import asarray as asarray
from tracegrad.numpy._creation import astype as astype
from tracegrad.numpy._creation import empty as empty
from tracegrad.numpy._creation import empty_like as empty_like
from tracegrad.numpy._creation import eye as eye
from tracegrad.numpy._creation import full as full
from tracegrad.numpy._creation import full_like as full_like
from tracegrad.numpy._creation import identity as identity
from tracegrad.numpy._creation import linspace as linspace
from tracegrad.numpy._creation import logspace as logspace
from tracegrad.numpy._creation import meshgrid as meshgrid
from tracegrad.numpy._creation import ones as ones
from tracegrad.numpy._creation import ones_like as ones_like
from tracegrad.numpy._creation import tri as tri
from tracegrad.numpy._creation import zeros as zeros
from tracegrad.numpy._creation import zeros_like as zeros_like
from tracegrad.numpy._editing import choose as choose
from tracegrad.numpy._editing import compress as compress
from tracegrad.numpy._editing import delete as delete
from tracegrad.numpy._editing import extract as extract
from tracegrad.numpy._editing import fill_diagonal as fill_diagonal
from tracegrad.numpy._editing import insert as insert
from tracegrad.numpy._editing import place as place
from tracegrad.numpy._editing import put as put
from tracegrad.numpy._editing import put_along_axis as put_along_axis
from tracegrad.numpy._editing import resize as resize
from tracegrad.numpy._function_base import cumulative_prod as cumulative_prod
from tracegrad.numpy._function_base import cumulative_sum as cumulative_sum
from tracegrad.numpy._function_base import diff as diff
from tracegrad.numpy._function_base import ediff1d as ediff1d
from tracegrad.numpy._function_base import gradient as gradient
from tracegrad.numpy._function_base import interp as interp
from tracegrad.numpy._function_base import lexsort as lexsort
from tracegrad.numpy._function_base import select as select
from tracegrad.numpy._function_base import sort_complex as sort_complex
from tracegrad.numpy._function_base import trapezoid as trapezoid
from tracegrad.numpy._function_base import trim_zeros as trim_zeros
from tracegrad.numpy._function_base import unwrap as unwrap
from tracegrad.numpy._functional import apply_along_axis as apply_along_axis
from tracegrad.numpy._functional import apply_over_axes as apply_over_axes
from tracegrad.numpy._functional import fromfunction as fromfunction
from tracegrad.numpy._functional import piecewise as piecewise
from tracegrad.numpy._functional import vectorize as vectorize
from tracegrad.numpy._index_tricks import diag_indices as diag_indices
from tracegrad.numpy._index_tricks import diag_indices_from as diag_indices_from
from tracegrad.numpy._index_tricks import index_exp as index_exp
from tracegrad.numpy._index_tricks import indices as indices
from tracegrad.numpy._index_tricks import ix_ as ix_
from tracegrad.numpy._index_tricks import mask_indices as mask_indices
from tracegrad.numpy._index_tricks import mgrid as mgrid
from tracegrad.numpy._index_tricks import ogrid as ogrid
from tracegrad.numpy._index_tricks import ravel_multi_index as ravel_multi_index
from tracegrad.numpy._index_tricks import s_ as s_
from tracegrad.numpy._index_tricks import tril_indices as tril_indices
from tracegrad.numpy._index_tricks import tril_indices_from as tril_indices_from
from tracegrad.numpy._index_tricks import triu_indices as triu_indices
from tracegrad.numpy._index_tricks import triu_indices_from as triu_indices_from
from tracegrad.numpy._index_tricks import unravel_index as unravel_index
from tracegrad.numpy._index_update import at as at
from tracegrad.numpy._indexing import take as take
from tracegrad.numpy._indexing import take_along_axis as take_along_axis
from tracegrad.numpy._joining import append as append
from tracegrad.numpy._joining import array_split as array_split
from tracegrad.numpy._joining import c_ as c_
from tracegrad.numpy._joining import column_stack as column_stack
from tracegrad.numpy._joining import concatenate as concatenate
from tracegrad.numpy._joining import dsplit as dsplit
from tracegrad.numpy._joining import dstack as dstack
from tracegrad.numpy._joining import hsplit as hsplit
from tracegrad.numpy._joining import hstack as hstack
from tracegrad.numpy._joining import r_ as r_
from tracegrad.numpy._joining import repeat as repeat
from tracegrad.numpy._joining import row_stack as row_stack
from tracegrad.numpy._joining import split as split
from tracegrad.numpy._joining import stack as stack
from tracegrad.numpy._joining import tile as tile
from tracegrad.numpy._joining import vsplit as vsplit
from tracegrad.numpy._joining import vstack as vstack
from tracegrad.numpy._logic import allclose as allclose
from tracegrad.numpy._logic import array_equal as array_equal
from tracegrad.numpy._logic import array_equiv as array_equiv
from tracegrad.numpy._logic import isclose as isclose
from tracegrad.numpy._logic import iscomplex as iscomplex
from tracegrad.numpy._logic import isneginf as isneginf
from tracegrad.numpy._logic import isposinf as isposinf
from tracegrad.numpy._logic import isreal as isreal
from tracegrad.numpy._logic import nan_to_num as nan_to_num
from tracegrad.numpy._logic import real_if_close as real_if_close
from tracegrad.numpy._manipulation import atleast_1d as atleast_1d
from tracegrad.numpy._manipulation import atleast_2d as atleast_2d
from tracegrad.numpy._manipulation import atleast_3d as atleast_3d
from tracegrad.numpy._manipulation import broadcast_arrays as broadcast_arrays
from tracegrad.numpy._manipulation import broadcast_to as broadcast_to
from tracegrad.numpy._manipulation import expand_dims as expand_dims
from tracegrad.numpy._manipulation import flip as flip
from tracegrad.numpy._manipulation import fliplr as fliplr
from tracegrad.numpy._manipulation import flipud as flipud
from tracegrad.numpy._manipulation import moveaxis as moveaxis
from tracegrad.numpy._manipulation import ravel as ravel
from tracegrad.numpy._manipulation import reshape as reshape
from tracegrad.numpy._manipulation import roll as roll
from tracegrad.numpy._manipulation import rollaxis as rollaxis
from tracegrad.numpy._manipulation import rot90 as rot90
from tracegrad.numpy._manipulation import squeeze as squeeze
from tracegrad.numpy._manipulation import swapaxes as swapaxes
from tracegrad.numpy._manipulation import transpose as transpose
from tracegrad.numpy._namespace import bool as bool
from tracegrad.numpy._namespace import bool_ as bool_
from tracegrad.numpy._namespace import can_cast as can_cast
from tracegrad.numpy._namespace import cdouble as cdouble
from tracegrad.numpy._namespace import complex64 as complex64
from tracegrad.numpy._namespace import complex128 as complex128
from tracegrad.numpy._namespace import complexfloating as complexfloating
from tracegrad.numpy._namespace import copy as copy
from tracegrad.numpy._namespace import csingle as csingle
from tracegrad.numpy._namespace import double as double
from tracegrad.numpy._namespace import dtype as dtype
from tracegrad.numpy._namespace import e as e
from tracegrad.numpy._namespace import euler_gamma as euler_gamma
from tracegrad.numpy._namespace import finfo as finfo
from tracegrad.numpy._namespace import float16 as float16
from tracegrad.numpy._namespace import float32 as float32
from tracegrad.numpy._namespace import float64 as float64
from tracegrad.numpy._namespace import floating as floating
from tracegrad.numpy._namespace import generic as generic
from tracegrad.numpy._namespace import half as half
from tracegrad.numpy._namespace import iinfo as iinfo
from tracegrad.numpy._namespace import inexact as inexact
from tracegrad.numpy._namespace import inf as inf
from tracegrad.numpy._namespace import int8 as int8
from tracegrad.numpy._namespace import int16 as int16
from tracegrad.numpy._namespace import int32 as int32
from tracegrad.numpy._namespace import int64 as int64
from tracegrad.numpy._namespace import int_ as int_
from tracegrad.numpy._namespace import integer as integer
from tracegrad.numpy._namespace import intp as intp
from tracegrad.numpy._namespace import iscomplexobj as iscomplexobj
from tracegrad.numpy._namespace import isrealobj as isrealobj
from tracegrad.numpy._namespace import isscalar as isscalar
from tracegrad.numpy._namespace import issubdtype as issubdtype
from tracegrad.numpy._namespace import longdouble as longdouble
from tracegrad.numpy._namespace import nan as nan
from tracegrad.numpy._namespace import ndarray as ndarray
from tracegrad.numpy._namespace import ndim as ndim
from tracegrad.numpy._namespace import newaxis as newaxis
from tracegrad.numpy._namespace import number as number
from tracegrad.numpy._namespace import pi as pi
from tracegrad.numpy._namespace import promote_types as promote_types
from tracegrad.numpy._namespace import result_type as result_type
from tracegrad.numpy._namespace import shape as shape
from tracegrad.numpy._namespace import signedinteger as signedinteger
from tracegrad.numpy._namespace import single as single
from tracegrad.numpy._namespace import size as size
from tracegrad.numpy._namespace import uint as uint
from tracegrad.numpy._namespace import uint8 as uint8
from tracegrad.numpy._namespace import uint16 as uint16
from tracegrad.numpy._namespace import uint32 as uint32
from tracegrad.numpy._namespace import uint64 as uint64
from tracegrad.numpy._namespace import uintp as uintp
from tracegrad.numpy._namespace import unsignedinteger as unsignedinteger
from tracegrad.numpy._nanfunctions import nanargmax as nanargmax
from tracegrad.numpy._nanfunctions import nanargmin as nanargmin
from tracegrad.numpy._nanfunctions import nancumprod as nancumprod
from tracegrad.numpy._nanfunctions import nancumsum as nancumsum
from tracegrad.numpy._nanfunctions import nanmax as nanmax
from tracegrad.numpy._nanfunctions import nanmean as nanmean
from tracegrad.numpy._nanfunctions import nanmin as nanmin
from tracegrad.numpy._nanfunctions import nanprod as nanprod
from tracegrad.numpy._nanfunctions import nanstd as nanstd
from tracegrad.numpy._nanfunctions import nansum as nansum
from tracegrad.numpy._nanfunctions import nanvar as nanvar
from tracegrad.numpy._nonzero import argwhere as argwhere
from tracegrad.numpy._nonzero import count_nonzero as count_nonzero
from tracegrad.numpy._nonzero import flatnonzero as flatnonzero
from tracegrad.numpy._nonzero import nonzero as nonzero
from tracegrad.numpy._numpy_names import ComplexWarning as ComplexWarning
from tracegrad.numpy._numpy_names import array_repr as array_repr
from tracegrad.numpy._numpy_names import array_str as array_str
from tracegrad.numpy._numpy_names import broadcast_shapes as broadcast_shapes
from tracegrad.numpy._numpy_names import character as character
from tracegrad.numpy._numpy_names import complex_ as complex_
from tracegrad.numpy._numpy_names import einsum_path as einsum_path
from tracegrad.numpy._numpy_names import flexible as flexible
from tracegrad.numpy._numpy_names import float_ as float_
from tracegrad.numpy._numpy_names import from_dlpack as from_dlpack
from tracegrad.numpy._numpy_names import frombuffer as frombuffer
from tracegrad.numpy._numpy_names import fromfile as fromfile
from tracegrad.numpy._numpy_names import fromiter as fromiter
from tracegrad.numpy._numpy_names import fromstring as fromstring
from tracegrad.numpy._numpy_names import get_printoptions as get_printoptions
from tracegrad.numpy._numpy_names import isdtype as isdtype
from tracegrad.numpy._numpy_names import iterable as iterable
from tracegrad.numpy._numpy_names import load as load
from tracegrad.numpy._numpy_names import object_ as object_
from tracegrad.numpy._numpy_names import printoptions as printoptions
from tracegrad.numpy._numpy_names import save as save
from tracegrad.numpy._numpy_names import savez as savez
from tracegrad.numpy._numpy_names import set_printoptions as set_printoptions
from tracegrad.numpy._numpy_names import ufunc as ufunc
from tracegrad.numpy._padding import pad as pad
from tracegrad.numpy._polynomial import poly as poly
from tracegrad.numpy._polynomial import polyadd as polyadd
from tracegrad.numpy._polynomial import polyder as polyder
from tracegrad.numpy._polynomial import polydiv as polydiv
from tracegrad.numpy._polynomial import polyfit as polyfit
from tracegrad.numpy._polynomial import polyint as polyint
from tracegrad.numpy._polynomial import polymul as polymul
from tracegrad.numpy._polynomial import polysub as polysub
from tracegrad.numpy._polynomial import polyval as polyval
from tracegrad.numpy._polynomial import roots as roots
from tracegrad.numpy._polynomial import vander as vander
from tracegrad.numpy._products import cross as cross
from tracegrad.numpy._products import diag as diag
from tracegrad.numpy._products import diagonal as diagonal
from tracegrad.numpy._products import dot as dot
from tracegrad.numpy._products import einsum as einsum
from tracegrad.numpy._products import inner as inner
from tracegrad.numpy._products import kron as kron
from tracegrad.numpy._products import matmul as matmul
from tracegrad.numpy._products import outer as outer
from tracegrad.numpy._products import tensordot as tensordot
from tracegrad.numpy._products import trace as trace
from tracegrad.numpy._products import tril as tril
from tracegrad.numpy._products import triu as triu
from tracegrad.numpy._products import vdot as vdot
from tracegrad.numpy._quantiles import median as median
from tracegrad.numpy._quantiles import nanmedian as nanmedian
from tracegrad.numpy._quantiles import nanpercentile as nanpercentile
from tracegrad.numpy._quantiles import nanquantile as nanquantile
from tracegrad.numpy._quantiles import percentile as percentile
from tracegrad.numpy._quantiles import quantile as quantile
from tracegrad.numpy._reductions import all as all
from tracegrad.numpy._reductions import amax as amax
from tracegrad.numpy._reductions import amin as amin
from tracegrad.numpy._reductions import any as any
from tracegrad.numpy._reductions import argmax as argmax
from tracegrad.numpy._reductions import argmin as argmin
from tracegrad.numpy._reductions import average as average
from tracegrad.numpy._reductions import cumprod as cumprod
from tracegrad.numpy._reductions import cumsum as cumsum
from tracegrad.numpy._reductions import max as max
from tracegrad.numpy._reductions import mean as mean
from tracegrad.numpy._reductions import min as min
from tracegrad.numpy._reductions import prod as prod
from tracegrad.numpy._reductions import ptp as ptp
from tracegrad.numpy._reductions import std as std
from tracegrad.numpy._reductions import sum as sum
from tracegrad.numpy._reductions import var as var
from tracegrad.numpy._setops import intersect1d as intersect1d
from tracegrad.numpy._setops import isin as isin
from tracegrad.numpy._setops import setdiff1d as setdiff1d
from tracegrad.numpy._setops import setxor1d as setxor1d
from tracegrad.numpy._setops import union1d as union1d
from tracegrad.numpy._setops import unique as unique
from tracegrad.numpy._setops import unique_all as unique_all
from tracegrad.numpy._setops import unique_counts as unique_counts
from tracegrad.numpy._setops import unique_inverse as unique_inverse
from tracegrad.numpy._setops import unique_values as unique_values
from tracegrad.numpy._sorting import argpartition as argpartition
from tracegrad.numpy._sorting import argsort as argsort
from tracegrad.numpy._sorting import partition as partition
from tracegrad.numpy._sorting import searchsorted as searchsorted
from tracegrad.numpy._sorting import sort as sort
from tracegrad.numpy._statistics import bincount as bincount
from tracegrad.numpy._statistics import corrcoef as corrcoef
from tracegrad.numpy._statistics import cov as cov
from tracegrad.numpy._statistics import digitize as digitize
from tracegrad.numpy._statistics import histogram as histogram
from tracegrad.numpy._statistics import histogram2d as histogram2d
from tracegrad.numpy._statistics import histogram_bin_edges as histogram_bin_edges
from tracegrad.numpy._statistics import histogramdd as histogramdd
from tracegrad.numpy._ufuncs import abs as abs
from tracegrad.numpy._ufuncs import absolute as absolute
from tracegrad.numpy._ufuncs import add as add
from tracegrad.numpy._ufuncs import clip as clip
from tracegrad.numpy._ufuncs import conj as conj
from tracegrad.numpy._ufuncs import conjugate as conjugate
from tracegrad.numpy._ufuncs import copysign as copysign
from tracegrad.numpy._ufuncs import divide as divide
from tracegrad.numpy._ufuncs import divmod as divmod
from tracegrad.numpy._ufuncs import fabs as fabs
from tracegrad.numpy._ufuncs import float_power as float_power
from tracegrad.numpy._ufuncs import floor_divide as floor_divide
from tracegrad.numpy._ufuncs import fmax as fmax
from tracegrad.numpy._ufuncs import fmin as fmin
from tracegrad.numpy._ufuncs import fmod as fmod
from tracegrad.numpy._ufuncs import heaviside as heaviside
from tracegrad.numpy._ufuncs import imag as imag
from tracegrad.numpy._ufuncs import maximum as maximum
from tracegrad.numpy._ufuncs import minimum as minimum
from tracegrad.numpy._ufuncs import mod as mod
from tracegrad.numpy._ufuncs import multiply as multiply
from tracegrad.numpy._ufuncs import negative as negative
from tracegrad.numpy._ufuncs import positive as positive
from tracegrad.numpy._ufuncs import pow as pow
from tracegrad.numpy._ufuncs import power as power
from tracegrad.numpy._ufuncs import real as real
from tracegrad.numpy._ufuncs import reciprocal as reciprocal
from tracegrad.numpy._ufuncs import remainder as remainder
from tracegrad.numpy._ufuncs import sign as sign
from tracegrad.numpy._ufuncs import square as square
from tracegrad.numpy._ufuncs import subtract as subtract
from tracegrad.numpy._ufuncs import true_divide as true_divide
from tracegrad.numpy._ufuncs import where as where
from tracegrad.numpy._ufuncs_bits import bitwise_count as bitwise_count
from tracegrad.numpy._ufuncs_bits import bitwise_left_shift as bitwise_left_shift
from tracegrad.numpy._ufuncs_bits import bitwise_right_shift as bitwise_right_shift
from tracegrad.numpy._ufuncs_bits import frexp as frexp
from tracegrad.numpy._ufuncs_bits import gcd as gcd
from tracegrad.numpy._ufuncs_bits import lcm as lcm
from tracegrad.numpy._ufuncs_bits import ldexp as ldexp
from tracegrad.numpy._ufuncs_bits import left_shift as left_shift
from tracegrad.numpy._ufuncs_bits import modf as modf
from tracegrad.numpy._ufuncs_bits import nextafter as nextafter
from tracegrad.numpy._ufuncs_bits import packbits as packbits
from tracegrad.numpy._ufuncs_bits import right_shift as right_shift
from tracegrad.numpy._ufuncs_bits import spacing as spacing
from tracegrad.numpy._ufuncs_bits import unpackbits as unpackbits
from tracegrad.numpy._ufuncs_compare import around as around
from tracegrad.numpy._ufuncs_compare import bitwise_and as bitwise_and
from tracegrad.numpy._ufuncs_compare import bitwise_invert as bitwise_invert
from tracegrad.numpy._ufuncs_compare import bitwise_not as bitwise_not
from tracegrad.numpy._ufuncs_compare import bitwise_or as bitwise_or
from tracegrad.numpy._ufuncs_compare import bitwise_xor as bitwise_xor
from tracegrad.numpy._ufuncs_compare import ceil as ceil
from tracegrad.numpy._ufuncs_compare import equal as equal
from tracegrad.numpy._ufuncs_compare import fix as fix
from tracegrad.numpy._ufuncs_compare import floor as floor
from tracegrad.numpy._ufuncs_compare import greater as greater
from tracegrad.numpy._ufuncs_compare import greater_equal as greater_equal
from tracegrad.numpy._ufuncs_compare import invert as invert
from tracegrad.numpy._ufuncs_compare import isfinite as isfinite
from tracegrad.numpy._ufuncs_compare import isinf as isinf
from tracegrad.numpy._ufuncs_compare import isnan as isnan
from tracegrad.numpy._ufuncs_compare import less as less
from tracegrad.numpy._ufuncs_compare import less_equal as less_equal
from tracegrad.numpy._ufuncs_compare import logical_and as logical_and
from tracegrad.numpy._ufuncs_compare import logical_not as logical_not
from tracegrad.numpy._ufuncs_compare import logical_or as logical_or
from tracegrad.numpy._ufuncs_compare import logical_xor as logical_xor
from tracegrad.numpy._ufuncs_compare import not_equal as not_equal
from tracegrad.numpy._ufuncs_compare import rint as rint
from tracegrad.numpy._ufuncs_compare import round as round
from tracegrad.numpy._ufuncs_compare import signbit as signbit
from tracegrad.numpy._ufuncs_compare import trunc as trunc
from tracegrad.numpy._ufuncs_math import acos as acos
from tracegrad.numpy._ufuncs_math import acosh as acosh
from tracegrad.numpy._ufuncs_math import angle as angle
from tracegrad.numpy._ufuncs_math import arccos as arccos
from tracegrad.numpy._ufuncs_math import arccosh as arccosh
from tracegrad.numpy._ufuncs_math import arcsin as arcsin
from tracegrad.numpy._ufuncs_math import arcsinh as arcsinh
from tracegrad.numpy._ufuncs_math import arctan as arctan
from tracegrad.numpy._ufuncs_math import arctan2 as arctan2
from tracegrad.numpy._ufuncs_math import arctanh as arctanh
from tracegrad.numpy._ufuncs_math import asin as asin
from tracegrad.numpy._ufuncs_math import asinh as asinh
from tracegrad.numpy._ufuncs_math import atan as atan
from tracegrad.numpy._ufuncs_math import atan2 as atan2
from tracegrad.numpy._ufuncs_math import atanh as atanh
from tracegrad.numpy._ufuncs_math import cbrt as cbrt
from tracegrad.numpy._ufuncs_math import cos as cos
from tracegrad.numpy._ufuncs_math import cosh as cosh
from tracegrad.numpy._ufuncs_math import deg2rad as deg2rad
from tracegrad.numpy._ufuncs_math import degrees as degrees
from tracegrad.numpy._ufuncs_math import exp as exp
from tracegrad.numpy._ufuncs_math import exp2 as exp2
from tracegrad.numpy._ufuncs_math import expm1 as expm1
from tracegrad.numpy._ufuncs_math import hypot as hypot
from tracegrad.numpy._ufuncs_math import log as log
from tracegrad.numpy._ufuncs_math import log1p as log1p
from tracegrad.numpy._ufuncs_math import log2 as log2
from tracegrad.numpy._ufuncs_math import log10 as log10
from tracegrad.numpy._ufuncs_math import logaddexp as logaddexp
from tracegrad.numpy._ufuncs_math import logaddexp2 as logaddexp2
from tracegrad.numpy._ufuncs_math import rad2deg as rad2deg
from tracegrad.numpy._ufuncs_math import radians as radians
from tracegrad.numpy._ufuncs_math import sin as sin
from tracegrad.numpy._ufuncs_math import sinc as sinc
from tracegrad.numpy._ufuncs_math import sinh as sinh
from tracegrad.numpy._ufuncs_math import sqrt as sqrt
from tracegrad.numpy._ufuncs_math import tan as tan
from tracegrad.numpy._ufuncs_math import tanh as tanh
from tracegrad.numpy._windows import bartlett as bartlett
from tracegrad.numpy._windows import blackman as blackman
from tracegrad.numpy._windows import hamming as hamming
from tracegrad.numpy._windows import hanning as hanning
from tracegrad.numpy._windows import i0 as i0
from tracegrad.numpy._windows import kaiser as kaiser

_methods.install(
    [
        _ufuncs.TRACER_METHODS,
        _reductions.TRACER_METHODS,
        _manipulation.TRACER_METHODS,
        _joining.TRACER_METHODS,
        _sorting.TRACER_METHODS,
        _creation.TRACER_METHODS,
        _indexing.TRACER_METHODS,
        _products.TRACER_METHODS,
        _interop.TRACER_METHODS,
    ]
)

# The narrow dtypes JAX names, from the optional ml_dtypes (as bfloat16): dtype objects for
# conversion and storage; tracegrad's primitives are not tested on them.
_ML_DTYPES = frozenset(
    [
        "float4_e2m1fn",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float8_e3m4",
        "float8_e4m3",
        "float8_e4m3b11fnuz",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e5m2fnuz",
        "float8_e8m0fnu",
        "int1",
        "int2",
        "int4",
        "uint1",
        "uint2",
        "uint4",
    ]
)


def _ml_dtype(name: str) -> _Any:
    try:
        _bfloat16_dtype()  # imports ml_dtypes, or says how to install it
    except _MissingExtraError as e:
        raise AttributeError(f"tracegrad.numpy.{name} is not available: {e}") from e
    import ml_dtypes

    return getattr(ml_dtypes, name)


# Lazy (docs/imports.md): the submodules fft and linalg, with their primitives, load on
# first access, like NumPy's own; plain NumPy calls on tracers find them by importing them.
# bfloat16 comes from the optional ml_dtypes, imported on its first use (docs/install.md).
if _TYPE_CHECKING:
    from tracegrad.numpy import fft as fft
    from tracegrad.numpy import linalg as linalg
else:
    _lazy_getattr, __dir__ = _lazy_names(
        __name__, {"fft": "tracegrad.numpy.fft", "linalg": "tracegrad.numpy.linalg"}
    )

    def __getattr__(name: str) -> _Any:
        if name in _ML_DTYPES:
            return _ml_dtype(name)
        if name != "bfloat16":
            return _lazy_getattr(name)
        try:
            return _bfloat16_dtype().type
        except _MissingExtraError as e:
            raise AttributeError(f"tracegrad.numpy.bfloat16 is not available: {e}") from e


__all__ = _public_names(globals(), submodules=("fft", "linalg"))
