"""NKI spellings of the block program's types and ops (data, not code paths).

The tables double as the backend's capability list: an op missing here is refused with a
diagnostic (P0708) naming it, before any code is emitted.
"""

from __future__ import annotations

#: block-program scalar type -> NKI dtype of a lane tile (bool lanes are uint8 0/1 masks)
NL = {"f32": "nl.float32", "f16": "nl.float16", "bf16": "nl.bfloat16", "i32": "nl.int32",
      "u32": "nl.uint32", "i16": "nl.int16", "u16": "nl.uint16", "i8": "nl.int8", "u8": "nl.uint8",
      "bool": "nl.uint8"}
INTS = {"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64"}
FLOATS = {"f16", "bf16", "f32", "f64"}
BITS = {"i8": (8, True), "u8": (8, False), "i16": (16, True), "u16": (16, False), "i32": (32, True),
        "u32": (32, False), "i64": (64, True), "u64": (64, False)}

#: arithmetic binary operators -> ALU operator token
ALU = {"+": "nl.add", "-": "nl.subtract", "*": "nl.multiply", "/": "nl.divide"}
BITVEC = {"&": "nl.bitwise_and", "|": "nl.bitwise_or", "^": "nl.bitwise_xor", "<<": "nl.left_shift",
          ">>": "nl.right_shift"}
#: comparisons -> ALU comparison operator (float32 inputs, 1.0/0.0 out)
COMPARE = {"<": "nl.less", "<=": "nl.less_equal", ">": "nl.greater", ">=": "nl.greater_equal",
           "==": "nl.equal", "!=": "nl.not_equal"}

#: lane-static (trace-time numpy) forms of integer and boolean operators
STATIC_BIN = {"+": "np.add", "-": "np.subtract", "*": "np.multiply", "&": "np.bitwise_and",
              "|": "np.bitwise_or", "^": "np.bitwise_xor", "<<": "np.left_shift", ">>": "np.right_shift",
              "/": "_sdiv", "%": "_smod"}
STATIC_CMP = {"<": "np.less", "<=": "np.less_equal", ">": "np.greater", ">=": "np.greater_equal",
              "==": "np.equal", "!=": "np.not_equal", "&&": "np.logical_and", "||": "np.logical_or"}

#: block-program math op -> (activation function, scale) for one-argument functions
ACTIVATION = {"exp": ("nl.exp", 1.0), "log": ("nl.log", 1.0), "tanh": ("nl.tanh", 1.0),
              "sqrt": ("nl.sqrt", 1.0), "rsqrt": ("nl.rsqrt", 1.0), "sin": ("nl.sin", 1.0),
              "cos": ("nl.cos", 1.0), "abs": ("nl.abs", 1.0), "rcp": ("nl.reciprocal", 1.0),
              "exp2": ("nl.exp", 0.6931471805599453), "exp10": ("nl.exp", 2.302585092994046)}
#: block-program math op -> ALU operator, for two-argument functions
MATH_ALU = {"max": "nl.maximum", "min": "nl.minimum", "pow": "nl.power", "div": "nl.divide",
            "hadd": "nl.add", "hmul": "nl.multiply"}
#: reductions of the block program -> the prelude's names
REDUCE = {"add", "max", "min"}

#: block-program math op -> trace-time numpy form (uniform values), over argument strings
UNIFORM_MATH = {
    "exp": "np.exp({0})", "exp2": "np.exp2({0})", "log": "np.log({0})", "log2": "np.log2({0})",
    "sqrt": "np.sqrt({0})", "rsqrt": "(1 / np.sqrt({0}))", "sin": "np.sin({0})", "cos": "np.cos({0})",
    "tanh": "np.tanh({0})", "abs": "abs({0})", "floor": "np.floor({0})", "ceil": "np.ceil({0})",
    "trunc": "np.trunc({0})", "max": "max({0}, {1})", "min": "min({0}, {1})", "pow": "np.power({0}, {1})",
    "fma": "({0} * {1} + {2})", "div": "({0} / {1})", "rcp": "(1 / {0})", "inf": "np.float32(np.inf)",
    "hadd": "({0} + {1})", "hmul": "({0} * {1})", "exp10": "np.power(np.float32(10), {0})",
    "log1p": "np.log1p({0})", "expm1": "np.expm1({0})", "rint": "np.rint({0})",
}
#: lane-static forms of integer math ops
STATIC_MATH = {"max": "np.maximum({0}, {1})", "min": "np.minimum({0}, {1})", "abs": "np.abs({0})"}
