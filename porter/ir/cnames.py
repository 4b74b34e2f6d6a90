"""C/CUDA type spellings -> IR types, shared by both frontends so that they agree.

``scalar_type("unsigned int")``, ``scalar_type("uint32_t")`` and ``scalar_type("unsigned")`` are
all ``u32``; CUDA vector types (``float4``, ``half2``) become :class:`~porter.ir.types.Vector`.
"""

from __future__ import annotations

import re

from porter.ir import types as T

_TYPEDEFS = {
    "size_t": "u64", "ptrdiff_t": "i64", "ssize_t": "i64", "intptr_t": "i64", "uintptr_t": "u64",
    "int8_t": "i8", "uint8_t": "u8", "int16_t": "i16", "uint16_t": "u16", "int32_t": "i32",
    "uint32_t": "u32", "int64_t": "i64", "uint64_t": "u64", "uint": "u32", "ushort": "u16",
    "uchar": "u8", "ulong": "u64",
    "half": "f16", "__half": "f16", "__nv_half": "f16", "nv_half": "f16",
    "__nv_bfloat16": "bf16", "nv_bfloat16": "bf16", "__bf16": "bf16", "bfloat16": "bf16",
    "_Float16": "f16", "__fp16": "f16",
}

_VECTOR_PREFIX = {
    "char": "i8", "uchar": "u8", "short": "i16", "ushort": "u16", "int": "i32", "uint": "u32",
    "long": "i64", "ulong": "u64", "longlong": "i64", "ulonglong": "u64", "float": "f32",
    "double": "f64",
}
_VECTOR_NAMED = {
    "half2": ("f16", 2), "__half2": ("f16", 2), "__nv_half2": ("f16", 2),
    "__nv_bfloat162": ("bf16", 2), "nv_bfloat162": ("bf16", 2),
}
_VECTOR_RE = re.compile(r"^(u?(?:char|short|int|long|longlong)|float|double)([1-4])$")

_QUALIFIERS = {"const", "volatile", "signed", "struct", "class", "typename", "__restrict__",
               "__restrict", "restrict", "static", "extern", "inline", "__inline__", "register",
               "__forceinline__", "__device__", "__host__", "__global__", "__shared__",
               "__constant__", "__managed__", "constexpr", "__align__", "enum"}


def scalar_type(spelling: str) -> T.Type | None:
    """The IR type of a C type name without pointers or arrays, or None when not a known one."""
    words = [w for w in spelling.replace("std::", "").replace("::", "").split()
             if w not in _QUALIFIERS]
    if not words:
        return T.I32 if "signed" in spelling.split() else None
    if len(words) == 1:
        word = words[0]
        if word in _TYPEDEFS:
            return T.Scalar(_TYPEDEFS[word])
        if word in _VECTOR_NAMED:
            elem, lanes = _VECTOR_NAMED[word]
            return T.Vector(T.Scalar(elem), lanes)
        match = _VECTOR_RE.match(word)
        if match:
            elem = T.Scalar(_VECTOR_PREFIX[match.group(1)])
            lanes = int(match.group(2))
            return elem if lanes == 1 else T.Vector(elem, lanes)
        if word in ("dim3", "uint3"):
            return T.Vector(T.U32, 3) if word == "uint3" else T.Named("dim3")
    return _builtin_words(words)


def _builtin_words(words: list[str]) -> T.Type | None:
    unsigned = "unsigned" in words
    rest = [w for w in words if w != "unsigned"]
    key = " ".join(rest)
    if key in ("", "int") and unsigned:
        return T.U32
    table = {
        "void": "void", "bool": "bool", "_Bool": "bool", "char": "i8", "short": "i16",
        "short int": "i16", "int": "i32", "long": "i64", "long int": "i64", "long long": "i64",
        "long long int": "i64", "float": "f32", "double": "f64", "long double": "f64",
    }
    name = table.get(key)
    if name is None:
        return None
    if unsigned:
        name = "u" + name[1:] if name.startswith("i") else name
        if name == "i8":
            name = "u8"
    if key == "char" and not unsigned and "signed" in words:
        name = "i8"
    return T.Scalar(name)


def literal(text: str) -> tuple[int | float | bool | None, T.Type] | None:
    """The value and C type of a numeric literal's spelling (``16``, ``0xffffffffu``, ``1.5f``)."""
    spelled = text.replace("'", "").strip()
    lower = spelled.lower()
    if lower in ("true", "false"):
        return lower == "true", T.BOOL
    if lower in ("nullptr", "null"):
        return None, T.Pointer(T.VOID)
    is_hex = lower.startswith("0x")
    if not is_hex and ("." in lower or "e" in lower or lower.endswith("f")) and not lower.startswith("0b"):
        return _float_literal(lower)
    if is_hex and "p" in lower:
        return _float_literal(lower)
    return _int_literal(lower)


def _float_literal(lower: str) -> tuple[float, T.Type] | None:
    kind = T.F64
    body = lower
    if body.endswith("f"):
        kind, body = T.F32, body[:-1]
    elif body.endswith("l"):
        body = body[:-1]
    try:
        value = float.fromhex(body) if body.startswith("0x") else float(body)
    except ValueError:
        return None
    return value, kind


def _int_literal(lower: str) -> tuple[int, T.Type] | None:
    body = lower
    suffix = ""
    while body and body[-1] in "ul":
        suffix = body[-1] + suffix
        body = body[:-1]
    try:
        if body.startswith(("0x", "0b")):
            value, decimal = int(body, 0), False
        elif len(body) > 1 and body.startswith("0"):
            value, decimal = int(body[1:], 8), False
        else:
            value, decimal = int(body), True
    except ValueError:
        return None
    unsigned = "u" in suffix
    longs = suffix.count("l")
    return value, _int_literal_type(value, unsigned, longs, decimal)


def _int_literal_type(value: int, unsigned: bool, longs: int, decimal: bool) -> T.Type:
    """C's rule: the first of int, unsigned int (non-decimal only), long, ... that holds the value."""
    candidates: list[str] = []
    if longs == 0:
        candidates += ["u32"] if unsigned else (["i32"] if decimal else ["i32", "u32"])
    candidates += ["u64"] if unsigned else (["i64"] if decimal else ["i64", "u64"])
    for name in candidates:
        bits = 32 if name.endswith("32") else 64
        limit = 2 ** bits if name.startswith("u") else 2 ** (bits - 1)
        if value < limit:
            return T.Scalar(name)
    return T.U64
