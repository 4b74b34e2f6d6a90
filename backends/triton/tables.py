"""Triton spellings of the block program's types and ops (data, not code paths)."""

from __future__ import annotations

TL = {"bool": "tl.int1", "i8": "tl.int8", "u8": "tl.uint8", "i16": "tl.int16", "u16": "tl.uint16",
      "i32": "tl.int32", "u32": "tl.uint32", "i64": "tl.int64", "u64": "tl.uint64", "f16": "tl.float16",
      "bf16": "tl.bfloat16", "f32": "tl.float32", "f64": "tl.float64"}
#: the compile gate's signature strings for pointers to each element type
SIG = {"bool": "i1", "i8": "i8", "u8": "u8", "i16": "i16", "u16": "u16", "i32": "i32", "u32": "u32", "i64": "i64",
       "u64": "u64", "f16": "fp16", "bf16": "bf16", "f32": "fp32", "f64": "fp64"}
TORCH = {"bool": "torch.bool", "i8": "torch.int8", "u8": "torch.uint8", "i16": "torch.int16", "u16": "torch.uint16",
         "i32": "torch.int32", "u32": "torch.uint32", "i64": "torch.int64", "u64": "torch.uint64",
         "f16": "torch.float16", "bf16": "torch.bfloat16", "f32": "torch.float32", "f64": "torch.float64"}
SIZE = {"bool": 1, "i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "i64": 8, "u64": 8, "f16": 2,
        "bf16": 2, "f32": 4, "f64": 8}

#: block-program math op -> a format over the argument strings
MATH = {
    "exp": "tl.exp({0})", "exp2": "tl.exp2({0})", "log": "tl.log({0})", "log2": "tl.log2({0})",
    "sqrt": "tl.sqrt_rn({0})", "rsqrt": "tl.rsqrt({0})", "sin": "tl.sin({0})", "cos": "tl.cos({0})",
    "abs": "tl.abs({0})", "floor": "tl.floor({0})", "ceil": "tl.ceil({0})", "erf": "tl.erf({0})",
    "max": "tl.maximum({0}, {1})", "min": "tl.minimum({0}, {1})", "fma": "tl.fma({0}, {1}, {2})",
    "div": "({0} / {1})", "rcp": "(1.0 / {0})", "tanh": "_tanh({0})", "pow": "_pow({0}, {1})",
    "trunc": "_trunc({0})", "isnan": "({0} != {0})", "isinf": "(tl.abs({0}) == _INF)", "rint": "_rint({0})",
    "round": "_round({0})", "saturate": "tl.minimum(tl.maximum({0}, 0.0), 1.0)",
    "exp10": "tl.exp({0} * 2.302585092994046)", "expm1": "(tl.exp({0}) - 1.0)", "log1p": "tl.log(1.0 + {0})",
    "copysign": "tl.where({1} < 0, -tl.abs({0}), tl.abs({0}))", "hadd": "({0} + {1})", "hmul": "({0} * {1})",
}
ATOMIC = {"add": "tl.atomic_add", "max": "tl.atomic_max", "min": "tl.atomic_min", "xchg": "tl.atomic_xchg",
          "and": "tl.atomic_and", "or": "tl.atomic_or", "xor": "tl.atomic_xor"}

#: jit helpers every emitted module carries (the interpreter has no libdevice)
HELPERS = '''
_INF = tl.constexpr(float("inf"))


@triton.jit
def _tanh(x):
    # tanh from exp, stable for large |x| (the CPU interpreter has no libdevice)
    e = tl.exp(-2.0 * tl.abs(x))
    t = (1.0 - e) / (1.0 + e)
    return tl.where(x < 0, -t, t)


@triton.jit
def _pow(x, y):
    x, y = tl.broadcast(x, y)  # a uniform base with per-lane exponents (and vice versa)
    # exp2(y log2 x) in float64: in float32 the product's rounding error is scaled by |y log2 x|
    r = tl.exp2(y.to(tl.float64) * tl.log2(tl.abs(x).to(tl.float64))).to(x.dtype)
    odd = (tl.floor(y) == y) & (tl.floor(y * 0.5) * 2.0 != y)
    r = tl.where((x < 0) & odd, -r, r)
    r = tl.where((x < 0) & (tl.floor(y) != y), float("nan"), r)
    return tl.where(y == 0, 1.0, tl.where(x == 0, tl.where(y < 0, _INF, 0.0), r))


@triton.jit
def _trunc(x):
    return tl.where(x < 0, tl.ceil(x), tl.floor(x))


@triton.jit
def _rint(x):
    # round half to even, as CUDA's rintf / __float2int_rn: adding and subtracting 2^23 rounds an
    # fp32 magnitude below 2^23 to an integer in the current (nearest-even) mode, exactly
    a = tl.abs(x)
    r = tl.where(a < 8388608.0, (a + 8388608.0) - 8388608.0, a)
    return tl.where(x < 0, -r, r)


@triton.jit
def _f32_to_bf16(x):
    # round to nearest even on the bits, as CUDA's __float2bfloat16_rn (Triton's CPU interpreter
    # rounds overflow to the largest finite value instead of inf)
    bits = x.to(tl.uint32, bitcast=True)
    top = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    top = tl.where(x != x, 0x7FC0, top)
    return top.to(tl.uint16).to(tl.bfloat16, bitcast=True)


@triton.jit
def _round(x):
    return tl.where(x < 0, -tl.floor(-x + 0.5), tl.floor(x + 0.5))


@triton.jit
def _shuffle(value, src, ok, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr,
             BY: tl.constexpr):
    # a warp shuffle as a register gather: each lane reads the value of the lane whose CUDA linear
    # thread index is `src` (warps of 32); lanes without a source in the block keep their own
    ok = ok & (src >= 0) & (src < BDX * BDY * BDZ)
    s = tl.where(ok, src, 0)
    lane = s % BDX + ((s // BDX) % BDY) * BX + (s // (BDX * BDY)) * (BX * BY)
    return tl.where(ok, tl.gather(value, lane, 0), value)
'''
