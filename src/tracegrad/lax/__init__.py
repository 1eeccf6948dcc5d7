"""``tracegrad.lax``: structured control flow and the low-level operations of ``jax.lax``,
which never promote dtypes (``tracegrad.numpy`` does).

It also names the primitives of ``tracegrad.ops`` that are the ``jax.lax`` primitives of the
same name (same operands and parameters), for users who write interpreters over jaxprs:
``lax.add_p`` is the primitive in ``make_jaxpr(lax.add)(...)``. Primitives whose parameters
differ from JAX's (``gather``, the scatters, ``fft``, ``round``) are not named here."""

from __future__ import annotations

from typing import Any as _Any

from tracegrad.control.cond import cond as cond
from tracegrad.control.cond import switch as switch
from tracegrad.control.loops import fori_loop as fori_loop
from tracegrad.control.loops import while_loop as while_loop
from tracegrad.control.scan import scan as scan
from tracegrad.core import DTypeError as _DTypeError
from tracegrad.core import ShapeError as _ShapeError
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.lax._control import associative_scan as associative_scan
from tracegrad.lax._convolution import ConvDimensionNumbers as ConvDimensionNumbers
from tracegrad.lax._convolution import conv as conv
from tracegrad.lax._convolution import conv_dimension_numbers as conv_dimension_numbers
from tracegrad.lax._convolution import conv_general_dilated as conv_general_dilated
from tracegrad.lax._convolution import conv_transpose as conv_transpose
from tracegrad.lax._convolution import conv_with_general_padding as conv_with_general_padding
from tracegrad.lax._convolution import padtype_to_pads as padtype_to_pads
from tracegrad.lax._elementwise import RoundingMethod as RoundingMethod
from tracegrad.lax._elementwise import abs as abs
from tracegrad.lax._elementwise import acos as acos
from tracegrad.lax._elementwise import acosh as acosh
from tracegrad.lax._elementwise import add as add
from tracegrad.lax._elementwise import asin as asin
from tracegrad.lax._elementwise import asinh as asinh
from tracegrad.lax._elementwise import atan as atan
from tracegrad.lax._elementwise import atan2 as atan2
from tracegrad.lax._elementwise import atanh as atanh
from tracegrad.lax._elementwise import betainc as betainc
from tracegrad.lax._elementwise import bitwise_and as bitwise_and
from tracegrad.lax._elementwise import bitwise_not as bitwise_not
from tracegrad.lax._elementwise import bitwise_or as bitwise_or
from tracegrad.lax._elementwise import bitwise_xor as bitwise_xor
from tracegrad.lax._elementwise import cbrt as cbrt
from tracegrad.lax._elementwise import ceil as ceil
from tracegrad.lax._elementwise import clamp as clamp
from tracegrad.lax._elementwise import clz as clz
from tracegrad.lax._elementwise import complex as complex
from tracegrad.lax._elementwise import conj as conj
from tracegrad.lax._elementwise import cos as cos
from tracegrad.lax._elementwise import cosh as cosh
from tracegrad.lax._elementwise import digamma as digamma
from tracegrad.lax._elementwise import div as div
from tracegrad.lax._elementwise import eq as eq
from tracegrad.lax._elementwise import erf as erf
from tracegrad.lax._elementwise import erf_inv as erf_inv
from tracegrad.lax._elementwise import erfc as erfc
from tracegrad.lax._elementwise import exp as exp
from tracegrad.lax._elementwise import exp2 as exp2
from tracegrad.lax._elementwise import expm1 as expm1
from tracegrad.lax._elementwise import floor as floor
from tracegrad.lax._elementwise import ge as ge
from tracegrad.lax._elementwise import gt as gt
from tracegrad.lax._elementwise import igamma as igamma
from tracegrad.lax._elementwise import igammac as igammac
from tracegrad.lax._elementwise import imag as imag
from tracegrad.lax._elementwise import integer_pow as integer_pow
from tracegrad.lax._elementwise import is_finite as is_finite
from tracegrad.lax._elementwise import le as le
from tracegrad.lax._elementwise import lgamma as lgamma
from tracegrad.lax._elementwise import log as log
from tracegrad.lax._elementwise import log1p as log1p
from tracegrad.lax._elementwise import logistic as logistic
from tracegrad.lax._elementwise import lt as lt
from tracegrad.lax._elementwise import max as max
from tracegrad.lax._elementwise import min as min
from tracegrad.lax._elementwise import mul as mul
from tracegrad.lax._elementwise import ne as ne
from tracegrad.lax._elementwise import neg as neg
from tracegrad.lax._elementwise import nextafter as nextafter
from tracegrad.lax._elementwise import population_count as population_count
from tracegrad.lax._elementwise import pow as pow
from tracegrad.lax._elementwise import real as real
from tracegrad.lax._elementwise import reciprocal as reciprocal
from tracegrad.lax._elementwise import rem as rem
from tracegrad.lax._elementwise import round as round
from tracegrad.lax._elementwise import rsqrt as rsqrt
from tracegrad.lax._elementwise import shift_left as shift_left
from tracegrad.lax._elementwise import shift_right_arithmetic as shift_right_arithmetic
from tracegrad.lax._elementwise import shift_right_logical as shift_right_logical
from tracegrad.lax._elementwise import sign as sign
from tracegrad.lax._elementwise import sin as sin
from tracegrad.lax._elementwise import sinh as sinh
from tracegrad.lax._elementwise import sqrt as sqrt
from tracegrad.lax._elementwise import square as square
from tracegrad.lax._elementwise import sub as sub
from tracegrad.lax._elementwise import tan as tan
from tracegrad.lax._elementwise import tanh as tanh
from tracegrad.lax._map import map as map
from tracegrad.lax._reductions import argmax as argmax
from tracegrad.lax._reductions import argmin as argmin
from tracegrad.lax._reductions import cumlogsumexp as cumlogsumexp
from tracegrad.lax._reductions import cummax as cummax
from tracegrad.lax._reductions import cummin as cummin
from tracegrad.lax._reductions import cumprod as cumprod
from tracegrad.lax._reductions import cumsum as cumsum
from tracegrad.lax._reductions import reduce as reduce
from tracegrad.lax._reductions import reduce_and as reduce_and
from tracegrad.lax._reductions import reduce_max as reduce_max
from tracegrad.lax._reductions import reduce_min as reduce_min
from tracegrad.lax._reductions import reduce_or as reduce_or
from tracegrad.lax._reductions import reduce_prod as reduce_prod
from tracegrad.lax._reductions import reduce_sum as reduce_sum
from tracegrad.lax._reductions import reduce_xor as reduce_xor
from tracegrad.lax._slicing import dynamic_index_in_dim as dynamic_index_in_dim
from tracegrad.lax._slicing import dynamic_slice as dynamic_slice
from tracegrad.lax._slicing import dynamic_slice_in_dim as dynamic_slice_in_dim
from tracegrad.lax._slicing import dynamic_update_index_in_dim as dynamic_update_index_in_dim
from tracegrad.lax._slicing import dynamic_update_slice as dynamic_update_slice
from tracegrad.lax._slicing import dynamic_update_slice_in_dim as dynamic_update_slice_in_dim
from tracegrad.lax._slicing import index_in_dim as index_in_dim
from tracegrad.lax._slicing import slice as slice
from tracegrad.lax._slicing import slice_in_dim as slice_in_dim
from tracegrad.lax._sorting import sort as sort
from tracegrad.lax._sorting import sort_key_val as sort_key_val
from tracegrad.lax._sorting import top_k as top_k
from tracegrad.lax._special import bessel_i0e as bessel_i0e
from tracegrad.lax._special import bessel_i1e as bessel_i1e
from tracegrad.lax._special import igamma_grad_a as igamma_grad_a
from tracegrad.lax._special import polygamma as polygamma
from tracegrad.lax._special import zeta as zeta
from tracegrad.lax._structural import Precision as Precision
from tracegrad.lax._structural import batch_matmul as batch_matmul
from tracegrad.lax._structural import bitcast_convert_type as bitcast_convert_type
from tracegrad.lax._structural import broadcast as broadcast
from tracegrad.lax._structural import broadcast_in_dim as broadcast_in_dim
from tracegrad.lax._structural import broadcasted_iota as broadcasted_iota
from tracegrad.lax._structural import collapse as collapse
from tracegrad.lax._structural import concatenate as concatenate
from tracegrad.lax._structural import convert_element_type as convert_element_type
from tracegrad.lax._structural import dot as dot
from tracegrad.lax._structural import dot_general as dot_general
from tracegrad.lax._structural import expand_dims as expand_dims
from tracegrad.lax._structural import full as full
from tracegrad.lax._structural import full_like as full_like
from tracegrad.lax._structural import iota as iota
from tracegrad.lax._structural import optimization_barrier as optimization_barrier
from tracegrad.lax._structural import pad as pad
from tracegrad.lax._structural import reshape as reshape
from tracegrad.lax._structural import rev as rev
from tracegrad.lax._structural import select_n as select_n
from tracegrad.lax._structural import split as split
from tracegrad.lax._structural import squeeze as squeeze
from tracegrad.lax._structural import transpose as transpose
from tracegrad.lax._windows import reduce_window as reduce_window
from tracegrad.lax._windows import reduce_window_shape_tuple as reduce_window_shape_tuple
from tracegrad.ops.dynamic_slicing import dynamic_slice_p as dynamic_slice_p
from tracegrad.ops.dynamic_slicing import dynamic_update_slice_p as dynamic_update_slice_p
from tracegrad.ops.elementwise import abs_p as abs_p
from tracegrad.ops.elementwise import add_p as add_p
from tracegrad.ops.elementwise import conj_p as conj_p
from tracegrad.ops.elementwise import cos_p as cos_p
from tracegrad.ops.elementwise import div_p as div_p
from tracegrad.ops.elementwise import exp_p as exp_p
from tracegrad.ops.elementwise import imag_p as imag_p
from tracegrad.ops.elementwise import integer_pow_p as integer_pow_p
from tracegrad.ops.elementwise import log_p as log_p
from tracegrad.ops.elementwise import max_p as max_p
from tracegrad.ops.elementwise import min_p as min_p
from tracegrad.ops.elementwise import mul_p as mul_p
from tracegrad.ops.elementwise import neg_p as neg_p
from tracegrad.ops.elementwise import pow_p as pow_p
from tracegrad.ops.elementwise import real_p as real_p
from tracegrad.ops.elementwise import rem_p as rem_p
from tracegrad.ops.elementwise import sign_p as sign_p
from tracegrad.ops.elementwise import sin_p as sin_p
from tracegrad.ops.elementwise import sub_p as sub_p
from tracegrad.ops.elementwise_bits import clz_p as clz_p
from tracegrad.ops.elementwise_bits import nextafter_p as nextafter_p
from tracegrad.ops.elementwise_bits import population_count_p as population_count_p
from tracegrad.ops.elementwise_bits import shift_left_p as shift_left_p
from tracegrad.ops.elementwise_bits import shift_right_arithmetic_p as shift_right_arithmetic_p
from tracegrad.ops.elementwise_bits import shift_right_logical_p as shift_right_logical_p
from tracegrad.ops.elementwise_discrete import and_p as and_p
from tracegrad.ops.elementwise_discrete import ceil_p as ceil_p
from tracegrad.ops.elementwise_discrete import floor_p as floor_p
from tracegrad.ops.elementwise_discrete import not_p as not_p
from tracegrad.ops.elementwise_discrete import or_p as or_p
from tracegrad.ops.elementwise_discrete import xor_p as xor_p
from tracegrad.ops.elementwise_select import eq_p as eq_p
from tracegrad.ops.elementwise_select import ge_p as ge_p
from tracegrad.ops.elementwise_select import gt_p as gt_p
from tracegrad.ops.elementwise_select import le_p as le_p
from tracegrad.ops.elementwise_select import lt_p as lt_p
from tracegrad.ops.elementwise_select import ne_p as ne_p
from tracegrad.ops.elementwise_select import select_n_p as select_n_p
from tracegrad.ops.elementwise_transcendental import acos_p as acos_p
from tracegrad.ops.elementwise_transcendental import acosh_p as acosh_p
from tracegrad.ops.elementwise_transcendental import asin_p as asin_p
from tracegrad.ops.elementwise_transcendental import asinh_p as asinh_p
from tracegrad.ops.elementwise_transcendental import atan2_p as atan2_p
from tracegrad.ops.elementwise_transcendental import atan_p as atan_p
from tracegrad.ops.elementwise_transcendental import atanh_p as atanh_p
from tracegrad.ops.elementwise_transcendental import cbrt_p as cbrt_p
from tracegrad.ops.elementwise_transcendental import cosh_p as cosh_p
from tracegrad.ops.elementwise_transcendental import exp2_p as exp2_p
from tracegrad.ops.elementwise_transcendental import expm1_p as expm1_p
from tracegrad.ops.elementwise_transcendental import log1p_p as log1p_p
from tracegrad.ops.elementwise_transcendental import rsqrt_p as rsqrt_p
from tracegrad.ops.elementwise_transcendental import sinh_p as sinh_p
from tracegrad.ops.elementwise_transcendental import sqrt_p as sqrt_p
from tracegrad.ops.elementwise_transcendental import tan_p as tan_p
from tracegrad.ops.elementwise_transcendental import tanh_p as tanh_p
from tracegrad.ops.linalg import dot_general_p as dot_general_p
from tracegrad.ops.reductions import argmax_p as argmax_p
from tracegrad.ops.reductions import argmin_p as argmin_p
from tracegrad.ops.reductions import cumprod_p as cumprod_p
from tracegrad.ops.reductions import cumsum_p as cumsum_p
from tracegrad.ops.reductions import reduce_and_p as reduce_and_p
from tracegrad.ops.reductions import reduce_max_p as reduce_max_p
from tracegrad.ops.reductions import reduce_min_p as reduce_min_p
from tracegrad.ops.reductions import reduce_or_p as reduce_or_p
from tracegrad.ops.reductions import reduce_prod_p as reduce_prod_p
from tracegrad.ops.shapes import rev_p as rev_p
from tracegrad.ops.sorting import sort_p as sort_p
from tracegrad.ops.special import digamma_p as digamma_p
from tracegrad.ops.special import erf_p as erf_p
from tracegrad.ops.special import erfc_p as erfc_p
from tracegrad.ops.special import lgamma_p as lgamma_p
from tracegrad.ops.special import logistic_p as logistic_p
from tracegrad.ops.special_igamma import igamma_p as igamma_p
from tracegrad.ops.special_igamma import igammac_p as igammac_p
from tracegrad.ops.stop_gradient import stop_gradient as stop_gradient
from tracegrad.ops.stop_gradient import stop_gradient_p as stop_gradient_p
from tracegrad.ops.structural import broadcast_in_dim_p as broadcast_in_dim_p
from tracegrad.ops.structural import concatenate_p as concatenate_p
from tracegrad.ops.structural import convert_element_type_p as convert_element_type_p
from tracegrad.ops.structural import pad_p as pad_p
from tracegrad.ops.structural import reduce_sum_p as reduce_sum_p
from tracegrad.ops.structural import reshape_p as reshape_p
from tracegrad.ops.structural import slice_p as slice_p
from tracegrad.ops.structural import transpose_p as transpose_p


