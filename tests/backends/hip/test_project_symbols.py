"""A project's own names are not CUDA APIs; the compile gate compiles a port where it lives.

The fixture project (tests/corpus/hip/project) has a shared header, common.cuh, that declares
names shaped like CUDA's (an error-check macro `cudaCheck`, a function `cublasCheck`, globals
`cublas_handle` and `cudaMainStream`, a typedef, an enum, a struct, a device helper), two files
that use them, and a file that calls `cudaFooBarBaz`, which nothing declares.
"""

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import porter
from porter.backends.hip import compile_gate, project_symbols
from porter.backends.hip.compile_gate import find_hipcc, hip_version_of, installed_hip_version
from porter.backends.hip.gate import gate_tree
from porter.backends.hip.options import HipOptions
from porter.cli import cli
from porter.port import port_tree

PROJECT = Path(__file__).resolve().parents[2] / "corpus" / "hip" / "project"
PROJECT_NAMES = ("cudaCheck", "CUDA_SAFE_CALL", "cublasCheck", "cublas_handle", "cudaMainStream", "cuSquare",
                 "cudaLaunchShape", "cublasStatusCode", "CUBLAS_OUTCOME_OK", "CUBLAS_OUTCOME_FAILED",
                 "cudaDeviceCount_cached", "cudaStat", "cudaErrLocal")
HIPCC = find_hipcc()
needs_hipcc = pytest.mark.skipif(HIPCC is None and os.environ.get("PORTER_REQUIRE_HIPCC") != "1",
                                 reason="hipcc not installed (apt-get install -y hipcc libamdhip64-dev)")


def _p0230(result):
    return [d for d in result.diagnostics if d.id == "P0230"]


@pytest.mark.parametrize("name, ported_call", [("common.cuh", "hipGetErrorString"), ("saxpy.cu", "hipMalloc"),
                                               ("scale.cu", "hipDeviceSynchronize")])
def test_names_declared_in_the_included_header_are_not_unknown_cuda_apis(name, ported_call):
    result = porter.translate(PROJECT / name, "hip", hip_version="5.2")
    assert _p0230(result) == [], [d.message for d in _p0230(result)]
    assert not any(f"`{n}`" in d.message for d in result.diagnostics for n in PROJECT_NAMES)
    assert ported_call in result.code  # CUDA's own calls are still ported


def test_a_cuda_shaped_name_declared_nowhere_is_still_reported():
    result = porter.translate(PROJECT / "unknown_api.cu", "hip", hip_version="5.2")
    assert [d.message.split("`")[1] for d in _p0230(result)] == ["cudaFooBarBaz"]
    assert result.errors and _p0230(result)[0].span.line == 5


def test_text_without_a_path_knows_only_its_own_names():
    text = '#include "common.cuh"\nvoid f() { cudaCheck(cudaDeviceSynchronize()); }\n'
    result = porter.translate(text, "hip", hip_version="5.2")
    assert [d.message.split("`")[1] for d in _p0230(result)] == ["cudaCheck"]


def test_headers_are_followed_through_relative_and_nested_includes(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "outer.h").write_text('#include "inner.h"\nextern int cudaOuterFlag;\n')
    (tmp_path / "include" / "inner.h").write_text(
        "namespace cudaTools { struct cudaTimer { float ms; }; }\n"
        "using cudaRealT = double;\n"
        "#define CUDA_ERRCK(x) (x)\n"
        "void cudaHelper(int cudaArg);\n"
        '#include "outer.h"\n')  # a cycle: each header is read once
    source = tmp_path / "app" / "main.cu"
    source.write_text('#include "../include/outer.h"\n'
                      "void f() { cudaTools::cudaTimer t; cudaRealT r = cudaOuterFlag; cudaHelper(1);\n"
                      "  CUDA_ERRCK(cudaDeviceSynchronize()); cudaNotDeclared(); }\n")
    result = porter.translate(source, "hip", hip_version="5.2")
    assert [d.message.split("`")[1] for d in _p0230(result)] == ["cudaNotDeclared"]


def test_a_header_is_scanned_once_per_content(tmp_path):
    content = f"// {tmp_path}\n#define cudaOnce(x) (x)\n"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "h.cuh").write_text(content)
        (tmp_path / folder / "k.cu").write_text('#include "h.cuh"\nvoid f() { cudaOnce(1); }\n')
    before = project_symbols.cache_size()
    for folder in ("a", "b"):
        assert _p0230(porter.translate(tmp_path / folder / "k.cu", "hip")) == []
    assert project_symbols.cache_size() == before + 1


@needs_hipcc
@pytest.mark.hipcc
def test_the_gate_compiles_a_port_beside_its_ported_header(tmp_path):
    out = tmp_path / "out"
    port_tree(PROJECT, out, "hip", jobs=1, hip_version="5.2")
    rows = {path: status for path, _, status in gate_tree(out, ["gfx90a"], jobs=2)}
    assert rows["saxpy.cu"] == "compiles", rows
    assert rows["scale.cu"] == "compiles", rows
    assert rows["unknown_api.cu"].startswith("needs a person"), rows


@needs_hipcc
@pytest.mark.hipcc
def test_compile_file_finds_a_header_through_the_source_folder(tmp_path):
    headers, ported = tmp_path / "src", tmp_path / "out"
    headers.mkdir()
    ported.mkdir()
    (headers / "shape.h").write_text("#pragma once\nconstexpr int kBlock = 64;\n")
    (ported / "k.hip").write_text('#include <hip/hip_runtime.h>\n#include "shape.h"\n'
                                  "__global__ void k(float* x) { x[threadIdx.x % kBlock] = 1.0f; }\n")
    assert not compile_gate.compile_file(ported / "k.hip", "gfx90a", hipcc=HIPCC).ok
    result = compile_gate.compile_file(ported / "k.hip", "gfx90a", hipcc=HIPCC, include_dirs=(headers,))
    assert result.ok, result.output


def test_hip_version_of_reads_hipcc_banner():
    assert hip_version_of("HIP version: 5.2.21153-0\nclang version 15.0.6") == "5.2"
    assert hip_version_of("HIP version: 6.3.42131-fa1d09cbd") == "6.3"
    assert hip_version_of("nvcc: NVIDIA (R) Cuda compiler driver") is None


@needs_hipcc
def test_hip_version_auto_is_the_installed_hipcc():
    banner = subprocess.run([HIPCC, "--version"], capture_output=True, text=True,
                            env={**os.environ, "HIP_PLATFORM": "amd"}).stdout
    expected = hip_version_of(banner)
    assert expected is not None
    assert HipOptions(hip_version="auto").hip_version == expected == installed_hip_version()
    result = CliRunner().invoke(cli, ["translate", str(PROJECT / "saxpy.cu"), "--to", "hip",
                                       "--hip-version", "auto"])
    assert result.exit_code == 0, result.output
    assert "hipStreamCreate" in result.output


def test_hip_version_auto_without_hipcc_is_an_error(monkeypatch):
    monkeypatch.setattr(compile_gate, "installed_hip_version", lambda: None)
    with pytest.raises(ValueError, match="auto: no hipcc"):
        HipOptions(hip_version="auto")

