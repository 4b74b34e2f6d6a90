"""The project fixture (tests/fixtures/project: a shared header in include/, two programs and a
kernel header in src/) ported as a tree with its -I: every kernel reaches every backend, HIP does
not take the project's names for CUDA APIs, the HIP port compiles where it lives, and editing a
header re-ports exactly the files that include it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from porter.backends.hip.compile_gate import compile_file, find_hipcc
from porter.cli import cli
from porter.port import port_tree

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "project"
SOURCES = ("include/common.cuh", "src/affine.cu", "src/blocksum.cuh", "src/saxpy.cu")
KERNELS = {"src/affine.cu": ["affine"], "src/blocksum.cuh": ["block_sum"], "src/saxpy.cu": ["scaled_clamp"]}
HIPCC = find_hipcc()
needs_hipcc = pytest.mark.skipif(HIPCC is None and os.environ.get("PORTER_REQUIRE_HIPCC") != "1",
                                 reason="hipcc not installed (apt-get install -y hipcc libamdhip64-dev)")


def _port(tree: Path, out: Path, target: str) -> dict:
    result = CliRunner().invoke(cli, ["port", str(tree), "--to", target, "--out", str(out), "-j", "1",
                                      "-I", str(tree / "include")])
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text())


@pytest.mark.parametrize("target", ["hip", "triton", "pallas", "nki"])
def test_every_kernel_ports_to_every_backend(tmp_path, target):
    report = _port(FIXTURE, tmp_path / "out", target)
    files = {f["path"]: f for f in report["files"]}
    assert sorted(files) == list(SOURCES)
    for path, names in KERNELS.items():
        kernels = {k["name"]: k["verdict"] for k in files[path]["kernels"]}
        assert kernels == {n: "ported" for n in names}, (path, files[path]["diagnostics"])
        assert [d for d in files[path]["diagnostics"] if d["severity"] == "error"] == []
    assert report["summary"]["kernels"] == {"found": 3, "ported": 3, "refused": 0, "internal-error": 0}


def test_hip_takes_no_project_name_for_an_unknown_cuda_api(tmp_path):
    report = _port(FIXTURE, tmp_path / "out", "hip")
    ids = [d["id"] for f in report["files"] for d in f["diagnostics"]]
    assert "P0230" not in ids and "P0050" not in ids
    header = (tmp_path / "out" / "include" / "common.cuh").read_text()
    assert "hipError_t e = (x); if (e != hipSuccess)" in header  # CHECK's body is ported, CHECK is kept
    assert "CHECK(hipMalloc(&x" in (tmp_path / "out" / "src" / "saxpy.cu").read_text()


@needs_hipcc
@pytest.mark.hipcc
def test_the_hip_port_compiles_where_it_lives(tmp_path):
    out = tmp_path / "out"
    _port(FIXTURE, out, "hip")
    for path in KERNELS:  # each output beside its ported headers; the -I folder is the ported include/
        result = compile_file(out / path, "gfx90a", hipcc=HIPCC, include_dirs=[out / "include"])
        assert result.ok, (path, result.first_error)
        assert str(out / path) in result.command


def _statuses(report: dict) -> dict[str, str]:
    return {f["path"]: f["status"] for f in report["files"]}


def test_editing_a_header_re_ports_exactly_the_files_that_include_it(tmp_path):
    tree, out = tmp_path / "tree", tmp_path / "out"
    shutil.copytree(FIXTURE, tree)
    assert set(_statuses(_port(tree, out, "triton")).values()) == {"translated"}
    assert set(_statuses(_port(tree, out, "triton")).values()) == {"up-to-date"}

    kernel_header = tree / "src" / "blocksum.cuh"  # included by nothing
    kernel_header.write_text(kernel_header.read_text().replace("s >>= 1", "s /= 2"))
    again = _statuses(_port(tree, out, "triton"))
    assert {p for p, s in again.items() if s != "up-to-date"} == {"src/blocksum.cuh"}

    shared = tree / "include" / "common.cuh"  # included by all three (through -I)
    shared.write_text(shared.read_text().replace("#define BLOCK 256", "#define BLOCK 128"))
    again = _statuses(_port(tree, out, "triton"))
    assert {p for p, s in again.items() if s != "up-to-date"} == set(SOURCES)
    assert "128" in (out / "src" / "saxpy.py").read_text()