def select(pred: _Any, on_true: _Any, on_false: _Any) -> _Any:
    """Elementwise ``on_true`` where ``pred`` else ``on_false``, as ``jax.lax.select``.

    ``pred`` is a scalar or has the cases' shape; it is boolean, or an integer 0 or 1 as in
    ``select_n``. The two cases have one shape and one dtype.

    >>> select(np.array([True, False]), np.ones(2), np.zeros(2))
    array([1., 0.])
    """
    p, t, f = _get_aval(pred), _get_aval(on_true), _get_aval(on_false)
    if p.dtype.kind not in "biu":
        raise _DTypeError(f"select `pred` must be boolean or integer type, got {p.dtype.name}.")
    if t.shape != f.shape:
        raise _ShapeError(f"select cases must have the same shapes, got [{t.shape}, {f.shape}].")
    if t.dtype != f.dtype:
        raise _DTypeError(
            f"select cases must have the same dtypes, got [{t.dtype.name}, {f.dtype.name}]."
        )
    if p.shape and p.shape != t.shape:
        raise _ShapeError(
            "select `pred` must be scalar or have the same shape as cases, got `pred` shape "
            f"{p.shape} but case shape {t.shape}."
        )
    return select_n(pred, on_false, on_true)


__all__ = _public_names(globals())
