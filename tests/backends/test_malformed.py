"""Malformed CUDA in the tile backends (Triton, Pallas, NKI): a kernel whose text does not parse
gets an error diagnostic at the bad text and is not emitted; clean kernels of the same file are.

Each case was once emitted as if it were fine: ``if (i < )`` became ``i != 0``, ``int i  threadIdx.x;``
became ``i = 0``, ``a * x[i]  y[i]`` (a dropped ``+``) became ``(a * x[i]) * y[i]``, and a kernel
whose opening brace was lost vanished from the output with no diagnostic.
"""

from __future__ import annotations

import json

import pytest

import porter
from tests.cli.trees import run_porter

SAXPY = """\
__global__ void saxpy(int n, float a, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}
"""
SCALE = """
__global__ void scale(int n, float a, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * y[i];
}
"""
#: name -> (the broken file, the (line, column) of the bad text)
BROKEN = {
    "empty-operand": (SAXPY.replace("if (i < n)", "if (i < )"), (3, 11)),
    "missing-equals": (SAXPY.replace("int i = blockIdx.x * blockDim.x + threadIdx.x;", "int i  threadIdx.x;"), (2, 12)),
    "dropped-operator": (SAXPY.replace("a * x[i] + y[i]", "a * x[i]  y[i]"), (4, 26)),
}
VANISHED = SAXPY.replace("float* y) {", "float* y) ") + SCALE
TILE = [("triton", {}), ("pallas", {"flavor": "gpu"}), ("pallas", {"flavor": "tpu"}), ("nki", {})]
TILE_IDS = ["triton", "pallas-gpu", "pallas-tpu", "nki"]


def translate(text: str, target: str, options: dict, name: str = "bad.cu"):
    return porter.translate(text, target, name=name, **options)


@pytest.mark.parametrize("target,options", TILE, ids=TILE_IDS)
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_syntax_error_in_a_kernel_is_an_error_at_the_bad_text(case, target, options):
    text, (line, column) = BROKEN[case]
    result = translate(text, target, options)
    assert not result.ok
    error = next(d for d in result.errors if d.id == "P0020")
    assert (error.span.line, error.span.col) == (line, column)
    assert "saxpy" in error.message and error.hint
    assert "saxpy" not in result.code


@pytest.mark.parametrize("target,options", TILE, ids=TILE_IDS)
def test_a_kernel_the_parser_loses_does_not_vanish_silently(target, options):
    result = translate(VANISHED, target, options)
    assert not result.ok
    assert any("saxpy" in d.message and d.id in ("P0020", "P0022", "P0023") for d in result.errors)
    assert "def saxpy" not in result.code


@pytest.mark.parametrize("target,options", TILE, ids=TILE_IDS)
def test_a_clean_kernel_beside_a_broken_one_is_still_emitted(target, options):
    result = translate(BROKEN["empty-operand"][0] + SCALE, target, options)
    assert [d.id for d in result.errors] == ["P0020"]
    assert "scale" in result.code and "def saxpy" not in result.code
    compile(result.code, "port.py", "exec")


@pytest.mark.parametrize("target,options", TILE, ids=TILE_IDS)
def test_a_kernel_calling_a_device_function_that_does_not_parse_is_refused(target, options):
    text = """\
__device__ float twice(float v) { return v + ; }
__global__ void k(float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = twice(y[i]);
}
"""
    result = translate(text, target, options)
    error = next(d for d in result.errors if d.id == "P0021")
    assert "twice" in error.message and (error.span.line, error.span.col) == (1, 45)
    assert "def k" not in result.code


@pytest.mark.parametrize("target,options", TILE, ids=TILE_IDS)
def test_a_broken_struct_refuses_the_kernels_that_use_it(target, options):
    text = """\
struct Pair { float x float y; };
__global__ void uses(const Pair* p, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = p[i].x;
}
""" + SCALE
    result = translate(text, target, options)
    assert [d.id for d in result.errors] == ["P0022"]
    assert result.errors[0].span.line == 1 and "Pair" in result.errors[0].message
    assert "uses" in result.errors[0].message
    assert "scale" in result.code


def test_truncated_kernel_is_refused():
    result = translate(SAXPY[:SAXPY.index("y[i] = a")], "triton", {})
    assert not result.ok and "P0020" in [d.id for d in result.errors]
    assert "saxpy" not in result.code


@pytest.mark.parametrize("target", ["triton", "pallas", "nki", "hip"])
def test_clean_kernels_get_no_syntax_error(target):
    result = porter.translate(SAXPY + SCALE, target, name="clean.cu")
    assert not [d for d in result.diagnostics if d.id in ("P0020", "P0021", "P0022", "P0023")]


def test_cli_writes_the_clean_kernels_prints_the_error_and_says_not_ok(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.cu").write_text(BROKEN["dropped-operator"][0] + SCALE)
    outcome = run_porter(["translate", "bad.cu", "--to", "triton", "-o", "out.py", "--report", "r.json"],
                         capsys, monkeypatch)
    assert outcome.code == 0  # the contract: 0 when output was written, even with error diagnostics
    assert "bad.cu:4:26: error[P0020]" in outcome.err and "1 error(s)" in outcome.err
    written = (tmp_path / "out.py").read_text()
    assert "def scale" in written and "def saxpy" not in written
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["ok"] is False and [d["id"] for d in report["diagnostics"] if d["severity"] == "error"] == ["P0020"]
