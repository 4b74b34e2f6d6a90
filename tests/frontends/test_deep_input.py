"""Deep or long input never crashes porter: each backend either ports it or reports P0032
("code nested too deeply") with its place, and the process survives.

Each backend runs in a subprocess, so a segfault (libclang's parser on deep input) fails the test
instead of killing pytest. The limits are in :mod:`porter.limits`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from porter import limits
from porter.source import SourceFile

BACKENDS = ["hip", "triton", "pallas", "nki"]


def nested_ifs(depth: int) -> str:
    body = "".join(f"if (i > {k % 7}) {{\n" for k in range(depth)) + "out[i] = 1.0f;\n" + "}\n" * depth
    return kernel(body)


def long_sum(terms: int) -> str:
    return kernel("out[i] = " + " + ".join(["a[i]"] * terms) + ";\n")


def kernel(body: str) -> str:
    return ("__global__ void k(float* out, const float* a, int n) {\n"
            "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) {\n" + body + "}\n}\n")


CASES = {"ifs_164": nested_ifs(164), "sum_400": long_sum(400),
         "ifs_7000": nested_ifs(7000), "sum_20000": long_sum(20000)}

CHILD = textwrap.dedent("""
    import json, sys
    import porter
    target, cases = sys.argv[1], json.loads(sys.stdin.read())
    for name, text in cases.items():
        print(json.dumps({"case": name, "started": True}), flush=True)
        result = porter.translate(text, target, name=name + ".cu")
        errors = [(d.id, d.span.line if d.span else None) for d in result.errors]
        print(json.dumps({"case": name, "errors": errors}), flush=True)
""")


@pytest.mark.parametrize("target", BACKENDS)
def test_deep_input_ports_or_reports_p0032(target):
    child = subprocess.run([sys.executable, "-c", CHILD, target], input=json.dumps(CASES),
                           capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in child.stdout.splitlines()]
    last = lines[-1]["case"] if lines else None
    assert child.returncode == 0, f"{target} died on {last} (exit {child.returncode}): {child.stderr[-2000:]}"
    errors = {line["case"]: line["errors"] for line in lines if "errors" in line}
    assert set(errors) == set(CASES)
    for name in ("ifs_164", "sum_400"):  # well within the limit: ported, not refused
        assert not any(diag_id == "P0032" for diag_id, _ in errors[name]), (name, errors[name])
    if target != "hip":  # the tile backends build IR: refused, at the deep place
        for name in ("ifs_7000", "sum_20000"):
            assert [diag_id for diag_id, _ in errors[name]] == ["P0032"], (name, errors[name])
            assert errors[name][0][1] > 1


def test_nesting_limit_is_exact():
    def depth_of_sum(terms: int) -> int:
        """The syntax depth of a file holding one sum of ``terms`` terms (found by bisection)."""
        source = SourceFile("s.cu", long_sum(terms))
        low, high = 1, terms + 50
        while low < high:
            middle = (low + high) // 2
            if limits.nesting_error(source, middle) is None:
                high = middle
            else:
                low = middle + 1
        return low

    at_limit = next(t for t in range(limits.MAX_SYNTAX_DEPTH - 20, limits.MAX_SYNTAX_DEPTH)
                    if depth_of_sum(t) == limits.MAX_SYNTAX_DEPTH)
    assert limits.nesting_error(SourceFile("ok.cu", long_sum(at_limit))) is None
    refused = limits.nesting_error(SourceFile("deep.cu", long_sum(at_limit + 1)))
    assert refused is not None and refused.id == "P0032" and refused.is_error
    assert refused.span is not None and refused.span.line == 4


def test_run_deep_gives_a_deep_stack_and_passes_exceptions():
    def depth(n: int) -> int:
        return n if n == 5000 else depth(n + 1)

    assert limits.run_deep(depth, 0) == 5000
    limit = sys.getrecursionlimit()
    with pytest.raises(KeyError, match="inner"):
        limits.run_deep(lambda: {}["inner"])
    assert sys.getrecursionlimit() == limit


def doubling_macros(levels: int, leaf: str = "a[i]", joiner: str = "+") -> str:
    """``#define A1 A0+A0`` ... : ``A{levels}`` expands to 2**levels copies of ``leaf``."""
    defines = [f"#define A0 {leaf}"] + [f"#define A{k} A{k - 1}{joiner}A{k - 1}" for k in range(1, levels + 1)]
    return "\n".join(defines) + "\n"


