"""Types, C type names and literals: the rules both frontends share."""

from __future__ import annotations

import pytest

from porter.ir import cexpr, cnames
from porter.ir import types as T


@pytest.mark.parametrize("spelling, expected", [
    ("unsigned", "u32"), ("unsigned int", "u32"), ("uint32_t", "u32"), ("int", "i32"), ("long long", "i64"),
    ("unsigned long long", "u64"), ("size_t", "u64"), ("float", "f32"), ("double", "f64"), ("half", "f16"),
    ("__half", "f16"), ("__nv_bfloat16", "bf16"), ("float4", "f32x4"), ("int2", "i32x2"), ("half2", "f16x2"),
    ("const float", "f32"), ("signed char", "i8"), ("unsigned char", "u8"), ("bool", "bool"), ("dim3", "dim3"),
    ("short", "i16"), ("std::size_t", "u64"),
])
def test_scalar_type(spelling, expected):
    assert str(cnames.scalar_type(spelling)) == expected


def test_unknown_type_name():
    assert cnames.scalar_type("MyStruct") is None


@pytest.mark.parametrize("text, value, type_", [
    ("16", 16, "i32"), ("0xffffffff", 0xFFFFFFFF, "u32"), ("0xffffffffu", 0xFFFFFFFF, "u32"),
    ("4294967296", 4294967296, "i64"), ("10u", 10, "u32"), ("1LL", 1, "i64"), ("7ull", 7, "u64"),
    ("1.5f", 1.5, "f32"), ("1.5", 1.5, "f64"), ("1e-5f", 1e-5, "f32"), ("2.", 2.0, "f64"), ("017", 15, "i32"),
    ("0b101", 5, "i32"), ("true", True, "bool"), ("3.402823466e+38F", 3.402823466e38, "f32"),
])
def test_literals(text, value, type_):
    parsed, kind = cnames.literal(text)
    assert parsed == value and str(kind) == type_


@pytest.mark.parametrize("a, b, expected", [
    ("i32", "i32", "i32"), ("i32", "u32", "u32"), ("i64", "u32", "i64"), ("u64", "i32", "u64"),
    ("i8", "i16", "i32"), ("f32", "i32", "f32"), ("f32", "f64", "f64"), ("f16", "f32", "f32"),
    ("bool", "bool", "i32"),
])
def test_usual_arithmetic_conversions(a, b, expected):
    assert str(T.arith_result(T.Scalar(a), T.Scalar(b))) == expected


def test_sizes_and_printing():
    assert T.Array(T.F32, (16, 17)).size == 16 * 17 * 4
    assert T.Array(T.F32, (None,)).size is None
    assert T.Array(T.F32, ("BS",)).size is None
    assert str(T.Pointer(T.F32, const=True, restrict=True)) == "ptr<f32 const restrict>"
    assert str(T.Array(T.TypeParam("T"), ("BS", 2))) == "$T[BS][2]"
    assert T.Vector(T.F16, 2).size == 4


def test_substitute_and_element_types():
    t = T.Pointer(T.TypeParam("T"), const=True)
    assert T.substitute(t, {"T": T.F64}) == T.Pointer(T.F64, const=True)
    assert T.element_type(T.Array(T.F32, (4, 8))) == T.Array(T.F32, (8,))
    assert T.has_type_param(T.Array(T.TypeParam("T"), (3,)))


@pytest.mark.parametrize("text, value", [
    ("1 + 2 * 3", 7), ("(1 << 4) - 1", 15), ("N / 2", 128), ("defined(N) && N > 100", 1),
    ("!defined(M)", 1), ("N % 7", 4), ("-3 / 2", -1), ("1 ? 2 : 3", 2), ("0x10", 16),
])
def test_cexpr(text, value):
    assert cexpr.evaluate(text, {"N": "256"}) == value


def test_cexpr_unknown_names():
    assert cexpr.try_evaluate("M + 1") is None
    assert cexpr.evaluate("M + 1", undefined_is_zero=True) == 1
    assert cexpr.try_evaluate("1 / 0") is None
