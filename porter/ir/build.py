"""Typed constructors for expressions: the one place where expression types are decided.

Both frontends build expressions through these functions, and the verifier checks a tree by
recomputing each type with them, so the frontends agree on types by construction. Types follow C:
the usual arithmetic conversions, integer promotion, pointer arithmetic; implicit conversions
are not nodes of their own (only explicit casts are).
"""

from __future__ import annotations

import struct

from porter.diagnostics import Span
from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir import types as T

COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
LOGICAL = frozenset({"&&", "||"})
SHIFTS = frozenset({"<<", ">>"})

#: struct name -> field name -> type; filled by the frontends from the file's declarations.
StructTable = dict[str, dict[str, T.Type]]

BUILTIN_TYPES = {"threadIdx": T.U32, "blockIdx": T.U32, "blockDim": T.U32, "gridDim": T.U32,
                 "warpSize": T.I32}


def round_f32(value: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return value


def const(value, type_: T.Type, span: Span) -> N.Const:
    if isinstance(value, float) and type_ == T.F32:
        value = round_f32(value)
    return N.Const(value, type=type_, span=span)


def binary_type(op: str, lhs: T.Type, rhs: T.Type) -> T.Type:
    if op in COMPARISONS or op in LOGICAL:
        return T.BOOL
    if op == ",":
        return rhs
    if op in SHIFTS:
        return T.promote(lhs)
    if T.is_pointerlike(lhs) and op in ("+", "-"):
        if op == "-" and T.is_pointerlike(rhs):
            return T.I64
        return _decay(lhs)
    if T.is_pointerlike(rhs) and op == "+":
        return _decay(rhs)
    return T.arith_result(lhs, rhs)


def _decay(t: T.Type) -> T.Type:
    if isinstance(t, T.Array):
        return T.Pointer(T.element_type(t))
    return t


def binary(op: str, lhs: N.Expr, rhs: N.Expr, span: Span) -> N.Binary:
    return N.Binary(op, lhs, rhs, type=binary_type(op, lhs.type, rhs.type), span=span)


def unary_type(op: str, operand: T.Type) -> T.Type:
    if op == "!":
        return T.BOOL
    if op == "&":
        return T.Pointer(operand)
    if op in ("-", "+", "~"):
        return T.promote(operand)
    return operand


def unary(op: str, operand: N.Expr, span: Span) -> N.Unary:
    return N.Unary(op, operand, type=unary_type(op, operand.type), span=span)


def load_type(base: T.Type, count: int) -> T.Type:
    for _ in range(count):
        base = T.element_type(base)
    return base


def load(base: N.Expr, indices: tuple[N.Expr, ...], span: Span) -> N.Load:
    """``base[i]...``; indexing a ``Load`` of an array row extends that load (``s[i][j]``)."""
    if isinstance(base, N.Load) and isinstance(base.type, T.Array):
        indices = base.indices + indices
        base = base.base
    return N.Load(base, indices, type=load_type(base.type, len(indices)), span=span)


def member_type(base: T.Type, field: str, arrow: bool, structs: StructTable) -> T.Type:
    if arrow:
        base = T.element_type(base)
    if isinstance(base, T.Vector):
        return base.elem
    if isinstance(base, T.Named):
        if base.name == "dim3":
            return T.U32
        return structs.get(base.name, {}).get(field, T.UNKNOWN)
    return T.UNKNOWN


def member(base: N.Expr, field: str, arrow: bool, span: Span, structs: StructTable) -> N.Member:
    return N.Member(base, field, arrow, type=member_type(base.type, field, arrow, structs), span=span)


def builtin(name: str, dim: str, span: Span) -> N.Builtin:
    return N.Builtin(name, dim, type=BUILTIN_TYPES[name], span=span)


def select_type(then: T.Type, other: T.Type) -> T.Type:
    if T.is_arith(then) and T.is_arith(other):
        return T.arith_result(then, other)
    if then == T.Pointer(T.VOID):  # nullptr
        return other
    return then


def select(cond: N.Expr, then: N.Expr, other: N.Expr, span: Span) -> N.Select:
    return N.Select(cond, then, other, type=select_type(then.type, other.type), span=span)


def intrinsic(info: intrinsics.IntrinsicInfo, args: tuple[N.Expr, ...], span: Span) -> N.Intrinsic:
    result = intrinsics.result_type(info, [a.type for a in args])
    return N.Intrinsic(info.name, args, info.group, type=result, span=span)


def cast(target: T.Type, operand: N.Expr, kind: str, span: Span) -> N.Cast:
    return N.Cast(operand, kind, type=target, span=span)


def retype(e: N.Expr, structs: StructTable | None = None) -> T.Type:
    """The type ``e`` should have given its operands' types (what the verifier checks)."""
    match e:
        case N.Binary():
            return binary_type(e.op, e.lhs.type, e.rhs.type)
        case N.Unary():
            return unary_type(e.op, e.operand.type)
        case N.Load():
            return load_type(e.base.type, len(e.indices))
        case N.Select():
            return select_type(e.then.type, e.other.type)
        case N.Member():
            return member_type(e.base.type, e.field, e.arrow, structs or {})
        case N.Intrinsic():
            info = intrinsics.lookup(e.name)
            return intrinsics.result_type(info, [a.type for a in e.args]) if info else e.type
        case N.Builtin():
            return BUILTIN_TYPES.get(e.name, e.type)
    return e.type