MACRO_CASES = {
    # 32,768 terms from fifteen lines: refused before libclang (P0033) at the use of A15
    "doubling_15": doubling_macros(15) + kernel("out[i] = A15;\n"),
    # 20,000 unary minuses from one macro: libclang parses it; porter's walk of clang's tree stops
    # at its depth limit (P0032) at the use of U, before Python's recursion limit
    "unary_20000": "#define U " + "- " * 20000 + "a[i]\n" + kernel("out[i] = U;\n"),
    # 262,144 call arguments: shallow but huge, refused before libclang (P0033)
    "arguments_18": doubling_macros(18, "a[i]", ",") + kernel("out[i] = fmaxf(A18);\n"),
}


@pytest.mark.parametrize("target", BACKENDS)
def test_macro_blow_up_ports_or_reports_an_error(target):
    child = subprocess.run([sys.executable, "-c", CHILD, target], input=json.dumps(MACRO_CASES),
                           capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in child.stdout.splitlines()]
    last = lines[-1]["case"] if lines else None
    assert child.returncode == 0, f"{target} died on {last} (exit {child.returncode}): {child.stderr[-2000:]}"
    errors = {line["case"]: line["errors"] for line in lines if "errors" in line}
    assert set(errors) == set(MACRO_CASES)
    if target != "hip":  # the tile backends expand the macros (libclang): refused where they are used
        use_line = {name: text.splitlines().index(next(line for line in text.splitlines() if "out[i] =" in line)) + 1
                    for name, text in MACRO_CASES.items()}
        expected = {"doubling_15": "P0033", "unary_20000": "P0032", "arguments_18": "P0033"}
        for name, diag_id in expected.items():
            assert errors[name] == [[diag_id, use_line[name]]], (name, errors[name])


def test_macro_expansion_estimate_bounds_what_the_preprocessor_makes():
    from porter.frontends.macro_size import estimate

    assert estimate(kernel("out[i] = a[i];\n")).tokens == 0  # no macros
    assert estimate(doubling_macros(10) + "x = A10;").tokens >= 2 ** 10 * 5 - 1  # a [ i ] and +
    nested = estimate("#define D(x) x+x\ny = D(D(D(a)));")  # a+a+a+a+a+a+a+a: 15 tokens
    assert nested.tokens >= 15 and nested.name == "D"
    assert estimate("#define N 256\n#define IDX(i,j) ((i)*N+(j))\nint y = IDX(a,b);").tokens < 30
    assert estimate("#define R R+R\nint y = R;").tokens < 10  # a macro is not expanded inside itself
    assert estimate("/* #define X Y+Y */ #define Y 1\nint y = Y;").tokens == 1  # only Y's expansion
    plain = estimate("#define Y 1\n" + "int y = 2;\n" * 50_000 + "int z = Y;")  # a long file's own text
    assert (plain.tokens, plain.name) == (1, "Y")


def test_libclang_parses_here_only_while_porter_parses(monkeypatch):
    from porter.frontends import clang_api

    monkeypatch.delenv("LIBCLANG_NOTHREADS", raising=False)
    with clang_api.parse_here():
        assert os.environ["LIBCLANG_NOTHREADS"] == "1"
    assert "LIBCLANG_NOTHREADS" not in os.environ
    monkeypatch.setenv("LIBCLANG_NOTHREADS", "yes")  # the user's own setting stays
    with clang_api.parse_here():
        pass
    assert os.environ["LIBCLANG_NOTHREADS"] == "yes"
