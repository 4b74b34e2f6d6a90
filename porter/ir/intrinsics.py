"""The CUDA built-in functions the IR models, as data: name -> group, result type, effects.

Both frontends classify calls with :func:`lookup`, so they agree on what is an intrinsic. The
result rule is a type name (``f32``), or one of: ``arg0``/``arg1`` (the type of that argument),
``pointee0`` (what argument 0 points to: atomics return the old value), ``float0`` (argument 0's
type when it is floating, else f64: ``sqrt(int)``), ``arith`` (the usual arithmetic conversions
over all arguments: ``min``/``max``), or a vector such as ``f32x4``.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.ir import types as T

MATH = "math"
ATOMIC = "atomic"
SHUFFLE = "shuffle"
VOTE = "vote"
SYNC = "sync"
FENCE = "fence"
CONVERT = "convert"
BITS = "bits"
MEMORY = "memory"
VECTOR = "vector"
MISC = "misc"


@dataclass(frozen=True, slots=True)
class IntrinsicInfo:
    name: str
    group: str
    result: str
    side_effects: bool = False
    value_arg: int | None = None  # shuffles: which argument carries the value moved between lanes


_TABLE: dict[str, IntrinsicInfo] = {}


def _add(group: str, result: str, names: str, side_effects: bool = False,
         value_arg: int | None = None) -> None:
    for name in names.split():
        _TABLE[name] = IntrinsicInfo(name, group, result, side_effects, value_arg)


_F32_MATH = ("sqrtf rsqrtf cbrtf expf exp2f exp10f expm1f logf log2f log10f log1pf sinf cosf tanf "
             "asinf acosf atanf atan2f sinhf coshf tanhf asinhf acoshf atanhf powf fabsf fminf fmaxf "
             "fmodf floorf ceilf roundf truncf rintf nearbyintf erff erfcf erfinvf lgammaf tgammaf "
             "hypotf fmaf copysignf fdimf remainderf ldexpf scalbnf sinpif cospif normcdff "
             "__expf __exp10f __logf __log2f __log10f __sinf __cosf __tanf __powf __fdividef "
             "__frcp_rn __fsqrt_rn __frsqrt_rn __fadd_rn __fadd_rz __fsub_rn __fmul_rn __fmul_rz "
             "__fdiv_rn __fmaf_rn __saturatef rcbrtf")
_F64_MATH = ("sqrt rsqrt cbrt exp exp2 exp10 expm1 log log2 log10 log1p sin cos tan asin acos atan "
             "atan2 sinh cosh tanh asinh acosh atanh pow fabs fmin fmax fmod floor ceil round trunc "
             "rint nearbyint erf erfc erfinv lgamma tgamma hypot fma copysign fdim remainder ldexp "
             "normcdf __dadd_rn __dmul_rn __fma_rn __drcp_rn __dsqrt_rn")
_add(MATH, "f32", _F32_MATH)
_add(MATH, "float0", _F64_MATH)
_add(MATH, "arith", "min max umin umax llmin llmax")
_add(MATH, "f32", "__builtin_inff __builtin_huge_valf __builtin_nanf")
_add(MATH, "f64", "__builtin_inf __builtin_huge_val __builtin_nan")
_add(MATH, "void", "sincosf sincos sincospif sincospi __sincosf", side_effects=True)
_add(MATH, "arg0", "abs labs llabs __habs __hneg")
_add(MATH, "i32", "isnan isinf isfinite signbit __isnanf __isinff __mul24 __mulhi __hadd_sat")
_add(MATH, "u32", "__umul24 __umulhi __usad __sad")
_add(MATH, "i64", "__mul64hi")
_add(MATH, "u64", "__umul64hi")
_add(MATH, "f16", "hsqrt hrsqrt hexp hlog hsin hcos hfloor hceil hrint htrunc __hadd __hsub "
     "__hmul __hdiv __hfma __hmax __hmin __hadd_rn __hmul_rn")
_add(MATH, "f16x2", "h2sqrt h2exp h2log __hadd2 __hsub2 __hmul2 __h2div __hfma2 __hmax2 __hmin2")
_add(MATH, "bool", "__heq __hne __hlt __hle __hgt __hge __hisnan __hisinf")

_add(CONVERT, "f16", "__float2half __float2half_rn __float2half_rz __double2half __int2half_rn "
     "__uint2half_rn __short2half_rn __low2half __high2half __ushort_as_half __short_as_half")
_add(CONVERT, "f32", "__half2float __bfloat162float __int2float_rn __int2float_rz __uint2float_rn "
     "__int_as_float __uint_as_float __ll2float_rn __double2float_rn __low2float __high2float")
_add(CONVERT, "f64", "__int2double_rn __uint2double_rn __longlong_as_double __hiloint2double "
     "__ll2double_rn")
_add(CONVERT, "bf16", "__float2bfloat16 __float2bfloat16_rn __float2bfloat16_rz __double2bfloat16 "
     "__low2bfloat16 __high2bfloat16 __ushort_as_bfloat16")
_add(CONVERT, "f16x2", "__float2half2_rn __floats2half2_rn __float22half2_rn __halves2half2 "
     "__half2half2 __lows2half2 __highs2half2")
_add(CONVERT, "bf16x2", "__float2bfloat162_rn __floats2bfloat162_rn __float22bfloat162_rn "
     "__halves2bfloat162 __bfloat162bfloat162")
_add(CONVERT, "f32x2", "__half22float2 __bfloat1622float2")
_add(CONVERT, "i32", "__float2int_rn __float2int_rz __float2int_rd __float2int_ru __float_as_int "
     "__half2int_rn __half2int_rz __double2int_rn __double2int_rz __double2hiint __double2loint")
_add(CONVERT, "u32", "__float2uint_rn __float2uint_rz __float_as_uint __half2uint_rn "
     "__double2uint_rn")
_add(CONVERT, "i64", "__float2ll_rn __float2ll_rz __double2ll_rn __double_as_longlong")
_add(CONVERT, "u64", "__float2ull_rn __double2ull_rn")
_add(CONVERT, "u16", "__half_as_ushort __bfloat16_as_ushort")
_add(CONVERT, "i16", "__half_as_short")

_ATOMIC_OPS = "Add Sub Exch Min Max Inc Dec CAS And Or Xor"
_add(ATOMIC, "pointee0", " ".join(f"atomic{op}{scope}" for op in _ATOMIC_OPS.split()
                                  for scope in ("", "_block", "_system")), side_effects=True)
_add(ATOMIC, "pointee0", "unsafeAtomicAdd", side_effects=True)

_add(SHUFFLE, "arg1", "__shfl_sync __shfl_up_sync __shfl_down_sync __shfl_xor_sync", value_arg=1)
_add(SHUFFLE, "arg0", "__shfl __shfl_up __shfl_down __shfl_xor", value_arg=0)
_add(VOTE, "u32", "__ballot_sync __ballot __activemask __match_any_sync __lanemask_lt "
     "__lanemask_le __lanemask_eq __lanemask_gt __lanemask_ge")
_add(VOTE, "u32", "__match_all_sync __reduce_add_sync __reduce_min_sync __reduce_max_sync "
     "__reduce_and_sync __reduce_or_sync __reduce_xor_sync")
_add(VOTE, "i32", "__all_sync __any_sync __uni_sync __all __any")

_add(SYNC, "void", "__syncthreads __syncwarp __barrier_sync", side_effects=True)
_add(SYNC, "i32", "__syncthreads_count __syncthreads_and __syncthreads_or", side_effects=True)
_add(FENCE, "void", "__threadfence __threadfence_block __threadfence_system", side_effects=True)

_add(BITS, "i32", "__popc __popcll __clz __clzll __ffs __ffsll")
_add(BITS, "u32", "__brev __byte_perm __funnelshift_l __funnelshift_r __funnelshift_lc "
     "__funnelshift_rc")
_add(BITS, "u64", "__brevll")

_add(MEMORY, "pointee0", "__ldg __ldcg __ldca __ldcs __ldlu __ldcv")
_add(MEMORY, "void", "__stcg __stcs __stwb __stwt __prefetch_global_l1", side_effects=True)

for _elem, _prefix in (("f32", "float"), ("f64", "double"), ("i32", "int"), ("u32", "uint"),
                       ("i8", "char"), ("u8", "uchar"), ("i16", "short"), ("u16", "ushort"),
                       ("i64", "longlong"), ("u64", "ulonglong")):
    for _lanes in (2, 3, 4):
        _add(VECTOR, f"{_elem}x{_lanes}", f"make_{_prefix}{_lanes}")

_add(MISC, "i32", "printf", side_effects=True)
_add(MISC, "void", "assert __trap __brkpt __nanosleep", side_effects=True)
_add(MISC, "i64", "clock64")
_add(MISC, "i32", "clock")
_add(MISC, "u64", "__globaltimer __cvta_generic_to_global")
_add(MISC, "u32", "__cvta_generic_to_shared __isShared __isGlobal")


def lookup(name: str) -> IntrinsicInfo | None:
    """The intrinsic called ``name`` (with any ``std::``/``::`` qualification), or None."""
    name = name.removeprefix("::")
    name = name.removeprefix("std::")
    return _TABLE.get(name)


def names() -> list[str]:
    return sorted(_TABLE)


def result_type(info: IntrinsicInfo, arg_types: list[T.Type]) -> T.Type:
    """The type of a call of ``info`` with arguments of ``arg_types``."""
    rule = info.result
    if rule.startswith("arg") and rule[3:].isdigit():
        index = int(rule[3:])
        return arg_types[index] if index < len(arg_types) else T.UNKNOWN
    if rule == "pointee0":
        return T.element_type(arg_types[0]) if arg_types else T.UNKNOWN
    if rule == "float0":
        first = arg_types[0] if arg_types else T.F64
        return first if T.is_float(first) or isinstance(first, T.TypeParam) else T.F64
    if rule == "arith":
        result = arg_types[0] if arg_types else T.UNKNOWN
        for other in arg_types[1:]:
            result = T.arith_result(result, other)
        return result
    return parse_type_name(rule)


def parse_type_name(text: str) -> T.Type:
    """An IR type from its printed name: ``f32``, ``f16x2``."""
    if text in T.SCALARS:
        return T.Scalar(text)
    elem, has_x, lanes = text.partition("x")
    if has_x and elem in T.SCALARS and lanes.isdigit():
        return T.Vector(T.Scalar(elem), int(lanes))
    return T.Named(text)  # a project's type name, e.g. index_t or Tx
