"""``porter ir`` and ``porter analyze`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from porter.cli import cli
from tests.ir.helpers import IR_CORPUS


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_ir_prints_the_module():
    result = run("ir", str(IR_CORPUS / "saxpy.cu"), "--frontend", "treesitter")
    assert result.exit_code == 0
    assert result.output.splitlines()[2] == \
        "kernel saxpy(n: i32, a: f32, x: ptr<f32 const restrict>, y: ptr<f32 restrict>) -> void {"


def test_ir_with_types_and_spans_and_diagnostics():
    result = run("ir", str(IR_CORPUS / "opaque_constructs.cu"), "--types", "--spans")
    assert result.exit_code == 0
    assert "  @4:5" in result.output and "warning[P0301]" in result.output


def test_analyze_text_and_json():
    text = run("analyze", str(IR_CORPUS / "tree_reduce.cu"))
    assert text.exit_code == 0 and "  category: reduction" in text.output
    everything = run("analyze", str(IR_CORPUS / "tree_reduce.cu"), "--all")
    assert "uniformity tree_reduce" in everything.output
    data = json.loads(run("analyze", str(IR_CORPUS / "warp_assumptions.cu"), "--format", "json").output)
    kernel = data["kernels"][0]
    assert kernel["kernel"] == "compact_count" and kernel["warp_size_assumptions"] >= 10
    assert {f["id"] for f in kernel["findings"]} == {"P0312"}


def test_missing_file_is_a_clean_error():
    result = subprocess.run([sys.executable, "-m", "porter", "analyze", "no/such/file.cu"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("porter: error[P0001]: no such file")
    assert "Traceback" not in result.stderr
