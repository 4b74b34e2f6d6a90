"""The printer's text, checked against expected files (``PORTER_UPDATE_EXPECTED=1`` rewrites them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from porter.ir import build
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.printer import format_const, print_expr, print_module
from porter.source import SourceFile
from tests.ir.helpers import build_text

DATA = Path(__file__).with_name("data")
SPAN = SourceFile("t.cu", "x").span(0, 1)


def check_expected(actual: str, path: Path) -> None:
    if os.environ.get("PORTER_UPDATE_EXPECTED") == "1" or not path.exists():
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("frontend", ["treesitter", "clang"])
@pytest.mark.parametrize("flags", ["plain", "types", "spans"])
def test_printer_expected(frontend, flags):
    source = DATA / "reduce.cu"
    module = build_text(source.read_text(encoding="utf-8"), frontend)
    text = print_module(module, types=flags == "types", spans=flags == "spans")
    check_expected(text, DATA / f"reduce.{flags}.ir")


@pytest.mark.parametrize("value, type_, text", [
    (1, T.I32, "1"), (1, T.U32, "1u"), (1, T.I64, "1l"), (1, T.U64, "1ul"), (True, T.BOOL, "true"),
    (1.0, T.F32, "1.0f"), (0.1, T.F32, "0.1f"), (0.1, T.F64, "0.1"), (1e-5, T.F32, "1e-05f"),
    (None, T.Pointer(T.VOID), "nullptr"), ("a\n", T.Pointer(T.Scalar("i8")), '"a\\n"'),
    (3.4028234663852886e38, T.F32, "3.4028235e+38f"),
])
def test_constants(value, type_, text):
    assert format_const(value, type_) == text


def test_minimal_parentheses():
    a = N.Var("a", type=T.I32, span=SPAN)
    b = N.Var("b", type=T.I32, span=SPAN)
    c = N.Var("c", type=T.I32, span=SPAN)
    sum_ = build.binary("+", a, b, SPAN)
    assert print_expr(build.binary("*", sum_, c, SPAN)) == "(a + b) * c"
    assert print_expr(build.binary("+", build.binary("*", a, b, SPAN), c, SPAN)) == "a * b + c"
    assert print_expr(build.binary("-", a, sum_, SPAN)) == "a - (a + b)"
    assert print_expr(build.unary("-", sum_, SPAN)) == "-(a + b)"
    assert print_expr(sum_, types=True) == "(a:i32 + b:i32):i32"
