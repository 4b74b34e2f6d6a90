"""Deep or long input never crashes porter: each backend either ports it or reports P0032
("code nested too deeply") with its place, and the process survives.

Each backend runs in a subprocess, so a segfault (libclang's parser on deep input) fails the test
instead of killing pytest. The limits are in :mod:`porter.limits`.
"""

from __future__ import annotations

import json
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
