"""`porter check -I/-D/...`: every translation a check makes uses the project's compile context."""

import dataclasses
import json

import pytest
from click.testing import CliRunner

from porter.backends.hip.compile_gate import find_hipcc
from porter.check.hip import HipChecker
from porter.check.machine import Machine
from porter.check.nki import MODEL, NkiChecker
from porter.check.records import PASS, UNSUPPORTED
from porter.cli.check import check as check_command
from tests.golden_cases import golden_cases

HEADER = """#pragma once
typedef float real;
__device__ inline real axpy(real a, real x, real y) { return a * x + y; }
"""
KERNEL = """#include "axpy.cuh"
__global__ void saxpy(int n, real a, const real* __restrict__ x, real* __restrict__ y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = axpy(a, x[i], y[i]);
    }
}
"""


@pytest.fixture()
def project(tmp_path):
    """saxpy rewritten to take its element type and helper from a header in another folder."""
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "axpy.cuh").write_text(HEADER)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "saxpy.cu").write_text(KERNEL)
    spec, cases = golden_cases("saxpy", "n1000")
    return dataclasses.replace(spec, source=tmp_path / "src" / "saxpy.cu"), cases, tmp_path / "include"


def test_nki_check_uses_the_include_folders(project, tmp_path):
    spec, cases, include = project
    alone = NkiChecker(Machine(tmp_path / "a"), real=False).check_kernel(spec, cases)
    assert {r.status for r in alone} == {UNSUPPORTED} and "P0050" in alone[0].detail
    with_flags = NkiChecker(Machine(tmp_path / "b", project={"include_dirs": [include]}), real=False)
    checks = {r.check: r for r in with_flags.check_kernel(spec, cases)}
    assert checks[MODEL].status == PASS, checks[MODEL].detail


def test_check_reads_the_compilation_database(project, tmp_path):
    spec, cases, include = project
    database = tmp_path / "compile_commands.json"
    database.write_text(json.dumps([{"directory": str(spec.source.parent), "file": "saxpy.cu",
                                     "command": f"nvcc -I{include} -c saxpy.cu"}]))
    machine = Machine(tmp_path / "b", project={"compile_commands": database})
    checks = {r.check: r for r in NkiChecker(machine, real=False).check_kernel(spec, cases)}
    assert checks[MODEL].status == PASS, checks[MODEL].detail


@pytest.mark.skipif(find_hipcc() is None, reason="hipcc is not installed")
def test_hip_gate_compiles_with_the_include_folders(project, tmp_path):
    spec, cases, include = project
    machine = Machine(tmp_path / "b", project={"include_dirs": [include]})
    records = HipChecker(machine).check_kernel(spec, cases)
    gates = {r.check: r for r in records if r.check.startswith("compile")}
    assert gates and all(r.status == PASS for r in gates.values()), {k: r.detail for k, r in gates.items()}


def test_cli_takes_the_project_options(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(check_command, ["--help"])
    for option in ("-I, --include-dir", "-D, --define", "-U, --undefine", "--compile-commands", "--cuda-path"):
        assert option in shown.output
    bad = runner.invoke(check_command, ["-D", "1BAD", "--backend", "nki", "--build-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "not a macro name" in bad.output


def test_cli_passes_them_to_every_translation(tmp_path, monkeypatch):
    from porter.cli import check as check_cli

    seen = {}

    def fake_run(paths, backends, case_glob, machine, progress=None, keep=None):
        seen["project"] = machine.project
        return []

    monkeypatch.setattr(check_cli, "run_checks", fake_run)
    (tmp_path / "inc").mkdir()
    CliRunner().invoke(check_command, ["--backend", "nki", "--case", "saxpy/n1000", "-I", str(tmp_path / "inc"),
                             "-D", "N=4", "-std", "c++20", "--build-dir", str(tmp_path / "build")])
    context = seen["project"]["project"]
    assert context.include_dirs == (str(tmp_path / "inc"),)
    assert context.defines == (("N", "4"),) and context.std == "c++20"
