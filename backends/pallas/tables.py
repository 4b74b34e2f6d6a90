"""JAX spellings of the block program's types and ops (data, not code paths)."""

from __future__ import annotations

JNP = {"bool": "jnp.bool_", "i8": "jnp.int8", "u8": "jnp.uint8", "i16": "jnp.int16", "u16": "jnp.uint16",
       "i32": "jnp.int32", "u32": "jnp.uint32", "i64": "jnp.int64", "u64": "jnp.uint64", "f16": "jnp.float16",
       "bf16": "jnp.bfloat16", "f32": "jnp.float32", "f64": "jnp.float64"}
SIZE = {"bool": 1, "i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "i64": 8, "u64": 8, "f16": 2,
        "bf16": 2, "f32": 4, "f64": 8}

#: block-program math op -> a format over the argument strings
MATH = {
    "exp": "jnp.exp({0})", "exp2": "jnp.exp2({0})", "log": "jnp.log({0})", "log2": "jnp.log2({0})",
    "sqrt": "jnp.sqrt({0})", "rsqrt": "lax.rsqrt({0})", "sin": "jnp.sin({0})", "cos": "jnp.cos({0})",
    "abs": "jnp.abs({0})", "floor": "jnp.floor({0})", "ceil": "jnp.ceil({0})", "erf": "lax.erf({0})",
    "max": "jnp.maximum({0}, {1})", "min": "jnp.minimum({0}, {1})", "fma": "({0} * {1} + {2})",
    "div": "({0} / {1})", "rcp": "(1.0 / {0})", "tanh": "jnp.tanh({0})", "pow": "jnp.power({0}, {1})",
    "trunc": "jnp.trunc({0})", "isnan": "jnp.isnan({0})", "isinf": "jnp.isinf({0})", "rint": "_rint({0})",
    "round": "_round({0})", "saturate": "jnp.clip({0}, 0.0, 1.0)",
    "exp10": "jnp.exp({0} * 2.302585092994046)", "expm1": "jnp.expm1({0})", "log1p": "jnp.log1p({0})",
    "copysign": "jnp.copysign({0}, {1})", "hadd": "({0} + {1})", "hmul": "({0} * {1})",
}
#: atomic op -> (pallas.triton function, identity-free combine for the interpreter's emulation)
ATOMIC = {"add": ("plt.atomic_add", "_old + _v"), "max": ("plt.atomic_max", "jnp.maximum(_old, _v)"),
          "min": ("plt.atomic_min", "jnp.minimum(_old, _v)"), "xchg": ("plt.atomic_xchg", "_v"),
          "and": ("plt.atomic_and", "_old & _v"), "or": ("plt.atomic_or", "_old | _v"),
          "xor": ("plt.atomic_xor", "_old ^ _v"), "cas": (None, "jnp.where(_old == _cmp, _v, _old)")}
