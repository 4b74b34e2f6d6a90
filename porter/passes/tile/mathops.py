"""CUDA math and conversion built-ins as block-program ops (data, per the style guide).

``MATH``: CUDA name -> (op, kind); kind "math" computes in the result type (float32 for half
types), "convert" converts its one argument (op "cast" is a plain value conversion).
``VECTOR_BUILDERS``: built-ins that make or take CUDA vector values, as functions over components.
"""

from __future__ import annotations

from porter.passes.tile.program import V

_FLOAT = {
    "exp": ("expf", "exp", "__expf"), "exp2": ("exp2f", "exp2", "__exp2f"), "log": ("logf", "log", "__logf"),
    "log2": ("log2f", "log2", "__log2f"), "sqrt": ("sqrtf", "sqrt", "__fsqrt_rn"), "rsqrt": ("rsqrtf", "rsqrt"),
    "sin": ("sinf", "sin", "__sinf"), "cos": ("cosf", "cos", "__cosf"), "tanh": ("tanhf", "tanh"),
    "abs": ("fabsf", "fabs", "abs", "__habs"), "floor": ("floorf", "floor"), "ceil": ("ceilf", "ceil"),
    "trunc": ("truncf", "trunc"), "erf": ("erff", "erf"), "pow": ("powf", "pow", "__powf"),
    "max": ("fmaxf", "fmax", "max", "__hmax"), "min": ("fminf", "fmin", "min", "__hmin"),
    "fma": ("fmaf", "fma", "__fmaf_rn", "__hfma"), "div": ("__fdividef", "fdividef", "__fdiv_rn"),
    "rcp": ("__frcp_rn",), "isnan": ("isnan", "__isnanf"), "isinf": ("isinf", "__isinff"),
    "rint": ("rintf", "rint", "nearbyintf"), "round": ("roundf", "round"),
    "exp10": ("exp10f",), "expm1": ("expm1f",), "log1p": ("log1pf",), "copysign": ("copysignf",),
    "inf": ("__builtin_inff", "__int_as_float_inf"), "hadd": ("__hadd",), "hmul": ("__hmul",),
}
MATH: dict[str, tuple[str, str]] = {name: (op, "math") for op, names in _FLOAT.items() for name in names}
MATH.update({
    "__half2float": ("cast", "convert"), "__bfloat162float": ("cast", "convert"),
    "__float2half": ("cast", "convert"), "__float2half_rn": ("cast", "convert"),
    "__float2bfloat16": ("cast", "convert"), "__float2bfloat16_rn": ("cast", "convert"),
    "__int2float_rn": ("cast", "convert"), "__float2int_rz": ("cast", "convert"),
    "__float2int_rn": ("rint_int", "convert"), "__float_as_int": ("bitcast", "convert"),
    "__int_as_float": ("bitcast", "convert"), "__float_as_uint": ("bitcast", "convert"),
    "__uint_as_float": ("bitcast", "convert"),
    "__saturatef": ("saturate", "math"),
})


def _cvt(v: V, dtype: str) -> V:
    from porter.passes.tile.lower import cast
    return cast(v, dtype)


def _fma2(args, t):
    a, b, c = args
    return [_cvt(V("math", "f32", x.vec or y.vec or z.vec, ("fma", _cvt(x, "f32"), _cvt(y, "f32"), _cvt(z, "f32"))),
                 t.elem.name) for x, y, z in zip(a, b, c)]


def _each(op):
    def build(args, t):
        a, b = args
        return [_cvt(V("bin", "f32", x.vec or y.vec, (op, _cvt(x, "f32"), _cvt(y, "f32"))), t.elem.name)
                for x, y in zip(a, b)]
    return build


VECTOR_BUILDERS = {
    "make_float2": lambda args, t: [_cvt(a, "f32") for a in args],
    "make_float4": lambda args, t: [_cvt(a, "f32") for a in args],
    "make_int2": lambda args, t: [_cvt(a, "i32") for a in args],
    "make_int4": lambda args, t: [_cvt(a, "i32") for a in args],
    "__half2half2": lambda args, t: [args[0], args[0]],
    "__float2half2_rn": lambda args, t: [_cvt(args[0], "f16")] * 2,
    "__floats2half2_rn": lambda args, t: [_cvt(a, "f16") for a in args],
    "__floats2bfloat162_rn": lambda args, t: [_cvt(a, "bf16") for a in args],
    "__float22half2_rn": lambda args, t: [_cvt(a, "f16") for a in args[0]],
    "__float22bfloat162_rn": lambda args, t: [_cvt(a, "bf16") for a in args[0]],
    "__half22float2": lambda args, t: [_cvt(a, "f32") for a in args[0]],
    "__bfloat1622float2": lambda args, t: [_cvt(a, "f32") for a in args[0]],
    "__hfma2": _fma2,
    "__hadd2": _each("+"), "__hmul2": _each("*"), "__hsub2": _each("-"),
}
